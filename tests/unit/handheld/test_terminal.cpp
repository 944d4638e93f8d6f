// The terminal's screens driven as a state machine, with no window, socket or clock: every floor flow of the
// app (sign-in, pushed tasks, parcel and pallet picks, totes, wrong scans, short picks, replay refusals, pack
// verification) checked by the state it leaves and the commands it asks for.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "bridge.hpp"
#include "screens/terminal.hpp"
#include "wms/shared/gtin.hpp"

using namespace wms;
using namespace wms::term;

namespace {

proto::TaskView task(std::uint64_t id, std::string loc, std::uint32_t walk, std::string sku, std::string gtin, std::int64_t qty,
                     std::string order = "SO-1", std::string mode = "parcel") {
  proto::TaskView t;
  t.id = id;
  t.wave = 1;
  t.order_ref = order;
  t.sku = sku;
  t.description = "Item " + sku;
  t.gtin = gtin;
  t.barcodes = {gtin};
  t.location = loc;
  t.location_barcode = "LOC-" + loc;
  t.walk_seq = walk;
  t.mode = mode;
  t.qty = qty;
  t.status = "open";
  if (mode == "pallet") {
    t.drop_location = "STAGE-1";
    t.drop_barcode = "LOC-STAGE-1";
  }
  return t;
}

template <class T>
std::vector<const T*> find_all(const std::vector<Command>& cmds) {
  std::vector<const T*> out;
  for (const auto& c : cmds)
    if (auto p = std::get_if<T>(&c)) out.push_back(p);
  return out;
}
bool sends_anything(const std::vector<Command>& cmds) {
  for (const auto& c : cmds)
    if (!std::holds_alternative<Play>(c)) return true;
  return false;
}
bool plays(const std::vector<Command>& cmds, Sound s) {
  for (const auto& c : cmds)
    if (auto p = std::get_if<Play>(&c); p && p->sound == s) return true;
  return false;
}

// The server's side of claims, as a stand-in for these tests: a claim of a named task is granted at once, and
// task.claim_next gets the lowest-walk free tasks of its mode, as wmsd hands them out (the claim protocol itself
// is checked in its own cases below, with `next`).
std::vector<Command> step(State& s, const Event& e) {
  auto cmds = next(s, e);
  auto grant = [&](proto::TaskView t) {
    t.claimed_by = s.device;
    t.status = "claimed";
    return t;
  };
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    Answer a;
    if (auto* c = std::get_if<SendClaim>(&cmds[i]); c && s.tasks.count(c->req.task)) {
      a.tag = c->tag;
      a.type = "task.claim";
      a.task = c->req.task;
      a.claimed = grant(s.tasks.at(a.task));
    } else if (auto* n = std::get_if<SendClaimNext>(&cmds[i])) {
      a.tag = n->tag;
      a.type = "task.claim_next";
      std::vector<proto::TaskView> free;
      for (const auto& [id, t] : s.tasks)
        if (t.claimed_by.empty() && t.mode == n->req.mode && t.status == "open" &&
            std::find(n->req.skip.begin(), n->req.skip.end(), id) == n->req.skip.end())
          free.push_back(t);
      std::sort(free.begin(), free.end(), [](const auto& x, const auto& y) { return x.walk_seq < y.walk_seq; });
      a.claimed_next.emplace();
      for (std::size_t k = 0; k < free.size() && k < n->req.count; ++k) a.claimed_next->tasks.push_back(grant(free[k]));
    } else {
      continue;
    }
    auto more = next(s, a);
    cmds.insert(cmds.end(), more.begin(), more.end());
  }
  return cmds;
}

// A signed-in picker on device "hh-1" that has received a snapshot with `tasks` (wave 1, `orders` orders).
State signed_in(std::vector<proto::TaskView> tasks, std::string role = "picker", Profile profile = Profile::handheld,
                std::uint32_t orders = 1) {
  State s;
  s.profile = profile;
  s.device = "hh-1";
  next(s, Link{true, 0});
  next(s, TextInput{"picker1"});
  next(s, Tap{Button::next_field});
  next(s, TextInput{"1111"});
  auto cmds = next(s, Tap{Button::login});
  REQUIRE(find_all<SendLogin>(cmds).size() == 1);
  proto::LoginRep rep{"tok", "picker1", "Pat Picker", role};
  cmds = next(s, LoginResult{proto::Status::ok, {}, rep});
  REQUIRE(find_all<RequestSnapshot>(cmds).size() == 1);
  proto::SnapshotRep snap;
  snap.seq = 10;
  snap.tasks = std::move(tasks);
  proto::WaveView w;
  w.id = 1;
  w.mode = profile == Profile::vehicle ? "pallet" : "parcel";
  w.status = "released";
  w.orders = orders;
  snap.waves = {w};
  step(s, Snapshot{snap});
  return s;
}

// A picker's batch of two one-line orders in wave 1: task 1 (SO-1, `first_qty` of SKU-1 at A01-01), then task 2
// (SO-2, 1 of SKU-2 at A01-02), each into its own tote.
State two_order_batch(std::int64_t first_qty = 1) {
  return signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", first_qty, "SO-1"),
                    task(2, "A01-02", 20, "SKU-2", "4006380010017", 1, "SO-2")},
                   "picker", Profile::handheld, 2);
}

// The short-pick form: the button, a reason, the quantity found on the keypad (none: 0 found), Confirm.
std::vector<Command> report_short(State& s, Button reason, std::string_view found = "") {
  step(s, Tap{Button::short_pick});
  step(s, Tap{reason});
  for (char c : found) step(s, Press{static_cast<Key>(c - '0')});
  return step(s, Tap{Button::confirm});
}

// wmsd's refusal of a queued pick.confirm / pick.short, as the device agent hands it back.
Answer refusal(std::uint64_t tag, std::string type, std::uint64_t task, std::int64_t qty, std::string error) {
  Answer a;
  a.tag = tag;
  a.type = std::move(type);
  a.task = task;
  a.qty = qty;
  a.status = proto::Status::conflict;
  a.error = std::move(error);
  return a;
}

}  // namespace

