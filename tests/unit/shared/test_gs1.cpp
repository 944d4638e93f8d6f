// Unit tests for wms::gs1: every AI we read, separators, symbology identifiers, bracket form, each error class with
// its message, garbage input, and an encode -> parse round-trip property. Must never rest on a fixture code nobody
// checked: the fixtures' check digits are verified by wms::gtin first, and generated codes get computed ones.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "wms/shared/gs1.hpp"
#include "wms/shared/gtin.hpp"

using wms::gs1::Element;
using wms::gs1::Error;
using wms::gs1::parse;

namespace {

const std::string GS(1, '\x1d');
const std::string k_gtin = "04006381333931";       // EAN-13 4006381333931 as GTIN-14
const std::string k_gtin_case = "10012345678902";  // indicator digit 1
const std::string k_sscc = "340123451234567895";

Error error_of(std::string_view s) {
  return parse(s).error;
}

std::string message_of(std::string_view s) {
  return parse(s).message;
}

}  // namespace

TEST_CASE("gs1: the fixture codes carry valid check digits", "[gs1]") {
  CHECK(wms::gtin::check_digit_ok(k_gtin));
  CHECK(wms::gtin::check_digit_ok(k_gtin_case));
  CHECK(wms::gtin::check_digit_ok(k_sscc));
}

TEST_CASE("gs1: a GS1-128 scan as ZXing returns it gives GTIN, batch and expiry", "[gs1]") {
  const auto r = parse("]C101" + k_gtin + "10ABC123" + GS + "17251231");
  REQUIRE(r.ok());
  REQUIRE(r.parsed.has_value());
  const auto& p = *r.parsed;
  CHECK(p.gtin == k_gtin);
  CHECK_FALSE(p.gtin_from_02);
  CHECK(p.batch == "ABC123");
  CHECK(p.expiry == "251231");
  CHECK(p.elements == std::vector<Element>{{"01", k_gtin}, {"10", "ABC123"}, {"17", "251231"}});
  CHECK_FALSE(p.sscc.has_value());
  CHECK_FALSE(p.count.has_value());
}

TEST_CASE("gs1: an SSCC pallet label gives SSCC, GTIN of contained items and count", "[gs1]") {
  const auto r = parse("00" + k_sscc + "02" + k_gtin_case + "3712");
  REQUIRE(r.ok());
  CHECK(r.parsed->sscc == k_sscc);
  CHECK(r.parsed->gtin == k_gtin_case);
  CHECK(r.parsed->gtin_from_02);
  CHECK(r.parsed->count == 12);
}

TEST_CASE("gs1: every AI we read lands in its field", "[gs1]") {
  const auto r = parse("01" + k_gtin + "11240101" + "15240200" + "17240331" + "10LOT-7/A" + GS + "21SN.0042" + GS +
                       "3000000250" + GS + "3103001250");
  REQUIRE(r.ok());
  const auto& p = *r.parsed;
  CHECK(p.production == "240101");
  CHECK(p.best_before == "240200");
  CHECK(p.expiry == "240331");
  CHECK(p.batch == "LOT-7/A");
  CHECK(p.serial == "SN.0042");
  CHECK(p.count == 250);
  CHECK(p.net_weight_kg == wms::gs1::Decimal{1250, 3});
  CHECK(p.net_weight_g() == 1250);
  CHECK(p.elements.size() == 8);
}

TEST_CASE("gs1: 310n carries n decimals and grams round half up", "[gs1]") {
  auto grams = [](const std::string& ai, const std::string& v) { return parse(ai + v).parsed->net_weight_g(); };
  CHECK(grams("3100", "000002") == 2000);
  CHECK(grams("3101", "000025") == 2500);
  CHECK(grams("3102", "000125") == 1250);
  CHECK(grams("3103", "001250") == 1250);
  CHECK(grams("3104", "012345") == 1235);  // 1.2345 kg = 1234.5 g
  CHECK(grams("3105", "012344") == 123);   // 0.12344 kg = 123.44 g
  CHECK(parse("3105123456").parsed->net_weight_kg == wms::gs1::Decimal{123456, 5});
  CHECK_FALSE(parse("01" + k_gtin).parsed->net_weight_g().has_value());
}

