#include "sim/io/seal.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "sim/core/checked.hpp"
#include "sim/core/errors.hpp"

namespace sim {
namespace {

constexpr std::array<unsigned char, 8> kHdf5Signature{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_or_throw(const std::string& path, const char* mode) {
  File f(std::fopen(path.c_str(), mode));
  if (!f) throw std::runtime_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  return f;
}

struct Contents {
  std::uint64_t bytes = 0;       // the whole file's length
  std::uint32_t crc = 0;         // of everything after the seal
  bool hdf5_after_seal = false;  // HDF5's signature right after the seal's block
};

bool starts_with_hdf5_signature(const unsigned char* data, std::size_t size) {
  return size >= kHdf5Signature.size() &&
         std::memcmp(data, kHdf5Signature.data(), kHdf5Signature.size()) == 0;
}

// Reads the file from kSealBytes to its end; `head` receives its first kSealBytes bytes (fewer
// when the file is shorter).
Contents read_contents(std::FILE* f, std::vector<unsigned char>& head) {
  head.resize(kSealBytes);
  head.resize(std::fread(head.data(), 1, kSealBytes, f));
  Contents out{head.size(), static_cast<std::uint32_t>(crc32_z(0, nullptr, 0))};
  // 64 KiB at a time: a larger buffer reads no faster, and zeroing and faulting in 1 MiB cost a
  // small run's check a millisecond.
  std::vector<unsigned char> buffer(std::size_t{1} << 16);
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0;) {
    if (out.bytes == kSealBytes) out.hdf5_after_seal = starts_with_hdf5_signature(buffer.data(), n);
    out.crc = static_cast<std::uint32_t>(crc32_z(out.crc, buffer.data(), n));
    out.bytes += n;
  }
  if (std::ferror(f) != 0) throw std::runtime_error(std::strerror(errno));
  return out;
}

std::string seal_text(const Contents& c) {
  return fmt::format("{}bytes {}\ncrc32 {:08x}\n", kSealHeader, c.bytes, c.crc);
}

// The recorded contents, when `head` starts with a well-formed seal.
std::optional<Contents> parse_seal(const std::vector<unsigned char>& head) {
  const std::size_t header = std::strlen(kSealHeader);
  if (head.size() < kSealBytes || std::memcmp(head.data(), kSealHeader, header) != 0) {
    return std::nullopt;
  }
  std::string_view text(reinterpret_cast<const char*>(head.data()) + header, kSealBytes - header);
  // Each line as seal_text writes it: `name`, then the value up to a newline.
  const auto line = [&text](std::string_view name) -> std::string_view {
    const std::size_t end = text.find('\n');
    if (!text.starts_with(name) || end == std::string_view::npos) return {};
    const std::string_view value = text.substr(name.size(), end - name.size());
    text.remove_prefix(end + 1);
    return value;
  };
  const std::optional<std::uint64_t> bytes = parse_whole<std::uint64_t>(line("bytes "));
  const std::optional<std::uint32_t> crc = parse_whole<std::uint32_t>(line("crc32 "), 16);
  if (!bytes || !crc) return std::nullopt;
  return Contents{*bytes, *crc};
}

// HDF5 looks for its signature at 0 and after a user block (512, 1024, ... bytes).
bool is_hdf5(const std::vector<unsigned char>& head, const Contents& contents) {
  return starts_with_hdf5_signature(head.data(), head.size()) || contents.hdf5_after_seal;
}

}  // namespace

std::uint32_t crc32_of(const unsigned char* data, std::size_t size) {
  return static_cast<std::uint32_t>(crc32_z(crc32_z(0, nullptr, 0), data, size));
}

void seal_file(const std::string& path) {
  File f = open_or_throw(path, "r+b");
  std::vector<unsigned char> head;
  const Contents contents = read_contents(f.get(), head);
  if (!contents.hdf5_after_seal ||
      std::any_of(head.begin(), head.begin() + 64, [](unsigned char b) { return b != 0; })) {
    throw std::runtime_error(fmt::format("{} has no empty user block to seal", path));
  }
  const std::string text = seal_text(contents);
  if (std::fseek(f.get(), 0, SEEK_SET) != 0 ||
      std::fwrite(text.data(), 1, text.size(), f.get()) != text.size() ||
      std::fflush(f.get()) != 0) {
    throw std::runtime_error(fmt::format("cannot seal {}: {}", path, std::strerror(errno)));
  }
}

void check_seal(const std::string& path) {
  const Location where{path, 0, 0};
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError(where, "", fmt::format("cannot be read ({})", std::strerror(errno)));
  std::vector<unsigned char> head;
  Contents actual;
  try {
    actual = read_contents(f.get(), head);
  } catch (const std::runtime_error& e) {
    throw InputError(where, "", fmt::format("cannot be read ({})", e.what()));
  }
  const std::optional<Contents> sealed = parse_seal(head);
  if (!sealed) {
    throw InputError(where, "",
                     is_hdf5(head, actual)
                         ? "not a clustersim result file: an HDF5 file without clustersim's seal "
                           "(written by another program or by a clustersim older than the seal)"
                         : "not an HDF5 file");
  }
  if (actual.bytes < sealed->bytes) {
    throw InputError(where, "",
                     fmt::format("damaged or incomplete: truncated to {} of the {} bytes "
                                 "clustersim wrote",
                                 actual.bytes, sealed->bytes));
  }
  if (actual.bytes > sealed->bytes) {
    throw InputError(where, "",
                     fmt::format("damaged or changed: {} bytes where clustersim wrote {}",
                                 actual.bytes, sealed->bytes));
  }
  if (actual.crc != sealed->crc) {
    throw InputError(where, "",
                     fmt::format("damaged or changed since clustersim wrote it: the CRC-32 of its "
                                 "contents is {:08x}, its seal says {:08x}",
                                 actual.crc, sealed->crc));
  }
}

}  // namespace sim
