// Acknowledged means durable: wmsd is killed with SIGKILL in the middle of a stream of pick confirmations from
// several clients that retry on timeout with the same idempotency key; after a restart every acknowledged
// confirmation is there exactly once, nothing is half-applied, and stock is conserved.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <map>
#include <mutex>

#include "harness.hpp"

using namespace wms;
using proto::Status;

namespace {
std::map<std::string, std::int64_t> units_per_sku(client::Connection& c) {
  std::map<std::string, std::int64_t> m;
  for (const auto& s : c.call(proto::StockReq{}).as<proto::StockRep>().stock) m[s.sku] += s.on_hand;
  for (const auto& o : c.call(proto::OrdersReq{}).as<proto::OrdersRep>().orders)
    for (const auto& l : o.lines) m[l.sku] += l.picked + l.shipped;
  return m;
}

// One BOLT order of SKU-1001, -1002, -1003 and -2001 in the given quantities, confirmed, waved and released: its
// four parcel tasks (one per line, each at its own pick face in the demo site).
std::vector<proto::TaskView> released_order_tasks(client::Connection& admin, const std::string& ref,
                                                  const std::array<std::int64_t, 4>& qty) {
  REQUIRE(admin.call(proto::OrderCreateReq{ref, "BOLT",
                                           {{"SKU-1001", qty[0]}, {"SKU-1002", qty[1]}, {"SKU-1003", qty[2]}, {"SKU-2001", qty[3]}}}).ok());
  proto::OrderConfirmReq cf;
  cf.ref = ref;
  REQUIRE(admin.call(cf).ok());
  auto wave = admin.call(proto::WaveCreateReq{"parcel", 0}).as<proto::WaveView>();
  proto::WaveReleaseReq rel;
  rel.wave = wave.id;
  REQUIRE(admin.call(rel).ok());
  auto tasks = admin.call(proto::TasksReq{wave.id, ""}).as<proto::TasksRep>().tasks;
  REQUIRE(tasks.size() == 4);
  return tasks;
}
}  // namespace

TEST_CASE("kill -9 during concurrent retried pick confirmations loses no acknowledged pick and applies none twice") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  const auto initial = units_per_sku(*admin);

  const auto tasks = released_order_tasks(*admin, "SO-K1", {30, 40, 45, 50});

  std::atomic<int> acked_total{0};
  std::mutex mu;
  std::map<std::uint64_t, std::int64_t> acked;  // task -> acknowledged units
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    clients.emplace_back([&, i] {
      const auto t = tasks[i];
      try {
        // Log in patiently, then confirm with a short timeout and retry forever (attempts = 0), as a handheld
        // in a dead spot would. The session token belongs to the device, not to the socket.
        const std::string dev = "hh-" + std::to_string(i);
        auto login = test::login(server, "picker1", "1111", dev, {20000, 3});
        auto c = std::make_unique<client::Connection>(server.endpoint(), dev, client::Options{300, 0});
        c->set_token(login->token());
        if (!c->call(proto::TaskClaimReq{t.id}).ok()) throw std::runtime_error("claim failed");
        for (std::int64_t n = 1; n <= t.qty; ++n) {
          const std::string key = c->device() + ":pick-" + std::to_string(n);
          auto r = c->call_with_key(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, 1}, key);
          std::lock_guard lk(mu);
          if (!r.ok()) {
            failures.push_back("task " + std::to_string(t.id) + " unit " + std::to_string(n) + ": " +
                               std::string(proto::to_string(r.status)) + " " + r.error);
            return;
          }
          ++acked[t.id];
          ++acked_total;
        }
      } catch (const std::exception& e) {
        std::lock_guard lk(mu);
        failures.push_back(e.what());
      }
    });
  }
  while (acked_total < 40) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  server.kill9();
  const int at_kill = acked_total;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server.restart();
  for (auto& th : clients) th.join();
  INFO("acknowledged before the kill: " << at_kill);
  CHECK(at_kill < 30 + 40 + 45 + 50);  // the kill really landed mid-stream
  for (const auto& f : failures) FAIL_CHECK(f);

  auto admin2 = test::login(server, "admin", "1234", "office-1");
  auto after = admin2->call(proto::TasksReq{tasks.front().wave, ""}).as<proto::TasksRep>().tasks;
  for (const auto& t : after) {
    CHECK(acked[t.id] == t.qty);
    CHECK(t.picked == t.qty);  // exactly once: a double-applied retry would have hit over_pick above
    CHECK(t.status == "done");
  }
  // Nothing half-applied: task, order line and bin agree with each other.
  proto::OrderShowReq q;
  q.ref = "SO-K1";
  auto o = admin2->call(q).as<proto::OrderView>();
  for (const auto& l : o.lines) {
    CHECK(l.picked == l.ordered);
    CHECK(l.allocated == 0);
  }
  for (const auto& t : after) {
    auto s = admin2->call(proto::StockReq{t.sku, t.location}).as<proto::StockRep>().stock.at(0);
    CHECK(s.reserved == 0);
    CHECK(s.on_hand >= 0);
  }
  // Conservation: for every SKU, on-hand + picked + shipped = initial (+ received, none here).
  CHECK(units_per_sku(*admin2) == initial);
  // And the audit holds one pick.confirm per unit.
  int picks = 0;
  for (const auto& a : admin2->call(test::audit_all(10000)).as<proto::AuditRep>().entries)
    if (a.type == "pick.confirm") ++picks;
  CHECK(picks == 30 + 40 + 45 + 50);
}

