// Reading small RFC 4180 CSV tables (data files of initial conditions) with header checks.
#pragma once

#include <string>
#include <vector>

namespace sim {

struct CsvTable {
  std::string file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // 1-based line of each row, for error messages

  // Index of a column, or an InputError naming the file when the header lacks it.
  std::size_t column(const std::string& name) const;
  // The cell as a finite number, or an InputError naming file, line and column.
  double number(std::size_t row, std::size_t column) const;
};

// Reads a CSV file whose first line is a header; every row must have as many fields as the
// header. Errors are InputErrors naming the file and line.
CsvTable read_csv(const std::string& path);

}  // namespace sim
