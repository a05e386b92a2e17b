// Quantities in SI inside the program; the conversions from the units that
// files and users write (TB/s, TFLOPS, GB, MW, Gbit/s) live here and only here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fleetplan::units {

// Quantities inside the program are SI doubles whose names carry the unit (memory_bytes,
// memory_bw in bytes/s, dense_flops in FLOP/s, power_w); the conversions from the units that
// files write live here. The types below are the ones that cross a layer boundary with more
// than a number: Money (currency and year) and Watts (what parse_power returns). Strong types
// for bytes, FLOP/s and seconds were never used at a boundary and were removed (issue 8,
// item 16): dead types mislead a reader about what the code checks.

//! Watts.
struct Watts {
  double value = 0;
};

inline constexpr double kGiga = 1e9;
inline constexpr double kTera = 1e12;
//! Network line rates are written in Gbit/s; 8 bits a byte.
inline constexpr double kBitsPerByte = 8.0;

//! Bytes per second of a line rate written in Gbit/s.
constexpr double bytes_per_second_from_gigabits(double gbit) { return gbit * kGiga / kBitsPerByte; }

//! A money amount in a currency of a given year ("bn CNY 2026").
struct Money {
  double amount = 0;     //!< in units of the currency (not millions)
  std::string currency;  //!< ISO code, e.g. "USD", "CNY"
  int year = 0;          //!< price year; 0 when unspecified
};

//! The largest money amount accepted, in currency units: 10^15 (a thousand trillion) is
//! beyond any budget and keeps sums of many amounts finite.
inline constexpr double kMaxMoney = 1e15;
//! The largest power accepted: 1,000 GW (the world's generating capacity is about 9,000 GW;
//! no planned site comes near 1 GW).
inline constexpr double kMaxWatts = 1e12;

//! Parses amounts such as "160 bn CNY", "85bn CNY", "6.8 bn USD", "450 M USD", "20000 USD".
//! Multipliers: k, M (million), bn/B (billion), T (trillion).
Result<Money> parse_money(std::string_view text);

//! Parses "1.2 MW", "800 kW", "700 W" into watts (0 to kMaxWatts).
Result<Watts> parse_power(std::string_view text);

}  // namespace fleetplan::units