TEST_CASE("gs1: all GS1 symbology identifiers are accepted and others refused", "[gs1]") {
  for (const char* id : {"]C1", "]d2", "]Q3", "]e0", "]J1"}) {
    INFO(id);
    const auto r = parse(std::string(id) + "01" + k_gtin + "10X");
    REQUIRE(r.ok());
    CHECK(r.parsed->gtin == k_gtin);
  }
  for (const char* id : {"]C0", "]Q1", "]d1", "]E0", "]c1", "]", "]C"}) {
    INFO(id);
    CHECK(error_of(std::string(id) + "01" + k_gtin) == Error::not_gs1);
  }
}

TEST_CASE("gs1: a leading FNC1 as GS, repeated GS, GS after a fixed field and a trailing GS are tolerated", "[gs1]") {
  const std::vector<Element> want{{"01", k_gtin}, {"10", "A1"}, {"21", "S9"}};
  for (const std::string& s :
       {GS + "01" + k_gtin + "10A1" + GS + "21S9", "]d2" + GS + "01" + k_gtin + "10A1" + GS + "21S9",
        "01" + k_gtin + GS + "10A1" + GS + GS + "21S9" + GS}) {
    INFO(s);
    const auto r = parse(s);
    REQUIRE(r.ok());
    CHECK(r.parsed->elements == want);
  }
}

TEST_CASE("gs1: the bracket form typed by hand parses like the element string", "[gs1]") {
  const auto r = parse("(01)" + k_gtin + "(10)ABC(17)251200(3102)000150");
  REQUIRE(r.ok());
  CHECK(r.parsed->gtin == k_gtin);
  CHECK(r.parsed->batch == "ABC");
  CHECK(r.parsed->expiry == "251200");
  CHECK(r.parsed->net_weight_g() == 1500);
  // A value may hold brackets that do not open an AI.
  CHECK(parse("(10)A(B)1(2)").parsed->batch == "A(B)1(2)");
  // An AI we do not interpret is kept: the brackets delimit it.
  const auto u = parse("(01)" + k_gtin + "(240)PART-9(10)L1");
  REQUIRE(u.ok());
  CHECK(u.parsed->elements[1] == Element{"240", "PART-9"});
  CHECK(u.parsed->batch == "L1");
}

TEST_CASE("gs1: bracket form errors say what is wrong", "[gs1]") {
  CHECK(error_of("(01" + k_gtin) == Error::bad_brackets);
  CHECK(error_of("(1)5") == Error::bad_brackets);
  CHECK(error_of("(01)" + k_gtin + "x(10)A") == Error::wrong_length);
  CHECK(message_of("(01)0400638133393") == "AI (01) needs 14 digits, got 13");
  CHECK(error_of("(011)" + k_gtin) == Error::unknown_ai);
  CHECK(error_of("(310)001250") == Error::unknown_ai);
  CHECK(error_of("(10)") == Error::wrong_length);
  CHECK(error_of("(10)A B") == Error::bad_character);
  CHECK(error_of("(240)" + std::string(91, 'A')) == Error::too_long);
}

TEST_CASE("gs1: AIs of predefined length that we do not interpret are skipped correctly", "[gs1]") {
  // 20 variant (N2), 3300 gross weight (N6), 410 ship-to GLN (N13), 13 packaging date (N6), then a variable field.
  const auto r = parse("01" + k_gtin + "2005" + "3300000123" + "4101234567890128" + "13240115" + "10B7");
  REQUIRE(r.ok());
  CHECK(
      r.parsed->elements ==
      std::vector<Element>{
          {"01", k_gtin}, {"20", "05"}, {"3300", "000123"}, {"410", "1234567890128"}, {"13", "240115"}, {"10", "B7"}});
  CHECK(r.parsed->batch == "B7");
  CHECK(error_of("20A5") == Error::not_numeric);
}

