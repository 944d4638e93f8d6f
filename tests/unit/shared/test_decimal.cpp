// Unit tests for wms::decimal: strict integer/fixed-point parsing, exact formatting, and a round-trip property.
// Must never rely on floating point to compute expectations.
#include <catch2/catch.hpp>

#include "wms/shared/decimal.hpp"

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using wms::decimal::format_money;
using wms::decimal::format_scaled;
using wms::decimal::parse_int;
using wms::decimal::parse_money_minor;
using wms::decimal::parse_scaled;

namespace {
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
}  // namespace

TEST_CASE("decimal: parse_int accepts strict signed integers within int64", "[decimal]") {
    CHECK(parse_int("0") == 0);
    CHECK(parse_int("42") == 42);
    CHECK(parse_int("-17") == -17);
    CHECK(parse_int("007") == 7);
    CHECK(parse_int("9223372036854775807") == i64_max);
    CHECK(parse_int("-9223372036854775808") == i64_min);
}

TEST_CASE("decimal: parse_int rejects signs, spaces, decimals and overflow", "[decimal]") {
    for (const char* bad : {"", "-", "+5", " 5", "5 ", "1 000", "1,000", "1.0", "1e3", "0x10", "--1", "abc",
                            "9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
        INFO("input: '" << bad << "'");
        CHECK_FALSE(parse_int(bad).has_value());
    }
}

TEST_CASE("decimal: parse_scaled scales exactly", "[decimal]") {
    CHECK(parse_scaled("12.5", 2) == 1250);
    CHECK(parse_scaled("12", 2) == 1200);
    CHECK(parse_scaled("-0.07", 2) == -7);
    CHECK(parse_scaled("7.5", 2) == 750);
    CHECK(parse_scaled("1.234", 3) == 1234);
    CHECK(parse_scaled("0.1", 1) == 1);
    CHECK(parse_scaled("-0", 2) == 0);
    CHECK(parse_scaled("5", 0) == 5);
    CHECK(parse_money_minor("12.50") == 1250);
    CHECK(parse_money_minor("0.01") == 1);
}

TEST_CASE("decimal: more fractional digits than the scale are rejected, never rounded", "[decimal]") {
    CHECK_FALSE(parse_scaled("1.234", 2).has_value());
    CHECK_FALSE(parse_scaled("1.5", 0).has_value());
    CHECK_FALSE(parse_money_minor("0.005").has_value());
    CHECK_FALSE(parse_money_minor("12.500").has_value());
}

TEST_CASE("decimal: parse_scaled rejects malformed text", "[decimal]") {
    for (const char* bad : {"", ".", "-", "-.", "1.", ".5", "-.5", "+1.5", " 1.5", "1.5 ", "1 .5", "1,000.00",
                            "1.2.3", "1e2", "1.5e1", "NaN", "inf", "--1", "1-"}) {
        INFO("input: '" << bad << "'");
        CHECK_FALSE(parse_scaled(bad, 2).has_value());
    }
}

TEST_CASE("decimal: parse_scaled rejects overflow including overflow from scaling", "[decimal]") {
    CHECK(parse_scaled("92233720368547758.07", 2) == i64_max);
    CHECK(parse_scaled("-92233720368547758.08", 2) == i64_min);
    CHECK_FALSE(parse_scaled("92233720368547758.08", 2).has_value());
    CHECK_FALSE(parse_scaled("-92233720368547758.09", 2).has_value());
    CHECK_FALSE(parse_scaled("92233720368547759", 2).has_value());
    CHECK_FALSE(parse_scaled("100000000000000000000", 0).has_value());
}

TEST_CASE("decimal: parse_scaled rejects scales that cannot fit int64", "[decimal]") {
    CHECK_FALSE(parse_scaled("1", -1).has_value());
    CHECK_FALSE(parse_scaled("0", 19).has_value());
    CHECK(parse_scaled("1", 18) == 1'000'000'000'000'000'000);
}

TEST_CASE("decimal: format_scaled pads and signs correctly", "[decimal]") {
    CHECK(format_scaled(1250, 2) == "12.50");
    CHECK(format_scaled(-7, 2) == "-0.07");
    CHECK(format_scaled(5, 0) == "5");
    CHECK(format_scaled(0, 2) == "0.00");
    CHECK(format_scaled(0, 0) == "0");
    CHECK(format_scaled(1234, 3) == "1.234");
    CHECK(format_scaled(-1, 4) == "-0.0001");
    CHECK(format_scaled(i64_max, 2) == "92233720368547758.07");
    CHECK(format_scaled(i64_min, 2) == "-92233720368547758.08");
    CHECK(format_scaled(i64_min, 0) == "-9223372036854775808");
    CHECK(format_money(1250) == "12.50");
    CHECK(format_money(-100) == "-1.00");
}

TEST_CASE("decimal: parse_scaled(format_scaled(v, s), s) round-trips for many int64 values", "[decimal][property]") {
    std::mt19937_64 rng(20240601);
    std::uniform_int_distribution<std::int64_t> full(i64_min, i64_max);
    std::uniform_int_distribution<std::int64_t> small(-100000, 100000);
    std::vector<std::int64_t> values{0, 1, -1, 9, -9, 10, -10, 99, -100, i64_min, i64_min + 1, i64_max, i64_max - 1};
    for (int i = 0; i < 2000; ++i) values.push_back(full(rng));
    for (int i = 0; i < 2000; ++i) values.push_back(small(rng));

    for (const auto v : values) {
        for (int scale = 0; scale <= 4; ++scale) {
            const auto text = format_scaled(v, scale);
            const auto back = parse_scaled(text, scale);
            if (!back || *back != v) {
                FAIL("round-trip failed for " << v << " at scale " << scale << " via '" << text << "'");
            }
        }
    }
    SUCCEED("all values round-tripped");
}
