// The HDF5 wrapper's readers size their buffers by a dataset's stated shape, which a crafted
// file may state far beyond what it stores: such a shape is refused before any allocation.
#include "sim/io/hdf5.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/io/seal.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = sim::h5;

class Hdf5Read : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ =
        (fs::temp_directory_path() / ("clustersim-hdf5-test-" + std::to_string(getpid()) + ".h5"))
            .string();
  }
  void TearDown() override { fs::remove(path_); }
  std::string path_;
};

TEST_F(Hdf5Read, AShapeTheFileCannotHoldIsRefusedBeforeAllocating) {
  {
    h5::Handle file = h5::create_file(path_);
    // A chunked dataset of 2^40 values with nothing written: HDF5 keeps no storage for it and
    // would return fill values, 8 TiB of them.
    const std::vector<hsize_t> shape{hsize_t{1} << 40};
    const std::vector<hsize_t> chunk{1024};
    h5::create_doubles(file, "huge", shape, chunk);
    const std::vector<double> values{1.0, 2.0, 3.0};
    h5::write_doubles(file, "small", {3}, values.data());
  }
  sim::seal_file(path_);  // as clustersim seals what it writes; the reader checks it first
  h5::Handle file = h5::open_file(path_);
  try {
    h5::read_doubles(h5::open_dataset(file, "huge"));
    FAIL() << "read a dataset of 2^40 values";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("more values than a file of"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(h5::read_doubles(h5::open_dataset(file, "small")), (std::vector<double>{1, 2, 3}));
}

}  // namespace
