#include "core/file.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace fleetplan::files {
namespace {

std::filesystem::path temp_dir() {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("fleetplan-file-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(ReadText, ReadsARegularFile) {
  const auto path = temp_dir() / "a.txt";
  std::ofstream(path) << "hello\n";
  auto text = read_text(path.string());
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "hello\n");
}

TEST(ReadText, MissingFileIsNotFound) {
  auto text = read_text("/nonexistent/fleetplan/x.yaml");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(text.error().message, "/nonexistent/fleetplan/x.yaml: no such file");
}

TEST(ReadText, RefusesDirectoriesAndDevices) {
  auto dir = read_text(temp_dir().string());
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);
  // /dev/zero never ends: a reader without this check runs out of memory.
  auto zero = read_text("/dev/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().kind, ErrorKind::kInput);
  EXPECT_NE(zero.error().message.find("not a regular file"), std::string::npos);
}

TEST(ReadText, RefusesFilesOverTheLimit) {
  const auto path = temp_dir() / "big.txt";
  std::ofstream(path) << std::string(101, 'x');
  EXPECT_TRUE(read_text(path.string(), 101).ok());
  auto big = read_text(path.string(), 100);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("101 bytes is larger than the limit of 100 bytes"),
            std::string::npos)
      << big.error().message;
}

}  // namespace
}  // namespace fleetplan::files
