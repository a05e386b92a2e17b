#include "plan/delivery.h"

#include <algorithm>

namespace fleetplan::plan {
namespace {

long long overlap_days(long long first_a, long long last_a, long long first_b, long long last_b) {
  const long long first = std::max(first_a, first_b);
  const long long last = std::min(last_a, last_b);
  return last >= first ? last - first + 1 : 0;
}

}  // namespace

double prorated_units(const std::vector<DatedAmount>& amounts, const scenario::Date& start,
                      const scenario::Date& end) {
  double total = 0;
  for (const DatedAmount& amount : amounts) {
    const long long first = amount.start.days_since_epoch();
    const long long last = amount.end.days_since_epoch();
    if (last < first) {
      continue;
    }
    const long long shared =
        overlap_days(first, last, start.days_since_epoch(), end.days_since_epoch());
    total += amount.units * static_cast<double>(shared) / static_cast<double>(last - first + 1);
  }
  return total;
}

double delivered_fraction(const scenario::Date& start, const scenario::Date& end,
                          const scenario::Date& first_day) {
  const long long first = start.days_since_epoch();
  const long long last = end.days_since_epoch();
  if (last < first) {
    return 0;
  }
  const long long served = overlap_days(first, last, first_day.days_since_epoch(), last);
  return static_cast<double>(served) / static_cast<double>(last - first + 1);
}

}  // namespace fleetplan::plan
