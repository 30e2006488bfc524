// Fuzz target: the result-file readers behind `clustersim goals`, `stats`, `sensitivity`,
// `report` and `merge`, run through the command line itself (sim::run_cli), must end with exit 0 or
// 2 on any file: anything else (exit 1, a crash, a hang, a sanitizer report) is a finding.
//
// The input is either raw bytes or, mostly, a program of edits. Raw bytes written as a file
// exercise the seal (sim/io/seal.hpp), which refuses them before HDF5 reads them. The edits
// are applied through the HDF5 API to a real file clustersim wrote (a result file with
// snapshots and a comparison, a Saltelli sweep file, one of its run files or its manifest),
// which is then sealed again: well-formed HDF5 whose contents are wrong (missing or retyped
// datasets and attributes, odd shapes, NaN, huge or negative numbers), which only the readers'
// own checks stand between and a crash. HDF5's own parser is not fuzzed: the seal keeps bytes
// clustersim did not write away from it (results/README.md, "The seal").
//
// Input layout: byte 0 picks the mode and the base file; then each edit is an opcode byte
// followed by the bytes its operands take (an input that runs out ends the program).
#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "models/cluster_model.hpp"
#include "sim/cli/cli.hpp"
#include "sim/io/hdf5.hpp"
#include "sim/io/seal.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = sim::h5;

const models::ClusterModel& model() {
  static const models::ClusterModel instance;
  return instance;
}

int cli(std::vector<std::string> args) {
  args.insert(args.begin(), "clustersim");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return sim::run_cli(static_cast<int>(argv.size()), argv.data(), model());
}

// Files clustersim wrote, made once per process: the bases the edits start from.
struct Bases {
  fs::path work;
  fs::path result;      // `run` with snapshots and a comparison
  fs::path sweep;       // a Saltelli sweep's result file
  fs::path runs;        // that sweep's kept folder of runs (manifest and run files)
  fs::path merge_copy;  // a copy of `runs` the merge mode edits one file of
  std::vector<fs::path> run_files;

  Bases() = default;
  Bases(const Bases&) = delete;
  Bases& operator=(const Bases&) = delete;
  Bases(Bases&&) = default;
  Bases& operator=(Bases&&) = delete;
  ~Bases() {
    std::error_code ec;
    if (!work.empty()) fs::remove_all(work, ec);
  }
};

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "result_fuzz: could not make its base files: %s\n", what);
    std::abort();
  }
}

Bases make_bases() {
  Bases b;
  b.work = fs::temp_directory_path() / ("clustersim-result-fuzz-" + std::to_string(getpid()));
  fs::remove_all(b.work);
  fs::create_directories(b.work);
  const fs::path data = CLUSTERSIM_TEST_DATA;
  b.result = b.work / "result.h5";
  require(cli({"run", (data / "small.yaml").string(), "--compare", (data / "small.yaml").string(),
               "--set", "output.firm_snapshots=true", "-q", "-o", b.result.string()}) == 0,
          "run");
  b.sweep = b.work / "sweep.h5";
  require(cli({"sweep", (data / "sweep-saltelli.yaml").string(), "--keep-runs", "-q", "-o",
               b.sweep.string()}) == 0,
          "sweep");
  b.runs = b.work / "sweep.h5.d";
  b.merge_copy = b.work / "merge.d";
  fs::copy(b.runs, b.merge_copy, fs::copy_options::recursive);
  for (const auto& entry : fs::directory_iterator(b.merge_copy / "local")) {
    b.run_files.push_back(fs::relative(entry.path(), b.merge_copy));
  }
  std::sort(b.run_files.begin(), b.run_files.end());
  require(!b.run_files.empty(), "kept runs");
  return b;
}

const Bases& bases() {
  static const Bases instance = make_bases();
  return instance;
}

