// Virtual terminals (wms-sim: the app's own screen state machines and device agent) against the real wmsd over
// loopback: a released wave is worked to the end, wrong scans are caught on the device, and through a dead
// server, a killed app and both restarts every confirmation arrives exactly once.
#include <map>
#include <set>

#include "bridge.hpp"
#include "harness.hpp"
#include "wms/shared/outbox.hpp"

using namespace wms;

namespace {

std::vector<proto::TaskView> all_tasks(client::Connection& c) {
  return c.call(proto::TasksReq{}).as<proto::TasksRep>().tasks;
}

std::map<std::pair<std::string, std::string>, std::int64_t> on_hand(client::Connection& c) {
  std::map<std::pair<std::string, std::string>, std::int64_t> m;
  for (const auto& s : c.call(proto::StockReq{}).as<proto::StockRep>().stock) m[{s.sku, s.location}] = s.on_hand;
  return m;
}

// Imports the demo orders, confirms them and releases one wave per mode; returns the released wave ids.
std::vector<std::uint64_t> release_demo_waves(client::Connection& admin, std::vector<std::string> modes) {
  REQUIRE(admin.call(proto::ImportReq{"orders", test::read_text(WMS_ASSETS_DIR "/demo/orders.csv")}).ok());
  for (auto ref : {"SO-1001", "SO-1002", "SO-1003", "SO-1004", "SO-1005"}) {
    proto::OrderConfirmReq q;
    q.ref = ref;
    REQUIRE(admin.call(q).ok());
  }
  std::vector<std::uint64_t> waves;
  for (const auto& mode : modes) {
    auto r = admin.call(proto::WaveCreateReq{mode, 0});
    REQUIRE(r.ok());
    const auto id = r.as<proto::WaveView>().id;
    proto::WaveReleaseReq rel;
    rel.wave = id;
    REQUIRE(admin.call(rel).ok());
    waves.push_back(id);
  }
  return waves;
}

// wms-sim as a child process whose output goes to a file, so a test can SIGKILL it like a dropped handheld.
class Sim {
 public:
  Sim(const test::Wmsd& server, const std::string& dir, std::vector<std::string> extra) {
    log_ = dir + "/sim-" + std::to_string(++runs_) + ".log";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::fopen(log_.c_str(), "w");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      std::vector<std::string> args = {WMS_SIM_PATH, "--server", server.endpoint(), "--events", server.pub_endpoint(),
                                       "--data", dir + "/devices"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(WMS_SIM_PATH, argv.data());
      ::_exit(127);
    }
  }
  ~Sim() {
    if (pid_ > 0) kill9();
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Waits for the exit; -1 on timeout (then kills it).
  int wait(int timeout_s) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (std::chrono::steady_clock::now() < until) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill9();
    return -1;
  }
  std::string output() const { return test::read_text(log_); }

 private:
  static inline int runs_ = 0;
  std::string log_;
  pid_t pid_ = -1;
};

std::size_t done_count(client::Connection& c) {
  std::size_t n = 0;
  for (const auto& t : all_tasks(c)) n += t.status == "done";
  return n;
}

}  // namespace

TEST_CASE("a second wms-sim run on the same devices takes fresh totes while the first run's orders are unpacked") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  release_demo_waves(*admin, {"parcel"});
  const std::vector<std::string> args = {"--pickers", "2", "--pace-ms", "0", "--until-idle", "1"};
  Sim first(server, dir.str(), args);
  REQUIRE(first.wait(120) == 0);
  std::set<std::string> first_totes;
  for (const auto& t : all_tasks(*admin)) first_totes.insert(t.tote);
  // The same orders again under new refs; nothing of the first run is packed or dispatched, so its totes are taken.
  std::string csv = test::read_text(WMS_ASSETS_DIR "/demo/orders.csv");
  for (std::size_t p = csv.find("\nSO-"); p != std::string::npos; p = csv.find("\nSO-", p + 1)) csv.insert(p + 4, "B");
  REQUIRE(admin->call(proto::ImportReq{"orders", csv}).ok());
  for (auto ref : {"SO-B1001", "SO-B1002", "SO-B1003", "SO-B1004", "SO-B1005"}) {
    proto::OrderConfirmReq q;
    q.ref = ref;
    REQUIRE(admin->call(q).ok());
  }
  auto w = admin->call(proto::WaveCreateReq{"parcel", 0});
  REQUIRE(w.ok());
  proto::WaveReleaseReq rel;
  rel.wave = w.as<proto::WaveView>().id;
  REQUIRE(admin->call(rel).ok());
  Sim second(server, dir.str(), args);
  const int rc = second.wait(120);
  const std::string out = second.output();
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find(" acknowledged, 0 refused") != std::string::npos);
  for (const auto& t : all_tasks(*admin)) {
    if (t.wave != rel.wave) continue;
    CHECK(t.status == "done");
    CHECK(first_totes.count(t.tote) == 0);
  }
}

