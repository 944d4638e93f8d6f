// The terminal state machine (see terminal.hpp). Every wrong scan is caught here, before anything is sent:
// the server checks again, but a picker must never wait for a round trip to learn they are at the wrong bin.
// Rules for what a scan is: a location or tote label is matched as text; a product is a GTIN-8/12/13/14 with a
// valid check digit or a GS1 element string carrying (01)/(02); a pallet label is a GS1 string with (00) SSCC.
#include "screens/terminal.hpp"

#include <algorithm>
#include <set>

#include "wms/shared/gs1.hpp"
#include "wms/shared/gtin.hpp"

namespace wms::term {
namespace {

using proto::TaskView;

struct Code {
  enum class Kind { label, product, pallet, bad } kind = Kind::label;
  std::string text;                 // as scanned, trimmed
  std::string gtin;                 // 14 digits (product, or a pallet's contents)
  std::string sscc;                 // 18 digits
  std::optional<std::int64_t> count;
  std::string error;                // why a GS1 string is invalid
};

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\r' || s[b] == '\n' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\r' || s[e - 1] == '\n' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

Code classify(std::string_view raw) {
  Code c;
  c.text = trim(raw);
  if (gs1::looks_like_gs1(c.text)) {
    auto r = gs1::parse(c.text);
    if (!r.ok()) {
      c.kind = Code::Kind::bad;
      c.error = r.message;
      return c;
    }
    const gs1::Parsed& p = *r.parsed;
    if (p.gtin) c.gtin = *p.gtin;
    if (p.count) c.count = *p.count;
    if (p.sscc) {
      c.kind = Code::Kind::pallet;
      c.sscc = *p.sscc;
    } else if (p.gtin) {
      c.kind = Code::Kind::product;
    } else {
      c.kind = Code::Kind::bad;
      c.error = "this GS1 label has no product (01/02) and no pallet number (00)";
    }
    return c;
  }
  if (!c.text.empty() && std::all_of(c.text.begin(), c.text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    if (auto g = gtin::normalize(c.text)) {
      c.kind = Code::Kind::product;
      c.gtin = *g;
    } else {
      c.kind = Code::Kind::bad;
      c.error = "'" + c.text + "' is not a valid product barcode (check digit or length)";
    }
  }
  return c;
}

bool is_tote_label(std::string_view s) {
  if (s.size() < 6 || s.size() > 17 || s.substr(0, 5) != "TOTE-") return false;
  return std::all_of(s.begin() + 5, s.end(),
                     [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); });
}

bool product_matches(const TaskView& t, const std::string& gtin14) {
  if (auto g = gtin::normalize(t.gtin); g && *g == gtin14) return true;
  for (const auto& b : t.barcodes)
    if (auto g = gtin::normalize(b); g && *g == gtin14) return true;
  return false;
}

bool finished(const TaskView& t) { return t.status == "done" || t.status == "short" || t.status == "cancelled"; }

std::string qty_text(std::int64_t n, const TaskView& t) { return std::to_string(n) + " x " + t.sku; }

class Machine {
 public:
  explicit Machine(State& s) : s_(s) {}
  std::vector<Command> run(const Event& e) {
    std::visit([this](const auto& ev) { on(ev); }, e);
    return std::move(out_);
  }

 private:
  State& s_;
  std::vector<Command> out_;

  std::uint64_t tag() { return s_.next_tag++; }
  void play(Sound snd) { out_.push_back(Play{snd}); }
  void error(std::string title, std::string detail) {
    s_.banner = Banner{BannerKind::error, std::move(title), std::move(detail)};
    play(Sound::error);
  }
  void info(std::string title, std::string detail) { s_.banner = Banner{BannerKind::info, std::move(title), std::move(detail)}; }
  void clear_banner() { s_.banner = Banner{}; }
  bool logged_in() const { return !s_.user.empty(); }

  TaskView* current() {
    if (s_.route.empty()) return nullptr;
    auto it = s_.tasks.find(s_.route.front());
    return it == s_.tasks.end() ? nullptr : &it->second;
  }
  bool mine(const TaskView& t) const { return t.claimed_by == s_.device; }

  void start_step_for_current(const std::string& last_location = {}) {
    s_.short_pending.reset();
    s_.keypad.clear();
    s_.qty = 0;
    s_.sscc.clear();
    s_.product_scan.clear();
    const TaskView* t = current();
    // Consecutive picks at the same bin (batch picking: one SKU for several orders) skip the bin scan.
    if (t && !last_location.empty() && t->location == last_location && t->mode == "parcel") {
      s_.location_scan = t->location_barcode;
      s_.step = PickStep::product;
    } else {
      s_.location_scan.clear();
      s_.step = PickStep::location;
    }
    // The task a short was being reported for is gone (freed, taken, cancelled): the short screen closes with it,
    // so its reason cannot be sent for the next task.
    if (s_.screen == Screen::short_pick) {
      s_.short_reason.reset();
      s_.screen = Screen::pick;
    }
    if (s_.screen == Screen::pick || s_.screen == Screen::idle) s_.screen = t ? Screen::pick : Screen::idle;
  }