// --- reading the input ---------------------------------------------------------------------

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& table) {
    return table[byte() % N];
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::array<double, 16> kDoubles{0.0,  1.0,   -1.0,   2.0,  3.0,  0.5,   2014.25, 2020.0,
                                          1e18, 1e300, -1e300, kNaN, kInf, -kInf, 32.0,    1e-300};
constexpr std::array<std::int64_t, 12> kInts{0,
                                             1,
                                             -1,
                                             2,
                                             3,
                                             28,
                                             100,
                                             std::int64_t{1} << 40,
                                             std::numeric_limits<std::int64_t>::max(),
                                             std::numeric_limits<std::int64_t>::min(),
                                             -7,
                                             5};
const std::array<std::string, 14> kTexts{"",
                                         "clustersim-result",
                                         "clustersim-sweep-run",
                                         "clustersim-sweep-manifest",
                                         "saltelli",
                                         "grid",
                                         "G1",
                                         "2014Q1",
                                         "output_value",
                                         "policy.rd_super_deduction",
                                         "sum(",
                                         std::string(3000, 'x'),
                                         "\xff\xfe",
                                         "1"};
const std::array<std::string, 20> kAttributeNames{
    "filetype",   "schema_version", "step",         "units",          "description",
    "replicates", "counterfactual", "sweep_method", "sweep_settings", "sweep_base_samples",
    "seed",       "fingerprint",    "build",        "point",          "replicate",
    "method",     "base_samples",   "NAME",         "CLASS",          "DIMENSION_LIST"};

// --- the edits -----------------------------------------------------------------------------

// Every object's path in the file (the root first), in HDF5's name order.
std::vector<std::string> object_paths(hid_t file) {
  std::vector<std::string> paths;
  H5Ovisit2(
      file, H5_INDEX_NAME, H5_ITER_INC,
      [](hid_t, const char* name, const H5O_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
        return 0;
      },
      &paths, H5O_INFO_BASIC);
  return paths;
}

// A value of a random type and shape: its type, dataspace and bytes.
struct Value {
  h5::Handle type;
  h5::Handle space;
  std::vector<double> doubles;
  std::vector<std::int64_t> ints;
  std::vector<std::int8_t> bytes;
  std::vector<const char*> texts;
  const void* data() const {
    if (!doubles.empty()) return doubles.data();
    if (!ints.empty()) return ints.data();
    if (!bytes.empty()) return bytes.data();
    return texts.data();
  }
};

Value random_value(Input& in) {
  Value v;
  const int rank = in.byte() % 4;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  hsize_t count = 1;
  for (auto& d : dims) count *= (d = in.byte() % 6);
  v.space = h5::Handle(
      rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
  switch (in.byte() % 4) {
    case 0:
      v.type = h5::Handle(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
      for (hsize_t i = 0; i < count; ++i) v.doubles.push_back(in.pick(kDoubles));
      break;
    case 1:
      v.type = h5::Handle(H5Tcopy(H5T_STD_I64LE), H5Tclose);
      for (hsize_t i = 0; i < count; ++i) v.ints.push_back(in.pick(kInts));
      break;
    case 2:
      v.type = h5::Handle(H5Tcopy(H5T_STD_I8LE), H5Tclose);
      for (hsize_t i = 0; i < count; ++i) v.bytes.push_back(static_cast<std::int8_t>(in.byte()));
      break;
    default:
      v.type = h5::Handle(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(v.type, H5T_VARIABLE);
      H5Tset_cset(v.type, H5T_CSET_UTF8);
      for (hsize_t i = 0; i < count; ++i) v.texts.push_back(in.pick(kTexts).c_str());
      break;
  }
  // Nothing to write for an empty dataspace: keep data() non-null all the same.
  if (count == 0) v.texts.push_back("");
  return v;
}

void replace_dataset(hid_t file, const std::string& path, Input& in) {
  H5Ldelete(file, path.c_str(), H5P_DEFAULT);
  const Value v = random_value(in);
  h5::Handle ds(
      H5Dcreate2(file, path.c_str(), v.type, v.space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  if (ds.get() >= 0) H5Dwrite(ds, v.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
}

void replace_attribute(hid_t file, const std::string& object, Input& in) {
  const std::string& name = in.pick(kAttributeNames);
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) > 0) {
    H5Adelete_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT);
  }
  const Value v = random_value(in);
  h5::Handle attr(H5Acreate_by_name(file, object.c_str(), name.c_str(), v.type, v.space,
                                    H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
  if (attr.get() >= 0) H5Awrite(attr, v.type, v.data());
}

void delete_attribute(hid_t file, const std::string& object, Input& in) {
  h5::Handle obj(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (obj.get() < 0) return;
  H5O_info_t info;
  if (H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) < 0 || info.num_attrs == 0) return;
  H5Adelete_by_idx(file, object.c_str(), H5_INDEX_NAME, H5_ITER_INC, in.byte() % info.num_attrs,
                   H5P_DEFAULT);
}

// Overwrites some elements of a numeric dataset, keeping its type and shape.
void overwrite_values(hid_t file, const std::string& path, Input& in) {
  h5::Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.get() < 0) return;
  h5::Handle type(H5Dget_type(ds), H5Tclose);
  if (H5Tget_class(type) != H5T_FLOAT && H5Tget_class(type) != H5T_INTEGER) return;
  std::size_t n = 1;
  for (hsize_t d : h5::shape_of(ds)) n *= d;
  if (n == 0) return;
  std::vector<double> values = h5::read_doubles(ds);
  for (int k = in.byte() % 4; k >= 0; --k) {
    values[(in.byte() * 256u + in.byte()) % n] = H5Tget_class(type) == H5T_FLOAT
                                                     ? in.pick(kDoubles)
                                                     : static_cast<double>(in.pick(kInts) % 100000);
  }
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
}

void apply_edits(const std::string& path, Input& in) {
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  if (file.get() < 0) std::abort();  // a base file clustersim wrote must open
  for (int edits = 0; edits < 8 && !in.empty(); ++edits) {
    const std::uint8_t op = in.byte();
    const std::vector<std::string> paths = object_paths(file);
    const std::string& object = paths[in.byte() % paths.size()];
    const bool root = object == ".";
    switch (op % 6) {
      case 0:
        if (!root) H5Ldelete(file, object.c_str(), H5P_DEFAULT);
        break;
      case 1:
        if (!root) replace_dataset(file, object, in);
        break;
      case 2:
        replace_attribute(file, object, in);
        break;
      case 3:
        delete_attribute(file, object, in);
        break;
      case 4:
        overwrite_values(file, object, in);
        break;
      default:
        if (!root && H5Ldelete(file, object.c_str(), H5P_DEFAULT) >= 0) {
          h5::Handle g(H5Gcreate2(file, object.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Gclose);
        }
        break;
    }
  }
}

// Seals an edited copy again: the old seal is cleared first, since seal_file only fills an
// empty user block.
void reseal(const std::string& path) {
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const std::string zeros(sim::kSealBytes, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  sim::seal_file(path);
}

void expect_clean_exit(int code, const char* command) {
  if (code != 0 && code != 2) {
    std::fprintf(stderr, "result_fuzz: `clustersim %s` ended with exit %d, not 0 or 2\n", command,
                 code);
    std::abort();
  }
}

void read_as_every_command(const std::string& path) {
  expect_clean_exit(cli({"goals", path}), "goals");
  expect_clean_exit(cli({"goals", path, "--json"}), "goals --json");
  expect_clean_exit(cli({"stats", path}), "stats");
  expect_clean_exit(
      cli({"sensitivity", path, "--outcome", "sum(output_value)", "--bootstrap", "20"}),
      "sensitivity");
  expect_clean_exit(cli({"sensitivity", path, "--outcome", "G1.cost", "--bootstrap", "20"}),
                    "sensitivity G1.cost");
  const std::string html = (bases().work / "report.html").string();
  expect_clean_exit(cli({"report", path, "-o", html, "--force", "--bootstrap", "20"}), "report");
}

void merge_with(const fs::path& edited_file, const std::string& edited) {
  const Bases& b = bases();
  fs::copy_file(edited, b.merge_copy / edited_file, fs::copy_options::overwrite_existing);
  const fs::path out = b.work / "merged.h5";
  expect_clean_exit(cli({"merge", b.merge_copy.string(), "-o", out.string(), "-f"}), "merge");
  fs::copy_file(b.runs / edited_file, b.merge_copy / edited_file,
                fs::copy_options::overwrite_existing);
  fs::remove(out);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  bases();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bases& b = bases();
  // A write error ends clustersim through std::_Exit, which libFuzzer cannot see: the input
  // is then left here (the folder is removed only at a normal exit).
  std::ofstream(b.work / "last-input", std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  const std::string edited = (b.work / "edited.h5").string();
  Input in(data, size);
  const std::uint8_t mode = in.byte() % 5;
  if (mode == 0) {  // raw bytes
    std::ofstream(edited, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    read_as_every_command(edited);
    merge_with(b.run_files.front(), edited);
    return 0;
  }
  fs::path base_file;  // relative to the run folder for the merge modes
  if (mode == 1) fs::copy_file(b.result, edited, fs::copy_options::overwrite_existing);
  if (mode == 2) fs::copy_file(b.sweep, edited, fs::copy_options::overwrite_existing);
  if (mode == 3) base_file = b.run_files[in.byte() % b.run_files.size()];
  if (mode == 4) base_file = "sweep.h5";
  if (!base_file.empty()) {
    fs::copy_file(b.runs / base_file, edited, fs::copy_options::overwrite_existing);
  }
  apply_edits(edited, in);
  reseal(edited);
  if (base_file.empty()) {
    read_as_every_command(edited);
  } else {
    merge_with(base_file, edited);
  }
  return 0;
}