TEST_CASE("virtual pickers and a forklift work released waves to the end - wrong scans never leave the device") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  release_demo_waves(*admin, {"parcel", "pallet"});
  const auto before = on_hand(*admin);

  Sim sim(server, dir.str(), {"--pickers", "2", "--forklifts", "1", "--pace-ms", "20", "--wrong-rate", "0.2",
                              "--until-idle", "2", "--seed", "7"});
  const int rc = sim.wait(120);
  const std::string out = sim.output();
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find(" acknowledged, 0 refused") != std::string::npos);
  // Every wrong scan was caught on the device (and so never reached the server).
  auto pos = out.find("total:");
  REQUIRE(pos != std::string::npos);
  long wrong = -1, caught = -2;
  std::sscanf(out.c_str() + out.find("wrong scans (", pos), "wrong scans (%ld", &caught);
  std::sscanf(out.c_str() + out.rfind(", ", out.find(" wrong scans (", pos)) + 2, "%ld", &wrong);
  CHECK(wrong > 0);
  CHECK(caught == wrong);

  auto tasks = all_tasks(*admin);
  REQUIRE(tasks.size() == 15);
  std::map<std::pair<std::string, std::string>, std::int64_t> taken;
  for (const auto& t : tasks) {
    INFO("task " << t.id << " " << t.location << " " << t.status);
    CHECK(t.status == "done");
    CHECK(t.picked == t.qty);
    if (t.mode == "parcel") CHECK(t.tote.rfind("TOTE-", 0) == 0);
    if (t.mode == "pallet") CHECK(t.sscc.size() == 18);
    taken[{t.sku, t.location}] += t.picked;
  }
  const auto after = on_hand(*admin);
  for (const auto& [k, n] : taken) CHECK(before.at(k) - after.at(k) == n);
  // Both waves are done: a late joiner's snapshot lists none, and none is left in the released-waves index.
  const auto snap = admin->call(proto::SnapshotReq{}).as<proto::SnapshotRep>();
  CHECK(snap.waves.empty());
  CHECK(snap.tasks.empty());
  admin.reset();
  REQUIRE(server.stop() == 0);
  CHECK(test::table_entries(dir.str() + "/data", store::Table::released_waves) == 0);
  CHECK(test::table_entries(dir.str() + "/data", store::Table::wave_left) == 2);
}

TEST_CASE("through a dead server and a killed app, every confirmation arrives exactly once") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  release_demo_waves(*admin, {"parcel"});
  const auto before = on_hand(*admin);
  const auto planned = all_tasks(*admin);
  REQUIRE(planned.size() == 12);
  const std::vector<std::string> args = {"--pickers", "1", "--pace-ms", "120", "--until-idle", "2"};

  auto sim = std::make_unique<Sim>(server, dir.str(), args);
  // Let it confirm a couple of picks online.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (done_count(*admin) < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(done_count(*admin) >= 2);
  admin.reset();

  server.kill9();  // the dead spot: the handheld keeps scanning the tasks it holds
  std::this_thread::sleep_for(std::chrono::seconds(4));
  sim->kill9();    // ... and the app is killed with confirmations queued
  {
    client::Outbox box(dir.str() + "/devices/sim-p1", "sim-p1");
    CHECK(box.size() > 0);
  }
  sim = std::make_unique<Sim>(server, dir.str(), args);  // the app comes back, still offline
  std::this_thread::sleep_for(std::chrono::seconds(2));
  server.restart();

  const int rc = sim->wait(120);
  const std::string out = sim->output();
  INFO(out);
  CHECK(rc == 0);
  admin = test::login(server, "admin", "1234", "office-2");
  std::map<std::pair<std::string, std::string>, std::int64_t> taken;
  for (const auto& t : all_tasks(*admin)) {
    INFO("task " << t.id << " " << t.location << " " << t.status << " picked " << t.picked << "/" << t.qty);
    CHECK(t.status == "done");
    CHECK(t.picked == t.qty);
    taken[{t.sku, t.location}] += t.picked;
  }
  // Exactly once: each bin lost exactly what its tasks asked for, not a unit more.
  const auto after = on_hand(*admin);
  for (const auto& [k, n] : taken) CHECK(before.at(k) - after.at(k) == n);
  // One audit record per applied confirmation: none applied twice.
  auto audit = admin->call(test::audit_all(1000)).as<proto::AuditRep>().entries;
  std::size_t confirms = 0;
  for (const auto& a : audit) confirms += a.type == "pick.confirm";
  CHECK(confirms == planned.size());
}

