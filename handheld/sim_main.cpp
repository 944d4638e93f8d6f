// wms-sim: headless virtual terminals. Each virtual device runs the very state machine of the app (screens/) and
// the very agent (durable outbox, Clone events, heartbeats); only the picker is synthetic: it reads the screen
// state and produces the scans, key presses and taps a person would, optionally with wrong scans and short picks.
// It must never talk to the server except through the machine's commands, or it would test something else.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "bridge.hpp"
#include "wms/shared/cli.hpp"
#include "wms/shared/gtin.hpp"

namespace {

using namespace wms;
using namespace wms::term;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

struct Options {
  std::string server = "tcp://127.0.0.1:5555";
  std::string events;
  int pickers = 1, forklifts = 0;
  std::vector<std::string> picker_logins{"picker1:1111", "picker2:2222"};
  std::vector<std::string> forklift_logins{"fork1:3333"};
  std::string data = "sim-devices";
  int pace_ms = 30;
  double wrong_rate = 0.0, short_rate = 0.0;
  double until_idle_s = 5.0, duration_s = 0.0;
  unsigned seed = 1;
};

struct Totals {
  std::mutex mu;
  long picks = 0, units = 0, shorts = 0, wrong_scans = 0, wrong_caught = 0, refused = 0, acked = 0, packs = 0;
  std::vector<double> ack_ms;       // confirm sent by the machine -> the server's answer back in the machine
  Clock::time_point first_sent{}, last_ack{};  // the span the confirmations took, for a rate without log-in/idle
  std::vector<std::string> problems;
};

struct Device {
  Options const* opt;
  Totals* totals;
  std::string id, user, pin;
  Profile profile;
  int number;
  std::mt19937 rng;
  long picks = 0, units = 0, shorts = 0, wrong = 0, caught = 0, refused = 0, acked = 0;
  std::map<std::uint64_t, Clock::time_point> sent_at;  // command tag -> when the machine asked to send it
  std::vector<double> ack_ms;
  Clock::time_point first_sent{}, last_ack{};
  int login_attempts = 0;

  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < p; }

