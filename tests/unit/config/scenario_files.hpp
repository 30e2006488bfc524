// A test fixture for scenario-loader tests: a fresh folder per test holding the test world's
// data where the schema defaults look for it (data/clusters.csv, data/initial-state-2014.csv).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/cluster_model.hpp"

namespace scenario_tests {

namespace fs = std::filesystem;

inline const sim::Schema& schema() {
  static const models::ClusterModel model;
  return model.schema();
}

inline fs::path test_data(const std::string& name) {
  return fs::path(CLUSTERSIM_TEST_DATA) / name;
}

class ScenarioFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (fs::temp_directory_path() /
            ("clustersim-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .lexically_normal();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    fs::copy_file(test_data("clusters.csv"), dir_ / "data" / "clusters.csv");
    fs::copy_file(test_data("initial-state.csv"), dir_ / "data" / "initial-state-2014.csv");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes `text` to `name` in the test folder; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p.string();
  }

  fs::path dir_;
};

}  // namespace scenario_tests
