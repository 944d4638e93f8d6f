// Pick-confirm benchmark: one real wmsd (default durability) on a temp folder, driven over tcp loopback, with
// each figure printed next to a floor measured in this same run: a bare ZeroMQ DEALER/ROUTER echo, a bare
// durable LMDB commit of a pick's writes, and the same commits with MDB_NOSYNC (the CPU ceiling).
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "store/lmdb.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/client.hpp"

namespace {
using namespace wms;
using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

struct Dist {
  std::vector<double> us;
  double pct(double p) {
    if (us.empty()) return 0;
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1, static_cast<std::size_t>(p * static_cast<double>(us.size())))];
  }
};

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int free_port() {
  static std::mt19937 rng(static_cast<unsigned>(::getpid()));
  return 20000 + static_cast<int>(rng() % 30000);
}

// ---- floors ----
Dist zmq_echo(int n) {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  const std::string ep = "tcp://127.0.0.1:" + std::to_string(free_port());
  router.bind(ep);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    while (!stop) {
      zmq::pollitem_t it{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&it, 1, std::chrono::milliseconds(100));
      if (!(it.revents & ZMQ_POLLIN)) continue;
      zmq::message_t id, body;
      (void)router.recv(id);
      (void)router.recv(body);
      router.send(id, zmq::send_flags::sndmore);
      router.send(body, zmq::send_flags::none);
    }
  });
  zmq::socket_t d(ctx, zmq::socket_type::dealer);
  d.connect(ep);
  const std::string msg(100, 'x');
  Dist dist;
  for (int i = 0; i < n + 50; ++i) {
    auto t0 = Clock::now();
    d.send(zmq::buffer(msg), zmq::send_flags::none);
    zmq::message_t r;
    (void)d.recv(r);
    if (i >= 50) dist.us.push_back(us_since(t0));
  }
  stop = true;
  echo.join();
  return dist;
}

// The writes of one pick confirmation: task, stock row, order, event, audit, idempotency record + 2 counters.
Dist lmdb_commits(bool no_sync, int n, double* per_s) {
  auto dir = std::filesystem::temp_directory_path() / ("wms-bench-lmdb-" + std::to_string(::getpid()) + (no_sync ? "-ns" : ""));
  std::filesystem::remove_all(dir);
  Dist dist;
  {
    store::Env env(dir.string(), store::EnvOptions{256ull << 20, no_sync});
    const std::string rec(180, 'r'), order(400, 'o'), ev(260, 'e');
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      store::Txn t(env, store::Txn::Mode::write);
      t.put(store::Table::tasks, store::be64(static_cast<std::uint64_t>(i % 32)), rec);
      t.put(store::Table::stock, store::key2("SKU-1001", "A01-01-A"), std::string(24, 's'));
      t.put(store::Table::orders, store::be64(static_cast<std::uint64_t>(i % 32)), order);
      t.put(store::Table::events, store::be64(static_cast<std::uint64_t>(i)), ev);
      t.put(store::Table::audit, store::be64(static_cast<std::uint64_t>(i)), rec);
      t.put(store::Table::idem, "bench-1:" + std::to_string(i), rec);
      store::next_seq(t, "event_seq");
      store::next_seq(t, "audit_seq");
      t.commit();
      dist.us.push_back(us_since(t0));
    }
    *per_s = n / std::chrono::duration<double>(Clock::now() - start).count();
  }
  std::filesystem::remove_all(dir);
  return dist;
}