  // The pallet label of a task: wmsd takes an SSCC once only, and task ids are never reused in a data folder, so
  // the label is made from the task id (the same on every run of the sim and on every device).
  static std::string make_sscc(std::uint64_t task) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0400638%010llu", static_cast<unsigned long long>(task % 10000000000ull));
    std::string s(buf);
    return s + *gtin::compute_check_digit(s);
  }

  // The synthetic picker: what a person would do next on this screen. Returns nothing when waiting.
  std::vector<Event> act(const State& s) {
    std::vector<Event> ev;
    if (s.screen == Screen::login) {
      if (s.login_busy) return ev;
      if (++login_attempts > 3) throw std::runtime_error("cannot sign in as " + user + ": " + s.banner.detail);
      if (s.login_user.empty()) {
        ev.push_back(TextInput{user});
        if (s.login_field == 0) ev.push_back(Tap{Button::next_field});
      }
      ev.push_back(TextInput{pin});
      ev.push_back(Tap{Button::login});
      return ev;
    }
    if (s.screen == Screen::short_pick) {
      const proto::TaskView* t = s.current();
      if (!t) return {Tap{Button::cancel}};
      const std::int64_t left = s.remaining(*t);
      // The shortfall is invented and the synthetic picker cannot see the bin: it reports some units damaged or not
      // found, never the bin empty (wmsd would write off the bin's other units for that).
      ev.push_back(
          Tap{std::uniform_int_distribution<int>(0, 1)(rng) ? Button::reason_not_found : Button::reason_damaged});
      const std::int64_t found = left > 1 ? left / 2 : 0;
      for (char c : std::to_string(found)) ev.push_back(Press{static_cast<Key>(c - '0')});
      ev.push_back(Tap{Button::confirm});
      ++shorts;
      return ev;
    }
    if (s.screen != Screen::pick) return ev;
    const proto::TaskView* t = s.current();
    if (!t) return ev;
    switch (s.step) {
      case PickStep::location:
        if (chance(opt->wrong_rate)) {
          ++wrong;
          ev.push_back(Scan{"LOC-NOWHERE-" + std::to_string(number)});
        } else {
          ev.push_back(Scan{t->location_barcode});
        }
        break;
      case PickStep::product:
        if (chance(opt->short_rate)) return {Tap{Button::short_pick}};
        if (chance(opt->wrong_rate)) {
          ++wrong;
          ev.push_back(Scan{"4006380099992"});  // a valid GTIN no task asks for
        } else if (t->mode == "pallet") {
          const std::int64_t left = s.remaining(*t);
          // A pallet label as printed in GS1-128: SSCC, contents GTIN, count (the last field needs no separator).
          ev.push_back(
              Scan{"]C100" + make_sscc(t->id) + "02" + *gtin::normalize(t->gtin) + "37" + std::to_string(left)});
        } else if (chance(0.5)) {
          ev.push_back(Scan{"]C101" + *gtin::normalize(t->gtin)});  // the GS1-128 form of the same product
        } else {
          ev.push_back(Scan{t->gtin});
        }
        break;
      case PickStep::quantity: ev.push_back(Press{Key::enter}); break;
      case PickStep::tote: {
        auto it = s.totes.find(t->order_ref);
        // A fresh tote is named after the task (task ids are never reused), so no earlier run's tote that still
        // holds an unpacked order is taken again.
        ev.push_back(Scan{it != s.totes.end() ? it->second : "TOTE-T" + std::to_string(t->id)});
        break;
      }
      case PickStep::drop:
        if (chance(opt->wrong_rate)) {
          ++wrong;
          ev.push_back(Scan{t->location_barcode});  // the bulk location again instead of the lane
        } else {
          ev.push_back(Scan{t->drop_barcode});
        }
        break;
    }
    return ev;
  }

  void run() {
    const std::string dir = opt->data + "/" + id;
    std::filesystem::create_directories(dir);
    State s;
    s.profile = profile;
    s.device = id;
    load_held(dir, s);
    // Notices an earlier run left on the device were that run's problems (reported then): the person reads them
    // and dismisses them, so they do not count against this run.
    if (!s.notices.empty()) {
      std::lock_guard lk(totals->mu);
      for (const auto& n : s.notices) std::printf("%s: earlier notice, dismissed: %s\n", id.c_str(), n.text.c_str());
      s.notices.clear();
    }
    client::AgentOptions ao;
    ao.endpoint = opt->server;
    ao.events = opt->events;
    ao.device = id;
    ao.dir = dir;
    client::Agent agent(ao);

    auto feed = [&](const Event& e) {
      auto cmds = next(s, e);
      bool sent = false, buzzed = false;
      for (const auto& c : cmds) {
        if (auto p = std::get_if<SendPick>(&c)) {
          ++picks;
          units += p->req.qty;
          sent_at[p->tag] = Clock::now();
          if (first_sent == Clock::time_point{}) first_sent = sent_at[p->tag];
        }
        if (auto p = std::get_if<Play>(&c)) buzzed |= p->sound == Sound::error;
        sent |= !std::holds_alternative<Play>(c);
      }
      // A wrong scan is caught when the device buzzes and sends nothing.
      if (std::holds_alternative<Scan>(e) && buzzed && !sent) ++caught;
      if (auto a = std::get_if<Answer>(&e)) {
        if (a->type == "pick.confirm" || a->type == "pick.short") {
          if (a->status == proto::Status::ok) ++acked;
          else if (!a->error.empty()) ++refused;
          if (auto it = sent_at.find(a->tag); it != sent_at.end()) {
            last_ack = Clock::now();
            ack_ms.push_back(std::chrono::duration<double, std::milli>(last_ack - it->second).count());
            sent_at.erase(it);
          }
        }
      }
      dispatch(agent, cmds);
    };

    const auto start = Clock::now();
    auto idle_since = Clock::now();
    auto next_act = Clock::now();
    const auto pace = std::chrono::milliseconds(opt->pace_ms);
    const auto nothing_to_do = std::chrono::milliseconds(std::max(opt->pace_ms, 100));
    while (!g_stop.load()) {
      // Sleep until the person's next move or until the device has news (the agent wakes us), never spin: at
      // --pace-ms 0 the person acts as soon as the screen changes.
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_act - Clock::now()).count();
      if (wait > 0) agent.wait(static_cast<int>(wait));
      bool changed = false;
      for (const auto& e : translate(agent.take())) {
        feed(e);
        changed = true;
      }
      const auto now = Clock::now();
      if (changed) next_act = std::min(next_act, now + pace);
      if (now >= next_act) {
        const auto moves = act(s);
        for (const auto& e : moves) feed(e);
        changed |= !moves.empty();
        next_act = now + (moves.empty() ? nothing_to_do : pace);
      }
      if (changed) save_held(dir, s);  // as the app does after input; not once per loop, which at --pace-ms 0 is
                                       // a file write per millisecond per device
      const bool busy = !s.route.empty() || s.queued > 0 || s.screen != Screen::idle || !s.online;
      if (busy) idle_since = now;
      if (opt->until_idle_s > 0 && now - idle_since > std::chrono::duration<double>(opt->until_idle_s)) break;
      if (opt->duration_s > 0 && now - start > std::chrono::duration<double>(opt->duration_s)) break;
    }
    save_held(dir, s);
    std::lock_guard lk(totals->mu);
    std::printf(
        "%-10s %-8s %4ld picks  %5ld units  %3ld short  %3ld wrong scans (%ld caught)  %4ld acked  %3ld refused  "
        "%u queued%s\n",
        id.c_str(), user.c_str(), picks, units, shorts, wrong, caught, acked, refused, s.queued,
        s.online ? "" : "  OFFLINE");
    for (const auto& n : s.notices) totals->problems.push_back(id + ": " + n.text);
    totals->picks += picks;
    totals->units += units;
    totals->shorts += shorts;
    totals->wrong_scans += wrong;
    totals->wrong_caught += caught;
    totals->acked += acked;
    totals->ack_ms.insert(totals->ack_ms.end(), ack_ms.begin(), ack_ms.end());
    if (first_sent != Clock::time_point{} && (totals->first_sent == Clock::time_point{} || first_sent < totals->first_sent))
      totals->first_sent = first_sent;
    if (last_ack > totals->last_ack) totals->last_ack = last_ack;
    totals->refused += refused;
    if (s.queued > 0) totals->problems.push_back(id + ": " + std::to_string(s.queued) + " confirmation(s) still queued");
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"wms-sim: virtual pickers and forklift drivers that work released waves through the terminal's own "
               "screen state machines and device agent"};
  app.set_version_flag("--version", std::string("wms-sim ") + WMS_VERSION);
  app.add_option("--server", o.server, "the server's request endpoint")
      ->capture_default_str()
      ->envname("WMS_SERVER")
      ->check(wms::cli::server_endpoint);
  app.add_option("--events", o.events, "the server's event endpoint (default: request port + 1)")
      ->check(wms::cli::server_endpoint);
  app.add_option("--pickers", o.pickers, "virtual handhelds (parcel picking)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  app.add_option("--forklifts", o.forklifts, "virtual vehicle terminals (pallet moves)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  app.add_option("--picker-login", o.picker_logins, "USER:PIN for pickers, used in turn")->delimiter(',');
  app.add_option("--forklift-login", o.forklift_logins, "USER:PIN for forklift drivers, used in turn")->delimiter(',');
  app.add_option("--data", o.data, "folder for the virtual devices' outboxes and held work");
  app.add_option("--pace-ms", o.pace_ms, "time a virtual person takes per action")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  app.add_option("--wrong-rate", o.wrong_rate, "share of scans that are wrong on purpose (0..1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--short-rate", o.short_rate, "share of picks reported short (0..1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--until-idle", o.until_idle_s,
                 "stop after this many seconds with no work and nothing queued (0 = never)")
      ->capture_default_str();
  app.add_option("--duration", o.duration_s, "stop after this many seconds (0 = no limit)")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed for wrong scans and shorts")->capture_default_str();
  app.footer(
      "Exit status: 0 every confirmation acknowledged; 1 a confirmation refused or still queued; 2 usage error.");
  if (auto rc = wms::cli::parse(app, argc, argv)) return *rc;
  if (o.events.empty()) o.events = wms::cli::events_endpoint_for(o.server);
  if (o.pickers + o.forklifts == 0) {
    std::fprintf(stderr, "wms-sim: nothing to run: give --pickers and/or --forklifts\n");
    return 2;
  }
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });

  Totals totals;
  std::vector<Device> devices;
  auto split = [](const std::string& login, std::string& user, std::string& pin) {
    const auto c = login.find(':');
    user = login.substr(0, c);
    pin = c == std::string::npos ? "" : login.substr(c + 1);
  };
  for (int i = 0; i < o.pickers + o.forklifts; ++i) {
    Device d;
    d.opt = &o;
    d.totals = &totals;
    const bool fork = i >= o.pickers;
    const auto& logins = fork ? o.forklift_logins : o.picker_logins;
    const int k = fork ? i - o.pickers : i;
    if (logins.empty()) {
      std::fprintf(stderr, "wms-sim: no login given for %s\n", fork ? "forklifts" : "pickers");
      return 2;
    }
    split(logins[static_cast<std::size_t>(k) % logins.size()], d.user, d.pin);
    d.profile = fork ? Profile::vehicle : Profile::handheld;
    d.id = (fork ? "sim-f" : "sim-p") + std::to_string(k + 1);
    d.number = i + 1;
    d.rng.seed(o.seed + static_cast<unsigned>(i) * 7919u);
    devices.push_back(std::move(d));
  }
  std::printf("wms-sim: %d picker(s), %d forklift(s) against %s (events %s)\n", o.pickers, o.forklifts,
              o.server.c_str(), o.events.c_str());
  std::fflush(stdout);
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (auto& d : devices) threads.emplace_back([&d] {
    try {
      d.run();
    } catch (const std::exception& e) {
      std::lock_guard lk(d.totals->mu);
      d.totals->problems.push_back(d.id + ": " + e.what());
    }
  });
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - started).count();
  if (!totals.ack_ms.empty()) {
    // Includes the durable outbox append on the device, the agent's queue and the server's group commit.
    std::sort(totals.ack_ms.begin(), totals.ack_ms.end());
    auto pct = [&](double q) { return totals.ack_ms[static_cast<std::size_t>(q * (totals.ack_ms.size() - 1))]; };
    std::printf("confirm to acknowledgement on the device: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu confirms, %.1f s run)\n",
                pct(0.5), pct(0.99), totals.ack_ms.back(), totals.ack_ms.size(), secs);
    const double span = std::chrono::duration<double>(totals.last_ack - totals.first_sent).count();
    if (span > 0)
      std::printf("throughput: %.0f answered confirms/s (%ld in %.2f s from the first confirm sent to the last answer)\n",
                  static_cast<double>(totals.ack_ms.size()) / span, static_cast<long>(totals.ack_ms.size()), span);
  }
  std::printf("total: %ld picks, %ld units, %ld shorts, %ld wrong scans (%ld caught on the device), %ld acknowledged, "
              "%ld refused\n",
              totals.picks, totals.units, totals.shorts, totals.wrong_scans, totals.wrong_caught, totals.acked,
              totals.refused);
  for (const auto& p : totals.problems) std::printf("problem: %s\n", p.c_str());
  return totals.problems.empty() ? 0 : 1;
}