  // Keeps the route: drops what is finished or someone else's, then claims more in walk order so the device
  // holds enough work to keep going through a dead spot.
  void refresh_route() {
    const auto before = s_.route.empty() ? 0 : s_.route.front();
    std::vector<std::uint64_t> kept;
    for (auto id : s_.route) {
      auto it = s_.tasks.find(id);
      if (it == s_.tasks.end() || finished(it->second) || s_.remaining(it->second) <= 0) continue;
      if (!it->second.claimed_by.empty() && !mine(it->second)) continue;
      if (it->second.claimed_by.empty() && s_.relieved.count(id)) continue;  // freed by the shift manager
      kept.push_back(id);
    }
    s_.route = std::move(kept);
    release_totes();
    // At the pack station the device takes no new picking work (what it holds stays on its route).
    if (logged_in() && s_.screen != Screen::version && s_.screen != Screen::pack) {
      // Tasks already claimed by this device (after a restart, or re-allocated to it) come first.
      // Online only this device's own tasks are sorted: free work is the server's to hand out (one pass, no sort
      // of a wave's hundreds of free tasks on every event).
      std::vector<const TaskView*> cand;
      bool free_work = false;
      const std::string mode = s_.work_mode();
      for (const auto& [id, t] : s_.tasks) {
        if (finished(t) || t.mode != mode || s_.remaining(t) <= 0) continue;
        if (std::find(s_.route.begin(), s_.route.end(), id) != s_.route.end()) continue;
        if (mine(t)) {
          cand.push_back(&t);
        } else if (t.claimed_by.empty() && !s_.relieved.count(id)) {
          free_work = true;
          if (!s_.online) cand.push_back(&t);
        }
      }
      const std::uint64_t wave = s_.route.empty() ? 0 : s_.tasks[s_.route.front()].wave;
      std::sort(cand.begin(), cand.end(), [&](const TaskView* a, const TaskView* b) {
        if (mine(*a) != mine(*b)) return mine(*a);
        const bool aw = a->wave == wave, bw = b->wave == wave;
        if (aw != bw) return aw;
        if (a->wave != b->wave) return a->wave < b->wave;
        if (a->walk_seq != b->walk_seq) return a->walk_seq < b->walk_seq;
        return a->id < b->id;
      });
      for (const TaskView* t : cand) {
        if (!mine(*t)) {
          // Offline: claim it by name and work it at once; the claim waits in the outbox ahead of the pick.
          if (s_.route.size() >= k_route_ahead && !s_.claiming.count(t->id)) break;
          if (s_.claiming.insert(t->id).second) out_.push_back(SendClaim{tag(), proto::TaskClaimReq{t->id}});
        }
        // New work slots into the walk behind the current task (re-allocations land where the picker passes);
        // what is already on the route keeps its order, so a skipped task stays at the end.
        auto at = s_.route.end();
        for (auto it = s_.route.empty() ? s_.route.end() : s_.route.begin() + 1; it != s_.route.end(); ++it) {
          const auto& o = s_.tasks[*it];
          if (o.wave > t->wave || (o.wave == t->wave && o.walk_seq > t->walk_seq)) {
            at = it;
            break;
          }
        }
        s_.route.insert(at, t->id);
      }
      if (s_.online && free_work && !s_.claim_next_out && !s_.claim_next_dry && s_.route.size() <= k_claim_more_at) {
        proto::TaskClaimNextReq r;
        r.mode = mode;
        r.count = static_cast<std::uint32_t>(k_route_ahead - s_.route.size());
        r.wave = wave;
        // The newest tasks (highest ids) if there are more than the server takes.
        for (auto it = s_.relieved.rbegin(); it != s_.relieved.rend() && r.skip.size() < proto::k_max_claim_skip; ++it)
          r.skip.push_back(*it);
        s_.claim_next_out = true;
        out_.push_back(SendClaimNext{tag(), r});
      }
    }
    const auto after = s_.route.empty() ? 0 : s_.route.front();
    if (after != before) start_step_for_current();
    if (s_.screen == Screen::idle && !s_.route.empty()) s_.screen = Screen::pick;
    if (s_.screen == Screen::pick && s_.route.empty()) s_.screen = Screen::idle;
  }

  // A tote belongs to its order while that order has picks left, or while its wave is the device's work: the
  // route is in that wave, or the route is empty and the wave still has open tasks (the batch on the cart goes
  // on; finished tasks leave s_.tasks once wmsd has them). Once the order is picked and the device works in
  // another wave, or the wave is done, the picker has taken the totes to packing and the labels are free again;
  // wmsd still refuses a tote that holds another order's goods not yet packed or dispatched.
  void release_totes() {
    if (s_.totes.empty()) return;
    std::set<std::uint64_t> route_waves, open_waves;
    std::set<std::string> open_orders;
    for (auto id : s_.route)
      if (auto it = s_.tasks.find(id); it != s_.tasks.end()) route_waves.insert(it->second.wave);
    for (const auto& [id, t] : s_.tasks)
      if (!finished(t) && s_.remaining(t) > 0) {
        open_waves.insert(t.wave);
        open_orders.insert(t.order_ref);
      }
    for (auto it = s_.totes.begin(); it != s_.totes.end();) {
      const auto w = s_.tote_waves.find(it->first);
      const std::uint64_t wave = w == s_.tote_waves.end() ? 0 : w->second;
      const bool keep =
          open_orders.count(it->first) || route_waves.count(wave) || (route_waves.empty() && open_waves.count(wave));
      if (keep) {
        ++it;
      } else {
        s_.tote_waves.erase(it->first);
        it = s_.totes.erase(it);
      }
    }
  }

