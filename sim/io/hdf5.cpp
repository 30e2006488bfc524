#include "sim/io/hdf5.hpp"

#include "sim/io/seal.hpp"

#include <fmt/format.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <stdexcept>

#include "sim/core/checked.hpp"

namespace sim::h5 {
namespace {

Handle string_type() {
  Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  check(H5Tset_size(type, H5T_VARIABLE), "string size");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "string charset");
  return type;
}

// Result datasets are stored contiguous and uncompressed: deflate took 7% of the baseline
// ensemble's wall time to halve a file of a few megabytes (README.md, "Performance"). Archive
// copies compress afterwards with h5repack; sweep files, assembled once, are compressed.
Handle dataset_properties(const std::vector<hsize_t>& /*shape*/) {
  return Handle(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"), H5Pclose);
}

Handle write_array(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                   hid_t type, const void* data) {
  Handle space(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                     "dataspace of " + name),
               H5Sclose);
  Handle plist = dataset_properties(shape);
  Handle ds(check(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, plist, H5P_DEFAULT),
                  "create dataset " + name),
            H5Dclose);
  check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write dataset " + name);
  return ds;
}

Handle simple_space(const std::vector<hsize_t>& shape, const std::string& what) {
  return Handle(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                      "dataspace of " + what),
                H5Sclose);
}

Handle open_attribute(hid_t object, const std::string& name) {
  return Handle(check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "open attribute " + name),
                H5Aclose);
}

}  // namespace

hid_t check(hid_t result, const std::string& what) {
  if (result < 0) throw std::runtime_error("HDF5 failed: " + what);
  return result;
}

Handle create_file(const std::string& path) {
  // Creation order is tracked as netCDF-4 does, so netCDF tools list things in written order.
  Handle fcpl(check(H5Pcreate(H5P_FILE_CREATE), "file properties"), H5Pclose);
  check(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creation order");
  check(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "attribute order");
  check(H5Pset_userblock(fcpl, kSealBytes), "user block for the seal");
  return Handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), "create " + path),
                H5Fclose);
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle gcpl(check(H5Pcreate(H5P_GROUP_CREATE), "group properties"), H5Pclose);
  check(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creation order");
  return Handle(
      check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), "group " + name),
      H5Gclose);
}

void write_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type = string_type();
  Handle space(check(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  Handle attr(check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                    "attribute " + name),
              H5Aclose);
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), "write attribute " + name);
}

void write_attribute(hid_t object, const std::string& name, const std::vector<std::string>& value) {
  Handle type = string_type();
  Handle space = simple_space({value.size()}, "attribute " + name);
  Handle attr(check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                    "attribute " + name),
              H5Aclose);
  std::vector<const char*> texts(value.size());
  std::transform(value.begin(), value.end(), texts.begin(),
                 [](const std::string& v) { return v.c_str(); });
  check(H5Awrite(attr, type, texts.data()), "write attribute " + name);
}

Handle create_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                      const std::vector<hsize_t>& chunk) {
  Handle space = simple_space(shape, name);
  Handle plist(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"), H5Pclose);
  check(H5Pset_chunk(plist, static_cast<int>(chunk.size()), chunk.data()), "chunking");
  check(H5Pset_shuffle(plist), "shuffle filter");
  check(H5Pset_deflate(plist, 4), "deflate filter");
  return Handle(check(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, plist,
                                 H5P_DEFAULT),
                      "create dataset " + name),
                H5Dclose);
}

void write_block(hid_t dataset, const std::vector<hsize_t>& offset,
                 const std::vector<hsize_t>& count, const double* data) {
  Handle file_space(check(H5Dget_space(dataset), "dataset space"), H5Sclose);
  check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, offset.data(), nullptr, count.data(),
                            nullptr),
        "select block");
  Handle memory = simple_space(count, "block");
  check(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory, file_space, H5P_DEFAULT, data), "write block");
}

void write_attribute(hid_t object, const std::string& name, double value) {
  Handle space(check(H5Screate(H5S_SCALAR), "scalar space"), H5Sclose);
  Handle attr(
      check(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT),
            "attribute " + name),
      H5Aclose);
  check(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), "write attribute " + name);
}

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  write_attribute(object, name, std::vector<std::int64_t>{value});
}

