// Exact decimal text <-> scaled int64 conversion using integer arithmetic only.
// It must never use floating point, round, or overflow (including at INT64_MIN); failures are nullopt.
#include "wms/shared/decimal.hpp"

#include <limits>

namespace wms::decimal {
namespace {

constexpr int max_scale = 18;  // 10^19 exceeds int64, so larger scales can never represent 1

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Accumulates towards negative numbers because |INT64_MIN| > INT64_MAX; that way the most negative
// value parses without a special case.
bool push_digit_negative(std::int64_t& acc, int digit) {
    constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
    if (acc < min / 10) return false;
    acc *= 10;
    if (acc < min + digit) return false;
    acc -= digit;
    return true;
}

std::optional<std::int64_t> finish_sign(std::int64_t negative_acc, bool negative) {
    if (negative) return negative_acc;
    if (negative_acc == std::numeric_limits<std::int64_t>::min()) return std::nullopt;
    return -negative_acc;
}

}  // namespace

std::optional<std::int64_t> parse_int(std::string_view s) {
    return parse_scaled(s, 0);
}

std::optional<std::int64_t> parse_scaled(std::string_view s, int scale) {
    if (scale < 0 || scale > max_scale) return std::nullopt;
    std::size_t pos = 0;
    const bool negative = !s.empty() && s[0] == '-';
    if (negative) ++pos;

    std::int64_t acc = 0;
    const std::size_t int_start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
        if (!push_digit_negative(acc, s[pos] - '0')) return std::nullopt;
        ++pos;
    }
    if (pos == int_start) return std::nullopt;

    int frac_digits = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const std::size_t frac_start = pos;
        while (pos < s.size() && is_digit(s[pos])) {
            if (++frac_digits > scale) return std::nullopt;
            if (!push_digit_negative(acc, s[pos] - '0')) return std::nullopt;
            ++pos;
        }
        if (pos == frac_start) return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;

    for (int i = frac_digits; i < scale; ++i) {
        if (!push_digit_negative(acc, 0)) return std::nullopt;
    }
    return finish_sign(acc, negative);
}

std::string format_scaled(std::int64_t value, int scale) {
    if (scale < 0) scale = 0;
    // Unsigned magnitude: negating INT64_MIN as a signed value would be UB.
    const std::uint64_t magnitude =
        value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    std::string digits = std::to_string(magnitude);
    const auto min_len = static_cast<std::size_t>(scale) + 1;
    if (digits.size() < min_len) digits.insert(0, min_len - digits.size(), '0');

    std::string out;
    out.reserve(digits.size() + 2);
    if (value < 0) out.push_back('-');
    const std::size_t int_len = digits.size() - static_cast<std::size_t>(scale);
    out.append(digits, 0, int_len);
    if (scale > 0) {
        out.push_back('.');
        out.append(digits, int_len, std::string::npos);
    }
    return out;
}

}  // namespace wms::decimal
