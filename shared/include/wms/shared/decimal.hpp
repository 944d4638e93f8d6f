// Exact conversion between decimal text and scaled int64 (quantities, money in minor units).
// It must never use floating point, round silently, trim input, or throw — bad text yields nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wms::decimal {

// Strict integer: optional leading '-', digits only, no spaces, no '+', must fit int64. "" -> nullopt.
std::optional<std::int64_t> parse_int(std::string_view s);

// Fixed-point text to an integer scaled by 10^scale: parse_scaled("12.5", 2) == 1250,
// parse_scaled("-0.07", 2) == -7. Needs a digit before '.' and one after it if '.' is present.
// More fractional digits than `scale` -> nullopt (even trailing zeros: we never drop digits).
// Rejects '+', spaces, thousands separators, exponents, overflow, and scale outside 0..18
// (10^19 does not fit int64).
std::optional<std::int64_t> parse_scaled(std::string_view s, int scale);

// Money in minor units (2 decimals): parse_money_minor("12.50") == 1250.
inline std::optional<std::int64_t> parse_money_minor(std::string_view s) { return parse_scaled(s, 2); }

// Inverse of parse_scaled: format_scaled(1250, 2) == "12.50", format_scaled(-7, 2) == "-0.07".
// Safe for INT64_MIN. A negative scale is treated as 0.
std::string format_scaled(std::int64_t value, int scale);

inline std::string format_money(std::int64_t minor) { return format_scaled(minor, 2); }

}  // namespace wms::decimal