TEST_CASE("sign-in needs user and PIN, and a failed sign-in says why and clears the PIN", "[terminal]") {
  State s;
  s.device = "hh-1";
  auto cmds = step(s, Tap{Button::login});
  CHECK(find_all<SendLogin>(cmds).empty());
  CHECK(s.banner.kind == BannerKind::error);
  step(s, TextInput{"picker1"});
  step(s, Press{Key::enter});  // Enter moves to the PIN
  CHECK(s.login_field == 1);
  step(s, Press{Key::d1});
  step(s, Press{Key::d2});
  cmds = step(s, Press{Key::enter});
  auto logins = find_all<SendLogin>(cmds);
  REQUIRE(logins.size() == 1);
  CHECK(logins[0]->user == "picker1");
  CHECK(logins[0]->pin == "12");
  CHECK(s.login_busy);
  cmds = step(s, LoginResult{proto::Status::unauthenticated, "wrong user or PIN", {}});
  CHECK(s.screen == Screen::login);
  CHECK(s.banner.detail == "wrong user or PIN");
  CHECK(s.login_pin.empty());
  CHECK(plays(cmds, Sound::error));
}

TEST_CASE("pushed tasks are claimed ahead in walk order and the next task is on screen without a refresh", "[terminal]") {
  State s = signed_in({});
  CHECK(s.screen == Screen::idle);
  auto cmds = step(s, TaskPushed{11, "task.released", task(2, "A01-02", 20, "SKU-2", "4006380010017", 3)});
  REQUIRE(find_all<SendClaimNext>(cmds).size() == 1);
  CHECK(find_all<SendClaimNext>(cmds)[0]->req.count == k_route_ahead);
  cmds = step(s, TaskPushed{12, "task.released", task(1, "A01-01", 10, "SKU-1", "4006380010000", 1)});
  // The server picks the work: one claim_next for the free parcel tasks, asking for what the route lacks.
  REQUIRE(find_all<SendClaimNext>(cmds).size() == 1);
  CHECK(find_all<SendClaimNext>(cmds)[0]->req.mode == "parcel");
  CHECK(find_all<SendClaimNext>(cmds)[0]->req.count == k_route_ahead - 1);
  CHECK(find_all<SendClaimNext>(cmds)[0]->req.wave == 1);
  CHECK(find_all<SendClaim>(cmds).empty());
  CHECK(s.screen == Screen::pick);
  REQUIRE(s.current());
  // Task 2 came first and is current; task 1 (lower walk seq) slots in behind it in walk order.
  CHECK(s.route == std::vector<std::uint64_t>{2, 1});
  CHECK(s.wave_tasks_left(1) == 2);
  // An event at or below what we have is dropped (Clone pattern).
  auto stale = task(2, "A01-02", 20, "SKU-2", "4006380010017", 3);
  stale.status = "cancelled";
  step(s, TaskPushed{12, "task.cancelled", stale});
  CHECK(s.tasks.count(2) == 1);
}

TEST_CASE("online the server hands out the next tasks and a task is worked only once granted - offline at once", "[terminal]") {
  // Signed in with nothing to do, online: two tasks are pushed; the device asks for work once, shows nothing yet.
  State s = signed_in({});
  auto cmds = next(s, TaskPushed{11, "task.released", task(1, "A01-01", 10, "SKU-1", "4006380010000", 1)});
  REQUIRE(find_all<SendClaimNext>(cmds).size() == 1);
  const auto ask = find_all<SendClaimNext>(cmds)[0]->tag;
  cmds = next(s, TaskPushed{12, "task.released", task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)});
  CHECK(find_all<SendClaimNext>(cmds).empty());  // one request at a time
  CHECK(find_all<SendClaim>(cmds).empty());      // online, nothing is claimed by name
  CHECK(s.route.empty());
  CHECK(s.screen == Screen::idle);
  cmds = next(s, Scan{"LOC-A01-01"});  // a scan with nothing granted changes nothing and sends nothing
  CHECK_FALSE(sends_anything(cmds));
  // The server gave task 2 (task 1 went to another device): task 2 is current, and the device asks again.
  Answer a;
  a.tag = ask;
  a.type = "task.claim_next";
  a.claimed_next.emplace();
  auto granted = s.tasks.at(2);
  granted.claimed_by = "hh-1";
  a.claimed_next->tasks = {granted};
  cmds = next(s, a);
  CHECK(s.route == std::vector<std::uint64_t>{2});
  CHECK(s.screen == Screen::pick);
  REQUIRE(find_all<SendClaimNext>(cmds).size() == 1);
  // Nothing left for this device: it stops asking until free work shows up again.
  Answer none;
  none.type = "task.claim_next";
  none.claimed_next.emplace();
  next(s, none);
  auto taken = task(1, "A01-01", 10, "SKU-1", "4006380010000", 1);
  taken.claimed_by = "hh-2";
  cmds = next(s, TaskPushed{13, "task.updated", taken});
  CHECK(find_all<SendClaimNext>(cmds).empty());
  CHECK(s.route == std::vector<std::uint64_t>{2});
  cmds = next(s, TaskPushed{14, "task.released", task(3, "A01-03", 30, "SKU-3", "4006380010024", 1)});
  CHECK(find_all<SendClaimNext>(cmds).size() == 1);

  // Offline (a dead spot), a pushed task held in the snapshot is claimed and worked at once; the claim and the
  // pick wait in the outbox, claim first.
  State d = signed_in({});
  next(d, Link{false, 0});
  cmds = next(d, TaskPushed{11, "task.released", task(3, "A03-01", 30, "SKU-3", "4006380010024", 1)});
  REQUIRE(find_all<SendClaim>(cmds).size() == 1);
  CHECK(d.route == std::vector<std::uint64_t>{3});
  next(d, Scan{"LOC-A03-01"});
  cmds = next(d, Scan{"4006380010024"});
  CHECK(find_all<SendPick>(cmds).size() == 1);
}

