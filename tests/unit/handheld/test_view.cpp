// Headless tests of the terminal's ImGui view: every Screen and PickStep is drawn for both profiles with no window
// (DisplaySize + a built font atlas, as ImGui's example_null does), taps are simulated with io.MousePos/MouseDown
// over the buttons the view reported, and the Events that come out are checked. The view must never emit an event
// without input and must never draw a touch target smaller than the profile's minimum.
// The hidden "[.shots]" case opens real windows (needs DISPLAY, e.g. Xvfb) and writes PNGs of sample screens to
// $WMS_VIEW_SHOTS (default /tmp) for assets/screenshots.
#include <imgui.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cfloat>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "view/platform.hpp"
#include "view/screens_view.hpp"
#include "view/sound.hpp"
#include "view/widgets.hpp"

using namespace wms::term;
using namespace wms::term::view;
namespace proto = wms::proto;

namespace {

// ---- sample states, built by hand ----------------------------------------------------------------------
proto::TaskView task(std::uint64_t id, std::string location, std::string sku, std::string description, std::int64_t qty,
                     std::string mode = "parcel") {
  proto::TaskView t;
  t.id = id;
  t.wave = 12;
  t.order_ref = "SO-1001";
  t.line = 1;
  t.sku = std::move(sku);
  t.description = std::move(description);
  t.gtin = "04006381333931";
  t.location = std::move(location);
  t.location_barcode = "LOC-" + t.location;
  t.mode = std::move(mode);
  t.qty = qty;
  t.status = "claimed";
  return t;
}

State signed_in(Profile p) {
  State s;
  s.profile = p;
  s.screen = Screen::idle;
  s.user = "anna";
  s.name = "Anna Berg";
  s.role = p == Profile::vehicle ? "forklift" : "picker";
  s.online = true;
  proto::WaveView w;
  w.id = 12;
  w.mode = p == Profile::vehicle ? "pallet" : "parcel";
  w.status = "released";
  w.orders = 4;
  w.tasks = 20;
  w.tasks_left = 7;
  s.waves[12] = w;
  return s;
}

State picking(Profile p, PickStep step) {
  State s = signed_in(p);
  s.screen = Screen::pick;
  s.step = step;
  if (p == Profile::vehicle) {
    proto::TaskView t = task(41, "B07-03-1", "PAL-WATER-05", "Still water 0.5 l, 24-pack, full pallet", 1, "pallet");
    t.drop_location = "STAGE-1";
    t.drop_barcode = "LANE-STAGE-1";
    s.tasks[t.id] = t;
    s.route = {41};
    if (step == PickStep::drop) s.sscc = "376123450000000019";
  } else {
    s.tasks[7] = task(7, "A01-02-A", "SKU-10442", "Hex bolt M8 x 40, zinc plated, box of 50", 6);
    s.tasks[8] = task(8, "A01-04-C", "SKU-20017", "Washer M8", 2);
    s.route = {7, 8};
  }
  s.qty = p == Profile::vehicle ? 1 : 6;
  if (step == PickStep::tote) s.totes["SO-1001"] = "TOTE-07";
  return s;
}

State login(Profile p, bool busy = false) {
  State s;
  s.profile = p;
  s.login_user = "anna";
  s.login_pin = "1234";
  s.login_field = 1;
  s.login_busy = busy;
  return s;
}

State short_picking(Profile p, bool with_reason) {
  State s = picking(p, PickStep::product);
  s.screen = Screen::short_pick;
  s.keypad = "4";
  if (with_reason) s.short_reason = ShortReason::damaged;
  return s;
}

State packing(Profile p, int stage) {  // 0 = nothing scanned yet, 1 = partly, 2 = complete
  State s = signed_in(p);
  s.screen = Screen::pack;
  if (stage == 0) return s;
  s.pack_ref = "SO-1001";
  s.pack_tote = "TOTE-07";
  s.cartons = 2;
  s.pack_lines = {{1, "SKU-10442", "Hex bolt M8 x 40, zinc plated", {"04006381333931"}, 6, stage == 2 ? 6 : 4},
                  {2, "SKU-20017", "Washer M8", {"04006381333948"}, 2, 2},
                  {3, "SKU-30001", "Cable tie 200 mm, black", {"04006381333955"}, 10, stage == 2 ? 10 : 0}};
  return s;
}

State wrong_scan(Profile p) {
  State s = picking(p, PickStep::location);
  s.banner = {BannerKind::error, "WRONG LOCATION", "You scanned A01-02-B. Go to A01-02-A."};
  return s;
}

State with_notices(Profile p) {
  State s = picking(p, PickStep::location);
  s.notices = {{7, "Task 7 at A01-02-A: 6 x SKU-10442 was NOT recorded: the bin holds 4. Count again."},
               {8, "Task 8 at A01-04-C: 2 x SKU-20017 was NOT recorded: task cancelled by the manager."}};
  return s;
}

State offline_info(Profile p) {
  State s = picking(p, PickStep::product);
  s.online = false;
  s.queued = 3;
  s.banner = {BannerKind::success, "PICKED", "6 x SKU-10442 from A01-01-C"};
  return s;
}

State version_screen(Profile p) {
  State s;
  s.profile = p;
  s.screen = Screen::version;
  s.banner = {BannerKind::error, "UPDATE", "The server speaks protocol version 2; this app speaks version 1."};
  return s;
}

std::vector<std::pair<std::string, State>> samples(Profile p) {
  std::vector<std::pair<std::string, State>> v;
  v.emplace_back("login", login(p));
  v.emplace_back("login-busy", login(p, true));
  v.emplace_back("idle", signed_in(p));
  v.emplace_back("pick-location", picking(p, PickStep::location));
  v.emplace_back("pick-product", picking(p, PickStep::product));
  v.emplace_back("pick-quantity", picking(p, PickStep::quantity));
  v.emplace_back("pick-tote", picking(p, PickStep::tote));
  v.emplace_back("pick-drop", picking(p, PickStep::drop));
  // A short pick's units found on their way to the lane (pallet) or the tote (parcel).
  const bool pallet = p == Profile::vehicle;
  State short_way = picking(p, pallet ? PickStep::drop : PickStep::tote);
  short_way.short_pending = proto::PickShortReq{short_way.route.front(), 3, "damaged", ""};
  short_way.qty = 3;
  short_way.banner = pallet
                         ? Banner{BannerKind::info, "TO THE LANE", "Take the 3 found to STAGE-1 and scan the lane."}
                         : Banner{BannerKind::info, "INTO TOTE", "Put the 3 found into TOTE-07 (SO-1001) and scan it."};
  v.emplace_back("pick-short-on-way", short_way);
  v.emplace_back("short-pick", short_picking(p, false));
  v.emplace_back("short-pick-reason", short_picking(p, true));
  v.emplace_back("pack-start", packing(p, 0));
  State looking = packing(p, 0);
  looking.pack_tote = "TOTE-07";
  v.emplace_back("pack-looking-up", looking);
  State long_info = picking(p, PickStep::location);
  long_info.banner = {BannerKind::info, "RE-ALLOCATED",
                      "4 of SKU-10442 will come from B02-01-A; a new task is on its way to a picker."};
  v.emplace_back("info-banner-long", long_info);
  v.emplace_back("pack", packing(p, 1));
  v.emplace_back("pack-complete", packing(p, 2));
  v.emplace_back("wrong-scan", wrong_scan(p));
  v.emplace_back("notices", with_notices(p));
  v.emplace_back("offline-banner", offline_info(p));
  v.emplace_back("version", version_screen(p));
  State long_name = picking(p, PickStep::location);
  long_name.name = "Maria-Magdalena Papadopoulou-Schmidt";
  long_name.online = false;
  long_name.queued = 12345;
  v.emplace_back("long-name-offline", long_name);
  State no_task = picking(p, PickStep::location);
  no_task.route.clear();
  v.emplace_back("pick-no-task", no_task);
  return v;
}

// ---- a headless ImGui context --------------------------------------------------------------------------
struct Headless {
  Ui ui;
  Probe probe;
  explicit Headless(Profile p, const std::string& font = "", ImVec2 size = {0, 0}) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = size.x > 0 ? size : default_size(p);
    io.DeltaTime = 1.0f / 60;
    ui = load_ui(p, font, layout_scale(p, io.DisplaySize));
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    ui.probe = &probe;
  }
  ~Headless() { ImGui::DestroyContext(); }
  Headless(const Headless&) = delete;
  Headless& operator=(const Headless&) = delete;

