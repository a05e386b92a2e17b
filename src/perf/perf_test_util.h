// Helpers shared by the performance model's tests: a fixture holding the catalog of
// data/catalog (loaded once per suite), its models and accelerators by name, and the ideal
// efficiency (the pure roofline).
#pragma once

#include <cstdlib>
#include <utility>

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "perf/perf.h"

namespace fleetplan::perf::testing {

//! A suite with the catalog of FLEETPLAN_TEST_DATA_DIR loaded once.
class CatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
    auto loaded = catalog::Catalog::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    catalog_ = new catalog::Catalog(std::move(loaded).value());
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  static const catalog::Model& model(const char* name) { return **catalog_->model(name); }
  static const catalog::Accelerator& chip(const char* name) {
    return **catalog_->accelerator(name);
  }
  //! Ideal hardware: every efficiency 1, no engine overhead: the pure roofline.
  static Efficiency ideal() {
    Efficiency e;
    e.compute = e.memory = e.link = e.moe_compute = 1.0;
    e.step_overhead_s = 0;
    return e;
  }
  inline static catalog::Catalog* catalog_ = nullptr;
};

}  // namespace fleetplan::perf::testing
