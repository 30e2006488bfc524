// The seal of every HDF5 file clustersim writes: its length and a CRC-32 of its contents,
// in the HDF5 user block (the first kSealBytes bytes, which HDF5 leaves to the application).
//
// Readers check the seal before HDF5 parses a byte, so a truncated, damaged or foreign file is
// refused with a clear message instead of being handed to a library that may crash on
// malformed input. The seal is plain text (`head -c 64 FILE` shows it), and HDF5 tools, h5py
// and netCDF read sealed files as usual.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sim {

// Size of the HDF5 user block that holds the seal (HDF5 wants a power of two >= 512).
inline constexpr std::size_t kSealBytes = 512;

// The seal's first line; the version after "seal" changes only with its layout.
inline constexpr const char* kSealHeader = "clustersim seal 1\n";

// Writes the seal of the closed HDF5 file at `path` (created with a kSealBytes user block).
// Throws std::runtime_error when the file cannot be read or written.
void seal_file(const std::string& path);

// Checks the seal of `path`; throws InputError naming the file and what is wrong: missing
// (another program's file, or not HDF5 at all), truncated, longer than written, or contents
// that no longer match their CRC-32.
void check_seal(const std::string& path);

// CRC-32 (zlib's, as Python's zlib.crc32) of `size` bytes.
std::uint32_t crc32_of(const unsigned char* data, std::size_t size);

}  // namespace sim
