// GS1 mod-10 check digit (General Specifications 7.9) and GTIN normalisation to 14 digits.
// It must never accept a wrong check digit or a length other than 8/12/13/14 when normalising.
#include "wms/shared/gtin.hpp"

#include <algorithm>

namespace wms::gtin {
namespace {

constexpr std::size_t normalized_len = 14;

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<char> compute_check_digit(std::string_view digits_without_check) {
    if (digits_without_check.empty() || !all_digits(digits_without_check)) return std::nullopt;
    // Weights run from the right (the digit next to the check digit gets 3), which is what lets
    // GTIN-8/12/13 be left-padded with zeros without changing their check digit.
    int sum = 0;
    int weight = 3;
    for (auto it = digits_without_check.rbegin(); it != digits_without_check.rend(); ++it) {
        sum += (*it - '0') * weight;
        weight = 4 - weight;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool check_digit_ok(std::string_view s) {
    if (s.size() < 2) return false;
    const auto expected = compute_check_digit(s.substr(0, s.size() - 1));
    return expected && s.back() == *expected;
}

std::optional<std::string> normalize(std::string_view s) {
    const std::size_t n = s.size();
    if (n != 8 && n != 12 && n != 13 && n != 14) return std::nullopt;
    if (!check_digit_ok(s)) return std::nullopt;
    std::string out(normalized_len - n, '0');
    out.append(s);
    return out;
}

}  // namespace wms::gtin
