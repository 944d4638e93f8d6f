// GS1 element string parsing (General Specifications 3 "GS1 Application Identifier definitions", 5.10 and 7.8).
// It must never throw, never read outside the input, and never accept a value its AI does not allow.
#include "wms/shared/gs1.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "wms/shared/gtin.hpp"

namespace wms::gs1 {
namespace {

enum class Kind : std::uint8_t { numeric, cs82 };
enum class Check : std::uint8_t { none, mod10, date };

struct Spec {
  std::size_t min_len = 0;
  std::size_t max_len = 0;
  Kind kind = Kind::numeric;
  Check check = Check::none;
  bool fixed = false;  // predefined length: no separator follows the value
};

constexpr std::size_t k_max_unknown_len = 90;  // no AI value is longer (General Specifications 3.2)

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// GS1 AI encodable character set 82 (General Specifications figure 7.11-1): ! " % & ' ( ) * + , - . / 0-9 : ; < = >
// ? A-Z _ a-z. Notably absent: space # $ @ [ \ ] ^ ` { | } ~ and every control character.
bool in_cs82(char c) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= 'a' && c <= 'z') return true;
  return std::string_view("!\"%&'()*+,-./:;<=>?_").find(c) != std::string_view::npos;
}

// Total length (AI + value) of element strings whose length is predefined, by the AI's first two digits
// (General Specifications figure 5.10.1-2). 0 = not predefined: the value is ended by FNC1 (GS) or the scan.
std::size_t predefined_total_len(char a, char b) {
  if (!is_digit(a) || !is_digit(b)) return 0;
  const int p = (a - '0') * 10 + (b - '0');
  if (p == 0) return 20;
  if (p >= 1 && p <= 3) return 16;
  if (p == 4) return 18;
  if (p >= 11 && p <= 19) return 8;
  if (p == 20) return 4;
  if (p >= 31 && p <= 36) return 10;
  if (p == 41) return 16;
  return 0;
}

// Number of digits of the AI within a predefined-length element string.
std::size_t predefined_ai_len(char a, char b) {
  if (a == '3' && b >= '1' && b <= '6') return 4;
  if (a == '4' && b == '1') return 3;
  return 2;
}

std::optional<Spec> known_spec(std::string_view ai) {
  if (ai == "00") return Spec{18, 18, Kind::numeric, Check::mod10, true};
  if (ai == "01" || ai == "02") return Spec{14, 14, Kind::numeric, Check::mod10, true};
  if (ai == "10" || ai == "21") return Spec{1, 20, Kind::cs82, Check::none, false};
  if (ai == "11" || ai == "12" || ai == "13" || ai == "15" || ai == "16" || ai == "17") {
    return Spec{6, 6, Kind::numeric, Check::date, true};
  }
  if (ai == "30" || ai == "37") return Spec{1, 8, Kind::numeric, Check::none, false};
  if (ai.size() == 4 && ai.substr(0, 3) == "310" && ai[3] >= '0' && ai[3] <= '5') {
    return Spec{6, 6, Kind::numeric, Check::none, true};
  }
  return std::nullopt;
}

// Spec of an AI that is known, or whose length is predefined (then its value is all digits, General
// Specifications 5.10.1). nullopt: neither, or the AI has the wrong number of digits for its prefix.
std::optional<Spec> fixed_or_known_spec(std::string_view ai) {
  if (auto s = known_spec(ai)) return s;
  if (ai.size() < 2 || !all_digits(ai)) return std::nullopt;
  const std::size_t total = predefined_total_len(ai[0], ai[1]);
  if (total == 0 || ai.size() != predefined_ai_len(ai[0], ai[1])) return std::nullopt;
  const std::size_t len = total - ai.size();
  return Spec{len, len, Kind::numeric, Check::none, true};
}

bool is_gs1_symbology(std::string_view id) {
  return id == "]C1" || id == "]d2" || id == "]Q3" || id == "]e0" || id == "]J1";
}

// A value shown in a message: bounded, control characters visible.
std::string shown(std::string_view s) {
  constexpr std::size_t k_max_shown = 40;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < k_max_shown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x1d) {
      out += "<GS>";
    } else if (c < 0x20 || c >= 0x7f) {
      static constexpr char k_hex[] = "0123456789ABCDEF";
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > k_max_shown) out += "...";
  return out;
}

std::string ai_label(std::string_view ai) {
  return "AI (" + std::string(ai) + ")";
}

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

class Parser {
 public:
  explicit Parser(std::string_view scan) : s_(scan) {}