  std::vector<Event> frame(const State& s) {
    probe.hits.clear();
    ImGui::NewFrame();
    std::vector<Event> ev = draw(s, ui);
    ImGui::Render();
    return ev;
  }
  // Hover, press, release on the centre of the button labelled `label` (as a finger would: down, up).
  // Returns every event the three frames produced.
  std::vector<Event> tap(const State& s, const std::string& label) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    io.MouseDown[0] = false;
    frame(s);
    const Probe::Hit* hit = probe.find(label);
    INFO("button " << label);
    REQUIRE(hit != nullptr);
    const ImVec2 c((hit->min.x + hit->max.x) / 2, (hit->min.y + hit->max.y) / 2);
    std::vector<Event> all;
    io.MousePos = c;
    for (bool down : {false, true, false}) {
      io.MouseDown[0] = down;
      for (Event& e : frame(s)) all.push_back(std::move(e));
    }
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    return all;
  }
};

bool is_tap(const std::vector<Event>& ev, Button b) {
  return ev.size() == 1 && std::holds_alternative<Tap>(ev[0]) && std::get<Tap>(ev[0]).button == b;
}
bool is_press(const std::vector<Event>& ev, Key k) {
  return ev.size() == 1 && std::holds_alternative<Press>(ev[0]) && std::get<Press>(ev[0]).key == k;
}