TEST_CASE("a restarted app whose first news is the snapshot asks for work - it claims nothing by name", "[terminal]") {
  // A stored session: the machine starts offline (nothing heard yet); the server's first answer is the snapshot.
  State s;
  s.device = "hh-1";
  next(s, LoginResult{proto::Status::ok, {}, proto::LoginRep{"tok", "picker1", "Pat Picker", "picker"}});
  REQUIRE_FALSE(s.online);
  proto::SnapshotRep snap;
  snap.seq = 10;
  snap.tasks = {task(1, "A01-01", 10, "SKU-1", "4006380010000", 1), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)};
  auto cmds = next(s, Snapshot{snap});
  CHECK(s.online);
  CHECK(find_all<SendClaim>(cmds).empty());
  CHECK(find_all<SendClaimNext>(cmds).size() == 1);
  CHECK(s.route.empty());
}

TEST_CASE("a task claimed by another device is not taken - one this device claimed comes first", "[terminal]") {
  auto other = task(1, "A01-01", 10, "SKU-1", "4006380010000", 1);
  other.claimed_by = "hh-9";
  auto mine = task(3, "A03-01", 30, "SKU-3", "4006380010024", 1);
  mine.claimed_by = "hh-1";
  State s = signed_in({other, task(2, "A01-02", 20, "SKU-2", "4006380010017", 3), mine});
  REQUIRE(s.route.size() == 2);
  CHECK(s.route.front() == 3);
  CHECK(std::find(s.route.begin(), s.route.end(), 1) == s.route.end());
}

TEST_CASE("a one-unit pick takes two scans and no taps", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 1)});
  auto cmds = step(s, Scan{"LOC-A01-01"});
  CHECK_FALSE(sends_anything(cmds));
  CHECK(s.step == PickStep::product);
  cmds = step(s, Scan{"4006380010000"});
  auto picks = find_all<SendPick>(cmds);
  REQUIRE(picks.size() == 1);
  CHECK(picks[0]->req.task == 1);
  CHECK(picks[0]->req.location_scan == "LOC-A01-01");
  CHECK(picks[0]->req.product_scan == "04006380010000");
  CHECK(picks[0]->req.qty == 1);
  CHECK(picks[0]->req.tote.empty());
  CHECK(s.route.empty());
  CHECK(s.screen == Screen::idle);
  CHECK(plays(cmds, Sound::done));
}

TEST_CASE("wrong location, product scanned first, wrong product and unknown codes turn red and send nothing", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 2), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)});
  auto cmds = step(s, Scan{"LOC-A01-02"});
  CHECK_FALSE(sends_anything(cmds));
  CHECK(plays(cmds, Sound::error));
  CHECK(s.banner.kind == BannerKind::error);
  CHECK(s.banner.title == "WRONG LOCATION");
  CHECK(s.banner.detail.find("A01-01") != std::string::npos);
  CHECK(s.step == PickStep::location);

  cmds = step(s, Scan{"4006380010000"});
  CHECK(s.banner.title == "SCAN THE BIN FIRST");
  CHECK_FALSE(sends_anything(cmds));

  cmds = step(s, Scan{"NOT-A-LABEL"});
  CHECK(s.banner.title == "UNKNOWN CODE");

  // The right scan clears the red screen.
  step(s, Scan{"LOC-A01-01"});
  CHECK(s.banner.kind == BannerKind::none);
  CHECK(s.step == PickStep::product);

  cmds = step(s, Scan{"4006380010017"});
  CHECK(s.banner.title == "WRONG PRODUCT");
  CHECK(s.banner.detail.find("SKU-2") != std::string::npos);
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"4006380010001"});  // bad check digit
  CHECK(s.banner.title == "UNKNOWN CODE");
  cmds = step(s, Scan{"]C101040063800100"});  // GS1 with a truncated GTIN
  CHECK(s.banner.title == "UNKNOWN CODE");
  CHECK_FALSE(sends_anything(cmds));
  CHECK(s.step == PickStep::product);
  CHECK(s.confirmed.empty());
}

TEST_CASE("quantity defaults to the task's, the keypad changes it, over-pick is refused locally", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 5)});
  step(s, Scan{"LOC-A01-01"});
  step(s, Scan{"]C10104006380010000"});  // GS1-128 form of the same GTIN
  REQUIRE(s.step == PickStep::quantity);
  CHECK(s.qty == 5);
  step(s, Press{Key::d7});
  auto cmds = step(s, Press{Key::enter});
  CHECK(s.banner.title == "OVER-PICK");
  CHECK_FALSE(sends_anything(cmds));
  step(s, Press{Key::back});
  step(s, Press{Key::d3});
  cmds = step(s, Tap{Button::confirm});
  auto picks = find_all<SendPick>(cmds);
  REQUIRE(picks.size() == 1);
  CHECK(picks[0]->req.qty == 3);
  // Two left, still at this bin: back to the product scan, and the status counts them.
  CHECK(s.remaining(*s.current()) == 2);
  CHECK(s.step == PickStep::product);
  step(s, Scan{"4006380010000"});
  cmds = step(s, Press{Key::enter});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
  CHECK(find_all<SendPick>(cmds)[0]->req.qty == 2);
  CHECK(s.route.empty());
}