  void upsert(const TaskView& t) {
    if (finished(t)) {
      s_.tasks.erase(t.id);
      s_.relieved.erase(t.id);
    } else {
      s_.tasks[t.id] = t;
    }
  }

  // ---- input --------------------------------------------------------------------------------------------
  void on(const Scan& e) {
    if (s_.screen == Screen::login || s_.screen == Screen::version) return;
    if (s_.screen == Screen::pack) return pack_scan(e.code);
    if (s_.screen == Screen::short_pick) return;
    TaskView* t = current();
    if (!t) {
      info("NO TASK", "Nothing to pick right now. New work appears here by itself.");
      return;
    }
    const Code c = classify(e.code);
    if (c.text.empty()) return;
    switch (s_.step) {
      case PickStep::location: return scan_location(*t, c);
      case PickStep::product: return scan_product(*t, c);
      case PickStep::quantity:
        if (c.kind == Code::Kind::product && product_matches(*t, c.gtin)) return;  // a second scan of the same item
        return error("CONFIRM QUANTITY", "Confirm " + std::to_string(s_.qty) + " on the keypad, or tap Short.");
      case PickStep::tote: return scan_tote(*t, c);
      case PickStep::drop: return scan_drop(*t, c);
    }
  }

  std::string known_location(const std::string& text) const {
    for (const auto& [id, t] : s_.tasks) {
      if (t.location_barcode == text) return t.location;
      if (!t.drop_barcode.empty() && t.drop_barcode == text) return t.drop_location;
    }
    return {};
  }

  void wrong_code(const TaskView& t, const Code& c, const std::string& what_next) {
    if (c.kind == Code::Kind::bad) return error("UNKNOWN CODE", c.error + ". " + what_next);
    const std::string loc = known_location(c.text);
    if (!loc.empty()) return error("WRONG LOCATION", "You scanned " + loc + ". " + what_next);
    if (c.kind == Code::Kind::product) {
      for (const auto& [id, other] : s_.tasks)
        if (product_matches(other, c.gtin))
          return error("WRONG PRODUCT", "You scanned " + other.sku + ". This pick is " + t.sku + " " + t.description + ".");
      return error("WRONG PRODUCT", "You scanned " + c.gtin + ". This pick is " + t.sku + " " + t.description + ".");
    }
    if (c.kind == Code::Kind::pallet) return error("WRONG LABEL", "That is a pallet label. " + what_next);
    if (is_tote_label(c.text)) return error("WRONG LABEL", "That is a tote. " + what_next);
    error("UNKNOWN CODE", "'" + c.text + "' is not a label this pick knows. " + what_next);
  }

  void scan_location(TaskView& t, const Code& c) {
    if (c.kind == Code::Kind::label && c.text == t.location_barcode) {
      clear_banner();
      s_.location_scan = c.text;
      s_.step = PickStep::product;
      play(Sound::ok);
      return;
    }
    if (c.kind == Code::Kind::product) return error("SCAN THE BIN FIRST", "That was a product. Scan the bin label at " + t.location + ".");
    wrong_code(t, c, "Go to " + t.location + " and scan its label.");
  }

  void scan_product(TaskView& t, const Code& c) {
    if (c.kind == Code::Kind::label && c.text == s_.location_scan) return;  // the same bin again: harmless
    const std::int64_t left = s_.remaining(t);
    if (t.mode == "pallet") {
      if (c.kind == Code::Kind::pallet) {
        if (!c.gtin.empty() && !product_matches(t, c.gtin))
          return error("WRONG PALLET", "This pallet holds another product. Pick " + t.sku + " " + t.description + ".");
        if (c.count && *c.count > left)
          return error("OVER-PICK", "This pallet holds " + std::to_string(*c.count) + ", the task asks " + std::to_string(left) + ".");
        s_.sscc = c.sscc;
        if (c.gtin.empty()) {
          info("PALLET " + c.sscc.substr(10), "Now scan the product label on the pallet.");
          return;
        }
        s_.product_scan = c.gtin;
        s_.qty = c.count ? *c.count : left;
      } else if (c.kind == Code::Kind::product && !s_.sscc.empty() && product_matches(t, c.gtin)) {
        s_.product_scan = c.gtin;
        s_.qty = c.count ? std::min(*c.count, left) : left;
      } else if (c.kind == Code::Kind::product && product_matches(t, c.gtin)) {
        return error("SCAN THE PALLET LABEL", "Scan the pallet's SSCC label (00), not a case.");
      } else {
        return wrong_code(t, c, "Scan the pallet label of " + t.sku + " at " + t.location + ".");
      }
      clear_banner();
      play(Sound::ok);
      s_.step = PickStep::drop;
      return;
    }
    if (c.kind != Code::Kind::product || !product_matches(t, c.gtin))
      return wrong_code(t, c, "Scan " + t.sku + " " + t.description + " at " + t.location + ".");
    clear_banner();
    s_.product_scan = c.gtin;
    if (c.count) {
      if (*c.count > left)
        return error("OVER-PICK", "That label counts " + std::to_string(*c.count) + ", only " + std::to_string(left) + " left here.");
      s_.qty = *c.count;
    } else {
      s_.qty = left;
    }
    s_.keypad.clear();
    // One unit left (or a counted label): nothing to ask, two scans and no taps.
    if (left == 1 || c.count) return after_quantity(t);
    play(Sound::ok);
    s_.step = PickStep::quantity;
  }

