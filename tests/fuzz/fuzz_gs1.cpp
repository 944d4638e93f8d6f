// libFuzzer target for what a scanner's bytes reach first: GS1 element string parsing and keyboard-wedge assembly.
// It must never crash, hang or grow without bound; it aborts when an invariant breaks: a result is inconsistent, an
// accepted scan does not come back unchanged through encode()/to_brackets(), or a wedge scan exceeds its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scan/wedge.hpp"
#include "wms/shared/gs1.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// Form of the input as parse() sees it: bracket form if the first character after the symbology identifier and
// leading separators is '('.
bool bracket_form(std::string_view s) {
  std::size_t p = (s.size() >= 3 && s[0] == ']') ? 3 : 0;
  while (p < s.size() && s[p] == wms::gs1::k_gs) ++p;
  return p < s.size() && s[p] == '(';
}

void check_gs1(std::string_view s) {
  const auto r = wms::gs1::parse(s);
  require(r.ok() == r.parsed.has_value());
  require(r.offset <= s.size());
  require(r.ok() || !r.message.empty());
  (void)wms::gs1::looks_like_gs1(s);
  if (!r.ok()) return;
  const auto& elements = r.parsed->elements;
  // An element string's values hold no AI group, a bracket form's values no separator: each form round-trips.
  const std::string again_text = bracket_form(s) ? wms::gs1::to_brackets(elements) : wms::gs1::encode(elements);
  const auto again = wms::gs1::parse(again_text);
  require(again.ok());
  require(again.parsed->elements == elements);
}

// Maps bytes onto the alphabet of element strings (mostly digits, plus separators, brackets, identifiers' letters,
// a few set-82 and illegal characters), so random and mutated bytes get past the first AI and deep into the parser.
std::string as_element_string(std::string_view in) {
  static constexpr std::string_view k_alphabet = "0123456789012345678901234567890123456789\x1d\x1d()]CdQe1A-~ #";
  std::string out;
  out.reserve(in.size());
  for (char c : in) out.push_back(k_alphabet[static_cast<unsigned char>(c) % k_alphabet.size()]);
  return out;
}

void check_wedge(std::string_view in) {
  wms::scan::WedgeOptions options;
  options.max_len = 64;  // small, so over-long scans happen often
  wms::scan::WedgeAssembler w(options);
  auto drain = [&] {
    while (auto scan = w.take()) {
      require(scan->text.size() <= options.max_len);
      require(scan->status == wms::scan::WedgeStatus::too_long || !scan->text.empty());
      require(scan->text.find_first_of("\r\n") == std::string::npos);
      if (scan->status == wms::scan::WedgeStatus::ok) (void)wms::gs1::parse(scan->text);
    }
  };
  for (char c : in) {  // control bytes 1-3 stand for the keys the app maps; everything else is typed text
    if (c == '\x01') {
      w.feed_gs();
    } else if (c == '\x02') {
      w.feed_enter();
    } else if (c == '\x03') {
      w.reset();
    } else {
      w.feed_text(std::string_view(&c, 1));
    }
    if (c == '\x02' || c == '\n') drain();
  }
  w.feed_enter();
  drain();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_gs1(in);
  check_gs1(as_element_string(in));
  check_wedge(in);
  return 0;
}
