// Bounds on everything a user hands the program, checked before the expensive work so that a
// small hostile file (an alias bomb, a 10^9-point grid) is an InputError, never a machine brought
// down. The values are documented in scenarios/README.md ("Limits"), which a test keeps in step.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

namespace sim::limits {

// A scenario or sweep file, and a CSV data file, in bytes.
inline constexpr std::size_t kFileBytes = std::size_t{1} << 20;
inline constexpr std::size_t kCsvBytes = std::size_t{16} << 20;
// YAML nodes of one document after alias expansion (every scalar, sequence and mapping counts).
inline constexpr std::size_t kYamlNodes = 100'000;
// Nesting depth of mappings and sequences.
inline constexpr std::size_t kYamlDepth = 32;
// One key or scalar, and one CSV field, in bytes.
inline constexpr std::size_t kStringBytes = 4096;
// Entries of one mapping or sequence: a schedule's dates, a per-cluster map, a grid's values.
inline constexpr std::size_t kEntries = 10'000;
// Files joined by `extends:`, the file itself included.
inline constexpr std::size_t kExtendsChain = 32;
// --set overrides on one command line, and the length of one.
inline constexpr std::size_t kOverrides = 1000;
inline constexpr std::size_t kOverrideBytes = 4096;

// Reads `in` to its end or to one byte past `limit`, whichever comes first, in blocks: a file that
// grows after its size was checked, or a FIFO, is still bounded, and a small file costs only its
// size (not a buffer of the limit, 16 MiB for a CSV file). A result longer than `limit` means the
// input is over it; the caller checks in.bad().
std::string read_at_most(std::istream& in, std::size_t limit);

// "1 MiB", "100000": a limit as the messages and the docs print it.
std::string bytes_text(std::size_t bytes);

}  // namespace sim::limits
