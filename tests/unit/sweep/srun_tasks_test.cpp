// sim::refuse_unjoined_srun_tasks (sim/sweep/runner.hpp): srun starting several tasks that MPI
// does not join into one job (each sees a job of 1 rank) is refused with an InputError that
// names the fix; one task, a joined job, no srun, or a launcher that started one rank on
// purpose pass. Each test sets the variables srun and MPI launchers set, and restores them.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/errors.hpp"
#include "sim/sweep/runner.hpp"

namespace {

class SrunTasks : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kNames) {
      const char* value = std::getenv(name);
      saved_.emplace_back(value == nullptr ? std::nullopt : std::optional<std::string>(value));
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      if (saved_[i]) {
        ::setenv(kNames[i], saved_[i]->c_str(), 1);
      } else {
        ::unsetenv(kNames[i]);
      }
    }
  }
  static void set(const char* name, const char* value) { ::setenv(name, value, 1); }

  static constexpr std::array<const char*, 3> kNames{"SLURM_STEP_NUM_TASKS", "OMPI_COMM_WORLD_SIZE",
                                                     "PMI_SIZE"};

 private:
  std::vector<std::optional<std::string>> saved_;
};

TEST_F(SrunTasks, SeveralTasksThatMpiDoesNotJoinAreRefused) {
  set("SLURM_STEP_NUM_TASKS", "4");
  try {
    sim::refuse_unjoined_srun_tasks("sweep", 1);
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("srun started 4 tasks"), std::string::npos) << what;
    EXPECT_NE(what.find("each would run the whole sweep"), std::string::npos) << what;
    EXPECT_NE(what.find("srun --mpi=pmix"), std::string::npos) << what;
  }
  // The same under a launcher whose MPI library did not join them (MPICH given PMIx).
  EXPECT_THROW(sim::refuse_unjoined_srun_tasks("calibration", 1), sim::InputError);
}

TEST_F(SrunTasks, OneTaskAJoinedJobOrNoSrunPass) {
  EXPECT_NO_THROW(sim::refuse_unjoined_srun_tasks("sweep", 1));  // not under srun
  set("SLURM_STEP_NUM_TASKS", "1");
  EXPECT_NO_THROW(sim::refuse_unjoined_srun_tasks("sweep", 1));
  set("SLURM_STEP_NUM_TASKS", "4");
  EXPECT_NO_THROW(sim::refuse_unjoined_srun_tasks("sweep", 4));  // MPI joined the 4 tasks
  set("SLURM_STEP_NUM_TASKS", "four");
  EXPECT_NO_THROW(sim::refuse_unjoined_srun_tasks("sweep", 1));  // not srun's number
}

TEST_F(SrunTasks, ALauncherThatStartedOneRankOnPurposePasses) {
  // mpirun -n 1 on two nodes: its daemons are an srun step of 2 tasks, its rank a job of 1.
  set("SLURM_STEP_NUM_TASKS", "2");
  set("OMPI_COMM_WORLD_SIZE", "1");
  EXPECT_NO_THROW(sim::refuse_unjoined_srun_tasks("sweep", 1));
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  set("PMI_SIZE", "1");  // MPICH's mpiexec -n 1
  EXPECT_NO_THROW(sim::refuse_unjoined_srun_tasks("sweep", 1));
  set("PMI_SIZE", "2");  // its launcher meant 2 ranks, MPI sees 1
  EXPECT_THROW(sim::refuse_unjoined_srun_tasks("sweep", 1), sim::InputError);
}

}  // namespace
