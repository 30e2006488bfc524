// Errors about the user's input: every one names where it was found.
#pragma once

#include <stdexcept>
#include <string>

namespace sim {

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

}  // namespace sim
