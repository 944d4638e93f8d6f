// Keyboard-wedge scan assembly (see wedge.hpp). It must never keep more than max_len bytes of a scan in memory.
#include "scan/wedge.hpp"

#include <utility>

namespace wms::scan {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string trimmed(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

WedgeAssembler::WedgeAssembler(WedgeOptions options) : options_(std::move(options)) {
  // An empty substitute would match everywhere.
  std::erase_if(options_.gs_substitutes, [](const std::string& s) { return s.empty(); });
}

void WedgeAssembler::append(char c) {
  if (overflow_) return;
  if (buf_.size() >= options_.max_len) {
    overflow_ = true;  // keep what we have for the message; drop the rest until Enter
    return;
  }
  buf_.push_back(c);
}

void WedgeAssembler::feed_text(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n') {
      feed_enter();
    } else {
      append(c);
    }
  }
}

void WedgeAssembler::feed_gs() {
  append('\x1d');
}

void WedgeAssembler::feed_enter() {
  if (overflow_) {
    push(WedgeScan{WedgeStatus::too_long, std::move(buf_)});
    reset();
    return;
  }
  // Substitutes are replaced only now: engines type one character per key event, so "^]" arrives in two calls.
  std::string s = trimmed(buf_);
  for (const auto& sub : options_.gs_substitutes) {
    for (std::size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + 1)) {
      s.replace(at, sub.size(), 1, '\x1d');
    }
  }
  reset();
  if (!s.empty()) push(WedgeScan{WedgeStatus::ok, std::move(s)});
}

void WedgeAssembler::push(WedgeScan scan) {
  if (done_.size() >= k_max_queued) done_.pop_front();
  done_.push_back(std::move(scan));
}

void WedgeAssembler::reset() {
  buf_.clear();
  overflow_ = false;
}

std::optional<WedgeScan> WedgeAssembler::take() {
  if (done_.empty()) return std::nullopt;
  WedgeScan s = std::move(done_.front());
  done_.pop_front();
  return s;
}

}  // namespace wms::scan
