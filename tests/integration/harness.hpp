// Test harness: starts the real wmsd on a temporary folder with free loopback ports, stops or kills it, and
// runs wmsctl exactly as a user would. Nothing here is a mock.
#pragma once
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/lmdb.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/client.hpp"

namespace Catch {
template <>
struct StringMaker<wms::proto::Status> {
  static std::string convert(wms::proto::Status s) { return std::string(wms::proto::to_string(s)); }
};
}  // namespace Catch

namespace wms::test {

inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("wms-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

// Runs a command, returns exit status and combined output.
struct RunResult {
  int status = -1;
  std::string output;
};
inline RunResult run(const std::string& cmd) {
  RunResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class Wmsd {
 public:
  explicit Wmsd(std::string data_dir, std::vector<std::string> extra = {}) : data_(std::move(data_dir)), extra_(std::move(extra)) {
    port_ = free_port();
    pub_port_ = free_port();
    while (pub_port_ == port_) pub_port_ = free_port();
    start();
  }
  ~Wmsd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::string pub_endpoint() const { return "tcp://127.0.0.1:" + std::to_string(pub_port_); }
  const std::string& log_path() const { return log_; }

  void start() {
    log_ = data_ + ".log";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::fopen(log_.c_str(), "a");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      std::vector<std::string> args = {WMSD_PATH, "--data", data_, "--bind", endpoint(), "--pub", pub_endpoint(),
                                       "--assets", WMS_ASSETS_DIR};
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(WMSD_PATH, argv.data());
      ::_exit(127);
    }
    wait_ready();
  }
  // Waits until wmsd answers hello.
  void wait_ready() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    client::Connection c(endpoint(), "probe", {200, 1});
    while (std::chrono::steady_clock::now() < until) {
      try {
        if (c.call(proto::HelloReq{"probe"}).ok()) return;
      } catch (const client::Unreachable&) {
      }
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("wmsd exited during start-up; see " + log_);
      }
    }
    throw std::runtime_error("wmsd did not answer within 20 s");
  }
  // SIGTERM and wait; returns the exit status.
  int stop() {
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void restart() { start(); }
  pid_t pid() const { return pid_; }
  void restart(std::vector<std::string> extra) {
    extra_ = std::move(extra);
    start();
  }
  std::string wmsctl(const std::string& args, const std::string& pin = "1234") const {
    return "WMS_PIN=" + pin + " " WMSCTL_PATH " --server " + endpoint() + " " + args;
  }

 private:
  std::string data_, log_;
  std::vector<std::string> extra_;
  int port_ = 0, pub_port_ = 0;
  pid_t pid_ = -1;
};

// A logged-in client (demo users: admin/1234, manager/2468, picker1/1111, picker2/2222, fork1/3333).
// The newest `limit` audit records of every kind (sign-ins included).
inline proto::AuditReq audit_all(std::uint32_t limit) {
  proto::AuditReq q;
  q.limit = limit;
  return q;
}

// The stock record of one SKU in one bin (exactly one row).
inline proto::StockView stock_at(client::Connection& c, const std::string& sku, const std::string& loc) {
  auto rows = c.call(proto::StockReq{sku, loc}).as<proto::StockRep>().stock;
  REQUIRE(rows.size() == 1);
  return rows[0];
}

inline std::unique_ptr<client::Connection> login(const Wmsd& s, const std::string& user, const std::string& pin,
                                                 const std::string& device, client::Options opts = {5000, 3}) {
  auto c = std::make_unique<client::Connection>(s.endpoint(), device, opts);
  auto r = c->login(user, pin);
  if (!r.ok()) throw std::runtime_error("login " + user + " failed: " + r.error);
  return c;
}

// Imports a new one-line order for ACME (a parcel account) and confirms it.
inline void confirm_order(client::Connection& office, const std::string& ref, const std::string& sku,
                          std::int64_t qty) {
  REQUIRE(office
              .call(proto::ImportReq{
                  "orders", "order_ref,account,sku,qty\n" + ref + ",ACME," + sku + "," + std::to_string(qty) + "\n"})
              .ok());
  proto::OrderConfirmReq c;
  c.ref = ref;
  REQUIRE(office.call(c).ok());
}

// confirm_order, then a parcel wave of it, released; returns the wave's tasks.
inline std::vector<proto::TaskView> release_order(client::Connection& office, client::Connection& manager,
                                                  const std::string& ref, const std::string& sku, std::int64_t qty) {
  confirm_order(office, ref, sku, qty);
  auto wave = manager.call(proto::WaveCreateReq{"parcel", 0});
  REQUIRE(wave.ok());
  proto::WaveReleaseReq rel;
  rel.wave = wave.as<proto::WaveView>().id;
  REQUIRE(manager.call(rel).ok());
  return manager.call(proto::TasksReq{rel.wave, ""}).as<proto::TasksRep>().tasks;
}

// Ships a new one-line parcel order end to end, the way the office and a picker do it: release_order, claim and
// pick each task (right scans), dispatch. Returns the invoice.
inline proto::InvoiceView ship_order(client::Connection& office, client::Connection& manager,
                                     client::Connection& picker, const std::string& ref,
                                     const std::string& sku = "SKU-1001", std::int64_t qty = 1) {
  for (const auto& t : release_order(office, manager, ref, sku, qty)) {
    REQUIRE(picker.call(proto::TaskClaimReq{t.id}).ok());
    REQUIRE(picker.call(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, t.qty}).ok());
  }
  proto::DispatchReq d;
  d.ref = ref;
  auto r = office.call(d);
  REQUIRE(r.ok());
  return r.as<proto::DispatchRep>().invoice;
}

// Entries of one table of a stopped server's data folder.
inline std::size_t table_entries(const std::string& data_dir, store::Table table) {
  store::Env env(data_dir);
  store::Txn t(env, store::Txn::Mode::read);
  std::size_t n = 0;
  t.scan(table, "", [&](std::string_view, std::string_view) { return ++n, true; });
  return n;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace wms::test
