#include "sim/config/limits.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>

namespace sim::limits {

std::string read_at_most(std::istream& in, std::size_t limit) {
  std::string text;
  std::array<char, 65536> block{};
  while (text.size() <= limit && in) {
    const std::size_t want = std::min(block.size(), limit + 1 - text.size());
    in.read(block.data(), static_cast<std::streamsize>(want));
    text.append(block.data(), static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

std::string bytes_text(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

}  // namespace sim::limits
