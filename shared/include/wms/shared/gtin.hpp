// GTIN check-digit validation and normalisation to 14 digits (GS1 General Specifications, section 7.9).
// It must never accept a code with a wrong check digit, and never throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wms::gtin {

// True if s is all digits, length >= 2, and its last digit is the GS1 mod-10 check digit of the rest.
bool check_digit_ok(std::string_view s);

// Check digit character for a digit string without its check digit; nullopt if empty or not all digits.
std::optional<char> compute_check_digit(std::string_view digits_without_check);

// GTIN-8/12/13/14 -> 14 digits, left-padded with '0', check digit verified; nullopt for any other length,
// non-digits, or a wrong check digit. normalize("4006381333931") == "04006381333931".
std::optional<std::string> normalize(std::string_view s);

}  // namespace wms::gtin
