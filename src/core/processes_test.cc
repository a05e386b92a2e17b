#include "core/processes.h"

#include <unistd.h>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace fleetplan {
namespace {

TEST(ByteForm, DoublesRoundTripBitForBit) {
  ByteWriter w;
  const std::vector<double> values = {0.1, -0.0, 1e-300, std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::quiet_NaN()};
  w.put_doubles(values);
  w.put_string("h200-licence-batch-2026");
  w.put<int>(-7);
  const std::vector<char> bytes = w.take();
  // 8 (count) + 5 x 8 + 8 (length) + 23 + 4 bytes.
  EXPECT_EQ(bytes.size(), 8U + 40U + 8U + 23U + 4U);
  ByteReader r(bytes);
  std::vector<double> back;
  std::string name;
  int n = 0;
  ASSERT_TRUE(r.get_doubles(back));
  ASSERT_TRUE(r.get_string(name));
  ASSERT_TRUE(r.get(n));
  EXPECT_TRUE(r.done());
  ASSERT_EQ(back.size(), values.size());
  EXPECT_EQ(back[0], 0.1);
  EXPECT_TRUE(std::signbit(back[1]));
  EXPECT_EQ(back[2], 1e-300);
  EXPECT_TRUE(std::isinf(back[3]));
  EXPECT_TRUE(std::isnan(back[4]));
  EXPECT_EQ(name, "h200-licence-batch-2026");
  EXPECT_EQ(n, -7);
}

TEST(ByteForm, TruncatedBytesAreRefused) {
  ByteWriter w;
  w.put_string("abcdef");
  std::vector<char> bytes = w.take();
  bytes.pop_back();
  ByteReader r(bytes);
  std::string s;
  EXPECT_FALSE(r.get_string(s));
  // A count larger than the bytes left is refused before anything is allocated.
  ByteWriter huge;
  huge.put<std::uint64_t>(std::uint64_t{1} << 60);
  const std::vector<char> claim = huge.take();
  ByteReader rc(claim);
  std::vector<double> values;
  EXPECT_FALSE(rc.get_doubles(values));
}

// Task k returns k squared (as text) and the id of the process that ran it: results come back
// in task order whatever the number of workers, each from a child process.
TEST(MapInProcesses, ResultsInTaskOrderFromChildProcesses) {
  const auto task = [](std::size_t k) {
    ByteWriter w;
    w.put_string(std::to_string(k * k));
    w.put<pid_t>(::getpid());
    return w.take();
  };
  for (int workers : {1, 2, 3, 8}) {
    std::size_t ticks = 0;
    auto results = map_in_processes(
        7, workers, task, [&](std::size_t done) { ticks = done; }, "test");
    ASSERT_TRUE(results.ok()) << results.error().message;
    ASSERT_EQ(results->size(), 7U);
    EXPECT_EQ(ticks, 7U);
    for (std::size_t k = 0; k < 7; ++k) {
      ByteReader r((*results)[k]);
      std::string square;
      pid_t pid = 0;
      ASSERT_TRUE(r.get_string(square) && r.get(pid));
      EXPECT_EQ(square, std::to_string(k * k));
      EXPECT_NE(pid, ::getpid());
    }
  }
}

TEST(MapInProcesses, AWorkerThatDiesIsAnError) {
  const auto task = [](std::size_t k) -> std::vector<char> {
    if (k == 2) {
      ::_exit(3);
    }
    return {'x'};
  };
  auto results = map_in_processes(4, 2, task, nullptr, "test");
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.error().message, "a test worker process failed");
}

TEST(AvailableCores, AtLeastOne) { EXPECT_GE(available_cores(), 1); }

}  // namespace
}  // namespace fleetplan
