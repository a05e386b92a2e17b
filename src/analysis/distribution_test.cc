#include "analysis/distribution.h"

#include <gtest/gtest.h>

namespace fleetplan::analysis {
namespace {

TEST(NormalQuantile, KnownValues) {
  // Tables of the standard normal: z(0.9) = 1.2815515655446004, z(0.975) = 1.959963984540054.
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(0.9), 1.2815515655446004, 1e-13);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-13);
  EXPECT_NEAR(normal_quantile(0.001), -3.090232306167813, 1e-12);
}

}  // namespace
}  // namespace fleetplan::analysis