TEST_CASE("gs1: an AI whose length cannot be known stops the parse with unknown_ai", "[gs1]") {
  CHECK(error_of("01" + k_gtin + "240PART" + GS + "10A") == Error::unknown_ai);
  CHECK(message_of("99ABC") ==
        "AI (99) is not one we read and its length is not predefined: cannot tell where its "
        "value ends");
  CHECK(error_of("LOC-A01-01-A") == Error::unknown_ai);
  CHECK(error_of("]C1TOTE-07") == Error::unknown_ai);
}

TEST_CASE("gs1: empty scans are an error of their own", "[gs1]") {
  CHECK(error_of("") == Error::empty);
  CHECK(error_of("]C1") == Error::empty);
  CHECK(error_of(GS + GS) == Error::empty);
  CHECK(message_of("]d2") == "the scan holds no GS1 data");
}

TEST_CASE("gs1: truncated input says where it ends", "[gs1]") {
  CHECK(error_of("0") == Error::truncated);
  CHECK(error_of("01" + k_gtin.substr(0, 9)) == Error::truncated);
  CHECK(message_of("0104006381") == "the scan ends inside AI (01): 14 digits needed, 8 left");
  CHECK(error_of("]C1310") == Error::truncated);
  CHECK(error_of("01" + k_gtin + "1") == Error::truncated);
  CHECK(error_of("00" + k_sscc.substr(0, 17)) == Error::truncated);
  CHECK(error_of("17" + std::string("2512")) == Error::truncated);
}

TEST_CASE("gs1: a fixed-length field cut by a separator and an empty variable field are wrong_length", "[gs1]") {
  CHECK(error_of("0104006381" + GS + "3931") == Error::wrong_length);
  CHECK(message_of("0104006381" + GS + "3931") == "AI (01) needs 14 digits, got 8 before a separator");
  CHECK(error_of("10" + GS + "17251231") == Error::wrong_length);
  CHECK(message_of("10" + GS + "17251231") == "AI (10) has an empty value");
  CHECK(error_of("01" + k_gtin + "21") == Error::wrong_length);
}

TEST_CASE("gs1: variable fields over their maximum are too_long and hint at a missing separator", "[gs1]") {
  CHECK(error_of("10" + std::string(20, 'A')) == Error::none);
  CHECK(error_of("10" + std::string(21, 'A')) == Error::too_long);
  CHECK(message_of("10ABCDEFGHIJKLMNOPQRSTU") ==
        "AI (10) is longer than 20 characters (got 21: ABCDEFGHIJKLMNOPQRSTU): is a group separator missing?");
  CHECK(error_of("21" + std::string(21, '1')) == Error::too_long);
  CHECK(error_of("3012345678") == Error::none);
  CHECK(error_of("30123456789") == Error::too_long);
  CHECK(error_of("37123456789") == Error::too_long);
  // The classic label mistake: no GS after the batch, so the expiry becomes part of it.
  CHECK(error_of("01" + k_gtin + "10BATCH-2024-XYZ17251231") == Error::too_long);
}

TEST_CASE("gs1: letters in numeric fields are not_numeric", "[gs1]") {
  CHECK(error_of("010400638133393A") == Error::not_numeric);
  CHECK(message_of("0104006381A33931") == "AI (01) takes digits only, found 'A' at offset 10");
  CHECK(error_of("3712a") == Error::not_numeric);
  CHECK(error_of("3103001.25") == Error::not_numeric);
  CHECK(error_of("1725-231") == Error::not_numeric);
  CHECK(error_of("00" + k_sscc.substr(0, 17) + "X") == Error::not_numeric);
}

TEST_CASE("gs1: characters outside set 82 are refused in batch and serial", "[gs1]") {
  for (const std::string bad :
       {"#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", " ", "\x7f", "\x01", "\xc3\xa9"}) {
    INFO("char: " << bad);
    CHECK(error_of("10AB" + bad + "C") == Error::bad_character);
    CHECK(error_of("21" + bad) == Error::bad_character);
  }
  CHECK(message_of("10AB#C") == "AI (10): character '#' at offset 4 is not allowed in GS1 data (character set 82)");
  CHECK(error_of("10!\"%&'()*+,-./:;<=>?_azAZ09") == Error::too_long);  // all legal, just 26 of them
  CHECK(error_of("10!\"%&'()*+,-./:;<=>?_") == Error::none);
}