const char* const k_minus = "\xE2\x88\x92";  // U+2212 on the carton button

const char* name(Profile p) {
  return p == Profile::vehicle ? "vehicle" : "handheld";
}

}  // namespace

TEST_CASE("view: every screen and step draws for both profiles and emits nothing without input", "[view]") {
  struct Case {
    Profile p;
    const char* font;
    ImVec2 size;
  };
  // Both profiles at their design size, with the built-in font, and on other screens (scaled layouts).
  for (const Case& c : {Case{Profile::handheld, "", {480, 800}}, Case{Profile::vehicle, "", {1024, 768}},
                        Case{Profile::handheld, "builtin", {480, 800}}, Case{Profile::vehicle, "builtin", {1024, 768}},
                        Case{Profile::handheld, "", {720, 1280}}, Case{Profile::handheld, "", {400, 640}},
                        Case{Profile::handheld, "", {480, 854}}, Case{Profile::vehicle, "", {1280, 800}},
                        Case{Profile::vehicle, "", {800, 600}}}) {
    const Profile p = c.p;
    const char* font = c.font;
    INFO(name(p) << " " << c.size.x << "x" << c.size.y);
    Headless h(p, font, c.size);
    CHECK(h.ui.fallback_font == (std::string(font) == "builtin"));
    const ImVec2 display = c.size;
    // Touch targets are at least what a gloved finger needs on the design screen; on a smaller screen they shrink
    // with everything else (less 1 px of rounding), on a bigger one they grow.
    const float min_target =
        (p == Profile::vehicle ? 90.0f : 64.0f) * std::min(1.0f, layout_scale(p, c.size)) - (c.size.y < 700 ? 1 : 0);
    for (const auto& [what, s] : samples(p)) {
      INFO(name(p) << " " << what << " font " << font);
      // The first frame of a new window may differ (a list's scrollbar appears once its height is known); from
      // the second on, the same state must draw the same frame.
      CHECK(h.frame(s).empty());
      CHECK(h.frame(s).empty());
      const int vertices = ImGui::GetDrawData()->TotalVtxCount;
      CHECK(vertices > 0);
      CHECK(h.frame(s).empty());
      CHECK(ImGui::GetDrawData()->TotalVtxCount == vertices);
      // Every touch target is on screen, big enough for a gloved finger, and apart from every other one.
      for (std::size_t i = 0; i < h.probe.hits.size(); ++i) {
        const Probe::Hit& a = h.probe.hits[i];
        INFO("button " << a.id);
        CHECK(a.min.x >= 0);
        CHECK(a.min.y >= 0);
        CHECK(a.max.x <= display.x + 0.5f);
        CHECK(a.max.y <= display.y + 0.5f);
        CHECK(a.max.y - a.min.y >= min_target);
        for (std::size_t j = i + 1; j < h.probe.hits.size(); ++j) {
          const Probe::Hit& b = h.probe.hits[j];
          const bool overlap = a.min.x < b.max.x - 0.5f && b.min.x < a.max.x - 0.5f && a.min.y < b.max.y - 0.5f &&
                               b.min.y < a.max.y - 0.5f;
          CHECK_FALSE(overlap);
        }
      }
    }
  }
}

