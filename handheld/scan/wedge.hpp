// Keyboard-wedge scan assembly: a hardware scan engine "types" the code and presses Enter; this collects the keys
// into whole scans. Pure (no SDL, no clock): the app maps SDL_TEXTINPUT to feed_text, Enter to feed_enter and the
// group-separator key to feed_gs, then drains take(). It must never grow without bound on input with no Enter.
//
// Group separators (GS1 FNC1 after a variable-length field): engines send ASCII 29 as the control key Ctrl+],
// which SDL delivers as a key event and not as text, hence feed_gs(). A raw 0x1D that does arrive as text is kept.
// Engines can also be configured to type a substitute; feed_text turns these default substitutes into 0x1D:
//   "^]"  caret notation of Ctrl+] (what a terminal shows); '^' is outside GS1 character set 82
//   "~"   a common single-character choice; outside character set 82
// Neither can occur inside GS1 data, nor in our location ("LOC-A01-01-A") or tote ("TOTE-07") labels. Not chosen:
// "<GS>" (<, G, S, > are all legal GS1 data characters) and "|" (a common field delimiter in other codes). A site
// whose labels use '~' sets WedgeOptions::gs_substitutes to something else.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wms::scan {

struct WedgeOptions {
  std::size_t max_len = 512;                              // bytes before Enter; more yields a too_long result
  std::vector<std::string> gs_substitutes = {"^]", "~"};  // typed text that stands for GS (0x1D)
};

enum class WedgeStatus { ok, too_long };

struct WedgeScan {
  WedgeStatus status = WedgeStatus::ok;
  std::string text;  // ok: the scan, trimmed, substitutes replaced by 0x1D; too_long: the first max_len bytes
};

class WedgeAssembler {
 public:
  static constexpr std::size_t k_max_queued = 32;

  explicit WedgeAssembler(WedgeOptions options = {});

  // Text as typed (UTF-8). A '\r' or '\n' inside acts as Enter, so "CODE\r\n" from a serial or stdin source works.
  void feed_text(std::string_view text);
  void feed_gs();
  void feed_enter();
  // Drops a half-typed scan (screen change, timeout decided by the app).
  void reset();

  // Completed scans in order. Empty scans (Enter alone, whitespace, the LF of a CRLF) are never queued; at most
  // k_max_queued wait, the oldest is dropped beyond that (an app that stopped draining must not grow).
  std::optional<WedgeScan> take();
  bool typing() const { return !buf_.empty() || overflow_; }

 private:
  void append(char c);
  void push(WedgeScan scan);

  WedgeOptions options_;
  std::string buf_;
  bool overflow_ = false;
  std::deque<WedgeScan> done_;
};

}  // namespace wms::scan
