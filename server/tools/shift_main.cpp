// wms-shift: a short simulated shift against a running wmsd, for the README's main job. It enters fresh orders,
// confirms them, waves and releases them, lets virtual pickers work the pushed tasks (with some wrong scans and
// short picks), parcel goods into one tote per order, pallets to their drop location with a made-up SSCC,
// packs the parcel orders by tote, dispatches and prints the invoices. Every step goes through the real protocol;
// nothing here touches the database or decides anything the server should decide.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "wms/proto/messages.hpp"
#include "wms/shared/cli.hpp"
#include "wms/shared/client.hpp"
#include "wms/shared/decimal.hpp"
#include "wms/shared/gtin.hpp"

namespace {
using namespace wms;
std::mutex g_out;

void say(const std::string& who, const std::string& what) {
  std::lock_guard lk(g_out);
  std::cout << "[" << who << "] " << what << std::endl;
}

client::Reply must(client::Reply r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + std::string(proto::to_string(r.status)) + ": " + r.error);
  return r;
}

struct Picker {
  std::string user, pin, mode;
};

// A made-up SSCC for a pallet: extension digit 0, the demo's GS1 company prefix 4006380, a 9-digit serial,
// then the GS1 mod-10 check digit (the same algorithm as for GTINs).
std::string make_sscc(std::uint64_t serial) {
  std::string body = "04006380" + std::to_string(1000000000 + serial % 1000000000).substr(1);
  return body + *gtin::compute_check_digit(body);
}

// The confirmation a device sends for the whole remaining quantity: parcel goods into the order's tote, a
// pallet labelled with an SSCC and scanned at its drop location.
proto::PickConfirmReq full_confirm(const proto::TaskView& t, const std::map<std::string, std::string>& totes,
                                   std::uint64_t sscc_serial) {
  proto::PickConfirmReq r{t.id, t.location_barcode, t.gtin, t.qty - t.picked};
  if (t.mode == "pallet") {
    r.sscc = t.sscc.empty() ? make_sscc(sscc_serial) : t.sscc;
    r.drop_scan = t.drop_barcode;
  } else if (auto it = totes.find(t.order_ref); it != totes.end()) {
    r.tote = it->second;
  }
  return r;
}