TEST_CASE("view: pick buttons and keypad turn taps into events", "[view]") {
  for (Profile p : {Profile::handheld, Profile::vehicle}) {
    INFO(name(p));
    Headless h(p);
    const State loc = picking(p, PickStep::location);
    CHECK(is_tap(h.tap(loc, "Short pick"), Button::short_pick));
    CHECK(is_tap(h.tap(loc, "Skip"), Button::skip));
    CHECK(h.probe.find("Confirm") == nullptr);  // nothing to confirm before the scans

    const State qty = picking(p, PickStep::quantity);
    CHECK(is_press(h.tap(qty, "7"), Key::d7));
    CHECK(is_press(h.tap(qty, "0"), Key::d0));
    CHECK(is_press(h.tap(qty, "Back"), Key::back));
    CHECK(is_press(h.tap(qty, "Clear"), Key::clear));
    CHECK(is_tap(h.tap(qty, "Confirm"), Button::confirm));
    CHECK(is_tap(h.tap(qty, "Short pick"), Button::short_pick));

    // Scans finish the tote and drop steps: no button to press by mistake.
    h.frame(picking(p, PickStep::drop));
    CHECK(h.probe.hits.empty());
    // ... but a short pick's units on their way there can go back to the short-pick form.
    for (const auto& [what, st] : samples(p))
      if (what == "pick-short-on-way") CHECK(is_tap(h.tap(st, "Change short"), Button::short_pick));
  }
}

TEST_CASE("view: login form, busy login and idle screen", "[view]") {
  for (Profile p : {Profile::handheld, Profile::vehicle}) {
    INFO(name(p));
    Headless h(p);
    State s = login(p);
    CHECK(is_tap(h.tap(s, "Log in"), Button::login));
    CHECK(is_press(h.tap(s, "4"), Key::d4));
    CHECK(is_tap(h.tap(s, "##user"), Button::next_field));  // the PIN field is active: tapping User switches
    CHECK(h.tap(s, "##pin").empty());                       // tapping the active field changes nothing

    const State busy = login(p, true);
    h.frame(busy);
    const Probe::Hit* signing = h.probe.find("Signing in\xE2\x80\xA6");
    REQUIRE(signing != nullptr);
    CHECK_FALSE(signing->enabled);
    CHECK(h.tap(busy, "Signing in\xE2\x80\xA6").empty());

    const State idle = signed_in(p);
    CHECK(is_tap(h.tap(idle, "Log out"), Button::logout));
    h.frame(idle);
    CHECK(h.probe.find("Refresh") == nullptr);  // tasks arrive by push
    if (p == Profile::handheld) CHECK(is_tap(h.tap(idle, "Pack"), Button::pack_mode));
  }
}

TEST_CASE("view: short pick needs a reason before Confirm does anything", "[view]") {
  for (Profile p : {Profile::handheld, Profile::vehicle}) {
    INFO(name(p));
    Headless h(p);
    const State none = short_picking(p, false);
    CHECK(is_tap(h.tap(none, "Empty"), Button::reason_empty));
    CHECK(is_tap(h.tap(none, "Damaged"), Button::reason_damaged));
    CHECK(is_tap(h.tap(none, "Not found"), Button::reason_not_found));
    CHECK(h.tap(none, "Confirm").empty());
    CHECK(is_tap(h.tap(none, "Cancel"), Button::cancel));
    CHECK(is_press(h.tap(none, "3"), Key::d3));
    CHECK(is_tap(h.tap(short_picking(p, true), "Confirm"), Button::confirm));
  }
}