TEST_CASE("a task the shift manager frees leaves the route - unless a pick of it still waits to be sent",
          "[terminal]") {
  State s = signed_in(
      {task(1, "A01-01", 10, "SKU-1", "4006380010000", 5), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)});
  REQUIRE(s.route == std::vector<std::uint64_t>{1, 2});
  // 3 of task 1's 5 are picked and sent but not yet applied on the server when the manager frees both tasks.
  step(s, Scan{"LOC-A01-01"});
  step(s, Scan{"4006380010000"});
  step(s, Press{Key::back});
  step(s, Press{Key::d3});
  REQUIRE(find_all<SendPick>(step(s, Tap{Button::confirm})).size() == 1);
  auto freed = [](proto::TaskView t, std::int64_t picked) {
    t.claimed_by.clear();
    t.status = "open";
    t.picked = picked;
    return t;
  };
  // Task 2 was not started here: it leaves the route and the picker is told why. It does not count as free work
  // for this device, so the device does not ask for it back.
  auto cmds = step(s, TaskPushed{11, "task.updated", freed(s.tasks.at(2), 0)});
  CHECK(s.route == std::vector<std::uint64_t>{1});
  CHECK(s.banner.title == "TASK RELEASED");
  CHECK_THAT(s.banner.detail, Catch::Contains("A01-02"));
  CHECK(find_all<SendClaimNext>(cmds).empty());
  // Task 1's 3 units still wait in the outbox (the server's picked is 0): it stays, the pick claims it again.
  s.banner = {};
  step(s, TaskPushed{12, "task.updated", freed(s.tasks.at(1), 0)});
  CHECK(s.route == std::vector<std::uint64_t>{1});
  CHECK(s.banner.title.empty());
  CHECK(s.remaining(*s.current()) == 2);
  // Once those 3 are on the server, freeing it again takes it off this device too.
  auto mine = s.tasks.at(1);
  mine.claimed_by = "hh-1";
  mine.picked = 3;
  step(s, TaskPushed{13, "task.updated", mine});
  step(s, TaskPushed{14, "task.updated", freed(s.tasks.at(1), 3)});
  CHECK(s.route.empty());
  CHECK(s.banner.title == "TASK RELEASED");
  // New work: the device asks for it and tells the server to skip the tasks taken off it (step's stand-in server
  // honours `skip` as wmsd does, so task 4 comes, not 1 or 2).
  cmds = step(s, TaskPushed{15, "task.released", task(4, "A01-04", 40, "SKU-4", "4006380010031", 1)});
  REQUIRE(find_all<SendClaimNext>(cmds).size() == 1);
  CHECK(find_all<SendClaimNext>(cmds)[0]->req.skip == std::vector<std::uint64_t>{2, 1});
  CHECK(s.route == std::vector<std::uint64_t>{4});
  // Offline the device claims free work by name, but not what was taken off it.
  next(s, Link{false, 0});
  cmds = next(s, TaskPushed{16, "task.released", task(3, "A01-03", 30, "SKU-3", "4006380010024", 1)});
  REQUIRE(find_all<SendClaim>(cmds).size() == 1);
  CHECK(find_all<SendClaim>(cmds)[0]->req.task == 3);
  CHECK(s.route == std::vector<std::uint64_t>{4, 3});  // behind the current task
}

TEST_CASE("a task freed while the device missed the event is seen in the next snapshot and not worked", "[terminal]") {
  State s = signed_in(
      {task(1, "A01-01", 10, "SKU-1", "4006380010000", 1), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)});
  REQUIRE(s.route == std::vector<std::uint64_t>{1, 2});
  // Back from a dead spot with a gap in the events: the snapshot shows task 2 unclaimed.
  proto::SnapshotRep snap;
  snap.seq = 30;
  snap.tasks = {s.tasks.at(1), s.tasks.at(2)};
  snap.tasks[1].claimed_by.clear();
  snap.tasks[1].status = "open";
  snap.waves = {s.waves.at(1)};
  next(s, Snapshot{snap});
  CHECK(s.route == std::vector<std::uint64_t>{1});
  CHECK(s.relieved.count(2) == 1);
  CHECK(s.banner.title == "TASK RELEASED");
}

TEST_CASE("a short pick being reported closes when its task is freed - its reason is not sent for the next task",
          "[terminal]") {
  State s = signed_in(
      {task(1, "A01-01", 10, "SKU-1", "4006380010000", 5), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)});
  step(s, Tap{Button::short_pick});
  REQUIRE(s.screen == Screen::short_pick);
  step(s, Tap{Button::reason_empty});
  auto freed = s.tasks.at(1);
  freed.claimed_by.clear();
  freed.status = "open";
  step(s, TaskPushed{11, "task.updated", freed});
  CHECK(s.screen == Screen::pick);
  REQUIRE(s.current());
  CHECK(s.current()->id == 2);
  CHECK_FALSE(s.short_reason);
  auto cmds = step(s, Tap{Button::confirm});
  CHECK(find_all<SendShort>(cmds).empty());
}

TEST_CASE("a GS1 count on the product label is the quantity - more than is left is an over-pick", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 12)});
  step(s, Scan{"LOC-A01-01"});
  auto cmds = step(s, Scan{"]C1010400638001000030" "20"});
  CHECK(s.banner.title == "OVER-PICK");
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"]C10104006380010000306"});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
  CHECK(find_all<SendPick>(cmds)[0]->req.qty == 6);
}

TEST_CASE("batch picking puts each line into its order's tote and refuses the wrong tote", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 1, "SO-1"),
                       task(2, "A01-01", 11, "SKU-1", "4006380010000", 1, "SO-2"),
                       task(3, "A01-02", 20, "SKU-2", "4006380010017", 1, "SO-1")},
                      "picker", Profile::handheld, 2);
  step(s, Scan{"LOC-A01-01"});
  auto cmds = step(s, Scan{"4006380010000"});
  CHECK_FALSE(sends_anything(cmds));
  REQUIRE(s.step == PickStep::tote);
  cmds = step(s, Scan{"TOTE-7"});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
  CHECK(find_all<SendPick>(cmds)[0]->req.tote == "TOTE-7");
  // Same bin for the next order: the bin scan is skipped, the tote of SO-1 cannot take SO-2's goods.
  REQUIRE(s.current()->id == 2);
  CHECK(s.step == PickStep::product);
  step(s, Scan{"4006380010000"});
  cmds = step(s, Scan{"TOTE-7"});
  CHECK(s.banner.title == "WRONG TOTE");
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"TOTE-8"});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
  // Back to SO-1: only TOTE-7 is right.
  step(s, Scan{"LOC-A01-02"});
  step(s, Scan{"4006380010017"});
  cmds = step(s, Scan{"TOTE-8"});
  CHECK(s.banner.title == "WRONG TOTE");
  cmds = step(s, Scan{"TOTE-7"});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
}