// The server applies a batch's mutations straight into one write transaction and, when one is refused, does the
// batch again with that one in a child transaction. Clients that confirm at the same time (so their requests
// share batches) with wrong scans and over-picks mixed in must see each refusal change nothing and each
// acknowledged unit applied exactly once, whatever the batches were.
TEST_CASE("concurrent confirmations with refusals mixed in: refusals change nothing, acknowledged units apply once") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  const auto initial = units_per_sku(*admin);

  const auto tasks = released_order_tasks(*admin, "SO-R1", {20, 20, 20, 20});
  for (std::size_t i = 0; i < tasks.size(); ++i) REQUIRE(tasks[i].location != tasks[(i + 1) % tasks.size()].location);

  // Log in (a PIN check takes ~0.1 s, one at a time) and claim first, so the confirmations run side by side.
  std::vector<std::unique_ptr<client::Connection>> conns;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    conns.push_back(test::login(server, "picker1", "1111", "hh-r" + std::to_string(i), {20000, 3}));
    REQUIRE(conns.back()->call(proto::TaskClaimReq{tasks[i].id}).ok());
  }
  std::mutex mu;
  std::map<std::uint64_t, std::int64_t> acked;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    clients.emplace_back([&, i] {
      const auto t = tasks[i];
      const auto& other = tasks[(i + 1) % tasks.size()];
      auto& c = conns[i];
      try {
        for (std::int64_t n = 1; n <= t.qty; ++n) {
          // Before every other unit, a refused confirm: the wrong bin, or one unit more than is left.
          if (n % 2 == 1) {
            const bool wrong_bin = n % 4 == 1;
            auto bad = wrong_bin ? c->call(proto::PickConfirmReq{t.id, other.location_barcode, t.gtin, 1})
                                 : c->call(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, t.qty - n + 2});
            const auto want = wrong_bin ? Status::wrong_location : Status::over_pick;
            std::lock_guard lk(mu);
            if (bad.status != want)
              failures.push_back("task " + std::to_string(t.id) + " unit " + std::to_string(n) + ": refusal came back as " +
                                 std::string(proto::to_string(bad.status)) + " " + bad.error);
          }
          auto r = c->call(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, 1});
          std::lock_guard lk(mu);
          if (!r.ok()) {
            failures.push_back("task " + std::to_string(t.id) + " unit " + std::to_string(n) + ": " +
                               std::string(proto::to_string(r.status)) + " " + r.error);
            return;
          }
          ++acked[t.id];
        }
      } catch (const std::exception& e) {
        std::lock_guard lk(mu);
        failures.push_back(e.what());
      }
    });
  }
  for (auto& th : clients) th.join();
  for (const auto& f : failures) FAIL_CHECK(f);

  auto after = admin->call(proto::TasksReq{tasks.front().wave, ""}).as<proto::TasksRep>().tasks;
  for (const auto& t : after) {
    CHECK(acked[t.id] == t.qty);
    CHECK(t.picked == t.qty);
    CHECK(t.status == "done");
  }
  CHECK(units_per_sku(*admin) == initial);
  int picks = 0;
  for (const auto& a : admin->call(test::audit_all(10000)).as<proto::AuditRep>().entries)
    if (a.type == "pick.confirm") ++picks;
  CHECK(picks == 4 * 20);
}