TEST_CASE("view: pack closes a carton only when every line is complete", "[view]") {
  for (Profile p : {Profile::handheld, Profile::vehicle}) {
    INFO(name(p));
    Headless h(p);
    const State partly = packing(p, 1);
    CHECK(h.tap(partly, "Close carton").empty());
    CHECK(is_tap(h.tap(partly, "+"), Button::cartons_more));
    CHECK(is_tap(h.tap(partly, k_minus), Button::cartons_less));
    CHECK(is_tap(h.tap(partly, "Back to picking"), Button::pick_mode));
    CHECK(is_tap(h.tap(packing(p, 2), "Close carton"), Button::confirm));
    State one = packing(p, 2);
    one.cartons = 1;
    CHECK(h.tap(one, k_minus).empty());  // never fewer than one carton
  }
}

TEST_CASE("view: an error banner covers the screen and a tap dismisses it - notices stay until seen", "[view]") {
  for (Profile p : {Profile::handheld, Profile::vehicle}) {
    INFO(name(p));
    Headless h(p);
    const State err = wrong_scan(p);
    h.frame(err);
    CHECK(h.probe.find("Short pick") == nullptr);  // nothing under the red can be tapped
    CHECK(is_tap(h.tap(err, "Dismiss error"), Button::dismiss));

    const State notes = with_notices(p);
    CHECK(is_tap(h.tap(notes, "Seen (1 of 2)"), Button::dismiss));
    CHECK(h.probe.find("Skip") == nullptr);

    const State ok = offline_info(p);
    CHECK(is_tap(h.tap(ok, "Dismiss banner"), Button::dismiss));
    CHECK(is_tap(h.tap(ok, "Skip"), Button::skip));  // an info banner does not block the work
  }
}

TEST_CASE("view: status bar values and pick instructions", "[view]") {
  State s = offline_info(Profile::handheld);
  const StatusLine l = status_of(s);
  CHECK(l.user == "Anna Berg");
  CHECK_FALSE(l.online);
  CHECK(l.queued == 3);
  CHECK(l.wave == 12);
  CHECK(instruction(picking(Profile::handheld, PickStep::location)) == "Scan location");
  CHECK(instruction(picking(Profile::handheld, PickStep::tote)) == "Put into tote for SO-1001 \xE2\x80\x94 scan tote");
  CHECK(instruction(picking(Profile::vehicle, PickStep::drop)) == "Drive to STAGE-1 \xE2\x80\x94 scan the lane");
  CHECK(instruction(signed_in(Profile::handheld)).empty());

  // The count under the SKU is in units, in pallet mode too: a forklift task of 20 units of a 120-unit pallet
  // once read "Pallets 20".
  State fork = picking(Profile::vehicle, PickStep::location);
  fork.tasks[41].qty = 20;
  CHECK(count_of(fork) == std::pair<std::string, std::int64_t>{"Take", 20});
  CHECK(count_of(picking(Profile::vehicle, PickStep::drop)).first.empty());  // on the forks: no count
  CHECK(count_of(picking(Profile::handheld, PickStep::product)) == std::pair<std::string, std::int64_t>{"Take", 6});
  CHECK(count_of(picking(Profile::handheld, PickStep::tote)).first == "Put");
  CHECK(count_of(signed_in(Profile::handheld)).first.empty());

  // The idle screen lists the open waves of the user's own work only: a forklift driver is not shown parcel waves.
  State idle_fork = signed_in(Profile::vehicle);  // wave 12: pallet, released
  proto::WaveView parcel = idle_fork.waves.at(12);
  parcel.id = 13;
  parcel.mode = "parcel";
  idle_fork.waves[13] = parcel;
  proto::WaveView done = idle_fork.waves.at(12);
  done.id = 14;
  done.status = "done";
  idle_fork.waves[14] = done;
  CHECK(idle_waves(idle_fork) == std::vector<std::uint64_t>{12});
  idle_fork.role = "picker";
  CHECK(idle_waves(idle_fork) == std::vector<std::uint64_t>{13});
}

TEST_CASE("sound: the three sounds are synthesised, audible and short - no device is not an error", "[view][sdl]") {
  const auto error = Speaker::synthesise(Sound::error);
  const auto ok = Speaker::synthesise(Sound::ok);
  const auto done = Speaker::synthesise(Sound::done);
  for (const auto* v : {&error, &ok, &done}) {
    REQUIRE_FALSE(v->empty());
    CHECK(v->size() < static_cast<std::size_t>(Speaker::k_rate));  // under a second: never in the way
    int peak = 0;
    for (std::int16_t x : *v) peak = std::max(peak, std::abs(static_cast<int>(x)));
    CHECK(peak > 10000);
  }
  CHECK(ok.size() < error.size());
  Speaker speaker;  // with or without an audio device: constructing and playing never throws
  speaker.play(Sound::ok);
}