TEST_CASE("a tote is free again on the device once its order is picked and the work has moved to another wave",
          "[terminal]") {
  State s = two_order_batch();
  step(s, Scan{"LOC-A01-01"});
  step(s, Scan{"4006380010000"});
  REQUIRE(find_all<SendPick>(step(s, Scan{"TOTE-7"})).size() == 1);
  // SO-1 is picked, but the batch of wave 1 is still on the cart: TOTE-7 cannot take SO-2.
  step(s, Scan{"LOC-A01-02"});
  step(s, Scan{"4006380010017"});
  auto cmds = step(s, Scan{"TOTE-7"});
  CHECK(s.banner.title == "WRONG TOTE");
  CHECK_FALSE(sends_anything(cmds));
  REQUIRE(find_all<SendPick>(step(s, Scan{"TOTE-8"})).size() == 1);
  CHECK(s.screen == Screen::idle);
  // Wave 2 later: the totes went to packing, their labels serve the new orders (before, the device said "TOTE-7
  // holds SO-1" until the picker signed out, while the server knew the tote was empty).
  auto t5 = task(5, "A01-03", 30, "SKU-3", "4006380010024", 1, "SO-3");
  auto t6 = task(6, "A01-04", 40, "SKU-1", "4006380010000", 1, "SO-4");
  t5.wave = t6.wave = 2;
  step(s, TaskPushed{20, "task.released", t5});
  step(s, TaskPushed{21, "task.released", t6});
  REQUIRE(s.current());
  REQUIRE(s.current()->id == 5);
  step(s, Scan{"LOC-A01-03"});
  step(s, Scan{"4006380010024"});
  REQUIRE(s.step == PickStep::tote);
  cmds = step(s, Scan{"TOTE-7"});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
  CHECK(find_all<SendPick>(cmds)[0]->req.tote == "TOTE-7");
  CHECK(s.totes.at("SO-3") == "TOTE-7");
  CHECK_FALSE(s.totes.count("SO-1"));
}

TEST_CASE("a tote stays bound in its batch after wmsd acknowledges the order's last pick", "[terminal]") {
  State s = two_order_batch();
  step(s, Scan{"LOC-A01-01"});
  step(s, Scan{"4006380010000"});
  auto cmds = step(s, Scan{"TOTE-7"});
  REQUIRE(find_all<SendPick>(cmds).size() == 1);
  // wmsd acknowledges the pick: task 1 is done and leaves the device's task list.
  Answer a;
  a.tag = find_all<SendPick>(cmds)[0]->tag;
  a.type = "pick.confirm";
  a.task = 1;
  a.qty = 1;
  proto::PickRep rep;
  rep.task = s.tasks.at(1);
  rep.task.status = "done";
  rep.task.picked = 1;
  rep.wave_tasks_left = 1;
  a.pick = rep;
  step(s, a);
  CHECK(s.totes.count("SO-1") == 1);  // SO-1's goods are still on the cart with the rest of wave 1
  step(s, Scan{"LOC-A01-02"});
  step(s, Scan{"4006380010017"});
  cmds = step(s, Scan{"TOTE-7"});
  CHECK(s.banner.title == "WRONG TOTE");
  CHECK(find_all<SendPick>(cmds).empty());
}

TEST_CASE("a short pick in a batch puts the units found into the order's tote - none found needs no tote", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 5, "SO-1"),
                       task(2, "A01-02", 20, "SKU-2", "4006380010017", 4, "SO-2"),
                       task(3, "A01-03", 30, "SKU-3", "4006380010024", 1, "SO-1")},
                      "picker", Profile::handheld, 2);
  // Task 1: 2 of 5 found. Nothing goes out until the tote is scanned; a wrong tote is refused.
  step(s, Tap{Button::short_pick});
  step(s, Tap{Button::reason_empty});
  step(s, Press{Key::d2});
  auto cmds = step(s, Tap{Button::confirm});
  CHECK_FALSE(sends_anything(cmds));
  REQUIRE(s.screen == Screen::pick);
  REQUIRE(s.step == PickStep::tote);
  CHECK(s.banner.title == "INTO TOTE");
  CHECK(s.current()->id == 1);
  cmds = step(s, Scan{"LOC-A01-01"});  // not a tote
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"TOTE-4"});
  auto shorts = find_all<SendShort>(cmds);
  REQUIRE(shorts.size() == 1);
  CHECK(shorts[0]->req.qty_found == 2);
  CHECK(shorts[0]->req.tote == "TOTE-4");
  CHECK(s.totes.at("SO-1") == "TOTE-4");
  REQUIRE(s.current());
  CHECK(s.current()->id == 2);
  // Task 2: nothing found: sent at once, without a tote.
  step(s, Tap{Button::short_pick});
  step(s, Tap{Button::reason_not_found});
  cmds = step(s, Tap{Button::confirm});
  shorts = find_all<SendShort>(cmds);
  REQUIRE(shorts.size() == 1);
  CHECK(shorts[0]->req.qty_found == 0);
  CHECK(shorts[0]->req.tote.empty());
  CHECK(s.totes.count("SO-2") == 0);
}