// One virtual device: waits for pushed tasks of its mode (SUB), claims one, scans, confirms or shorts.
void work(const std::string& server, const std::string& pub, const Picker& p, double wrong_rate, double short_rate,
          const std::map<std::string, std::string>& totes, std::uint64_t stamp, std::atomic<bool>& done,
          unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dice(0, 1);
  client::Connection c(server, "sim-" + p.user, {5000, 3});
  must(c.login(p.user, p.pin), "login " + p.user);
  zmq::context_t zctx;
  zmq::socket_t sub(zctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "task");
  sub.connect(pub);
  while (!done) {
    // Clone pattern: the snapshot tells what is open now; pushed events wake us when something changes.
    auto snap = must(c.call(proto::SnapshotReq{}), "snapshot").as<proto::SnapshotRep>();
    const proto::TaskView* next = nullptr;
    for (const auto& t : snap.tasks)
      if (t.mode == p.mode && (t.claimed_by.empty() || t.claimed_by == c.device())) {
        next = &t;
        break;
      }
    if (!next) {
      zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(500));
      zmq::message_t m;
      while (sub.recv(m, zmq::recv_flags::dontwait)) {
      }
      continue;
    }
    auto t = *next;
    if (!c.call(proto::TaskClaimReq{t.id}).ok()) continue;  // someone else was faster
    const auto right = full_confirm(t, totes, stamp * 1000 + t.id);
    if (dice(rng) < wrong_rate) {
      auto wrong = right;
      if (t.mode == "pallet")
        wrong.drop_scan = t.location_barcode;  // dropped the pallet where it was picked
      else
        wrong.location_scan = "LOC-DOOR-1";
      auto r = c.call(wrong);
      say(p.user, "wrong scan at " + t.location + " -> " + std::string(proto::to_string(r.status)) + ": " + r.error);
    }
    if (dice(rng) < short_rate && t.qty - t.picked > 1) {
      const std::int64_t found = (t.qty - t.picked) / 2;
      proto::PickShortReq q{t.id, found, "not_found", ""};
      if (t.mode == "pallet") {  // the units found make a pallet, taken to the lane like a full one
        q.drop_scan = right.drop_scan;
        q.sscc = right.sscc;
      } else {
        q.tote = right.tote;
      }
      auto r = must(c.call(q), "short pick").as<proto::PickShortRep>();
      say(p.user, "SHORT at " + t.location + " " + t.sku + ": found " + std::to_string(found) + " of " +
                      std::to_string(t.qty - t.picked) + " -> " + r.outcome +
                      (r.backordered ? ", " + std::to_string(r.backordered) + " backordered" : ""));
      continue;
    }
    auto r = must(c.call(right), "confirm");
    const std::string where = t.mode == "pallet" ? ", pallet " + right.sscc + " to " + t.drop_location
                                                 : (right.tote.empty() ? "" : " into " + right.tote);
    say(p.user, "picked " + std::to_string(t.qty - t.picked) + " x " + t.sku + " at " + t.location + " for " +
                    t.order_ref + where + " (" + std::to_string(r.as<proto::PickRep>().wave_tasks_left) +
                    " left in wave " + std::to_string(t.wave) + ")");
  }
  c.call(proto::LogoutReq{});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wms-shift - drive a short simulated shift through a running wmsd"};
  std::string server = "tcp://127.0.0.1:5555", pub, user = "manager", pin;
  int orders = 6;
  double wrong_rate = 0.15, short_rate = 0.2;
  unsigned seed = 7;
  app.add_option("--server", server)->capture_default_str()->check(wms::cli::server_endpoint);
  app.add_option("--events,--pub", pub, "the server's event endpoint (default: request port + 1)")
      ->check(wms::cli::server_endpoint);
  app.add_option("--user", user, "manager or admin who runs the office side")->capture_default_str();
  app.add_option("--pin", pin, "the user's PIN (env WMS_PIN; the demo manager's is 2468)")->envname("WMS_PIN");
  app.add_option("--orders", orders, "orders to enter")->capture_default_str();
  app.add_option("--wrong-rate", wrong_rate, "share of tasks that start with a wrong scan")->capture_default_str();
  app.add_option("--short-rate", short_rate, "share of tasks reported short")->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.set_version_flag("--version", "wms-shift " WMS_VERSION);
  app.footer("Exit status: 0 the shift ran; 1 a request was refused or failed; 2 usage error; 3 wmsd unreachable.");
  if (auto rc = wms::cli::parse(app, argc, argv)) return *rc;
  if (pub.empty()) pub = wms::cli::events_endpoint_for(server);
  if (pin.empty()) {
    std::cerr << "no PIN for " << user << ": give --pin or set WMS_PIN\n";
    return 2;
  }

  try {
    client::Connection office(server, "sim-office", {10000, 3});
    must(office.login(user, pin), "login " + user);
    std::mt19937 rng(seed);
    const char* parcel_accounts[] = {"ACME", "BOLT", "DIYS"};
    const char* skus[] = {"SKU-1001", "SKU-1002", "SKU-1003", "SKU-2001", "SKU-2002", "SKU-3001",
                          "SKU-3002", "SKU-4001", "SKU-4002", "SKU-5001", "SKU-5002", "SKU-6001"};
    const auto stamp_s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const auto stamp = std::to_string(stamp_s);
    std::vector<std::string> refs;
    std::map<std::string, std::string> totes;  // parcel order ref -> its tote ("TOTE-" + at most 12 digits)
    for (int i = 0; i < orders; ++i) {
      proto::OrderCreateReq o;
      o.ref = "SIM-" + stamp + "-" + std::to_string(i + 1);
      o.account = (i % 4 == 3) ? "CITY" : parcel_accounts[rng() % 3];
      const int lines = 1 + static_cast<int>(rng() % 3);
      for (int l = 0; l < lines; ++l) o.lines.push_back({skus[rng() % 12], 1 + static_cast<std::int64_t>(rng() % 8)});
      must(office.call(o), "create " + o.ref);
      proto::OrderConfirmReq cf;
      cf.ref = o.ref;
      auto v = must(office.call(cf), "confirm " + o.ref).as<proto::OrderView>();
      std::int64_t back = 0;
      for (const auto& l : v.lines) back += l.backordered;
      say("office", "order " + o.ref + " for " + o.account + " (" + v.mode + ", " + std::to_string(lines) + " lines) confirmed" +
                        (back ? ", " + std::to_string(back) + " units backordered" : ""));
      refs.push_back(o.ref);
      if (v.mode != "pallet")
        totes[o.ref] = "TOTE-" + std::to_string(stamp_s % 1000000) + std::to_string((i + 1) % 1000000);
    }

    std::atomic<bool> done{false}, device_stopped{false};
    std::vector<std::thread> devices;
    std::vector<Picker> crew = {{"picker1", "1111", "parcel"}, {"picker2", "2222", "parcel"}, {"fork1", "3333", "pallet"}};
    for (std::size_t i = 0; i < crew.size(); ++i)
      devices.emplace_back([&, i] {
        try {
          work(server, pub, crew[i], wrong_rate, short_rate, totes, static_cast<std::uint64_t>(stamp_s), done,
               seed + static_cast<unsigned>(i));
        } catch (const std::exception& e) {
          say(crew[i].user, std::string("stopped: ") + e.what());
          device_stopped = true;
        }
      });

    std::vector<std::uint64_t> waves;
    for (const char* mode : {"parcel", "pallet"}) {
      auto r = office.call(proto::WaveCreateReq{mode, 0});
      if (!r.ok()) {
        say("office", std::string("no ") + mode + " wave: " + r.error);
        continue;
      }
      auto w = r.as<proto::WaveView>();
      proto::WaveReleaseReq rel;
      rel.wave = w.id;
      must(office.call(rel), "release wave");
      say("office", "released " + w.mode + " wave " + std::to_string(w.id) + " with " + std::to_string(w.tasks) + " tasks");
      waves.push_back(w.id);
    }
    // Wait until every released wave is done (short picks may add tasks on the way).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      bool open = false;
      for (const auto& w : must(office.call(proto::WavesReq{}), "waves").as<proto::WavesRep>().waves)
        if (std::find(waves.begin(), waves.end(), w.id) != waves.end() && w.status != "done") open = true;
      if (!open || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    done = true;
    for (auto& d : devices) d.join();

    // Pack station: each parcel order is found by its tote, checked and closed (about 10 units a carton).
    for (const auto& [ref, tote] : totes) {
      auto r = office.call(proto::PackContentsReq{"", tote});
      if (!r.ok()) {
        say("pack", tote + ": " + r.error);
        continue;
      }
      auto contents = r.as<proto::PackContentsRep>();
      std::int64_t units = 0;
      for (const auto& l : contents.lines) units += l.picked;
      const auto cartons = static_cast<std::uint32_t>(std::max<std::int64_t>(1, (units + 9) / 10));
      auto closed = office.call(proto::PackCloseReq{ref, cartons});
      say("pack", ref + " from " + tote + ": " + std::to_string(units) + " units on " +
                      std::to_string(contents.lines.size()) + " lines -> " +
                      (closed.ok() ? "packed in " + std::to_string(cartons) + " carton(s)" : closed.error));
    }

    std::int64_t total = 0;
    for (const auto& ref : refs) {
      proto::DispatchReq d;
      d.ref = ref;
      auto r = office.call(d);
      if (!r.ok()) {
        say("office", "dispatch " + ref + ": " + r.error);
        continue;
      }
      auto rep = r.as<proto::DispatchRep>();
      total += rep.invoice.total_minor;
      say("office", "dispatched " + ref + ": invoice " + std::to_string(rep.invoice.number) + " to " + rep.invoice.account +
                        " total " + decimal::format_money(rep.invoice.total_minor) + " due " + rep.invoice.due_date +
                        (rep.backordered ? ", " + std::to_string(rep.backordered) + " units stay on backorder" : ""));
    }
    auto ex = must(office.call(proto::ExceptionsReq{}), "exceptions").as<proto::ExceptionsRep>();
    say("office", "shift over: " + std::to_string(refs.size()) + " orders, invoiced " + decimal::format_money(total) +
                      ", " + std::to_string(ex.exceptions.size()) + " exceptions on record");
    office.call(proto::LogoutReq{});
    if (device_stopped) {
      std::cerr << "error: a device stopped on a refused or failed request (above)\n";
      return 1;
    }
  } catch (const client::Unreachable& e) {
    std::cerr << "error: cannot reach wmsd at " << server << ": " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
