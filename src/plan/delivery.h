// Delivery by day: what part of a period a unit delivered mid-period serves, and what part
// of a dated supply (1.6 M dies in 2026) falls inside a period. Prorating by days, instead
// of deciding a whole period by the majority of its days, gives the same totals however a
// year is cut into periods.
#pragma once

#include <vector>

#include "scenario/scenario.h"

namespace fleetplan::plan {

//! An amount spread evenly over the days [start, end], both included.
struct DatedAmount {
  scenario::Date start;
  scenario::Date end;
  double units = 0;
};

//! The part of `amounts` that falls inside [start, end], each prorated by the days it shares
//! with the span: 1.6 M dies over 2026 give 1.6 M x 90 / 365 to 2026-01-01 .. 2026-03-31.
double prorated_units(const std::vector<DatedAmount>& amounts, const scenario::Date& start,
                      const scenario::Date& end);

//! The share of the days [start, end] from `first_day` on: 1 when it is on or before
//! `start`, 0 when it is after `end`. A unit delivered on `first_day` serves, draws energy
//! and pays rent for this share of the period.
double delivered_fraction(const scenario::Date& start, const scenario::Date& end,
                          const scenario::Date& first_day);

}  // namespace fleetplan::plan
