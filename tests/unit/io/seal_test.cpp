// The seal of clustersim's HDF5 files: written once a file is closed, checked before HDF5 reads.
#include "sim/io/seal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "sim/core/errors.hpp"
#include "sim/io/hdf5.hpp"

namespace {

namespace fs = std::filesystem;
namespace h5 = sim::h5;

class FileSeal : public ::testing::Test {
 protected:
  void SetUp() override {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    dir_ = fs::temp_directory_path() /
           ("clustersim-seal-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A small sealed HDF5 file.
  std::string sealed(const std::string& name) {
    const std::string path = (dir_ / name).string();
    {
      h5::Handle file = h5::create_file(path);
      const std::vector<double> values(1000, 1.5);
      h5::write_doubles(file, "x", {values.size()}, values.data());
    }
    sim::seal_file(path);
    return path;
  }

  static std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void write_bytes(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  }

  static std::string detail_of(const std::string& path) {
    try {
      sim::check_seal(path);
    } catch (const sim::InputError& e) {
      EXPECT_EQ(e.where().file, path);
      return e.detail();
    }
    return "";
  }

  fs::path dir_;
};

TEST(FileSealCrc, IsZlibsCrc32) {
  // The standard check value of CRC-32 (ISO-HDLC), as zlib.crc32(b"123456789") in Python.
  const std::string text = "123456789";
  EXPECT_EQ(sim::crc32_of(reinterpret_cast<const unsigned char*>(text.data()), text.size()),
            0xcbf43926u);
}

TEST_F(FileSeal, ASealedFileIsAcceptedAndReadableByHdf5) {
  const std::string path = sealed("good.h5");
  const std::string data = bytes_of(path);
  EXPECT_EQ(data.rfind(sim::kSealHeader, 0), 0u);
  EXPECT_NE(data.find("bytes " + std::to_string(data.size()) + "\n"), std::string::npos);
  EXPECT_EQ(detail_of(path), "");
  h5::Handle file = h5::open_file(path);
  EXPECT_EQ(h5::read_doubles(h5::open_dataset(file, "x")).at(999), 1.5);
}

TEST_F(FileSeal, EveryKindOfDamageIsNamed) {
  const std::string data = bytes_of(sealed("good.h5"));
  const std::string path = (dir_ / "bad.h5").string();

  write_bytes(path, data.substr(0, 3000));
  EXPECT_EQ(detail_of(path), "damaged or incomplete: truncated to 3000 of the " +
                                 std::to_string(data.size()) + " bytes clustersim wrote");

  write_bytes(path, data + "extra");
  EXPECT_EQ(detail_of(path), "damaged or changed: " + std::to_string(data.size() + 5) +
                                 " bytes where clustersim wrote " + std::to_string(data.size()));

  std::string flipped = data;
  flipped[data.size() / 2] = static_cast<char>(flipped[data.size() / 2] ^ 0x01);
  write_bytes(path, flipped);
  EXPECT_EQ(detail_of(path).rfind("damaged or changed since clustersim wrote it: the CRC-32", 0),
            0u);

  write_bytes(path, std::string(sim::kSealBytes, '\0') + data.substr(sim::kSealBytes));
  EXPECT_EQ(detail_of(path).rfind("not a clustersim result file: an HDF5 file without", 0), 0u);

  std::string bad_number = data;
  bad_number.replace(bad_number.find("bytes ") + 6, 1, "x");
  write_bytes(path, bad_number);
  EXPECT_EQ(detail_of(path).rfind("not a clustersim result file", 0), 0u);

  write_bytes(path, "plain text");
  EXPECT_EQ(detail_of(path), "not an HDF5 file");
  write_bytes(path, "");
  EXPECT_EQ(detail_of(path), "not an HDF5 file");

  EXPECT_NE(detail_of((dir_ / "missing.h5").string()).find("cannot be read"), std::string::npos);
}

// Found by reading: the seal was parsed with sscanf, which takes a sign ("bytes +N" passed as a
// seal) and whose behaviour on a number out of range is undefined (glibc gave 2^64 - 1).
TEST_F(FileSeal, ItsNumbersAreReadWholeAndInRange) {
  const std::string data = bytes_of(sealed("good.h5"));
  const std::string path = (dir_ / "bad.h5").string();
  const std::string length = std::to_string(data.size());
  const std::size_t at = data.find("bytes ") + 6;
  // Each edit keeps the seal's block at kSealBytes by trading padding for the new characters.
  const auto with = [&](const std::string& number, const std::string& crc_line_end) {
    std::string bad = data;
    bad.replace(at, length.size(), number);
    const std::size_t crc_end = bad.find('\n', bad.find("crc32 "));
    bad.replace(crc_end, 1, crc_line_end);
    bad.erase(sim::kSealBytes, bad.size() - data.size());
    return bad;
  };
  ASSERT_EQ(with(length, "\n"), data);
  for (const auto& [number, end] : {std::pair<std::string, std::string>{"+" + length, "\n"},
                                    {"99999999999999999999", "\n"},
                                    {" " + length, "\n"},
                                    {length, " \n"}}) {
    write_bytes(path, with(number, end));
    EXPECT_EQ(detail_of(path).rfind("not a clustersim result file", 0), 0u) << number;
  }
}

TEST_F(FileSeal, OpeningADamagedFileNeverReachesHdf5) {
  const std::string data = bytes_of(sealed("good.h5"));
  const std::string path = (dir_ / "bad.h5").string();
  std::string flipped = data;
  flipped[sim::kSealBytes + 10] = static_cast<char>(flipped[sim::kSealBytes + 10] ^ 0x40);
  write_bytes(path, flipped);
  EXPECT_THROW(h5::open_file(path), sim::InputError);
}

TEST_F(FileSeal, OnlyAnEmptyUserBlockIsSealed) {
  const std::string path = sealed("good.h5");
  EXPECT_THROW(sim::seal_file(path), std::runtime_error);  // sealed already
  const std::string text = (dir_ / "text.h5").string();
  write_bytes(text, std::string(2000, '\0'));
  EXPECT_THROW(sim::seal_file(text), std::runtime_error);  // no HDF5 after the block
}

}  // namespace