void write_attribute(hid_t object, const std::string& name,
                     const std::vector<std::int64_t>& value) {
  const hsize_t n = value.size();
  Handle space(check(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), "space"),
               H5Sclose);
  Handle attr(
      check(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
            "attribute " + name),
      H5Aclose);
  check(H5Awrite(attr, H5T_NATIVE_INT64, value.data()), "write attribute " + name);
}

Handle write_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                     const double* data) {
  return write_array(parent, name, shape, H5T_IEEE_F64LE, data);
}

Handle write_ints(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                  const std::int64_t* data) {
  return write_array(parent, name, shape, H5T_STD_I64LE, data);
}

Handle write_bytes(hid_t parent, const std::string& name, const std::vector<hsize_t>& shape,
                   const std::int8_t* data) {
  return write_array(parent, name, shape, H5T_STD_I8LE, data);
}

Handle write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& values,
                     bool scalar) {
  Handle type = string_type();
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  const hsize_t n = values.size();
  Handle space(check(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), "space"),
               H5Sclose);
  Handle ds(
      check(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            "create dataset " + name),
      H5Dclose);
  // Writing variable-length strings converts them through a buffer that HDF5 allocates and
  // zeroes for every write, 1 MiB by default: a few hundred bytes per string are plenty (larger
  // writes are converted in strips), and the default cost a one-replicate run 6% of its time.
  constexpr hsize_t kBufferBytesPerString = 64;
  Handle transfer(check(H5Pcreate(H5P_DATASET_XFER), "transfer properties"), H5Pclose);
  check(H5Pset_buffer(transfer, std::max<hsize_t>(n, 1) * kBufferBytesPerString, nullptr, nullptr),
        "conversion buffer");
  check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, transfer, pointers.data()), "write dataset " + name);
  return ds;
}

void make_dimension(hid_t scale, const std::string& name) {
  check(H5DSset_scale(scale, name.c_str()), "dimension scale " + name);
}

void attach_dimension(hid_t dataset, hid_t scale, unsigned index) {
  check(H5DSattach_scale(dataset, scale, index), "attach dimension scale");
}

Handle open_file(const std::string& path) {
  check_seal(path);
  return Handle(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path),
                H5Fclose);
}

Handle open_dataset(hid_t parent, const std::string& path) {
  return Handle(check(H5Dopen2(parent, path.c_str(), H5P_DEFAULT), "open dataset " + path),
                H5Dclose);
}

Handle open_group(hid_t parent, const std::string& path) {
  return Handle(check(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), "open group " + path), H5Gclose);
}

bool exists(hid_t parent, const std::string& path) {
  return H5Lexists(parent, path.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names),
        "list group members");
  return names;
}

std::vector<hsize_t> shape_of(hid_t dataset) {
  Handle space(check(H5Dget_space(dataset), "dataspace"), H5Sclose);
  const auto rank = check(H5Sget_simple_extent_ndims(space), "rank");
  std::vector<hsize_t> shape(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space, shape.data(), nullptr), "dims");
  return shape;
}