TEST_CASE("view: screenshots of sample screens", "[.shots]") {
  const char* dir_env = std::getenv("WMS_VIEW_SHOTS");
  const std::string dir = dir_env ? dir_env : "/tmp";
  struct Shot {
    Profile p;
    const char* font;
    int w, h;  // 0 = the profile's size
    const char* tag;
  };
  for (const Shot& c :
       {Shot{Profile::handheld, "", 0, 0, ""}, Shot{Profile::vehicle, "", 0, 0, ""},
        Shot{Profile::handheld, "builtin", 0, 0, "builtin-"}, Shot{Profile::handheld, "", 400, 640, "400x640-"},
        Shot{Profile::vehicle, "", 1280, 800, "1280x800-"}}) {
    const Profile p = c.p;
    WindowOptions o;
    o.profile = p;
    o.font_file = c.font;
    o.width = c.w;
    o.height = c.h;
    o.screenshot_dir.clear();
    Platform platform(o);
    for (const auto& [what, s] : samples(p)) {
      const std::string path = dir + "/view-" + name(p) + "-" + c.tag + what + ".png";
      for (int i = 0; i < 3; ++i) {  // a few frames, as the wait loop draws after any event
        platform.wait(0);
        platform.begin_frame();
        draw(s, platform.ui());
        if (i == 2) platform.request_screenshot(path);
        platform.end_frame();
      }
    }
  }
}

TEST_CASE("platform: wait sleeps until the deadline, wake() from another thread ends it early, events settle",
          "[view][window][sdl]") {
  // With no display (CI), SDL's offscreen driver still gives a GL context through EGL. If neither works there is
  // nothing to open: say so instead of failing.
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) setenv("SDL_VIDEODRIVER", "offscreen", 0);
  WindowOptions o;
  o.screenshot_dir.clear();
  std::unique_ptr<Platform> owner;
  try {
    owner = std::make_unique<Platform>(o);
  } catch (const std::runtime_error& e) {
    WARN("no window could be opened, test not run: " << e.what());
    return;
  }
  Platform& platform = *owner;
  for (int i = 0; i < Platform::k_settle_frames + 2; ++i) platform.wait(0);  // the start-up frames are spent

  auto timed_wait = [&](int timeout_ms) {
    const auto t0 = std::chrono::steady_clock::now();
    Input in = platform.wait(timeout_ms);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    return std::pair{in, ms};
  };
  // Drain whatever the window manager sent on mapping the window, then nothing happens: the deadline ends it.
  while (!timed_wait(50).first.timed_out) {
  }
  auto [idle, idle_ms] = timed_wait(150);
  CHECK(idle.timed_out);
  CHECK_FALSE(idle.woken);
  CHECK(idle_ms >= 140);

  // Another thread wakes it long before the deadline; several wakes cost one event.
  std::thread net([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    for (int i = 0; i < 100; ++i) Platform::wake();
  });
  auto [woken, woken_ms] = timed_wait(5000);
  net.join();
  CHECK(woken.woken);
  CHECK_FALSE(woken.timed_out);
  CHECK(woken_ms < 2000);
  // After an event the next k_settle_frames waits return at once (frames to draw), then it sleeps again.
  for (int i = 0; i < Platform::k_settle_frames; ++i) {
    auto [settle, settle_ms] = timed_wait(5000);
    CHECK(settle_ms < 1000);
    CHECK_FALSE(settle.woken);  // the 99 extra wakes were coalesced
  }
  CHECK(timed_wait(100).first.timed_out);

  // The screenshot hook writes the frame it was asked for.
  const std::string path = (std::filesystem::temp_directory_path() / "wms-view-test-shot.png").string();
  std::filesystem::remove(path);
  platform.begin_frame();
  draw(login(Profile::handheld), platform.ui());
  platform.request_screenshot(path);
  platform.end_frame();
  CHECK(std::filesystem::file_size(path) > 1000);
  std::filesystem::remove(path);
}