TEST_CASE("a pallet move: bulk location, SSCC label, drive, drop lane, confirm", "[terminal]") {
  State s = signed_in({task(1, "B01-01", 100, "SKU-1", "4006380010000", 40, "SO-9", "pallet")}, "forklift",
                      Profile::vehicle);
  REQUIRE(s.current());
  step(s, Scan{"LOC-B01-01"});
  REQUIRE(s.step == PickStep::product);
  auto cmds = step(s, Scan{"4006380010000"});
  CHECK(s.banner.title == "SCAN THE PALLET LABEL");
  const std::string sscc = std::string("34006380000000000") + *gtin::compute_check_digit("34006380000000000");
  // A pallet label of another product, then one counting more than asked.
  cmds = step(s, Scan{"]C100" + sscc + "020400638001001737" "40"});
  CHECK(s.banner.title == "WRONG PALLET");
  cmds = step(s, Scan{"]C100" + sscc + "020400638001000037" "50"});
  CHECK(s.banner.title == "OVER-PICK");
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"]C100" + sscc + "020400638001000037" "40"});
  REQUIRE(s.step == PickStep::drop);
  CHECK(s.sscc == sscc);
  cmds = step(s, Scan{"LOC-B01-01"});
  CHECK(s.banner.title == "WRONG LOCATION");
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"LOC-STAGE-1"});
  auto picks = find_all<SendPick>(cmds);
  REQUIRE(picks.size() == 1);
  CHECK(picks[0]->req.sscc == sscc);
  CHECK(picks[0]->req.drop_scan == "LOC-STAGE-1");
  CHECK(picks[0]->req.qty == 40);
  CHECK(picks[0]->req.product_scan == "04006380010000");
}

TEST_CASE("a pallet short pick takes the units found to the lane - the short goes out with the lane scan",
          "[terminal]") {
  State s = signed_in({task(1, "B01-01", 100, "SKU-1", "4006380010000", 40, "SO-9", "pallet"),
                       task(2, "B01-02", 110, "SKU-2", "4006380010017", 20, "SO-9", "pallet")},
                      "forklift", Profile::vehicle);
  step(s, Scan{"LOC-B01-01"});
  const std::string sscc = std::string("34006380000000001") + *gtin::compute_check_digit("34006380000000001");
  step(s, Scan{"]C100" + sscc});  // the label of the pallet being built, no product on it
  REQUIRE(s.sscc == sscc);
  // 30 of 40 there: nothing goes out until the pallet is at the lane; a wrong lane is refused.
  auto cmds = report_short(s, Button::reason_damaged, "30");
  CHECK_FALSE(sends_anything(cmds));
  REQUIRE(s.screen == Screen::pick);
  REQUIRE(s.step == PickStep::drop);
  CHECK(s.banner.title == "TO THE LANE");
  CHECK(s.qty == 30);
  // A wrong count: back to the form, Cancel leaves the short (the bin stays scanned), then 30 again.
  step(s, Tap{Button::short_pick});
  REQUIRE(s.screen == Screen::short_pick);
  CHECK_FALSE(s.short_pending);
  step(s, Tap{Button::cancel});
  CHECK(s.screen == Screen::pick);
  CHECK(s.step == PickStep::product);
  cmds = report_short(s, Button::reason_damaged, "30");
  CHECK_FALSE(sends_anything(cmds));
  REQUIRE(s.step == PickStep::drop);
  cmds = step(s, Scan{"LOC-B01-01"});
  CHECK(s.banner.title == "WRONG LOCATION");
  CHECK_FALSE(sends_anything(cmds));
  cmds = step(s, Scan{"LOC-STAGE-1"});
  auto shorts = find_all<SendShort>(cmds);
  REQUIRE(shorts.size() == 1);
  CHECK(shorts[0]->req.qty_found == 30);
  CHECK(shorts[0]->req.reason == "damaged");
  CHECK(shorts[0]->req.drop_scan == "LOC-STAGE-1");
  CHECK(shorts[0]->req.sscc == sscc);
  REQUIRE(s.current());
  CHECK(s.current()->id == 2);
  // Task 2: nothing found, no pallet: sent at once, without a lane or a label.
  cmds = report_short(s, Button::reason_not_found);
  shorts = find_all<SendShort>(cmds);
  REQUIRE(shorts.size() == 1);
  CHECK(shorts[0]->req.qty_found == 0);
  CHECK(shorts[0]->req.drop_scan.empty());
  CHECK(shorts[0]->req.sscc.empty());
}

TEST_CASE("a short pick the server refuses puts its task back on the route and asks for a snapshot", "[terminal]") {
  State s = signed_in({task(1, "B01-01", 100, "SKU-1", "4006380010000", 40, "SO-9", "pallet"),
                       task(2, "B01-02", 110, "SKU-2", "4006380010017", 20, "SO-9", "pallet")},
                      "forklift", Profile::vehicle);
  step(s, Scan{"LOC-B01-01"});
  report_short(s, Button::reason_damaged, "3");
  auto cmds = step(s, Scan{"LOC-STAGE-1"});
  const auto shorts = find_all<SendShort>(cmds);
  REQUIRE(shorts.size() == 1);
  REQUIRE(s.current()->id == 2);
  cmds = step(s, refusal(shorts[0]->tag, "pick.short", 1, 3, "pallet label 040063801234567896 is already on task 7"));
  CHECK(s.notices.size() == 1);
  CHECK(plays(cmds, Sound::error));
  CHECK(std::find(s.route.begin(), s.route.end(), 1) != s.route.end());
  CHECK(s.tasks.at(1).status != "short");
  CHECK(s.confirmed[1] == 0);
  CHECK_FALSE(find_all<RequestSnapshot>(cmds).empty());
}