  ParseResult run() {
    std::size_t pos = 0;
    if (!s_.empty() && s_[0] == ']') {
      if (s_.size() < 3 || !is_gs1_symbology(s_.substr(0, 3))) {
        return fail(Error::not_gs1, 0,
                    "symbology identifier " + shown(s_.substr(0, 3)) +
                        " is not one of a GS1 symbology (]C1 ]d2 ]Q3 "
                        "]e0 ]J1)");
      }
      pos = 3;
    }
    while (pos < s_.size() && s_[pos] == k_gs) ++pos;
    if (pos >= s_.size()) return fail(Error::empty, pos, "the scan holds no GS1 data");
    const bool ok = s_[pos] == '(' ? brackets(pos) : element_string(pos);
    if (!ok) return std::move(result_);
    result_.parsed = std::move(parsed_);
    return std::move(result_);
  }

 private:
  bool element_string(std::size_t pos) {
    const std::size_t n = s_.size();
    while (pos < n) {
      if (s_[pos] == k_gs) {  // after a variable-length value; tolerated after a fixed one or repeated
        ++pos;
        continue;
      }
      if (n - pos < 2) return failed(Error::truncated, pos, "the scan ends inside an application identifier");
      if (!is_digit(s_[pos]) || !is_digit(s_[pos + 1])) {
        return failed(Error::unknown_ai, pos,
                      "expected an application identifier (digits) at offset " + std::to_string(pos) + ", found '" +
                          shown(s_.substr(pos, 2)) + "'");
      }
      const std::size_t ai_len =
          predefined_total_len(s_[pos], s_[pos + 1]) ? predefined_ai_len(s_[pos], s_[pos + 1]) : std::size_t{2};
      if (n - pos < ai_len) return failed(Error::truncated, pos, "the scan ends inside an application identifier");
      const std::string_view ai = s_.substr(pos, ai_len);
      if (!all_digits(ai)) {
        return failed(Error::unknown_ai, pos, "application identifier " + shown(ai) + " is not all digits");
      }
      const auto spec = fixed_or_known_spec(ai);
      if (!spec) {
        return failed(Error::unknown_ai, pos,
                      ai_label(ai) +
                          " is not one we read and its length is not predefined: cannot tell where its "
                          "value ends");
      }
      pos += ai_len;
      std::string_view value;
      if (spec->fixed) {
        const std::size_t avail = n - pos;
        const std::string_view head = s_.substr(pos, std::min(avail, spec->max_len));
        const std::size_t gs_at = head.find(k_gs);
        if (gs_at != std::string_view::npos) {
          return failed(Error::wrong_length, pos + gs_at,
                        ai_label(ai) + " needs " + std::to_string(spec->max_len) + " digits, got " +
                            std::to_string(gs_at) + " before a separator");
        }
        if (avail < spec->max_len) {
          return failed(Error::truncated, n,
                        "the scan ends inside " + ai_label(ai) + ": " + std::to_string(spec->max_len) +
                            " digits needed, " + std::to_string(avail) + " left");
        }
        value = head;
      } else {
        const std::size_t gs_at = s_.find(k_gs, pos);
        value = s_.substr(pos, gs_at == std::string_view::npos ? n - pos : gs_at - pos);
      }
      if (!accept(ai, *spec, value, pos, /*from_brackets=*/false)) return false;
      pos += value.size();
    }
    return true;
  }

  // "(" 2-4 digits ")" at `at`?
  bool ai_group_at(std::size_t at) const {
    if (at >= s_.size() || s_[at] != '(') return false;
    std::size_t k = at + 1;
    while (k < s_.size() && k - at - 1 < 4 && is_digit(s_[k])) ++k;
    const std::size_t digits = k - at - 1;
    return digits >= 2 && k < s_.size() && s_[k] == ')';
  }

