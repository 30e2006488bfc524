// The shipped scenarios found by name: $CLUSTERSIM_SCENARIOS first, then the installed folder
// and the source tree's scenarios/; paths are never looked up.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "sim/config/scenario_library.hpp"

namespace fs = std::filesystem;

namespace {

class ScenarioLibrary : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("clustersim-library-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(folder_);
    std::ofstream(folder_ / "mine.yaml") << "name: mine\n";
    std::ofstream(folder_ / "shandong-2015.yaml") << "name: shadowing\n";
    ::setenv("CLUSTERSIM_SCENARIOS", ("/no/such/folder:" + folder_.string()).c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("CLUSTERSIM_SCENARIOS");
    fs::remove_all(folder_);
  }
  fs::path folder_;
};

TEST_F(ScenarioLibrary, TheEnvironmentsFoldersComeFirstAndOnlyExistingOnes) {
  const auto folders = sim::scenario_folders();
  ASSERT_FALSE(folders.empty());
  EXPECT_EQ(folders.front(), folder_);
  for (const auto& f : folders) EXPECT_NE(f, fs::path("/no/such/folder"));
  // The source tree's scenarios/ is searched too (this build was made from it).
  EXPECT_TRUE(std::any_of(folders.begin(), folders.end(), [](const fs::path& f) {
    return fs::exists(f / "shandong-2015.yaml") && f.filename() == "scenarios";
  }));
}

TEST_F(ScenarioLibrary, ABareNameWithOrWithoutYaml) {
  EXPECT_EQ(sim::find_shipped_scenario("mine"), (folder_ / "mine.yaml").string());
  EXPECT_EQ(sim::find_shipped_scenario("mine.yaml"), (folder_ / "mine.yaml").string());
  // The first folder that has the name wins: here the environment's over the source tree's.
  EXPECT_EQ(sim::find_shipped_scenario("shandong-2015"), (folder_ / "shandong-2015.yaml").string());
  EXPECT_EQ(sim::find_shipped_scenario("theirs"), std::nullopt);
}

TEST_F(ScenarioLibrary, PathsAreNotLookedUp) {
  EXPECT_EQ(sim::find_shipped_scenario("./mine"), std::nullopt);
  EXPECT_EQ(sim::find_shipped_scenario("sub/mine.yaml"), std::nullopt);
  EXPECT_EQ(sim::find_shipped_scenario(".."), std::nullopt);
  EXPECT_EQ(sim::find_shipped_scenario(""), std::nullopt);
  // An existing path is itself; a missing one that no folder has stays as written.
  const std::string here = (folder_ / "mine.yaml").string();
  EXPECT_EQ(sim::locate_scenario(here), here);
  EXPECT_EQ(sim::locate_scenario("mine"), here);
  EXPECT_EQ(sim::locate_scenario("theirs"), "theirs");
}

}  // namespace