TEST_CASE("gs1: wrong check digits of SSCC, GTIN and contained GTIN are caught with the expected digit", "[gs1]") {
  CHECK(message_of("0104006381333933") == "AI (01): check digit should be 1, got 3");
  CHECK(error_of("0104006381333933") == Error::bad_check_digit);
  CHECK(error_of("02" + k_gtin_case.substr(0, 13) + "0") == Error::bad_check_digit);
  CHECK(message_of("02" + k_gtin_case.substr(0, 13) + "0") == "AI (02): check digit should be 2, got 0");
  CHECK(error_of("00" + k_sscc.substr(0, 17) + "4") == Error::bad_check_digit);
  CHECK(message_of("00" + k_sscc.substr(0, 17) + "4") == "AI (00): check digit should be 5, got 4");
  CHECK(parse("00" + k_sscc).offset == 0);
  CHECK(parse("00" + k_sscc.substr(0, 17) + "4").offset == 19);
}

TEST_CASE("gs1: dates need a real month and a day of that month, 00 meaning end of month", "[gs1]") {
  CHECK(message_of("17251331") == "AI (17): month 13 is not a month");
  CHECK(error_of("17250015") == Error::bad_date);
  CHECK(error_of("11251232") == Error::bad_date);
  CHECK(message_of("17250431") == "AI (17): day 31 is not a day of month 04 (250431)");
  CHECK(error_of("15250230") == Error::bad_date);
  CHECK(error_of("15250229") == Error::bad_date);  // 2025 is no leap year
  CHECK(error_of("15240229") == Error::none);
  for (const char* ai : {"11", "15", "17"}) {
    INFO(ai);
    CHECK(error_of(std::string(ai) + "251200") == Error::none);
    CHECK(error_of(std::string(ai) + "250131") == Error::none);
  }
}

TEST_CASE("gs1: AIs that contradict each other are conflicting_ai - an exact repeat is fine", "[gs1]") {
  CHECK(error_of("01" + k_gtin + "02" + k_gtin_case + "371") == Error::conflicting_ai);
  CHECK(message_of("01" + k_gtin + "02" + k_gtin_case) == "AI (01) and AI (02) cannot be in the same scan");
  CHECK(error_of("305" + GS + "376") == Error::conflicting_ai);
  CHECK(error_of(std::string("3103001250") + "3102000125") == Error::conflicting_ai);
  CHECK(error_of("10A" + GS + "10B") == Error::conflicting_ai);
  CHECK(message_of("10A" + GS + "10B") == "AI (10) appears twice with different values (A and B)");
  const auto same = parse("01" + k_gtin + "10A" + GS + "01" + k_gtin);
  REQUIRE(same.ok());
  CHECK(same.parsed->elements.size() == 3);
}

TEST_CASE("gs1: looks_like_gs1 recognises identifiers, separators and the bracket form only", "[gs1]") {
  CHECK(wms::gs1::looks_like_gs1("]C10104006381333931"));
  CHECK(wms::gs1::looks_like_gs1("]d2" + GS + "01"));
  CHECK(wms::gs1::looks_like_gs1("]Q301"));
  CHECK(wms::gs1::looks_like_gs1("]e001"));
  CHECK(wms::gs1::looks_like_gs1(GS + "0104006381333931"));
  CHECK(wms::gs1::looks_like_gs1("10ABC" + GS + "17251231"));
  CHECK(wms::gs1::looks_like_gs1("(01)04006381333931"));
  CHECK(wms::gs1::looks_like_gs1("(3103)001250"));
  for (const char* no : {"", "LOC-A01-01-A", "TOTE-07", "4006381333931", "0104006381333931", "(A)", "(1)2", "(12345)",
                         "]C0ABC", "]E04006381333931", "(01"}) {
    INFO(no);
    CHECK_FALSE(wms::gs1::looks_like_gs1(no));
  }
}

