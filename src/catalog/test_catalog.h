// For tests: the built-in catalog, loaded once per test program.
#pragma once

#include <cstdlib>
#include <utility>

#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace fleetplan::catalog::testing {

//! The built-in catalog of the source tree's data/ (FLEETPLAN_TEST_DATA_DIR); a load failure
//! is a test failure and leaves an empty catalog.
inline const Catalog& builtin_catalog() {
  static const Catalog* const kLoaded = [] {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
    auto result = Catalog::load();
    EXPECT_TRUE(result.ok()) << result.error().message;
    return new Catalog(result.ok() ? std::move(result).value() : Catalog());
  }();
  return *kLoaded;
}

}  // namespace fleetplan::catalog::testing