  void after_quantity(TaskView& t) {
    if (s_.batch(t)) {
      auto it = s_.totes.find(t.order_ref);
      s_.step = PickStep::tote;
      play(Sound::ok);
      info("INTO TOTE", it == s_.totes.end() ? "Scan an empty tote for " + t.order_ref + "." : "Put into " + it->second + " (" + t.order_ref + ") and scan it.");
      return;
    }
    send_pick(t, {});
  }

  void scan_tote(TaskView& t, const Code& c) {
    if (!is_tote_label(c.text)) return wrong_code(t, c, "Scan the tote for " + t.order_ref + ".");
    auto it = s_.totes.find(t.order_ref);
    if (it != s_.totes.end() && it->second != c.text)
      return error("WRONG TOTE", t.order_ref + " goes into " + it->second + ". You scanned " + c.text + ".");
    if (it == s_.totes.end()) {
      for (const auto& [ref, tote] : s_.totes)
        if (tote == c.text) return error("WRONG TOTE", c.text + " holds " + ref + ". Take an empty tote for " + t.order_ref + ".");
      s_.totes[t.order_ref] = c.text;
      s_.tote_waves[t.order_ref] = t.wave;
    }
    if (s_.short_pending) {
      auto req = std::move(*s_.short_pending);
      s_.short_pending.reset();
      req.tote = c.text;
      return send_short(t, std::move(req));
    }
    send_pick(t, c.text);
  }

  void scan_drop(TaskView& t, const Code& c) {
    if (c.kind == Code::Kind::label && c.text == t.drop_barcode && s_.short_pending) {
      auto req = std::move(*s_.short_pending);
      s_.short_pending.reset();
      req.sscc = s_.sscc;
      req.drop_scan = c.text;
      return send_short(t, std::move(req));
    }
    if (c.kind == Code::Kind::label && c.text == t.drop_barcode) {
      proto::PickConfirmReq req;
      req.sscc = s_.sscc;
      req.drop_scan = c.text;
      return send(t, std::move(req));
    }
    wrong_code(t, c, "Take the pallet to " + t.drop_location + " and scan the lane.");
  }

  void send_pick(TaskView& t, const std::string& tote) {
    proto::PickConfirmReq req;
    req.tote = tote;
    send(t, std::move(req));
  }

  // The confirmation goes into the durable outbox; locally the pick is done now, whatever the network does.
  void send(TaskView& t, proto::PickConfirmReq req) {
    req.task = t.id;
    req.location_scan = s_.location_scan;
    req.product_scan = s_.product_scan;
    req.qty = s_.qty;
    out_.push_back(SendPick{tag(), req});
    s_.confirmed[t.id] += req.qty;
    s_.banner = Banner{BannerKind::success, "PICKED", qty_text(req.qty, t) + " from " + t.location};
    play(Sound::ok);
    const std::string loc = t.location;
    if (s_.remaining(t) > 0) {
      s_.step = PickStep::product;  // part confirmed: the rest is still at this bin
      s_.qty = 0;
      s_.keypad.clear();
      return;
    }
    s_.route.erase(s_.route.begin());
    refresh_route();
    start_step_for_current(loc);
    if (s_.route.empty()) play(Sound::done);
  }

  std::optional<std::int64_t> keypad_value() const {
    if (s_.keypad.empty() || s_.keypad.size() > 9) return std::nullopt;
    return std::stoll(s_.keypad);
  }

  void on(const Press& e) {
    if (s_.screen == Screen::login) {
      std::string& f = s_.login_field == 0 ? s_.login_user : s_.login_pin;
      if (e.key == Key::back) {
        if (!f.empty()) f.pop_back();
      } else if (e.key == Key::clear) {
        f.clear();
      } else if (e.key == Key::enter) {
        if (s_.login_field == 0) s_.login_field = 1; else login();
      } else if (f.size() < 32) {
        f.push_back(static_cast<char>('0' + static_cast<int>(e.key)));
      }
      return;
    }
    const bool keypad_screen = (s_.screen == Screen::pick && s_.step == PickStep::quantity) || s_.screen == Screen::short_pick;
    if (!keypad_screen) {
      if (e.key == Key::enter && s_.banner.kind != BannerKind::none) clear_banner();
      return;
    }
    if (e.key == Key::back) {
      if (!s_.keypad.empty()) s_.keypad.pop_back();
    } else if (e.key == Key::clear) {
      s_.keypad.clear();
    } else if (e.key == Key::enter) {
      return on(Tap{Button::confirm});
    } else if (s_.keypad.size() < 6) {
      if (s_.keypad == "0") s_.keypad.clear();
      s_.keypad.push_back(static_cast<char>('0' + static_cast<int>(e.key)));
    }
    if (s_.screen == Screen::pick) {
      TaskView* t = current();
      s_.qty = keypad_value().value_or(t ? s_.remaining(*t) : 0);
    }
  }