namespace {

// The object's path in its file ("/goals/met"), so that a message names what was wrong.
std::string name_of(hid_t object) {
  const ssize_t size = H5Iget_name(object, nullptr, 0);
  if (size <= 0) return "(unnamed)";
  std::string name(static_cast<std::size_t>(size) + 1, '\0');
  H5Iget_name(object, name.data(), name.size());
  name.resize(static_cast<std::size_t>(size));
  return name;
}

// Deflate, the only filter clustersim writes, shrinks data at most about 1032 times (zlib's
// technical details), so a dataset stating more than this many times its file's bytes was not
// written by clustersim: HDF5 would hand back fill values, and the reader would allocate them.
constexpr std::uint64_t kMostExpansion = 1100;

// A file's shape is untrusted: a product that wraps around would size the buffer HDF5 reads
// into, and the caller's loops over the stated shape, wrongly, so it is refused; so is a shape
// whose 8-byte values the file could not hold, even compressed.
std::size_t element_count(hid_t dataset) {
  const std::vector<hsize_t> shape = shape_of(dataset);
  const std::optional<std::size_t> count = checked_product(shape);
  if (!count) {
    throw std::runtime_error(
        fmt::format("dataset {} has shape [{}]: more elements than memory can address",
                    name_of(dataset), fmt::join(shape, ", ")));
  }
  hsize_t file_bytes = 0;
  const Handle file(H5Iget_file_id(dataset), H5Fclose);
  if (file.get() >= 0 && H5Fget_filesize(file, &file_bytes) >= 0 &&
      *count > kMostExpansion * (std::uint64_t{file_bytes} + 4096) / sizeof(double)) {
    throw std::runtime_error(
        fmt::format("dataset {} has shape [{}]: more values than a file of {} bytes can hold",
                    name_of(dataset), fmt::join(shape, ", "), file_bytes));
  }
  return *count;
}

// HDF5 converts a float dataset or attribute to int64 on request, and its conversion of NaN or
// of a number out of range is undefined behaviour inside the library: integers are read from
// integers only, as read_strings reads text only from text.
void require_integers(hid_t file_type, const std::string& what) {
  if (H5Tget_class(file_type) != H5T_INTEGER) {
    throw std::runtime_error(what + " does not hold integers");
  }
}

}  // namespace

std::vector<double> read_doubles(hid_t dataset) {
  std::vector<double> out(element_count(dataset));
  check(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read");
  return out;
}

std::vector<std::int64_t> read_ints(hid_t dataset) {
  Handle file_type(check(H5Dget_type(dataset), "type"), H5Tclose);
  require_integers(file_type, "dataset " + name_of(dataset));
  std::vector<std::int64_t> out(element_count(dataset));
  check(H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read");
  return out;
}

std::vector<std::string> read_strings(hid_t dataset) {
  Handle type = string_type();
  Handle file_type(check(H5Dget_type(dataset), "type"), H5Tclose);
  if (H5Tget_class(file_type) != H5T_STRING || H5Tis_variable_str(file_type) <= 0) {
    throw std::runtime_error("dataset does not hold variable-length strings");
  }
  std::vector<char*> pointers(element_count(dataset), nullptr);
  check(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), "read strings");
  std::vector<std::string> out;
  out.reserve(pointers.size());
  for (char* p : pointers) out.emplace_back(p != nullptr ? p : "");
  Handle space(check(H5Dget_space(dataset), "dataspace"), H5Sclose);
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, pointers.data());
  return out;
}

std::string read_string_attribute(hid_t object, const std::string& name) {
  Handle attr = open_attribute(object, name);
  Handle file_type(check(H5Aget_type(attr), "attribute type"), H5Tclose);
  Handle space(check(H5Aget_space(attr), "attribute space"), H5Sclose);
  if (H5Tget_class(file_type) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1) {
    throw std::runtime_error("attribute " + name + " is not a single text");
  }
  if (H5Tis_variable_str(file_type) > 0) {
    Handle type = string_type();
    char* text = nullptr;
    check(H5Aread(attr, type, &text), "read attribute " + name);
    std::string out = text != nullptr ? text : "";
    H5free_memory(text);
    return out;
  }
  const std::size_t size = H5Tget_size(file_type);
  Handle type(check(H5Tcopy(H5T_C_S1), "string type"), H5Tclose);
  check(H5Tset_size(type, size), "string size");
  std::string out(size, '\0');
  check(H5Aread(attr, type, out.data()), "read attribute " + name);
  out.erase(std::find(out.begin(), out.end(), '\0'), out.end());
  return out;
}

std::vector<std::int64_t> read_int_attribute(hid_t object, const std::string& name) {
  Handle attr = open_attribute(object, name);
  Handle file_type(check(H5Aget_type(attr), "attribute type"), H5Tclose);
  require_integers(file_type, "attribute " + name + " of " + name_of(object));
  Handle space(check(H5Aget_space(attr), "attribute space"), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::int64_t> out(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  check(H5Aread(attr, H5T_NATIVE_INT64, out.data()), "read attribute " + name);
  return out;
}

}  // namespace sim::h5
