#include "perf/band.h"

#include <gtest/gtest.h>

namespace fleetplan::perf {
namespace {

RowResult row(const Measurement& m, const catalog::Model& model, double measured,
              double predicted) {
  RowResult r;
  r.row = &m;
  r.use = RowUse::kThroughput;
  r.factors = "Hopper";
  r.measured = measured;
  r.predicted = predicted;
  r.request.model = &model;
  return r;
}

// A measurement from `source`.
Measurement from_source(const char* source) {
  Measurement m;
  m.source = source;
  return m;
}

// Row i (0 to 9) of ten whose measured / predicted ratios are 0.5, 0.6, ..., 1.4.
RowResult spread_row(const Measurement& m, const catalog::Model& model, int i) {
  return row(m, model, 50.0 + 10.0 * i, 100.0);
}

TEST(BandTable, QuantilesOfMeasuredOverPredicted) {
  // Ten rows with measured / predicted = 0.5, 0.6, ..., 1.4: the 10th percentile lies at rank
  // 0.9 between 0.5 and 0.6 -> 0.59, the 90th at rank 8.1 between 1.3 and 1.4 -> 1.31.
  // Rows alternate between two sources (a group needs two).
  catalog::Model dense;
  const Measurement s1 = from_source("s1");
  const Measurement s2 = from_source("s2");
  std::vector<RowResult> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back(spread_row(i % 2 == 0 ? s1 : s2, dense, i));
  }
  const BandTable table = BandTable::from_rows(rows);
  const Band& b = table.lookup("Hopper/trtllm", "dense");
  EXPECT_EQ(b.family_engine, "Hopper/trtllm");
  EXPECT_EQ(b.rows, 10);
  EXPECT_NEAR(b.p10, 0.59, 1e-12);
  EXPECT_NEAR(b.p90, 1.31, 1e-12);
  // A class without rows falls back to the family/engine's band, then to every row.
  EXPECT_EQ(table.lookup("Hopper/trtllm", "moe").model_class, "*");
  EXPECT_EQ(table.lookup("CDNA3/vllm", "moe").family_engine, "*");
}

TEST(BandTable, OneSourceMakesNoBandOfItsOwn) {
  // Ten rows of one source under Hopper/trtllm: only the pooled band may use them.
  catalog::Model dense;
  const Measurement m = from_source("only");
  std::vector<RowResult> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back(spread_row(m, dense, i));
  }
  const BandTable table = BandTable::from_rows(rows);
  const Band& b = table.lookup("Hopper/trtllm", "dense");
  EXPECT_EQ(b.family_engine, "*");
  EXPECT_EQ(b.model_class, "*");
  EXPECT_EQ(b.rows, 10);
}

TEST(BandTable, CoverageIsMeasuredOnSourcesLeftOut) {
  // Two sources of ten rows with the same spread (ratios 0.5..1.4): with one left out, only
  // the pooled band remains (the other source alone), between 0.59 and 1.31: it holds
  // 0.6..1.3 of the left-out source, 8 of 10 rows.
  catalog::Model dense;
  const Measurement a = from_source("a");
  const Measurement b = from_source("b");
  std::vector<RowResult> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back(spread_row(a, dense, i));
    rows.push_back(spread_row(b, dense, i));
  }
  EXPECT_NEAR(band_coverage(rows), 0.8, 1e-12);
}

TEST(ModelClass, DeepSeekIsMlaMoe) {
  catalog::Model m;
  EXPECT_EQ(model_class(m), "dense");
  m.experts = 256;
  EXPECT_EQ(model_class(m), "moe");
  m.attention = catalog::Attention::kMla;
  EXPECT_EQ(model_class(m), "mla-moe");
}

}  // namespace
}  // namespace fleetplan::perf