  void on(const TextInput& e) {
    if (s_.screen != Screen::login) return;
    std::string& f = s_.login_field == 0 ? s_.login_user : s_.login_pin;
    for (char ch : e.text)
      if (f.size() < 32 && static_cast<unsigned char>(ch) >= 0x20) f.push_back(ch);
  }

  void login() {
    if (s_.login_busy) return;
    if (s_.login_user.empty() || s_.login_pin.empty())
      return error("SIGN IN", s_.login_user.empty() ? "Enter your user code." : "Enter your PIN.");
    s_.login_busy = true;
    clear_banner();
    out_.push_back(SendLogin{tag(), s_.login_user, s_.login_pin});
  }

  void on(const Tap& e) {
    switch (e.button) {
      case Button::login: return login();
      case Button::next_field: s_.login_field = 1 - s_.login_field; return;
      case Button::dismiss:
        clear_banner();
        if (!s_.notices.empty()) s_.notices.erase(s_.notices.begin());
        return;
      case Button::logout:
        if (s_.queued > 0)
          return error("NOT YET", std::to_string(s_.queued) + " scan(s) still waiting to reach the server. Stay in range, then sign out.");
        out_.push_back(SendLogout{});
        {
          State fresh;
          fresh.profile = s_.profile;
          fresh.device = s_.device;
          fresh.online = s_.online;
          fresh.next_tag = s_.next_tag;
          s_ = std::move(fresh);
        }
        return;
      case Button::pack_mode:
        if (!logged_in() || s_.role == "forklift") return;
        s_.screen = Screen::pack;
        s_.pack_ref.clear();
        s_.pack_tote.clear();
        s_.pack_lines.clear();
        s_.cartons = 1;
        clear_banner();
        return;
      case Button::pick_mode:
        if (!logged_in()) return;
        s_.screen = s_.route.empty() ? Screen::idle : Screen::pick;
        clear_banner();
        refresh_route();  // back from packing: ask for picking work again
        return;
      case Button::cartons_more:
        if (s_.cartons < 99) ++s_.cartons;
        return;
      case Button::cartons_less:
        if (s_.cartons > 1) --s_.cartons;
        return;
      default: break;
    }
    if (s_.screen == Screen::pack && e.button == Button::confirm) return pack_close();
    if (s_.screen == Screen::pick) return pick_tap(e.button);
    if (s_.screen == Screen::short_pick) return short_tap(e.button);
  }

  void pick_tap(Button b) {
    TaskView* t = current();
    if (!t) return;
    if (b == Button::short_pick) {
      if (s_.short_pending) {  // the units found were on their way to the tote or lane: back to the form
        s_.short_pending.reset();
        s_.qty = 0;
        s_.step = s_.location_scan.empty() ? PickStep::location : PickStep::product;
      }
      s_.screen = Screen::short_pick;
      s_.short_reason.reset();
      s_.keypad.clear();
      clear_banner();
    } else if (b == Button::skip) {
      if (s_.route.size() > 1) {
        std::rotate(s_.route.begin(), s_.route.begin() + 1, s_.route.end());
        start_step_for_current();
      }
      clear_banner();
    } else if (b == Button::confirm && s_.step == PickStep::quantity) {
      const std::int64_t left = s_.remaining(*t);
      const std::int64_t q = keypad_value().value_or(left);
      if (q <= 0) return error("NO QUANTITY", "Enter how many you took, or tap Short if the bin is empty.");
      if (q > left)
        return error("OVER-PICK", "Only " + std::to_string(left) + " left to pick here. You entered " + std::to_string(q) + ".");
      s_.qty = q;
      clear_banner();
      after_quantity(*t);
    }
  }

