// GS1 element strings as scanners deliver them: split into application identifiers (AIs), validate, and pick out
// what a warehouse needs (SSCC, GTIN, batch, serial, dates, counts, net weight). Pure: no I/O, never throws, never
// reads outside its input, whatever the bytes (it is fuzzed).
//
//   auto r = wms::gs1::parse("]C10104006380010008" "10ABC\x1D" "17251231");
//   if (!r.ok()) show(r.message);            // "AI (17): month 13 is not a month", ...
//   else use(r.parsed->gtin, r.parsed->batch, r.parsed->expiry);
//
// Accepted input (GS1 General Specifications section 7.8 "Processing of data from a GS1 symbol"):
//   - an optional AIM symbology identifier of a GS1 symbology: "]C1" GS1-128, "]d2" GS1 DataMatrix, "]Q3" GS1 QR,
//     "]e0" GS1 DataBar, "]J1" GS1 DotCode; any other "]xn" prefix is Error::not_gs1;
//   - optional leading GS characters (ASCII 29: FNC1 in first position, as some scanners transmit it);
//   - the element string: AI then value, a GS after every variable-length value that is not last (a GS after a
//     fixed-length value, or a repeated GS, is tolerated);
//   - or the human-readable bracket form "(01)04006380010008(10)ABC" (typed by hand, printed under a barcode).
//     In this form a value ends at the next "(" that opens 2-4 digits and ")", so a value that itself contains
//     such a group cannot be written in bracket form.
// AIs read and checked: 00 SSCC (N18, check digit), 01 GTIN and 02 GTIN of contained items (N14, check digit),
// 10 batch/lot and 21 serial (1-20 chars of GS1 character set 82), 11/12/13/15/16/17 dates YYMMDD (month 01-12,
// day 00-last day of the month; day 00 means "end of month" for 15/17 and "day not given" for the others),
// 30 variable count and 37 count of trade items (N..8), 310n net weight in kg with n decimals (N6, n = 0..5).
// Other AIs whose length the General Specifications predefine (figure 5.10.1-2: first two digits 00-04, 11-20,
// 31-36, 41) are kept in `elements` uninterpreted (digits only); any other AI in an element string is
// Error::unknown_ai, because there is no way to know where its value ends. In bracket form an unknown AI can be
// delimited, so it is kept (1-90 characters of set 82).
// Cross-AI rules: (01) with (02), (30) with (37), two different 310n, or one AI twice with different values are
// Error::conflicting_ai. Requisite pairings ("02 needs 37") are not enforced: the screens ask for what they need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wms::gs1 {

inline constexpr char k_gs = '\x1d';  // group separator: FNC1 as transmitted after a variable-length value

// Closed set of reasons a scan is not a usable GS1 element string. Only append.
enum class Error : std::uint8_t {
  none = 0,
  empty,            // nothing after the symbology identifier and separators
  not_gs1,          // a symbology identifier of a non-GS1 symbology (]C0, ]Q1, ...)
  unknown_ai,       // not digits where an AI must be, or an AI whose value length cannot be known
  truncated,        // the scan ends inside an AI or inside a fixed-length value
  wrong_length,     // a fixed-length value cut short (separator, bracket) or too long; an empty value
  too_long,         // a variable-length value over its maximum (often: a missing group separator)
  not_numeric,      // a non-digit in a numeric value
  bad_character,    // a character outside GS1 character set 82 (or a control character)
  bad_check_digit,  // SSCC or GTIN check digit wrong (General Specifications 7.9)
  bad_date,         // month not 01-12, day not valid for the month
  conflicting_ai,   // AIs that cannot appear together, or one AI twice with different values
  bad_brackets,     // bracket form: "(" without 2-4 digits and ")"
};

std::string_view to_string(Error e);

struct Element {
  std::string ai;     // "01", "10", "3103", ...
  std::string value;  // as encoded, without separators
  bool operator==(const Element&) const = default;
};

// A fixed-point value as GS1 encodes it: value / 10^decimals (310n: n = decimals).
struct Decimal {
  std::int64_t value = 0;
  int decimals = 0;
  bool operator==(const Decimal&) const = default;
};

struct Parsed {
  std::vector<Element> elements;           // every element in scan order
  std::optional<std::string> sscc;         // (00), 18 digits
  std::optional<std::string> gtin;         // (01) or (02), 14 digits
  bool gtin_from_02 = false;               // gtin names the items inside a logistic unit, not the unit itself
  std::optional<std::string> batch;        // (10)
  std::optional<std::string> serial;       // (21)
  std::optional<std::string> production;   // (11) YYMMDD
  std::optional<std::string> best_before;  // (15) YYMMDD, DD may be 00 = end of month
  std::optional<std::string> expiry;       // (17) YYMMDD, DD may be 00 = end of month
  std::optional<std::int64_t> count;       // (30) or (37)
  std::optional<Decimal> net_weight_kg;    // (310n)

  // Net weight in grams, rounded half up (3104 and 3105 carry tenths and hundredths of a gram).
  std::optional<std::int64_t> net_weight_g() const;
};

struct ParseResult {
  std::optional<Parsed> parsed;  // set exactly when error == Error::none
  Error error = Error::none;
  std::string message;     // for a person: "AI (01): check digit should be 8, got 3"
  std::size_t offset = 0;  // byte offset in the input where the problem was found
  bool ok() const { return error == Error::none; }
};

ParseResult parse(std::string_view scan);

// Whether a scan is meant as GS1 data: a GS1 symbology identifier, a leading GS, a leading "(NN" AI, or a GS
// anywhere. A bare "0104006380010008" without identifier is NOT recognised (indistinguishable from other codes).
bool looks_like_gs1(std::string_view scan);

// Element string for labels and tests: AI + value, a GS after each variable-length value except the last, no
// symbology identifier. An AI is variable-length unless its first two digits are in the predefined-length table.
// Does not validate: parse(encode(e)) gives e back when e is valid.
std::string encode(const std::vector<Element>& elements);

// Human-readable form "(01)04006380010008(10)ABC".
std::string to_brackets(const std::vector<Element>& elements);

}  // namespace wms::gs1