// ---- the server ----
struct Wmsd {
  pid_t pid = -1;
  std::string dir, ep, pub;
  Wmsd() {
    dir = (std::filesystem::temp_directory_path() / ("wms-bench-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ep = "tcp://127.0.0.1:" + std::to_string(free_port());
    pub = "tcp://127.0.0.1:" + std::to_string(free_port());
    const std::string add = "WMS_ADMIN_PIN=1234 " WMSD_PATH " --data " + dir + "/data --add-admin admin > " + dir + "/add.log 2>&1";
    if (std::system(add.c_str()) != 0) throw std::runtime_error("wmsd --add-admin failed");
    pid = ::fork();
    if (pid == 0) {
      std::FILE* f = std::fopen((dir + "/wmsd.log").c_str(), "w");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      std::string data = dir + "/data";
      // WMS_BENCH_SERVER_NOSYNC=1 (diagnosis only) runs the server without fsync to separate CPU from disk.
      const char* nosync = std::getenv("WMS_BENCH_SERVER_NOSYNC") ? "--unsafe-no-sync" : "--log-level";
      const char* nosync_arg = std::getenv("WMS_BENCH_SERVER_NOSYNC") ? "--log-level" : "warn";
      ::execl(WMSD_PATH, WMSD_PATH, "--data", data.c_str(), "--bind", ep.c_str(), "--pub", pub.c_str(), nosync,
              nosync_arg, nosync[2] == 'u' ? "warn" : static_cast<char*>(nullptr), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    client::Connection c(ep, "bench-probe", {200, 1});
    for (int i = 0; i < 100; ++i) {
      try {
        if (c.call(proto::HelloReq{"bench"}).ok()) return;
      } catch (const client::Unreachable&) {
      }
    }
    throw std::runtime_error("wmsd did not start; see " + dir + "/wmsd.log");
  }
  ~Wmsd() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    std::filesystem::remove_all(dir);
  }
};

client::Reply must(client::Reply r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error);
  return r;
}

struct Run {
  double per_s = 0;
  Dist lat;
  std::int64_t acked = 0;
};

// `clients` closed-loop clients, each confirming 1 unit at a time on its own task, for `seconds` or `count` each.
Run drive(std::vector<std::unique_ptr<client::Connection>>& conns, const std::vector<proto::TaskView>& tasks,
          int clients, double seconds, int count) {
  Run run;
  std::mutex mu;
  std::vector<std::thread> th;
  auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  for (int i = 0; i < clients; ++i)
    th.emplace_back([&, i] {
      Dist mine;
      auto& c = *conns[static_cast<std::size_t>(i)];
      const auto& t = tasks[static_cast<std::size_t>(i)];
      for (int n = 0; count ? n < count : Clock::now() < until; ++n) {
        auto t0 = Clock::now();
        auto r = c.call(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, 1});
        if (!r.ok()) throw std::runtime_error("confirm refused: " + r.error);
        mine.us.push_back(us_since(t0));
      }
      std::lock_guard lk(mu);
      run.acked += static_cast<std::int64_t>(mine.us.size());
      run.lat.us.insert(run.lat.us.end(), mine.us.begin(), mine.us.end());
    });
  for (auto& t : th) t.join();
  run.per_s = static_cast<double>(run.acked) / std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

std::string machine() {
  std::string model = "?";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  ::uname(&u);
  return std::to_string(std::thread::hardware_concurrency()) + " x " + model + ", Linux " + u.release;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const int n_rt = quick ? 500 : 3000, n_commit = quick ? 200 : 1000, n_nosync = quick ? 2000 : 10000;
  const int n_single = quick ? 300 : 2000;
  const double seconds = quick ? 2.0 : 6.0;
  try {
    std::printf("machine: %s\n\n", machine().c_str());
    auto echo = zmq_echo(n_rt);
    double commit_s = 0, nosync_s = 0;
    auto commit = lmdb_commits(false, n_commit, &commit_s);
    lmdb_commits(true, n_nosync, &nosync_s);
    const double echo50 = echo.pct(0.5), echo99 = echo.pct(0.99), c50 = commit.pct(0.5), c99 = commit.pct(0.99);
    std::printf("FLOORS (this run)\n");
    std::printf("  zmq DEALER/ROUTER echo, 100 B, tcp loopback   p50 %8.1f us   p99 %8.1f us\n", echo50, echo99);
    std::printf("  LMDB durable commit of a pick's writes        p50 %8.1f us   p99 %8.1f us   %8.0f commits/s\n", c50, c99, commit_s);
    std::printf("  same commits with MDB_NOSYNC (CPU ceiling)                                   %8.0f commits/s\n\n", nosync_s);

    Wmsd server;
    client::Connection admin(server.ep, "bench-admin", {30000, 1});
    must(admin.login("admin", "1234"), "login");
    const std::string demo = WMS_ASSETS_DIR "/demo/";
    for (const char* kind : {"products", "locations", "accounts"})
      must(admin.call(proto::ImportReq{kind, read_file(demo + kind + ".csv")}), kind);
    std::string users = "code,role,pin\n", stock = "sku,location,qty\n", orders = "order_ref,account,sku,qty\n";
    const char* skus[] = {"SKU-1001", "SKU-1002", "SKU-1003", "SKU-2001", "SKU-2002", "SKU-3001",
                          "SKU-3002", "SKU-4001", "SKU-4002", "SKU-5001", "SKU-5002", "SKU-6001"};
    const char* bins[] = {"A01-01-A", "A01-01-B", "A01-02-A", "A01-02-B", "A02-01-A", "A02-01-B",
                          "A02-02-A", "A02-02-B", "A03-01-A", "A03-01-B", "A03-02-A", "A03-02-B"};
    for (int i = 0; i < 12; ++i) stock += std::string(skus[i]) + "," + bins[i] + ",10000000\n";
    constexpr int k_clients = 32;
    for (int i = 0; i < k_clients; ++i) {
      users += "bench" + std::to_string(i) + ",picker,1111\n";
      orders += "BENCH-" + std::to_string(i) + ",BOLT," + skus[i % 12] + ",1000000\n";
    }
    must(admin.call(proto::ImportReq{"users", users}), "users");
    must(admin.call(proto::ImportReq{"stock", stock}), "stock");
    must(admin.call(proto::ImportReq{"orders", orders}), "orders");
    for (int i = 0; i < k_clients; ++i) {
      proto::OrderConfirmReq q;
      q.ref = "BENCH-" + std::to_string(i);
      must(admin.call(q), "confirm");
    }
    auto wave = must(admin.call(proto::WaveCreateReq{"parcel", 0}), "wave").as<proto::WaveView>();
    proto::WaveReleaseReq rel;
    rel.wave = wave.id;
    must(admin.call(rel), "release");
    auto tasks = must(admin.call(proto::TasksReq{wave.id, ""}), "tasks").as<proto::TasksRep>().tasks;
    if (tasks.size() != k_clients) throw std::runtime_error("expected one task per order");

    std::vector<std::unique_ptr<client::Connection>> conns;
    for (int i = 0; i < k_clients; ++i) {
      conns.push_back(std::make_unique<client::Connection>(server.ep, "bench-dev-" + std::to_string(i), client::Options{30000, 1}));
      must(conns.back()->login("bench" + std::to_string(i), "1111"), "picker login");
      must(conns.back()->call(proto::TaskClaimReq{tasks[static_cast<std::size_t>(i)].id}), "claim");
    }

    std::printf("FIGURES (real wmsd, default durability, pick.confirm of 1 unit, closed loop)\n");
    auto single = drive(conns, tasks, 1, 0, n_single);
    const double floor1 = echo50 + c50;
    std::printf("  1 client   p50 %8.1f us  p99 %8.1f us   floor rt+commit p50 %8.1f us   ratio %.2fx (aim <= 1.2)\n",
                single.lat.pct(0.5), single.lat.pct(0.99), floor1, single.lat.pct(0.5) / floor1);
    std::int64_t acked = single.acked;
    for (int c : {1, 8, 32}) {
      auto r = drive(conns, tasks, c, seconds, 0);
      acked += r.acked;
      std::printf("  %2d clients %8.0f picks/s  p50 %8.1f us  p99 %8.1f us | x%.1f one-commit rate (aim >= 10 at 32)"
                  "  x%.2f NOSYNC ceiling (aim >= 0.6)  p99 x%.2f commit p99 (aim < 3)\n",
                  c, r.per_s, r.lat.pct(0.5), r.lat.pct(0.99), r.per_s / (1e6 / c50), r.per_s / nosync_s,
                  r.lat.pct(0.99) / c99);
    }
    std::int64_t picked = 0;
    for (const auto& t : must(admin.call(proto::TasksReq{wave.id, ""}), "tasks").as<proto::TasksRep>().tasks) picked += t.picked;
    std::printf("\ncheck: %lld confirmations acknowledged, %lld units picked on the server: %s\n",
                static_cast<long long>(acked), static_cast<long long>(picked), acked == picked ? "match" : "MISMATCH");
    return acked == picked ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
}