  void short_tap(Button b) {
    TaskView* t = current();
    if (!t) {
      s_.screen = Screen::idle;
      return;
    }
    switch (b) {
      case Button::reason_empty: s_.short_reason = ShortReason::empty; return;
      case Button::reason_damaged: s_.short_reason = ShortReason::damaged; return;
      case Button::reason_not_found: s_.short_reason = ShortReason::not_found; return;
      case Button::cancel:
        s_.screen = Screen::pick;
        s_.keypad.clear();
        clear_banner();
        return;
      case Button::confirm: break;
      default: return;
    }
    if (!s_.short_reason) return error("WHY SHORT?", "Choose Empty, Damaged or Not found.");
    const std::int64_t left = s_.remaining(*t);
    const std::int64_t found = keypad_value().value_or(0);
    if (found >= left)
      return error("NOT SHORT", "You found " + std::to_string(found) + " of " + std::to_string(left) + ": that is a normal pick. Enter fewer, or Cancel.");
    proto::PickShortReq req;
    req.task = t->id;
    req.qty_found = found;
    req.reason = to_string(*s_.short_reason);
    s_.screen = Screen::pick;
    if (found > 0 && t->mode == "pallet") {
      // The units found make a pallet like any pick: it goes to the task's lane, and the short goes out with that
      // scan (and the pallet label, if one was scanned).
      s_.short_pending = req;
      s_.qty = found;
      s_.step = PickStep::drop;
      play(Sound::ok);
      return info("TO THE LANE",
                  "Take the " + std::to_string(found) + " found to " + t->drop_location + " and scan the lane.");
    }
    if (found > 0 && s_.batch(*t)) {
      // The units found go into the order's tote like any pick: scan it, then the short goes out with it.
      auto it = s_.totes.find(t->order_ref);
      s_.short_pending = req;
      s_.qty = found;
      s_.step = PickStep::tote;
      play(Sound::ok);
      return info("INTO TOTE", "Put the " + std::to_string(found) + " found " +
                                   (it == s_.totes.end() ? "into an empty tote for " + t->order_ref + " and scan it."
                                                         : "into " + it->second + " (" + t->order_ref + ") and scan it."));
    }
    send_short(*t, std::move(req));
  }

  void send_short(TaskView& t, proto::PickShortReq req) {
    const std::int64_t left = s_.remaining(t), found = req.qty_found;
    out_.push_back(SendShort{tag(), std::move(req)});
    s_.confirmed[t.id] += found;
    s_.tasks[t.id].status = "short";  // locally finished; the server's answer says where the rest comes from
    info("SHORT SENT", qty_text(left - found, t) + " missing at " + t.location + ". Waiting for the server's decision.");
    const std::string loc = t.location;
    s_.route.erase(s_.route.begin());
    s_.screen = Screen::pick;
    refresh_route();
    start_step_for_current(loc);
  }

  // ---- pack verification ----------------------------------------------------------------------------------
  void pack_scan(const std::string& raw) {
    const Code c = classify(raw);
    if (c.text.empty()) return;
    if (s_.pack_lines.empty()) {
      proto::PackContentsReq req;
      if (is_tote_label(c.text)) {
        req.tote = c.text;
        s_.pack_tote = c.text;
      } else if (c.kind == Code::Kind::label) {
        req.ref = c.text;
        s_.pack_ref = c.text;
      } else {
        return error("SCAN THE TOTE", "Scan the tote (or the order number) first.");
      }
      if (!s_.online) return error("OFFLINE", "Packing needs the server. Move into range and scan again.");
      out_.push_back(SendPackQuery{tag(), req});
      info("LOADING", "Fetching what was picked for " + c.text + ".");
      return;
    }
    if (c.kind != Code::Kind::product) return error("UNKNOWN CODE", "'" + c.text + "' is not a product barcode.");
    for (auto& l : s_.pack_lines) {
      for (const auto& b : l.barcodes) {
        auto g = gtin::normalize(b);
        if (!g || *g != c.gtin) continue;
        const std::int64_t n = c.count.value_or(1);
        if (l.scanned + n > l.expected)
          return error("TOO MANY", l.sku + ": " + std::to_string(l.expected) + " were picked, this would make " + std::to_string(l.scanned + n) + ".");
        l.scanned += n;
        clear_banner();
        play(Sound::ok);
        return;
      }
    }
    error("NOT IN THIS ORDER", c.gtin + " was not picked for " + s_.pack_ref + ". Take it out of the carton.");
  }

  void pack_close() {
    if (s_.pack_lines.empty()) return error("SCAN THE TOTE", "Scan the tote (or the order number) first.");
    for (const auto& l : s_.pack_lines)
      if (l.scanned < l.expected)
        return error("NOT COMPLETE", l.sku + ": " + std::to_string(l.scanned) + " of " + std::to_string(l.expected) + " scanned into the carton.");
    proto::PackCloseReq req;
    req.ref = s_.pack_ref;
    req.cartons = s_.cartons;
    out_.push_back(SendPackClose{tag(), req});
    s_.banner = Banner{BannerKind::success, "PACKED", s_.pack_ref + ": " + std::to_string(s_.cartons) + " carton(s) closed."};
    play(Sound::done);
    s_.pack_lines.clear();
    s_.pack_ref.clear();
    s_.pack_tote.clear();
    s_.cartons = 1;
  }

  // ---- server ---------------------------------------------------------------------------------------------
  void on(const LoginResult& e) {
    s_.login_busy = false;
    if (e.status != proto::Status::ok) {
      s_.login_pin.clear();
      s_.login_field = 1;
      return error("SIGN-IN FAILED", e.error.empty() ? std::string(proto::to_string(e.status)) : e.error);
    }
    const bool same_user = s_.user == e.rep.user;
    s_.user = e.rep.user;
    s_.name = e.rep.name;
    s_.role = e.rep.role;
    s_.login_pin.clear();
    s_.login_user.clear();
    s_.login_field = 0;
    if (!same_user) {
      s_.route.clear();
      s_.totes.clear();
      s_.tote_waves.clear();
      s_.relieved.clear();
    }
    clear_banner();
    s_.screen = Screen::idle;
    out_.push_back(RequestSnapshot{});
    refresh_route();
  }