  bool brackets(std::size_t pos) {
    const std::size_t n = s_.size();
    while (pos < n) {
      if (!ai_group_at(pos)) {
        return failed(Error::bad_brackets, pos,
                      "expected '(' then an application identifier of 2 to 4 digits and ')' at offset " +
                          std::to_string(pos) + ", found '" + shown(s_.substr(pos, 6)) + "'");
      }
      const std::size_t close = s_.find(')', pos);  // exists: ai_group_at checked it
      const std::string_view ai = s_.substr(pos + 1, close - pos - 1);
      const std::size_t value_at = close + 1;
      std::size_t end = value_at;
      while (end < n && !ai_group_at(end)) ++end;
      const std::string_view value = s_.substr(value_at, end - value_at);

      std::optional<Spec> spec = fixed_or_known_spec(ai);
      if (!spec) {
        const bool prefix_claimed = known_spec(ai.substr(0, 2)) || predefined_total_len(ai[0], ai[1]) != 0;
        if (prefix_claimed) {
          const std::size_t want = predefined_total_len(ai[0], ai[1]) ? predefined_ai_len(ai[0], ai[1]) : 2;
          return failed(Error::unknown_ai, pos + 1,
                        "AI (" + std::string(ai) + ") is not an AI: AIs starting " + std::string(ai.substr(0, 2)) +
                            " have " + std::to_string(want) + " digits");
        }
        spec = Spec{1, k_max_unknown_len, Kind::cs82, Check::none, false};
      }
      if (!accept(ai, *spec, value, value_at, /*from_brackets=*/true)) return false;
      pos = end;
    }
    return true;
  }

  bool accept(std::string_view ai, const Spec& spec, std::string_view value, std::size_t at, bool from_brackets) {
    if (!check_value(ai, spec, value, at, from_brackets)) return false;
    return apply(ai, value, at);
  }

  bool check_value(std::string_view ai, const Spec& spec, std::string_view value, std::size_t at, bool from_brackets) {
    const std::string what = spec.kind == Kind::numeric ? " digits" : " characters";
    if (spec.fixed && value.size() != spec.max_len) {
      return failed(
          Error::wrong_length, at,
          ai_label(ai) + " needs " + std::to_string(spec.max_len) + what + ", got " + std::to_string(value.size()));
    }
    if (value.empty()) return failed(Error::wrong_length, at, ai_label(ai) + " has an empty value");
    if (value.size() > spec.max_len) {
      return failed(Error::too_long, at,
                    ai_label(ai) + " is longer than " + std::to_string(spec.max_len) + what + " (got " +
                        std::to_string(value.size()) + ": " + shown(value) + ")" +
                        (from_brackets ? std::string{} : std::string{": is a group separator missing?"}));
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (spec.kind == Kind::numeric && !is_digit(c)) {
        return failed(Error::not_numeric, at + i,
                      ai_label(ai) + " takes digits only, found '" + shown(value.substr(i, 1)) + "' at offset " +
                          std::to_string(at + i));
      }
      if (spec.kind == Kind::cs82 && !in_cs82(c)) {
        return failed(Error::bad_character, at + i,
                      ai_label(ai) + ": character '" + shown(value.substr(i, 1)) + "' at offset " +
                          std::to_string(at + i) + " is not allowed in GS1 data (character set 82)");
      }
    }
    if (spec.check == Check::mod10) {
      const auto expected = gtin::compute_check_digit(value.substr(0, value.size() - 1));
      if (!expected || *expected != value.back()) {
        return failed(Error::bad_check_digit, at + value.size() - 1,
                      ai_label(ai) + ": check digit should be " + std::string(1, expected.value_or('?')) + ", got " +
                          std::string(1, value.back()));
      }
    }
    if (spec.check == Check::date) return check_date(ai, value, at);
    return true;
  }

  // YYMMDD (General Specifications 7.12): DD = 00 stands for "no day given" (the end of the month for 15/17).
  bool check_date(std::string_view ai, std::string_view v, std::size_t at) {
    const int yy = two_digits(v, 0);
    const int mm = two_digits(v, 2);
    const int dd = two_digits(v, 4);
    if (mm < 1 || mm > 12) {
      return failed(Error::bad_date, at + 2,
                    ai_label(ai) + ": month " + std::string(v.substr(2, 2)) + " is not a month");
    }
    static constexpr std::array<int, 12> k_days = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    // The century is not in the data (7.12 resolves it against today's date); a year divisible by 4 is a leap year
    // in every candidate century except 2100, which is accepted rather than rejecting 2000-era labels.
    const int last = (mm == 2 && yy % 4 != 0) ? 28 : k_days[static_cast<std::size_t>(mm - 1)];
    if (dd > last) {
      return failed(Error::bad_date, at + 4,
                    ai_label(ai) + ": day " + std::string(v.substr(4, 2)) + " is not a day of month " +
                        std::string(v.substr(2, 2)) + " (" + std::string(v) + ")");
    }
    return true;
  }

