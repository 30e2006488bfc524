// Bounded reads (sim/config/limits.hpp): a file is read to its end or to one byte past its
// limit, in blocks, whatever its length; a CSV data file past 16 MiB is refused.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/config/csv.hpp"
#include "sim/config/limits.hpp"
#include "sim/core/errors.hpp"

namespace {

std::string bytes(std::size_t n) {
  std::string text(n, '\0');
  for (std::size_t i = 0; i < n; ++i) text[i] = static_cast<char>('a' + i % 26);
  return text;
}

TEST(Limits, ReadAtMostReadsToTheEndOrOnePastTheLimit) {
  constexpr std::size_t kLimit = 100'000;  // more than one block of the reader
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{65'536}, kLimit - 1,
                              kLimit, kLimit + 1, kLimit + 2, 3 * kLimit}) {
    const std::string text = bytes(n);
    std::istringstream in(text);
    const std::string read = sim::limits::read_at_most(in, kLimit);
    EXPECT_EQ(read, text.substr(0, kLimit + 1)) << n << " bytes";
    EXPECT_FALSE(in.bad());
  }
}

TEST(Limits, CsvFileOverTheLimitIsRefused) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("clustersim-limits-" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "a,b\n";
    for (std::size_t row = 0; row < (sim::limits::kCsvBytes - 4) / 4; ++row) out << "1,1\n";
  }
  EXPECT_EQ(sim::read_csv(path.string()).header.size(), 2u);  // exactly at the limit
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << "\n";
  }
  try {
    sim::read_csv(path.string());
    ADD_FAILURE() << "a CSV file past the limit was read";
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 16 MiB"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