  void on(const Snapshot& e) {
    // Clone pattern: the snapshot replaces what we know and is valid at e.rep.seq; only newer events apply.
    std::map<std::uint64_t, TaskView> fresh;
    for (const auto& t : e.rep.tasks)
      if (!finished(t)) fresh[t.id] = t;
    for (const auto& [id, t] : fresh) note_if_freed(t);  // freed while this device did not hear the events
    s_.claim_next_dry = false;
    s_.online = true;  // the server just answered: free work is asked for, not claimed by name
    s_.tasks = std::move(fresh);
    s_.waves.clear();
    for (const auto& w : e.rep.waves) s_.waves[w.id] = w;
    if (e.rep.seq < s_.seq) s_.history_went_back = true;
    s_.seq = e.rep.seq;
    forget_confirmed_after_restore();
    refresh_route();
  }

  void forget_confirmed_after_restore() {
    if (!s_.history_went_back || s_.queued != 0) return;
    s_.confirmed.clear();
    s_.history_went_back = false;
  }

  void on(const TaskPushed& e) {
    if (e.seq != 0 && e.seq <= s_.seq) return;
    if (e.seq) s_.seq = e.seq;
    if (e.task.claimed_by.empty() && !finished(e.task)) s_.claim_next_dry = false;  // free work appeared
    const bool held = std::find(s_.route.begin(), s_.route.end(), e.task.id) != s_.route.end();
    if (held && !e.task.claimed_by.empty() && e.task.claimed_by != s_.device && s_.confirmed.count(e.task.id) == 0)
      info("TASK TAKEN", "Task " + std::to_string(e.task.id) + " (" + e.task.location + ") went to another device.");
    if (held && e.type == "task.cancelled") info("TASK CANCELLED", e.task.order_ref + " " + e.task.sku + " at " + e.task.location + " is no longer needed.");
    note_if_freed(e.task);
    upsert(e.task);
    refresh_route();
  }

  // A manager freed a task this device held (task.unclaim), as an event or a snapshot shows it: it leaves the route
  // (refresh_route) and is not claimed back, unless picks of it still wait in the outbox (they claim it again when
  // the server applies them).
  void note_if_freed(const TaskView& now) {
    const bool held = std::find(s_.route.begin(), s_.route.end(), now.id) != s_.route.end();
    auto old = s_.tasks.find(now.id);
    if (!held || old == s_.tasks.end() || !mine(old->second) || !now.claimed_by.empty() || finished(now)) return;
    if (auto c = s_.confirmed.find(now.id); c != s_.confirmed.end() && c->second > now.picked) return;
    s_.relieved.insert(now.id);
    info("TASK RELEASED",
         "Task " + std::to_string(now.id) + " (" + now.location + ") was given back by the shift manager.");
  }

  void on(const WavePushed& e) {
    if (e.seq != 0 && e.seq <= s_.seq) return;
    if (e.seq) s_.seq = e.seq;
    if (e.type.rfind("wave.", 0) != 0) return;  // another topic: only the sequence moves on
    if (e.wave.status == "done") {
      s_.waves.erase(e.wave.id);
    } else {
      s_.waves[e.wave.id] = e.wave;
    }
  }

  void on(const Link& e) {
    const bool changed = s_.online != e.online;
    s_.online = e.online;
    s_.queued = e.queued;
    if (s_.history_went_back && s_.queued == 0) {
      forget_confirmed_after_restore();
      refresh_route();
    }
    if (changed) refresh_route();  // into a dead spot: tasks whose claim is still out join the route
  }

  void refused(const Answer& a, const std::string& what) {
    std::string where;
    if (auto it = s_.tasks.find(a.task); it != s_.tasks.end()) where = " (" + it->second.order_ref + ", " + it->second.sku + " at " + it->second.location + ")";
    s_.notices.push_back(Notice{a.task, "Task " + std::to_string(a.task) + where + ": " + what + " was NOT recorded: " + a.error});
    error("NOT RECORDED", s_.notices.back().text);
  }

