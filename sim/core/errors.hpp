// The errors the engine raises and the exit codes they end the command line with: bad input
// (InputError, exit 2) names where it was found; a failed write (WriteError, exit 1); a NaN in
// a run's state (NumericalError, exit 1); a stop request (Cancelled, exit 128 + signal); a job
// over MPI ranks that stopped in order on every rank (JobStopped: the code rank 0 chose).
#pragma once

#include <stdexcept>
#include <string>

namespace sim {

// Exit codes: 0 ok, 1 runtime failure, 2 bad input; a stop by signal s exits 128 + s.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// A place in an input: a file (or "<--set>" for a command-line override), 1-based line and
// column. Line 0 means the whole file.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;
};

// Bad input: a scenario, data file or result file the program cannot use. The CLI reports the
// message and exits with code 2.
class InputError : public std::runtime_error {
 public:
  InputError(Location where, std::string key, std::string detail);

  const Location& where() const { return where_; }
  const std::string& key() const { return key_; }
  const std::string& detail() const { return detail_; }

 private:
  Location where_;
  std::string key_;
  std::string detail_;
};

// A NaN or infinity in a run's state. The run stops rather than write garbage; the message
// names the quarter, the phase, the cluster, the agent id and the field.
class NumericalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A result file could not be written (disk full, file size limit, I/O error). HDF5 may still
// hold the failed file open and crash closing it at exit: callers that can, end the process
// with std::_Exit after reporting it.
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a run or sweep when its cancel flag is raised; there is no partial result.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("the run was cancelled") {}
};

// A sweep over MPI ranks that every rank stopped in order (a signal, a failed run, bad input),
// thrown once MPI is finished: the exit code all ranks end with, which rank 0 chose and has
// already explained (the other ranks say nothing). `skip_exit_handlers`: this rank's own failure
// was a WriteError, so it ends without HDF5's exit handler (see WriteError).
class JobStopped : public std::runtime_error {
 public:
  JobStopped(int exit_code, bool skip_exit_handlers)
      : std::runtime_error("the sweep stopped on every MPI rank"),
        exit_code_(exit_code),
        skip_exit_handlers_(skip_exit_handlers) {}
  int exit_code() const { return exit_code_; }
  bool skip_exit_handlers() const { return skip_exit_handlers_; }

 private:
  int exit_code_;
  bool skip_exit_handlers_;
};

}  // namespace sim
