// Deterministic mutation test of the scenario parser: the built-in reference scenarios,
// damaged in seeded random ways (see mutate.h), must either load, with no field outside
// tests/fuzz/scenario.dict and every promise of scenario.h kept (scenario_invariants.h), or
// come back as an input Error located in the file ("<name>:<line>:<col>: ..."). Never a throw,
// never a crash.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "mutate.h"
#include "scenario/scenario.h"
#include "scenario_invariants.h"
#include "schema.h"

namespace fleetplan::scenario {
namespace {

TEST(ScenarioFuzz, MutatedReferenceScenariosLoadOrFailWithALocatedError) {
  setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
  auto catalog = catalog::Catalog::load();
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  const std::string dir = std::string(FLEETPLAN_TEST_DATA_DIR) + "/scenarios/";
  const fuzz::Schema schema = fuzz::load_schema_named("scenario");
  ASSERT_FALSE(schema.empty());
  constexpr int kCasesPerFile = 400;
  int loaded = 0;
  int rejected = 0;
  const bool keep_going = std::getenv("FLEETPLAN_FUZZ_KEEP_GOING") != nullptr;
  int failures_seen = 0;
  const auto failures = [] {
    return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
  };
  const std::vector<std::string> files = {"bytedance-2026.yaml", "bytedance-2025-ft.yaml",
                                          "bytedance-2025-reuters.yaml"};
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string& file = files[f];
    const std::string original = fuzz::read_text(dir + file);
    ASSERT_FALSE(original.empty()) << file;
    auto unchanged = load_scenario_text(original, file, *catalog);
    ASSERT_TRUE(unchanged.ok()) << file;
    ASSERT_EQ(fuzz::scenario_problem(*unchanged, *catalog), "") << file;
    for (int c = 0; c < kCasesPerFile; ++c) {
      fuzz::Random rng(0x5CE7A410u + static_cast<std::uint64_t>(c) * 7919u + (f << 32U));
      std::string what;
      std::string text = original;
      const std::size_t mutations = 1 + rng.below(3);
      for (std::size_t k = 0; k < mutations; ++k) {
        text = fuzz::mutate_once(text, rng, what);
      }
      const std::string trace = fmt::format("{} case {} [{}]", file, c, what);
      try {
        auto scenario = load_scenario_text(text, file, *catalog);
        if (scenario.ok()) {
          ++loaded;
          EXPECT_EQ(fuzz::first_unknown_field(text, schema), "")
              << trace << ": accepted an unknown field";
          EXPECT_EQ(fuzz::scenario_problem(*scenario, *catalog), "") << trace;
        } else {
          ++rejected;
          EXPECT_TRUE(fuzz::located_in(scenario.error().message, file)) << trace;
          EXPECT_EQ(scenario.error().kind, ErrorKind::kInput) << trace;
        }
      } catch (const std::exception& e) {
        FAIL() << trace << ": threw " << e.what();
      }
      if (HasFailure() && failures_seen < failures()) {
        failures_seen = failures();
        // The first failing case is the useful one (FLEETPLAN_FUZZ_KEEP_GOING=1 runs them
        // all): keep its text to replay it.
        const std::string saved =
            fmt::format("{}scenario-fuzz-{}-case-{}.yaml", ::testing::TempDir(), file, c);
        std::ofstream(saved, std::ios::binary) << text;
        ADD_FAILURE() << "the failing input is saved as " << saved << " (fleetplan scenarios check "
                      << saved << ")";
        failures_seen = failures();
        if (!keep_going) {
          return;
        }
      }
    }
  }
  // Both outcomes must occur, or the mutations test nothing.
  EXPECT_GT(loaded, 50);
  EXPECT_GT(rejected, 300);
}

}  // namespace
}  // namespace fleetplan::scenario