namespace {

// Feeds everything the agent has delivered within `ms` into the machine, forwarding its commands.
void pump(term::State& s, client::Agent& agent, int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    agent.wait(20);
    for (const auto& e : term::translate(agent.take())) term::dispatch(agent, term::next(s, e));
  }
}

}  // namespace

TEST_CASE("a pick the server refuses on replay (the task went to another device meanwhile) is shown, not swallowed") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  release_demo_waves(*admin, {"parcel"});
  const std::string dev_dir = dir.str() + "/hh-a";
  std::filesystem::create_directories(dev_dir);
  auto agent_opts = [&](const std::string& endpoint) {
    client::AgentOptions o;
    o.endpoint = endpoint;
    o.events = server.pub_endpoint();
    o.device = "hh-a";
    o.dir = dev_dir;
    o.timeout_ms = 300;
    return o;
  };
  term::State s;
  s.device = "hh-a";
  {
    // Online: sign in and receive the released tasks; then the device goes out of range before any claim lands.
    client::Agent online(agent_opts(server.endpoint()));
    term::dispatch(online, term::next(s, term::TextInput{"picker1"}));
    term::dispatch(online, term::next(s, term::Tap{term::Button::next_field}));
    term::dispatch(online, term::next(s, term::TextInput{"1111"}));
    term::dispatch(online, term::next(s, term::Tap{term::Button::login}));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (s.tasks.empty() && std::chrono::steady_clock::now() < until) {
      online.wait(50);
      for (const auto& e : term::translate(online.take())) {
        auto cmds = term::next(s, e);
        // Keep the claims from reaching the server: they are sent later, from the dead spot.
        std::vector<term::Command> keep;
        for (auto& c : cmds)
          if (!std::holds_alternative<term::SendClaim>(c) && !std::holds_alternative<term::SendClaimNext>(c)) keep.push_back(c);
        term::dispatch(online, keep);
      }
    }
    REQUIRE(!s.tasks.empty());
    CHECK(s.route.empty());  // online, nothing is worked before the server grants the claim
  }
  // The link drops with the claims still out: the claimed-ahead tasks join the route, so the picker goes on.
  term::next(s, term::Link{false, 0});
  REQUIRE(s.current());
  const proto::TaskView t = *s.current();
  {
    // In the dead spot (nothing listens on this port) the picker picks the task: claim and pick are queued.
    client::Agent offline(agent_opts("tcp://127.0.0.1:" + std::to_string(test::free_port())));
    term::dispatch(offline, {term::SendClaim{1, proto::TaskClaimReq{t.id}}});
    term::dispatch(offline, term::next(s, term::Scan{t.location_barcode}));
    term::dispatch(offline, term::next(s, term::Scan{t.gtin}));
    if (s.step == term::PickStep::quantity) term::dispatch(offline, term::next(s, term::Press{term::Key::enter}));
    if (s.step == term::PickStep::tote) term::dispatch(offline, term::next(s, term::Scan{"TOTE-A1"}));
    pump(s, offline, 500);
    CHECK(s.confirmed[t.id] == t.qty);
  }
  {
    client::Outbox box(dev_dir, "hh-a");
    REQUIRE(box.size() >= 2);  // the claim and the pick wait on the device
  }
  // Meanwhile another handheld takes the same task and picks it.
  auto other = test::login(server, "picker2", "2222", "hh-b");
  REQUIRE(other->call(proto::TaskClaimReq{t.id}).ok());
  proto::PickConfirmReq pick{t.id, t.location_barcode, t.gtin, t.qty};
  pick.tote = "TOTE-B1";
  REQUIRE(other->call(pick).ok());

  // Back in range: the replay is refused by the server, and the picker is told.
  client::Agent back(agent_opts(server.endpoint()));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (s.notices.empty() && std::chrono::steady_clock::now() < until) pump(s, back, 100);
  REQUIRE(!s.notices.empty());
  CHECK(s.notices.front().task == t.id);
  CHECK(s.notices.front().text.find("NOT recorded") != std::string::npos);
  INFO(s.notices.front().text);
  CHECK(s.notices.front().text.find("your pick of " + std::to_string(t.qty)) != std::string::npos);
  CHECK(s.notices.size() == 1);  // one notice for the one pick, not one per queued request
  CHECK(s.banner.kind == term::BannerKind::error);
  // Applied once, by the device that had the task.
  for (const auto& u : all_tasks(*admin))
    if (u.id == t.id) {
      CHECK(u.picked == t.qty);
      CHECK(u.claimed_by == "hh-b");
      CHECK(u.tote == "TOTE-B1");
    }
}

