#include "sim/config/csv.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "sim/config/limits.hpp"
#include "sim/core/errors.hpp"

namespace sim {
namespace {

// Splits CSV text into records of fields; quoted fields may hold commas, quotes ("") and
// newlines.
std::vector<std::vector<std::string>> split_records(const std::string& text,
                                                    const std::string& file,
                                                    std::vector<int>& lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  int line = 1;
  int record_line = 1;
  auto end_field = [&] {
    if (field.size() > limits::kStringBytes) {
      throw InputError({file, record_line, 1}, "",
                       fmt::format("a field of {} bytes; a CSV field may have at most {}",
                                   field.size(), limits::bytes_text(limits::kStringBytes)));
    }
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(record.size() == 1 && record[0].empty())) {
      records.push_back(std::move(record));
      lines.push_back(record_line);
    }
    record.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_record();
      ++line;
      record_line = line;
    } else if (c != '\r') {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw InputError({file, record_line, 1}, "", "unterminated quoted field");
  if (!field.empty() || !record.empty()) end_record();
  return records;
}

}  // namespace

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw InputError({file, 1, 1}, "", fmt::format("the header has no column '{}'", name));
}

double CsvTable::number(std::size_t row, std::size_t col) const {
  const std::string& text = rows[row][col];
  double value = 0.0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    throw InputError({file, row_lines[row], static_cast<int>(col) + 1}, header[col],
                     fmt::format("'{}' is not a number", text));
  }
  return value;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, 0}, "", "cannot open data file");
  // At most one byte past the limit is read, whatever the file claims to be.
  const std::string text = limits::read_at_most(in, limits::kCsvBytes);
  if (in.bad()) throw InputError({path, 0, 0}, "", "cannot read data file");
  if (text.size() > limits::kCsvBytes) {
    throw InputError({path, 0, 0}, "",
                     fmt::format("data file has more than {}; a CSV data file may have at most "
                                 "that",
                                 limits::bytes_text(limits::kCsvBytes)));
  }
  CsvTable table;
  table.file = path;
  std::vector<int> lines;
  auto records = split_records(text, path, lines);
  if (records.empty()) throw InputError({path, 0, 0}, "", "data file is empty");
  table.header = std::move(records.front());
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header.size()) {
      throw InputError({path, lines[r], 1}, "",
                       fmt::format("row has {} fields, the header has {}", records[r].size(),
                                   table.header.size()));
    }
    table.rows.push_back(std::move(records[r]));
    table.row_lines.push_back(lines[r]);
  }
  return table;
}

}  // namespace sim
