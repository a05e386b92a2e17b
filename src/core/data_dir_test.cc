#include "core/data_dir.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fleetplan {
namespace {

namespace fs = std::filesystem;

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test and process: ctest runs the tests of this file at once, and a
    // shared folder let one test's clean-up remove the other's layout (seen: 2026-12-02).
    root_ = fs::temp_directory_path() /
            fmt::format("fleetplan-data-dir-test-{}-{}",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name(), getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "bin");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(DataDirTest, InstalledLayoutIsFoundBesideTheExecutable) {
  fs::create_directories(root_ / "share" / "fleetplan" / "catalog");
  EXPECT_EQ(installed_data_dir((root_ / "bin" / "fleetplan").string()),
            (root_ / "share" / "fleetplan").string());
}

TEST_F(DataDirTest, AShareFolderWithoutACatalogIsNotData) {
  fs::create_directories(root_ / "share" / "fleetplan");
  EXPECT_EQ(installed_data_dir((root_ / "bin" / "fleetplan").string()), "");
}

TEST(DataDir, EnvironmentOverrides) {
  const char* before = std::getenv("FLEETPLAN_DATA_DIR");
  const std::string saved = before != nullptr ? before : "";
  setenv("FLEETPLAN_DATA_DIR", "/somewhere/else", 1);
  EXPECT_EQ(data_dir(), "/somewhere/else");
  if (before != nullptr) {
    setenv("FLEETPLAN_DATA_DIR", saved.c_str(), 1);
  } else {
    unsetenv("FLEETPLAN_DATA_DIR");
  }
}

}  // namespace
}  // namespace fleetplan