// After a backup is restored the server's event numbers go back. A handheld that stayed on through the restore must
// not keep the tasks of the lost history, nor drop the new events whose numbers it has seen before. Either it
// noticed the downtime (more than 3 s of silence: offline, and a fresh snapshot when back), or, after a restart
// quicker than that, the heartbeat's new boot id makes it take a fresh snapshot.
TEST_CASE("a handheld that stays on while a backup is restored follows the restored server") {
  for (const bool wait_offline : {true, false}) {
    INFO("device waited until offline: " << wait_offline);
    test::TempDir dir;
    const std::string data = dir.str() + "/data";
    test::Wmsd server(data, {"--demo"});
    auto admin = test::login(server, "admin", "1234", "office-1");
    const std::string dev_dir = dir.str() + "/hh-r";
    std::filesystem::create_directories(dev_dir);
    client::AgentOptions o;
    o.endpoint = server.endpoint();
    o.events = server.pub_endpoint();
    o.device = "hh-r";
    o.dir = dev_dir;
    client::Agent agent(o);
    term::State s;
    s.device = "hh-r";
    term::dispatch(agent, term::next(s, term::TextInput{"picker1"}));
    term::dispatch(agent, term::next(s, term::Tap{term::Button::next_field}));
    term::dispatch(agent, term::next(s, term::TextInput{"1111"}));
    term::dispatch(agent, term::next(s, term::Tap{term::Button::login}));
    pump(s, agent, 1500);  // signed in, snapshot taken (no released tasks yet)
    REQUIRE(s.tasks.empty());
    // The backup holds the device's session, and no waves.
    const std::string backup = dir.str() + "/backup.mdb";
    proto::BackupReq b;
    b.path = backup;
    REQUIRE(admin->call(b).ok());
    release_demo_waves(*admin, {"parcel", "pallet"});
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s.tasks.empty() && std::chrono::steady_clock::now() < until) pump(s, agent, 100);
    REQUIRE(!s.tasks.empty());

    // Restore as the README says: stop, wmsd --restore, start again on the same endpoints.
    REQUIRE(server.stop() == 0);
    if (wait_offline) {
      const auto quiet = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      while (s.online && std::chrono::steady_clock::now() < quiet) pump(s, agent, 100);
      REQUIRE(!s.online);  // the device noticed the downtime
    }
    const auto restored = test::run(WMSD_PATH " --data " + data + " --restore " + backup);
    REQUIRE(restored.status == 0);
    server.restart();
    // The restored server has released nothing: the device's task list empties.
    const auto until2 = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!s.tasks.empty() && std::chrono::steady_clock::now() < until2) pump(s, agent, 100);
    CHECK(s.tasks.empty());
    // New events, numbered like ones the device saw before the restore, reach it.
    admin = test::login(server, "admin", "1234", "office-1");
    release_demo_waves(*admin, {"parcel"});
    const auto until3 = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s.tasks.empty() && std::chrono::steady_clock::now() < until3) pump(s, agent, 100);
    CHECK(!s.tasks.empty());
  }
}
