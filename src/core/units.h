// Quantities in SI inside the program; the conversions from the units that
// files and users write (TB/s, TFLOPS, GB, MW, Gbit/s) live here and only here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fleetplan::units {

// Strong scalar types: the unit is part of the type, the value is SI.
//! Bytes of memory or traffic.
struct Bytes {
  double value = 0;
};
//! Bytes per second.
struct BytesPerSecond {
  double value = 0;
};
//! Floating-point (or integer) operations per second.
struct FlopPerSecond {
  double value = 0;
};
//! Seconds.
struct Seconds {
  double value = 0;
};
//! Watts.
struct Watts {
  double value = 0;
};

inline constexpr double kGiga = 1e9;
inline constexpr double kTera = 1e12;

//! "GB" in catalog files are decimal gigabytes (vendor convention).
constexpr Bytes gigabytes(double gb) { return {gb * kGiga}; }
constexpr BytesPerSecond terabytes_per_second(double tbps) { return {tbps * kTera}; }
constexpr BytesPerSecond gigabytes_per_second(double gbps) { return {gbps * kGiga}; }
//! Network line rates are written in Gbit/s; 8 bits a byte.
constexpr BytesPerSecond gigabits_per_second(double gbit) { return {gbit * kGiga / 8.0}; }
constexpr FlopPerSecond teraflops(double tflops) { return {tflops * kTera}; }

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
