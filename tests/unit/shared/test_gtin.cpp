// Unit tests for wms::gtin: GS1 mod-10 check digits on real codes, normalisation to GTIN-14, and a property loop.
// Must never accept a code whose check digit is wrong.
#include <catch2/catch.hpp>

#include "wms/shared/gtin.hpp"

#include <random>
#include <string>

using wms::gtin::check_digit_ok;
using wms::gtin::compute_check_digit;
using wms::gtin::normalize;

TEST_CASE("gtin: real EAN-13, EAN-8, UPC-A and GTIN-14 codes have valid check digits", "[gtin]") {
    CHECK(check_digit_ok("4006381333931"));   // EAN-13
    CHECK(check_digit_ok("96385074"));        // EAN-8
    CHECK(check_digit_ok("036000291452"));    // UPC-A
    CHECK(check_digit_ok("10036000291459"));  // GTIN-14 case of the UPC-A above, indicator 1
    CHECK(compute_check_digit("400638133393") == '1');
    CHECK(compute_check_digit("9638507") == '4');
    CHECK(compute_check_digit("03600029145") == '2');
}

TEST_CASE("gtin: a wrong check digit is rejected", "[gtin]") {
    CHECK_FALSE(check_digit_ok("4006381333932"));
    CHECK_FALSE(check_digit_ok("96385075"));
    CHECK_FALSE(check_digit_ok("036000291453"));
    CHECK_FALSE(normalize("4006381333930").has_value());
}

TEST_CASE("gtin: letters, empty and too-short input are rejected", "[gtin]") {
    CHECK_FALSE(check_digit_ok(""));
    CHECK_FALSE(check_digit_ok("0"));
    CHECK_FALSE(check_digit_ok("40063813339A1"));
    CHECK_FALSE(check_digit_ok("400638133393X"));
    CHECK_FALSE(check_digit_ok(" 4006381333931"));
    CHECK_FALSE(compute_check_digit("").has_value());
    CHECK_FALSE(compute_check_digit("12a4").has_value());
    CHECK_FALSE(normalize("ABCDEFGHIJKLM").has_value());
}

TEST_CASE("gtin: check digit of zero sum is '0' and 2-digit codes work", "[gtin]") {
    CHECK(compute_check_digit("0000000") == '0');
    CHECK(check_digit_ok("00"));
    CHECK(compute_check_digit("1") == '7');  // 1*3 = 3 -> 10 - 3
    CHECK(check_digit_ok("17"));
}

TEST_CASE("gtin: normalize left-pads GTIN-8/12/13/14 to 14 digits", "[gtin]") {
    CHECK(normalize("4006381333931") == std::optional<std::string>{"04006381333931"});
    CHECK(normalize("96385074") == std::optional<std::string>{"00000096385074"});
    CHECK(normalize("036000291452") == std::optional<std::string>{"00036000291452"});
    CHECK(normalize("10036000291459") == std::optional<std::string>{"10036000291459"});
}

TEST_CASE("gtin: normalize rejects lengths other than 8, 12, 13 and 14", "[gtin]") {
    CHECK_FALSE(normalize("").has_value());
    CHECK_FALSE(normalize("17").has_value());                  // valid check digit, wrong length
    CHECK_FALSE(normalize("0096385074").has_value());          // 10 digits
    CHECK_FALSE(normalize("000000000096385074").has_value());  // 18 digits (SSCC length)
    CHECK_FALSE(normalize("04006381333931 ").has_value());
}

TEST_CASE("gtin: computed check digits validate and any single-digit change is caught", "[gtin][property]") {
    std::mt19937 rng(7919);
    std::uniform_int_distribution<int> digit(0, 9);
    for (int i = 0; i < 500; ++i) {
        std::string body;
        for (int k = 0; k < 13; ++k) body.push_back(static_cast<char>('0' + digit(rng)));
        const auto check = compute_check_digit(body);
        REQUIRE(check.has_value());
        const std::string code = body + *check;
        REQUIRE(check_digit_ok(code));
        REQUIRE(normalize(code) == std::optional<std::string>{code});

        for (std::size_t pos = 0; pos < code.size(); ++pos) {
            for (char replacement = '0'; replacement <= '9'; ++replacement) {
                if (replacement == code[pos]) continue;
                std::string altered = code;
                altered[pos] = replacement;
                if (check_digit_ok(altered)) {
                    FAIL("single-digit change at " << pos << " not detected: " << code << " -> " << altered);
                }
            }
        }
    }
    SUCCEED("all single-digit changes detected");
}