TEST_CASE("short pick: one button, a reason, the quantity found - the server's decision is shown", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 5), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1)});
  step(s, Tap{Button::short_pick});
  REQUIRE(s.screen == Screen::short_pick);
  auto cmds = step(s, Tap{Button::confirm});
  CHECK(s.banner.title == "WHY SHORT?");
  CHECK_FALSE(sends_anything(cmds));
  step(s, Tap{Button::reason_damaged});
  step(s, Press{Key::d5});
  cmds = step(s, Tap{Button::confirm});
  CHECK(s.banner.title == "NOT SHORT");
  CHECK_FALSE(sends_anything(cmds));
  step(s, Press{Key::clear});
  step(s, Press{Key::d2});
  cmds = step(s, Tap{Button::confirm});
  auto shorts = find_all<SendShort>(cmds);
  REQUIRE(shorts.size() == 1);
  CHECK(shorts[0]->req.qty_found == 2);
  CHECK(shorts[0]->req.reason == "damaged");
  CHECK(s.screen == Screen::pick);
  CHECK(s.current()->id == 2);

  // The server re-allocated 3 from a bin further along: the new task slots into the route by walk order.
  Answer a;
  a.tag = shorts[0]->tag;
  a.type = "pick.short";
  a.task = 1;
  a.qty = 2;
  proto::PickShortRep rep;
  rep.task = task(1, "A01-01", 10, "SKU-1", "4006380010000", 5);
  rep.task.status = "short";
  rep.task.picked = 2;
  rep.outcome = "reallocated";
  auto n = task(9, "B01-02", 200, "SKU-1", "4006380010000", 3);
  n.claimed_by = "hh-1";  // the server gives the re-allocated task to the device that reported the short
  n.status = "claimed";
  rep.new_tasks = {n};
  a.short_pick = rep;
  cmds = step(s, a);
  CHECK(s.banner.title == "RE-ALLOCATED");
  CHECK(s.banner.detail.find("B01-02") != std::string::npos);
  CHECK(s.route == std::vector<std::uint64_t>{2, 9});
  CHECK(find_all<SendClaim>(cmds).empty());
}

TEST_CASE("a confirmation the server refuses on replay is shown to the picker, not swallowed", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 1)});
  step(s, Scan{"LOC-A01-01"});
  auto cmds = step(s, Scan{"4006380010000"});
  cmds =
      step(s, refusal(find_all<SendPick>(cmds).at(0)->tag, "pick.confirm", 1, 1, "task 1 is claimed by device hh-2"));
  REQUIRE(s.notices.size() == 1);
  CHECK(s.notices[0].text.find("NOT recorded") != std::string::npos);
  CHECK(s.notices[0].text.find("hh-2") != std::string::npos);
  CHECK(plays(cmds, Sound::error));
  CHECK(s.confirmed[1] == 0);
  step(s, Tap{Button::dismiss});
  CHECK(s.notices.empty());
}

TEST_CASE("sign-out waits until every queued scan has reached the server", "[terminal]") {
  State s = signed_in({});
  step(s, Link{false, 3});
  auto cmds = step(s, Tap{Button::logout});
  CHECK(find_all<SendLogout>(cmds).empty());
  CHECK(s.banner.title == "NOT YET");
  step(s, Link{true, 0});
  cmds = step(s, Tap{Button::logout});
  CHECK(find_all<SendLogout>(cmds).size() == 1);
  CHECK(s.screen == Screen::login);
  CHECK(s.user.empty());
}

TEST_CASE("an ended session sends the picker to sign in again, keeping the held work", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 2)});
  Answer a;
  a.type = "pick.confirm";
  a.status = proto::Status::unauthenticated;
  a.error = "session expired";
  step(s, a);
  CHECK(s.screen == Screen::login);
  CHECK(s.banner.title == "SIGN IN AGAIN");
  CHECK(s.route.size() == 1);
  CHECK(s.login_user == "picker1");  // only the PIN is asked for
  step(s, LoginResult{proto::Status::ok, {}, proto::LoginRep{"t2", "picker1", "Pat", "picker"}});
  CHECK(s.screen == Screen::pick);
  CHECK(s.route.size() == 1);
}

TEST_CASE("tote bindings survive an ended session and signing in again as the same picker", "[terminal]") {
  State s = two_order_batch(2);
  step(s, Scan{"LOC-A01-01"});
  step(s, Scan{"4006380010000"});
  step(s, Press{Key::d1});
  step(s, Press{Key::enter});
  step(s, Scan{"TOTE-1"});
  REQUIRE(s.totes.at("SO-1") == "TOTE-1");
  Answer a;
  a.type = "ping";
  a.status = proto::Status::unauthenticated;
  step(s, a);
  step(s, LoginResult{proto::Status::ok, {}, proto::LoginRep{"t2", "picker1", "Pat", "picker"}});
  CHECK(s.totes.at("SO-1") == "TOTE-1");
}

TEST_CASE("skip puts the current task at the end of the route and it stays there", "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 1), task(2, "A01-02", 20, "SKU-2", "4006380010017", 1),
                       task(3, "A01-03", 30, "SKU-3", "4006380010024", 1)});
  REQUIRE(s.route == std::vector<std::uint64_t>{1, 2, 3});
  step(s, Tap{Button::skip});
  CHECK(s.route == std::vector<std::uint64_t>{2, 3, 1});
  // New work is placed by walk order among what follows; the skipped task is not pulled back to its old place.
  step(s, TaskPushed{11, "task.released", task(4, "A01-04", 40, "SKU-4", "4006380010031", 1)});
  CHECK(s.route == std::vector<std::uint64_t>{2, 3, 1, 4});
  // The route is long enough now (more than k_claim_more_at): new work waits until it runs down.
  step(s, TaskPushed{12, "task.released", task(5, "A01-02", 25, "SKU-5", "4006380010048", 1)});
  CHECK(s.route == std::vector<std::uint64_t>{2, 3, 1, 4});
  step(s, Scan{"LOC-A01-02"});
  step(s, Scan{"4006380010017"});  // task 2 picked: three left, the device asks and gets task 5
  CHECK(s.route == std::vector<std::uint64_t>{3, 1, 5, 4});
}

