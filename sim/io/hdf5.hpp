// Small RAII layer over the HDF5 C API: just what result files need.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sim::h5 {

// Owns one HDF5 identifier and closes it with the matching H5*close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT(google-explicit-constructor): C API glue
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Throws std::runtime_error naming `what` when an HDF5 call failed (negative result).
hid_t check(hid_t result, const std::string& what);

// --- writing -----------------------------------------------------------------------------
// A new file with room for its seal (sim/file_seal.hpp), which seal_file writes once it is
// closed.
Handle create_file(const std::string& path);
Handle create_group(hid_t parent, const std::string& name);

void write_attribute(hid_t object, const std::string& name, const std::string& value);
void write_attribute(hid_t object, const std::string& name, double value);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
void write_attribute(hid_t object, const std::string& name, const std::vector<std::int64_t>& value);

// A 1-D attribute of variable-length UTF-8 strings.
void write_attribute(hid_t object, const std::string& name, const std::vector<std::string>& value);

// A float64 dataset of the given shape, chunked and compressed when large enough.
Handle write_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                     const double* data);
Handle write_ints(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                  const std::int64_t* data);
Handle write_bytes(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                   const std::int8_t* data);
// A 1-D dataset of variable-length UTF-8 strings, or a scalar one when `scalar` is true.
Handle write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& values,
                     bool scalar = false);

// An empty float64 dataset of `shape` in chunks of `chunk` (compressed), to be filled block by
// block with write_block.
Handle create_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                      const std::vector<hsize_t>& chunk);
// Writes the block of `count` elements per axis starting at `offset`, row-major in `data`.
void write_block(hid_t dataset, const std::vector<hsize_t>& offset,
                 const std::vector<hsize_t>& count, const double* data);

// Dimension scales in the netCDF-4 convention: `scale` becomes the dimension `name`, and
// dimension `index` of `dataset` is attached to it.
void make_dimension(hid_t scale, const std::string& name);
void attach_dimension(hid_t dataset, hid_t scale, unsigned index);

// --- reading -----------------------------------------------------------------------------
// Opens a file read-only once its seal is checked (InputError when it is missing or broken),
// so that HDF5 never parses a file that is truncated, damaged or not ours.
Handle open_file(const std::string& path);
Handle open_dataset(hid_t parent, const std::string& path);

Handle open_group(hid_t parent, const std::string& path);
bool exists(hid_t parent, const std::string& path);
// Names of a group's members, in name order.
std::vector<std::string> member_names(hid_t group);
std::vector<hsize_t> shape_of(hid_t dataset);
std::vector<double> read_doubles(hid_t dataset);
// Integers only (any integer type): a float dataset or attribute throws std::runtime_error
// naming it, rather than be converted by HDF5.
std::vector<std::int64_t> read_ints(hid_t dataset);
std::vector<std::string> read_strings(hid_t dataset);
std::string read_string_attribute(hid_t object, const std::string& name);
std::vector<std::int64_t> read_int_attribute(hid_t object, const std::string& name);

}  // namespace sim::h5
