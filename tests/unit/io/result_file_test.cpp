// Result files: written whole under their final name or not at all, and read back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "models/cluster_model.hpp"
#include "sim/io/result_file.hpp"

namespace fs = std::filesystem;

namespace {

class ResultFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clustersim-result-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ResultFile, RoundTripsGoalsAndLeavesNoTemporaryFile) {
  const models::ClusterModel model;
  const auto sc =
      sim::Scenario::load(std::string(CLUSTERSIM_TEST_DATA) + "/small.yaml", model.schema());
  const auto result = sim::run_ensemble(model, sc);
  const std::string path = (dir_ / "out.h5").string();
  sim::write_result_file(path, model, sc, result, {"test", 1});
  const auto goals = sim::read_goal_results(path);
  ASSERT_EQ(goals.goals.size(), result.goals.goals.size());
  EXPECT_EQ(goals.goals[0].id, "G1");
  EXPECT_EQ(goals.replicates, result.goals.replicates);
  EXPECT_EQ(goals.met, result.goals.met);
  for (std::size_t i = 0; i < goals.first_met.size(); ++i) {
    EXPECT_TRUE(goals.first_met[i] == result.goals.first_met[i] ||
                (std::isnan(goals.first_met[i]) && std::isnan(result.goals.first_met[i])));
  }
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "out.h5");
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(ResultFile, RefusesToReplaceWithoutForce) {
  const std::string path = (dir_ / "exists.h5").string();
  std::ofstream(path) << "previous";
  EXPECT_THROW(sim::check_output_path(path, false), sim::InputError);
  EXPECT_NO_THROW(sim::check_output_path(path, true));
}

TEST_F(ResultFile, RefusesAMissingFolder) {
  try {
    sim::check_output_path((dir_ / "no" / "such" / "out.h5").string(), true);
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST_F(ResultFile, ReadingSomethingElseIsAnInputError) {
  const std::string text = (dir_ / "text.h5").string();
  std::ofstream(text) << "not hdf5";
  try {
    sim::read_goal_results(text);
    FAIL() << "expected an InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(e.where().file, text);
    EXPECT_NE(std::string(e.what()).find("not an HDF5 file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sim::read_goal_results((dir_ / "missing.h5").string()), sim::InputError);
}

TEST_F(ResultFile, OnlyRuntimeErrorsOfTheWriterAreWriteErrors) {
  // A disk-full error of HDF5 (a runtime_error) is a WriteError; a bug or a failed allocation
  // is not reported as a full disk. Either way the temporary file is gone.
  const std::string path = (dir_ / "out.h5").string();
  EXPECT_THROW(
      sim::write_atomically(
          path, [](const std::string&) { throw std::runtime_error("HDF5 failed: write"); }),
      sim::WriteError);
  EXPECT_THROW(
      sim::write_atomically(path, [](const std::string&) { throw std::out_of_range("index"); }),
      std::out_of_range);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