TEST_CASE("pack verification: every item scanned into the carton before it can be closed", "[terminal]") {
  State s = signed_in({});
  step(s, Tap{Button::pack_mode});
  REQUIRE(s.screen == Screen::pack);
  // At the pack station no picking work is taken: a released task is not claimed until the picker goes back.
  auto pushed = next(s, TaskPushed{11, "task.released", task(5, "A01-05", 50, "SKU-5", "4006380010048", 1)});
  CHECK(find_all<SendClaimNext>(pushed).empty());
  CHECK(find_all<SendClaim>(pushed).empty());
  CHECK(s.screen == Screen::pack);
  State back = s;
  CHECK(find_all<SendClaimNext>(next(back, Tap{Button::pick_mode})).size() == 1);
  auto cmds = step(s, Scan{"TOTE-7"});
  auto q = find_all<SendPackQuery>(cmds);
  REQUIRE(q.size() == 1);
  CHECK(q[0]->req.tote == "TOTE-7");
  Answer a;
  a.tag = q[0]->tag;
  a.type = "pack.contents";
  proto::PackContentsRep rep;
  rep.ref = "SO-1";
  rep.tote = "TOTE-7";
  rep.lines = {proto::PackLineView{1, "SKU-1", "Item", {"04006380010000"}, 2, false},
               proto::PackLineView{2, "SKU-2", "Item", {"04006380010017"}, 1, false}};
  a.pack = rep;
  step(s, a);
  REQUIRE(s.pack_lines.size() == 2);
  cmds = step(s, Tap{Button::confirm});
  CHECK(s.banner.title == "NOT COMPLETE");
  CHECK(find_all<SendPackClose>(cmds).empty());
  step(s, Scan{"4006380010000"});
  step(s, Scan{"4006380010017"});
  cmds = step(s, Scan{"4006380010017"});
  CHECK(s.banner.title == "TOO MANY");
  cmds = step(s, Scan{"4006380010024"});
  CHECK(s.banner.title == "NOT IN THIS ORDER");
  step(s, Scan{"4006380010000"});
  step(s, Tap{Button::cartons_more});
  cmds = step(s, Tap{Button::confirm});
  auto close = find_all<SendPackClose>(cmds);
  REQUIRE(close.size() == 1);
  CHECK(close[0]->req.ref == "SO-1");
  CHECK(close[0]->req.cartons == 2);
}

TEST_CASE("a server of another protocol version gets its own screen", "[terminal]") {
  State s;
  step(s, VersionMismatch{"server speaks protocol 2, this app 1"});
  CHECK(s.screen == Screen::version);
  CHECK(s.banner.detail.find("protocol 2") != std::string::npos);
}

TEST_CASE("held work survives the app being restarted", "[terminal]") {
  const auto dir = std::filesystem::temp_directory_path() / ("wms-held-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 4, "SO-1"),
                       task(2, "A01-02", 20, "SKU-2", "4006380010017", 1, "SO-2")},
                      "picker", Profile::handheld, 2);
  step(s, Scan{"LOC-A01-01"});
  step(s, Scan{"4006380010000"});
  step(s, Press{Key::d1});
  step(s, Press{Key::enter});
  step(s, Scan{"TOTE-1"});
  save_held(dir.string(), s);

  State r;
  r.device = "hh-1";
  load_held(dir.string(), r);
  CHECK(r.screen == Screen::login);
  CHECK(r.route == s.route);
  CHECK(r.totes == s.totes);
  CHECK(r.confirmed == s.confirmed);
  CHECK(r.seq == s.seq);
  step(r, LoginResult{proto::Status::ok, {}, proto::LoginRep{"t", "picker1", "Pat", "picker"}});
  CHECK(r.screen == Screen::pick);
  CHECK(r.remaining(*r.current()) == 3);

  // Restarted across a restored backup: the first snapshot is behind the saved seq, so once the outbox is empty
  // the device's own count gives way to the server's and the reopened units are picked again.
  State q;
  q.device = "hh-1";
  s.seq = 50;
  save_held(dir.string(), s);
  load_held(dir.string(), q);
  REQUIRE(q.confirmed.at(1) == 1);
  proto::SnapshotRep snap;
  snap.seq = 20;
  snap.tasks = {s.tasks.at(1)};
  snap.tasks[0].picked = 0;
  snap.waves = {s.waves.at(1)};
  next(q, Link{true, 0});
  next(q, Snapshot{snap});
  CHECK(q.confirmed.empty());
  CHECK(q.seq == 20);
  std::filesystem::remove_all(dir);
}

TEST_CASE("after a restored backup a task the device had picked is picked again once its outbox is empty",
          "[terminal]") {
  State s = signed_in({task(1, "A01-01", 10, "SKU-1", "4006380010000", 2)});
  REQUIRE(s.route == std::vector<std::uint64_t>{1});
  s.confirmed[1] = 2;  // picked and acknowledged before the restore (the server's task went to done)
  s.seq = 50;
  // The restored server (history back at seq 20) has the task open and unpicked again, while one pick of another
  // task still waits in the outbox: the device keeps its count until the outbox is empty.
  proto::SnapshotRep snap;
  snap.seq = 20;
  snap.tasks = {s.tasks.at(1)};
  snap.tasks[0].picked = 0;
  snap.waves = {s.waves.at(1)};
  next(s, Link{true, 1});
  next(s, Snapshot{snap});
  CHECK(s.seq == 20);
  CHECK(s.confirmed.at(1) == 2);
  next(s, Link{true, 0});
  CHECK(s.confirmed.empty());
  REQUIRE(s.current());
  CHECK(s.current()->id == 1);  // back on the route: 2 units to pick again
  // An ordinary snapshot (newer than what was applied) forgets nothing.
  s.confirmed[1] = 1;
  snap.seq = 25;
  next(s, Snapshot{snap});
  CHECK(s.confirmed.at(1) == 1);
}