TEST_CASE("gs1: encode puts GS only after variable-length values that are not last", "[gs1]") {
  const std::vector<Element> e{{"01", k_gtin}, {"10", "L1"},       {"17", "251231"},
                               {"21", "S"},    {"3103", "000500"}, {"37", "4"}};
  CHECK(wms::gs1::encode(e) == "01" + k_gtin + "10L1" + GS + "17251231" + "21S" + GS + "3103000500" + "374");
  CHECK(wms::gs1::to_brackets(e) == "(01)" + k_gtin + "(10)L1(17)251231(21)S(3103)000500(37)4");
  CHECK(wms::gs1::encode({}) == "");
  CHECK(parse(wms::gs1::encode(e)).parsed->elements == e);
  CHECK(parse(wms::gs1::to_brackets(e)).parsed->elements == e);
}

TEST_CASE("gs1: every error has a distinct name", "[gs1]") {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(Error::bad_brackets); ++i) {
    names.insert(wms::gs1::to_string(static_cast<Error>(i)));
  }
  CHECK(names.size() == static_cast<std::size_t>(Error::bad_brackets) + 1);
  CHECK(wms::gs1::to_string(Error::bad_check_digit) == "bad_check_digit");
}

TEST_CASE("gs1: random valid element lists survive encode then parse, in both forms", "[gs1][property]") {
  std::mt19937 rng(4242);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + pick(10)));
    return s;
  };
  auto with_check = [&](int n) {
    std::string body = digits(n - 1);
    return body + *wms::gtin::compute_check_digit(body);
  };
  const std::string cs82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  auto text = [&](int max) {
    std::string s;
    const int n = 1 + pick(max);
    for (int i = 0; i < n; ++i) s.push_back(cs82[static_cast<std::size_t>(pick(static_cast<int>(cs82.size())))]);
    return s;
  };
  auto date = [&]() {
    const int m = 1 + pick(12);
    const int d = pick(29);  // 00..28 exists in every month
    char buf[7];
    std::snprintf(buf, sizeof buf, "%02d%02d%02d", pick(100), m, d);
    return std::string(buf);
  };

  int bracket_checked = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<Element> pool;
    pool.push_back({"00", with_check(18)});
    pool.push_back({pick(2) ? "01" : "02", with_check(14)});
    pool.push_back({"10", text(20)});
    pool.push_back({"21", text(20)});
    pool.push_back({"11", date()});
    pool.push_back({"15", date()});
    pool.push_back({"17", date()});
    pool.push_back({pick(2) ? "30" : "37", digits(1 + pick(8))});
    pool.push_back({"310" + std::to_string(pick(6)), digits(6)});
    pool.push_back({"20", digits(2)});
    std::shuffle(pool.begin(), pool.end(), rng);
    pool.resize(1 + static_cast<std::size_t>(pick(static_cast<int>(pool.size()))));

    const std::string encoded = wms::gs1::encode(pool);
    const auto r = parse(encoded);
    INFO("encoded: " << encoded);
    REQUIRE(r.ok());
    REQUIRE(r.parsed->elements == pool);
    REQUIRE(parse("]C1" + encoded).parsed->elements == pool);

    // In bracket form a value holding "(" followed by digits and ")" would read as a new AI: skip those.
    const std::string br = wms::gs1::to_brackets(pool);
    bool ambiguous = false;
    for (const auto& e : pool) ambiguous = ambiguous || e.value.find('(') != std::string::npos;
    if (!ambiguous) {
      const auto b = parse(br);
      INFO("brackets: " << br);
      REQUIRE(b.ok());
      REQUIRE(b.parsed->elements == pool);
      ++bracket_checked;
    }
  }
  CHECK(bracket_checked > 500);
}

TEST_CASE("gs1: garbage bytes never crash and always give a consistent result", "[gs1][property]") {
  std::mt19937 rng(99);
  const std::string alphabet = std::string("0123456789()]Cd") + GS + "A\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const auto n = rng() % 48;
    for (unsigned k = 0; k < n; ++k) {
      s.push_back(i % 2 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()]);
    }
    const auto r = parse(s);
    REQUIRE(r.ok() == r.parsed.has_value());
    REQUIRE(r.offset <= s.size());
    if (!r.ok()) REQUIRE_FALSE(r.message.empty());
    (void)wms::gs1::looks_like_gs1(s);
  }
}