  void on(const Answer& a) {
    if (a.status == proto::Status::unauthenticated) {
      // The session ended (expired, or signed out elsewhere) while scans wait: sign in again and they go out.
      // The user stays known (not signed in), so signing in again as the same person keeps the route and totes.
      s_.screen = Screen::login;
      s_.login_user = s_.user;
      s_.login_field = 1;
      return error("SIGN IN AGAIN", "Your session has ended. " + std::to_string(s_.queued) + " scan(s) wait and are sent after you sign in.");
    }
    if (a.type == "pick.confirm") {
      if (a.status == proto::Status::ok && a.pick) {
        upsert(a.pick->task);
        if (auto w = s_.waves.find(a.pick->task.wave); w != s_.waves.end()) w->second.tasks_left = a.pick->wave_tasks_left;
      } else if (a.status != proto::Status::ok) {
        s_.confirmed[a.task] = std::max<std::int64_t>(0, s_.confirmed[a.task] - a.qty);
        refused(a, "your pick of " + std::to_string(a.qty));
      }
    } else if (a.type == "pick.short") {
      if (a.status == proto::Status::ok && a.short_pick) {
        const auto& r = *a.short_pick;
        upsert(r.task);
        for (const auto& n : r.new_tasks) upsert(n);  // claimed for this device by the server: they join the route
        std::string detail;
        if (!r.new_tasks.empty()) {
          detail = "Re-allocated: ";
          for (const auto& n : r.new_tasks) detail += std::to_string(n.qty) + " from " + n.location + " ";
          detail += "added to the route.";
        }
        if (r.backordered > 0) detail += (detail.empty() ? "" : " ") + std::to_string(r.backordered) + " backordered for " + r.task.order_ref + ".";
        s_.banner = Banner{BannerKind::info, r.new_tasks.empty() ? "BACKORDERED" : "RE-ALLOCATED", detail};
      } else if (a.status != proto::Status::ok) {
        s_.confirmed[a.task] = std::max<std::int64_t>(0, s_.confirmed[a.task] - a.qty);
        // wmsd did not record the short, so the task is still open there: it comes back on the route (it was
        // finished here only), and a snapshot brings the server's view of it (another device may hold it now).
        if (auto it = s_.tasks.find(a.task); it != s_.tasks.end() && it->second.status == "short")
          it->second.status = "claimed";
        out_.push_back(RequestSnapshot{});
        refused(a, "your short pick");
        refresh_route();
      }
    } else if (a.type == "task.claim_next") {
      s_.claim_next_out = false;
      if (a.status == proto::Status::ok && a.claimed_next) {
        for (const auto& t : a.claimed_next->tasks) upsert(t);
        s_.claim_next_dry = a.claimed_next->tasks.empty();
      } else {
        s_.claim_next_dry = true;  // refused (role, mode): wait for news rather than ask again at once
      }
    } else if (a.type == "task.claim") {
      s_.claiming.erase(a.task);
      if (a.status == proto::Status::ok && a.claimed) {
        upsert(*a.claimed);
      } else if (a.status != proto::Status::ok) {
        // Someone else has it. If nothing was picked here, quietly leave it; if something was (offline), the
        // pick's own refusal (queued right behind the claim) tells the picker what was not recorded.
        if (auto it = s_.tasks.find(a.task); it != s_.tasks.end() && it->second.claimed_by.empty()) it->second.claimed_by = "?";
      }
    } else if (a.type == "pack.contents") {
      if (a.status != proto::Status::ok || !a.pack) {
        s_.pack_ref.clear();
        s_.pack_tote.clear();
        return error("NOTHING TO PACK", a.error);
      }
      s_.pack_ref = a.pack->ref;
      s_.pack_tote = a.pack->tote;
      s_.pack_lines.clear();
      for (const auto& l : a.pack->lines)
        if (l.picked > 0) s_.pack_lines.push_back(PackLine{l.line, l.sku, l.description, l.barcodes, l.picked, 0});
      if (s_.pack_lines.empty()) return error("NOTHING TO PACK", s_.pack_ref + " has nothing picked waiting to be packed.");
      info("PACK " + s_.pack_ref, "Scan every item into the carton.");
    } else if (a.type == "pack.close") {
      if (a.status != proto::Status::ok) error("NOT CLOSED", a.error);
    }
    refresh_route();
  }

  void on(const VersionMismatch& e) {
    s_.screen = Screen::version;
    s_.banner = Banner{BannerKind::error, "UPDATE THE APP", e.detail};
  }

  void on(const Tick&) {}
};

}  // namespace

const char* to_string(ShortReason r) {
  switch (r) {
    case ShortReason::empty: return "empty";
    case ShortReason::damaged: return "damaged";
    case ShortReason::not_found: return "not_found";
  }
  return "empty";
}

const proto::TaskView* State::current() const {
  if (route.empty()) return nullptr;
  auto it = tasks.find(route.front());
  return it == tasks.end() ? nullptr : &it->second;
}

std::uint64_t State::current_wave() const {
  const auto* t = current();
  return t ? t->wave : 0;
}

std::uint32_t State::wave_tasks_left(std::uint64_t wave) const {
  std::uint32_t n = 0;
  for (const auto& [id, t] : tasks)
    if (t.wave == wave && !finished(t) && remaining(t) > 0) ++n;
  return n;
}

std::int64_t State::remaining(const proto::TaskView& t) const {
  auto it = confirmed.find(t.id);
  const std::int64_t done = std::max(t.picked, it == confirmed.end() ? 0 : it->second);
  return std::max<std::int64_t>(0, t.qty - done);
}

// A forklift driver moves pallets, a picker picks parcels; managers and admins get what the profile is for.
std::string State::work_mode() const {
  if (role == "forklift") return "pallet";
  if (role == "picker") return "parcel";
  return profile == Profile::vehicle ? "pallet" : "parcel";
}

bool State::batch(const proto::TaskView& t) const {
  if (t.mode != "parcel") return false;
  std::set<std::string> orders;
  for (const auto& [id, o] : tasks)
    if (o.wave == t.wave) orders.insert(o.order_ref);
  if (auto w = waves.find(t.wave); w != waves.end() && w->second.orders > 1) return true;
  return orders.size() > 1;
}

std::vector<Command> next(State& s, const Event& e) { return Machine(s).run(e); }

}  // namespace wms::term
