// The clustersim executable: the engine's command line with the plan's model plugged in.
#include "models/cluster_model.hpp"
#include "sim/cli/cli.hpp"

int main(int argc, char** argv) {
  const models::ClusterModel model;
  return sim::run_cli(argc, argv, model);
}
