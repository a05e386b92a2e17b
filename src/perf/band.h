// Error bands: the 80 % interval of an estimate, from the cross-validated residuals of the
// calibration set (measured / predicted on rows the factors were not fitted to), per
// accelerator family x serving engine x model class.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/calibration.h"

namespace fleetplan::perf {

//! "dense", "moe" or "mla-moe" (MLA attention with routed experts: DeepSeek-V3 class).
std::string model_class(const catalog::Model& model);

//! The 80 % interval of measured / predicted output throughput for one group of rows.
struct Band {
  std::string family_engine;  //!< "Hopper/trtllm", or "*" for every family
  std::string model_class;    //!< "dense", "moe", "mla-moe", or "*"
  int rows = 0;               //!< held-out rows the quantiles come from
  double p10 = 1.0;           //!< 10th percentile of measured / predicted
  double p90 = 1.0;           //!< 90th percentile
};

//! Bands for every group with enough rows, with coarser groups to fall back on.
class BandTable {
 public:
  //! Groups with fewer held-out rows than this fall back to a coarser group.
  static constexpr int kMinRows = 8;
  //! ... or rows from fewer sources than this.
  static constexpr int kMinSources = 2;
  //! Bands from held-out rows (kThroughput rows of a cross-validation), each group's
  //! 10th-90th percentile interval widened `widen` times in log space (band_widening()).
  static BandTable from_rows(const std::vector<RowResult>& held_out, double widen = 1.0);
  //! Loads data_dir()/calibration/bands.yaml.
  static Result<BandTable> load_builtin();
  static Result<BandTable> load_file(const std::string& path);
  //! The finest band with data: family/engine x class, else family/engine, else class, else
  //! all rows ("*" fields say which was used).
  [[nodiscard]] const Band& lookup(const std::string& family_engine,
                                   const std::string& model_class) const;
  [[nodiscard]] const std::vector<Band>& bands() const { return bands_; }
  [[nodiscard]] std::string to_yaml(const std::string& header_comment) const;

 private:
  std::vector<Band> bands_;
  Band fallback_;
};

//! Share of held-out rows inside their band, each band computed without the row's own source
//! (so a source never calibrates its own interval).
double band_coverage(const std::vector<RowResult>& held_out, double widen = 1.0);

//! The smallest widening (1 to 8) at which band_coverage() reaches `target`: the percentiles
//! of pooled held-out rows are too narrow for a new source when sources differ from each
//! other more than rows within a source do; one factor for all groups recalibrates them.
double band_widening(const std::vector<RowResult>& held_out, double target = 0.8);

}  // namespace fleetplan::perf