  bool apply(std::string_view ai, std::string_view value, std::size_t at) {
    auto [it, inserted] = seen_.try_emplace(std::string(ai), value);
    if (!inserted && it->second != value) {
      return failed(
          Error::conflicting_ai, at,
          ai_label(ai) + " appears twice with different values (" + shown(it->second) + " and " + shown(value) + ")");
    }
    parsed_.elements.push_back(Element{std::string(ai), std::string(value)});
    if (!inserted) return true;  // same value again: nothing new

    auto conflict = [&](std::string_view other) {
      return failed(Error::conflicting_ai, at,
                    ai_label(other) + " and " + ai_label(ai) + " cannot be in the same scan");
    };
    if (ai == "00") {
      parsed_.sscc = std::string(value);
    } else if (ai == "01" || ai == "02") {
      if (parsed_.gtin) return conflict(parsed_.gtin_from_02 ? "02" : "01");
      parsed_.gtin = std::string(value);
      parsed_.gtin_from_02 = ai == "02";
    } else if (ai == "10") {
      parsed_.batch = std::string(value);
    } else if (ai == "21") {
      parsed_.serial = std::string(value);
    } else if (ai == "11") {
      parsed_.production = std::string(value);
    } else if (ai == "15") {
      parsed_.best_before = std::string(value);
    } else if (ai == "17") {
      parsed_.expiry = std::string(value);
    } else if (ai == "30" || ai == "37") {
      if (parsed_.count) return conflict(ai == "30" ? "37" : "30");
      std::int64_t n = 0;
      for (char c : value) n = n * 10 + (c - '0');  // at most 8 digits: no overflow
      parsed_.count = n;
    } else if (ai.size() == 4 && ai.substr(0, 3) == "310") {
      if (parsed_.net_weight_kg) return conflict("310" + std::to_string(parsed_.net_weight_kg->decimals));
      std::int64_t n = 0;
      for (char c : value) n = n * 10 + (c - '0');
      parsed_.net_weight_kg = Decimal{n, ai[3] - '0'};
    }
    return true;
  }

  bool failed(Error e, std::size_t at, std::string message) {
    result_.error = e;
    result_.offset = at;
    result_.message = std::move(message);
    return false;
  }
  ParseResult fail(Error e, std::size_t at, std::string message) {
    failed(e, at, std::move(message));
    return std::move(result_);
  }

  std::string_view s_;
  Parsed parsed_;
  ParseResult result_;
  std::unordered_map<std::string, std::string_view> seen_;
};

}  // namespace

std::string_view to_string(Error e) {
  switch (e) {
    case Error::none:
      return "none";
    case Error::empty:
      return "empty";
    case Error::not_gs1:
      return "not_gs1";
    case Error::unknown_ai:
      return "unknown_ai";
    case Error::truncated:
      return "truncated";
    case Error::wrong_length:
      return "wrong_length";
    case Error::too_long:
      return "too_long";
    case Error::not_numeric:
      return "not_numeric";
    case Error::bad_character:
      return "bad_character";
    case Error::bad_check_digit:
      return "bad_check_digit";
    case Error::bad_date:
      return "bad_date";
    case Error::conflicting_ai:
      return "conflicting_ai";
    case Error::bad_brackets:
      return "bad_brackets";
  }
  return "unknown_error";
}

std::optional<std::int64_t> Parsed::net_weight_g() const {
  if (!net_weight_kg) return std::nullopt;
  const std::int64_t v = net_weight_kg->value;
  switch (net_weight_kg->decimals) {
    case 0:
      return v * 1000;
    case 1:
      return v * 100;
    case 2:
      return v * 10;
    case 3:
      return v;
    case 4:
      return (v + 5) / 10;
    case 5:
      return (v + 50) / 100;
    default:
      return std::nullopt;
  }
}

ParseResult parse(std::string_view scan) {
  return Parser(scan).run();
}

bool looks_like_gs1(std::string_view scan) {
  if (scan.size() >= 3 && is_gs1_symbology(scan.substr(0, 3))) return true;
  if (scan.find(k_gs) != std::string_view::npos) return true;
  if (scan.empty() || scan[0] != '(') return false;
  std::size_t k = 1;
  while (k < scan.size() && k < 5 && is_digit(scan[k])) ++k;
  return k >= 3 && k < scan.size() && scan[k] == ')';
}

std::string encode(const std::vector<Element>& elements) {
  std::string out;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const auto& e = elements[i];
    out += e.ai;
    out += e.value;
    const bool predefined = e.ai.size() >= 2 && predefined_total_len(e.ai[0], e.ai[1]) != 0;
    if (!predefined && i + 1 < elements.size()) out += k_gs;
  }
  return out;
}

std::string to_brackets(const std::vector<Element>& elements) {
  std::string out;
  for (const auto& e : elements) {
    out += '(';
    out += e.ai;
    out += ')';
    out += e.value;
  }
  return out;
}

}  // namespace wms::gs1
