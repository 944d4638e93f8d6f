// wms_bench_pick: pick-confirm figures of a real wmsd next to floors measured in the same run.
//
// Floors: (a) a bare ZeroMQ DEALER/ROUTER echo over tcp loopback, (b) a bare durable LMDB commit of the writes a
// pick makes, (c) the same commits without fsync (the CPU ceiling of one writing thread), (d) a device outbox record,
// (e) the echo of (a) with 32 closed-loop clients (the transport's own ceiling). Figures: a wmsd child process
// on a fresh temp folder with default durability, set up through the protocol only, then 1, 8 and 32 closed-loop
// pickers, each with its own user, device id and task, confirming 1 unit at a time. At the end the units picked
// on the server must equal the confirmations acknowledged to the clients; that check (not any timing) sets the
// exit code. Not a ctest test: run it by hand, `--quick` for a short run.
#include <arpa/inet.h>
#include <fcntl.h>
#include <lmdb.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "store/lmdb.hpp"
#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/client.hpp"
#include "wms/shared/csv.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace wms;

// ---------------------------------------------------------------------------------------------------------
// Small helpers

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}
double s_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Pct {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};

// Nearest-rank percentiles.
Pct percentiles(std::vector<double> v) {
  Pct p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    auto r = static_cast<std::size_t>(q * static_cast<double>(v.size()) + 0.999999);
    return v[std::clamp<std::size_t>(r, 1, v.size()) - 1];
  };
  p.p50 = rank(0.50);
  p.p99 = rank(0.99);
  p.max = v.back();
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

csv::Table parse_csv(const fs::path& p) {
  auto parsed = csv::parse(slurp(p));
  if (auto* e = std::get_if<csv::ParseError>(&parsed))
    throw std::runtime_error(p.string() + " line " + std::to_string(e->line) + ": " + e->message);
  return std::get<csv::Table>(std::move(parsed));
}

std::string cell(const csv::Table& t, const csv::Row& r, std::string_view col) {
  auto c = t.column(col);
  if (!c) throw std::runtime_error("demo CSV lacks column '" + std::string(col) + "'");
  return std::string(t.cell(r, *c));
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// CPU seconds (user + system) of a process, from /proc/<pid>/stat.
double proc_cpu_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string tok;
  std::vector<std::string> f;
  while (rest >> tok && f.size() < 13) f.push_back(tok);
  if (f.size() < 13) return 0;  // f[0] is field 3 (state); utime is field 14, stime 15
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / tick;
}

// Bytes written so far to the block device that holds `path` (/sys/dev/block/MAJ:MIN/stat, sectors written x 512;
// every process's writes, so read it on a quiet machine); nullopt where the folder is not on a block device.
// Not /proc/<pid>/io: its write_bytes counts whole page-cache folios as they are dirtied, and on kernels whose
// ext4 caches files in large folios (6.16 and later) one 4 KiB write into a 1 MiB folio counts 1 MiB, although
// only the 4 KiB block goes to the disk (measured here: 100 such writes with fdatasync, 100 MiB in write_bytes,
// 412 KiB on the disk).
std::optional<double> disk_write_bytes(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) +
                   "/stat");
  double field[7];
  for (double& f : field)
    if (!(in >> f)) return std::nullopt;
  return field[6] * 512;
}

double self_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

std::string machine_line() {
  std::string model = "unknown CPU";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(line.find_first_not_of(" \t", colon + 1));
      break;
    }
  }
  utsname u{};
  ::uname(&u);
  int major = 0, minor = 0, patch = 0;
  zmq_version(&major, &minor, &patch);
  std::ostringstream ss;
  ss << "nproc " << ::sysconf(_SC_NPROCESSORS_ONLN) << " | " << model << " | " << u.sysname << " " << u.release
     << " " << u.machine << " | libzmq " << major << "." << minor << "." << patch << ", "
     << mdb_version(nullptr, nullptr, nullptr);
  return ss.str();
}

// A free TCP port on loopback, found by letting the kernel choose one (then released for wmsd to bind).
std::vector<int> free_ports(int n) {
  std::vector<int> fds, ports;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(fd);
      throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
    }
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

// ---------------------------------------------------------------------------------------------------------
// Floor a: bare DEALER/ROUTER echo over tcp loopback, echo thread in this process.

Pct floor_echo(int n) {
  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  const std::string ep = router.get(zmq::sockopt::last_endpoint);
  std::thread echo([&router] {
    for (;;) {
      zmq::message_t id, body;
      if (!router.recv(id, zmq::recv_flags::none)) return;
      if (!router.recv(body, zmq::recv_flags::none)) return;
      const bool last = body.size() == 0;  // an empty message ends the echo
      router.send(id, zmq::send_flags::sndmore);
      router.send(body, zmq::send_flags::none);
      if (last) return;
    }
  });
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(ep);
  const std::string payload(100, 'm');
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(n));
  const int warm = 200;
  for (int i = 0; i < warm + n; ++i) {
    auto t0 = Clock::now();
    dealer.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::message_t r;
    if (!dealer.recv(r, zmq::recv_flags::none) || r.size() != payload.size()) throw std::runtime_error("echo failed");
    if (i >= warm) lat.push_back(us_between(t0, Clock::now()));
  }
  dealer.send(zmq::message_t(), zmq::send_flags::none);
  zmq::message_t bye;
  (void)dealer.recv(bye, zmq::recv_flags::none);
  echo.join();
  return percentiles(std::move(lat));
}

// ---------------------------------------------------------------------------------------------------------
// Floor e: the same echo with many clients in a closed loop, driven the way the 1/8/32-client levels drive wmsd
// (one thread polling a DEALER per client, one request outstanding on each), against an echo thread that answers
// every waiting request at once and does nothing else (a ZeroMQ context of its own, as wmsd has). It is what the
// transport alone allows on this machine's cores with the load generator beside it: no server can beat it.

struct EchoMany {
  double per_s = 0;
  Pct pct;
};

EchoMany floor_echo_many(int clients, std::size_t bytes, double warm_s, double dur_s) {
  zmq::context_t server_ctx(1);
  zmq::socket_t router(server_ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::rcvhwm, 100000);
  router.bind("tcp://127.0.0.1:*");
  const std::string ep = router.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    std::vector<zmq::message_t> parts;
    while (!stop.load()) {
      zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      for (;;) {
        parts.clear();
        if (!zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
        if (parts.size() == 2) zmq::send_multipart(router, parts);
      }
    }
  });
  zmq::context_t ctx(1);
  std::vector<zmq::socket_t> socks;
  std::vector<Clock::time_point> sent(static_cast<std::size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    socks.emplace_back(ctx, zmq::socket_type::dealer);
    socks.back().set(zmq::sockopt::linger, 0);
    socks.back().connect(ep);
  }
  const std::string payload(bytes, 'm');
  const auto t0 = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warm_s));
  const auto t_end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dur_s));
  for (std::size_t i = 0; i < socks.size(); ++i) {
    socks[i].send(zmq::buffer(payload), zmq::send_flags::none);
    sent[i] = Clock::now();
  }
  std::vector<double> lat;
  std::vector<zmq::pollitem_t> items(socks.size());
  std::size_t out = socks.size();
  while (out > 0) {
    for (std::size_t i = 0; i < socks.size(); ++i) items[i] = {socks[i].handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
    const auto now = Clock::now();
    for (std::size_t i = 0; i < socks.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      zmq::message_t msg;
      if (!socks[i].recv(msg, zmq::recv_flags::dontwait)) continue;
      if (sent[i] >= t0 && sent[i] < t_end) lat.push_back(us_between(sent[i], now));
      if (now < t_end) {
        socks[i].send(zmq::buffer(payload), zmq::send_flags::none);
        sent[i] = Clock::now();
      } else {
        --out;
      }
    }
  }
  stop = true;
  echo.join();
  EchoMany r;
  r.per_s = static_cast<double>(lat.size()) / dur_s;
  r.pct = percentiles(std::move(lat));
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Floors b and c: bare LMDB commits of the writes of one pick confirmation.

struct PickWrites {
  std::string task, stock, order, event, audit;
  store::IdemAnswer idem;  // written the server's way (store::IdemStore: appended to a log, merged later)
  std::size_t idem_bytes() const { return idem.type.size() + 32 + 12 + 30 + idem.error.size() + idem.body.size(); }
  std::size_t bytes() const {
    return task.size() + stock.size() + order.size() + event.size() + audit.size() + idem_bytes();
  }
};

PickWrites sample_pick_writes() {
  proto::TaskView full;
  full.id = 17;
  full.wave = 1;
  full.order_ref = "BENCH-017";
  full.line = 1;
  full.sku = "SKU-1001";
  full.description = "Hex bolt M8x40 zinc, box of 100";
  full.gtin = "4006380010000";
  full.location = "A01-01-A";
  full.location_barcode = "LOC-A01-01-A";
  full.walk_seq = 10;
  full.mode = "parcel";
  full.qty = 1000000;
  full.picked = 123456;
  full.status = "claimed";
  full.claimed_by = "bench-dev-17";
  proto::TaskView rec = full;  // the stored task has ids where the view has display text
  rec.order_ref.clear();
  rec.description.clear();
  rec.gtin.clear();
  rec.location_barcode.clear();
  rec.mode.clear();

  proto::OrderView o;
  o.id = 17;
  o.ref = "BENCH-017";
  o.account = "BOLT";
  o.status = "confirmed";
  o.mode = "parcel";
  o.created_ms = 1700000000000;
  o.confirmed_ms = 1700000000500;
  proto::OrderLineView l;
  l.line = 1;
  l.sku = "SKU-1001";
  l.ordered = 1000000;
  l.allocated = 876544;
  l.picked = 123456;
  l.price_minor = 795;
  l.tax_bps = 2000;
  o.lines.push_back(l);

  proto::AuditView a;
  a.seq = 123456;
  a.at_ms = 1700000000900;
  a.user = "picker-bench-17";
  a.device = "bench-dev-17";
  a.type = "pick.confirm";
  a.detail = "picked 1 x SKU-1001 at A01-01-A for BENCH-017 (task 17)";

  proto::PickRep rep;
  rep.task = full;
  rep.wave_tasks_left = 32;
  const auto rep_body = proto::pack_body(rep);

  PickWrites w;
  w.task = store::pack(rec);
  w.stock = store::pack(proto::StockView{"SKU-1001", "A01-01-A", 9876544, 876544, 9000000});
  w.order = store::pack(o);
  w.event = proto::encode_event(123456, "task.updated", full);
  w.audit = store::pack(a);
  w.idem = store::IdemAnswer{"pick.confirm", 0x9e3779b97f4a7c15ull, 0, "", std::string(rep_body.data(), rep_body.size())};
  return w;
}

struct CommitFloor {
  Pct lat;
  double per_s = 0;
  int commits = 0;
  std::optional<double> kib_per_commit;  // disk writes (durable floor only; no_sync leaves them to the kernel)
};

// One commit = task, stock row, order, event, audit record, idempotency log entry (and, once the log's tail is
// k_merge_every long, the merge of its oldest k_merge_slice entries into the index, as the server does), plus the three
// sequence counters (event_seq, audit_seq, idem_reply_seq) the server bumps in the meta table. Stops after n commits or
// max_s seconds.
CommitFloor floor_commits(const fs::path& dir, bool no_sync, int n, double max_s, const PickWrites& w) {
  fs::create_directories(dir);
  CommitFloor out;
  {
    store::Env env(dir.string(), store::EnvOptions{512ull << 20, no_sync});
    store::IdemStore idem;
    std::vector<std::string> stock_keys;
    for (int i = 0; i < 12; ++i) stock_keys.push_back(store::key2("SKU-" + std::to_string(1001 + i), "A01-01-A"));
    auto one = [&](int i) {
      store::Txn t(env, store::Txn::Mode::write);
      idem.begin(t);
      const auto slot = static_cast<std::uint64_t>(i % 32);
      t.put(store::Table::tasks, store::be64(1 + slot), w.task);
      t.put(store::Table::stock, stock_keys[static_cast<std::size_t>(i % 12)], w.stock);
      t.put(store::Table::orders, store::be64(1 + slot), w.order);
      t.put(store::Table::events, store::be64(store::next_seq(t, "event_seq")), w.event);
      t.put(store::Table::audit, store::be64(store::next_seq(t, "audit_seq")), w.audit);
      const std::string dev = "bench-dev-" + std::to_string(slot);
      idem.put(t, dev, dev + ":1700000000000." + std::to_string(i), w.idem);
      t.commit();
      idem.committed();
    };
    const int warm = std::min(50, n / 10 + 1);
    for (int i = 0; i < warm; ++i) one(1000000000 + i);
    std::vector<double> lat;
    lat.reserve(static_cast<std::size_t>(n));
    const auto wb0 = disk_write_bytes(dir);
    const auto start = Clock::now();
    const auto stop = start + std::chrono::duration<double>(max_s);
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      one(i);
      auto t1 = Clock::now();
      lat.push_back(us_between(t0, t1));
      if (t1 > stop) break;
    }
    out.commits = static_cast<int>(lat.size());
    if (const auto wb1 = disk_write_bytes(dir); wb0 && wb1)
      out.kib_per_commit = (*wb1 - *wb0) / 1024.0 / static_cast<double>(std::max<std::size_t>(lat.size(), 1));
    out.per_s = static_cast<double>(lat.size()) / s_between(start, Clock::now());
    out.lat = percentiles(std::move(lat));
  }
  fs::remove_all(dir);
  return out;
}

// Floor d: what a device's durable outbox costs per record at least: append ~150 B to a file and fdatasync it.
Pct floor_append_sync(const fs::path& file, int n, double max_s) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
  const std::string record(150, 'r');
  std::vector<double> lat;
  const auto stop = Clock::now() + std::chrono::duration<double>(max_s);
  for (int i = 0; i < n && Clock::now() < stop; ++i) {
    auto t0 = Clock::now();
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size()) || ::fdatasync(fd) != 0) {
      ::close(fd);
      throw std::runtime_error("append+fdatasync failed on " + file.string());
    }
    lat.push_back(us_between(t0, Clock::now()));
  }
  ::close(fd);
  fs::remove(file);
  return percentiles(std::move(lat));
}

// ---------------------------------------------------------------------------------------------------------
// The wmsd child process

std::atomic<pid_t> g_child{-1};

extern "C" void on_fatal_signal(int sig) {
  pid_t p = g_child.load();
  if (p > 0) {
    ::kill(p, SIGTERM);
    ::waitpid(p, nullptr, 0);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// fork + execve with stdout/stderr appended to `log`; argv and envp are built before the fork.
pid_t spawn(const std::vector<std::string>& args, const std::string& log, const std::vector<std::string>& extra_env,
            bool die_with_parent) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store(extra_env);
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  std::vector<char*> envp;
  for (const auto& e : env_store) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(126);
    }
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

class Wmsd {
 public:
  Wmsd(fs::path root, std::string admin_pin) : root_(std::move(root)), data_((root_ / "data").string()) {
    log_ = (root_ / "wmsd.log").string();
    auto ports = free_ports(2);
    ep_ = "tcp://127.0.0.1:" + std::to_string(ports[0]);
    pub_ = "tcp://127.0.0.1:" + std::to_string(ports[1]);
    // The first admin is added offline, before the server starts (the only way in on a fresh folder).
    pid_t add = spawn({WMSD_PATH, "--data", data_, "--add-admin", "admin", "--log-level", "warn"}, log_,
                      {"WMS_ADMIN_PIN=" + admin_pin}, true);
    int st = 0;
    ::waitpid(add, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) throw std::runtime_error("wmsd --add-admin failed; see " + log_);
    pid_ = spawn({WMSD_PATH, "--data", data_, "--bind", ep_, "--pub", pub_, "--log-level", "warn"}, log_, {}, true);
    g_child = pid_;
    client::Connection probe(ep_, "bench-probe", client::Options{200, 1});
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (Clock::now() < deadline) {
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        g_child = -1;
        throw std::runtime_error("wmsd exited at start; see " + log_ + ":\n" + slurp(log_));
      }
      try {
        if (probe.call(proto::HelloReq{"wms_bench_pick"}).ok()) return;
      } catch (const client::Unreachable&) {
      }
    }
    throw std::runtime_error("wmsd did not answer hello within 15 s; see " + log_);
  }
  ~Wmsd() { stop(); }
  Wmsd(const Wmsd&) = delete;
  Wmsd& operator=(const Wmsd&) = delete;

  // SIGTERM, then wait (the server finishes its current commit); SIGKILL only if it hangs for 10 s.
  int stop() {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGTERM);
    int st = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) break;
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "wmsd did not stop within 10 s of SIGTERM; killing it\n");
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    g_child = -1;
    return st;
  }

  pid_t pid() const { return pid_; }
  const std::string& endpoint() const { return ep_; }
  const std::string& events() const { return pub_; }
  const std::string& data_dir() const { return data_; }

 private:
  fs::path root_;
  std::string data_, log_, ep_, pub_;
  pid_t pid_ = -1;
};

// Counts the server's committed write transactions by reading its LMDB environment read-only (another process
// may read an environment while its owner writes). Diagnosis only: picks per commit shows how well group commit
// batches. Gives nullopt if the environment cannot be opened. Also reads the writes to the disk it is on.
class CommitCounter {
 public:
  explicit CommitCounter(const std::string& dir) : dir_(dir) {
    if (mdb_env_create(&env_) != 0) {
      env_ = nullptr;
      return;
    }
    mdb_env_set_maxdbs(env_, 64);
    if (mdb_env_open(env_, dir.c_str(), MDB_RDONLY, 0644) != 0) {
      mdb_env_close(env_);
      env_ = nullptr;
    }
  }
  ~CommitCounter() {
    if (env_) mdb_env_close(env_);
  }
  CommitCounter(const CommitCounter&) = delete;
  CommitCounter& operator=(const CommitCounter&) = delete;
  std::optional<std::uint64_t> txnid() const {
    if (!env_) return std::nullopt;
    MDB_envinfo info{};
    if (mdb_env_info(env_, &info) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(info.me_last_txnid);
  }
  std::optional<double> disk_bytes() const { return disk_write_bytes(dir_); }

 private:
  std::string dir_;
  MDB_env* env_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------
// Setup through the protocol, and the pickers

client::Reply must(client::Reply r, const std::string& what) {
  if (r.ok()) return r;
  std::string msg = what + ": " + std::string(proto::to_string(r.status)) + ": " + r.error;
  if (r.status == proto::Status::import_failed) {
    try {
      for (const auto& e : r.as<proto::ImportRep>().errors)
        msg += "\n  line " + std::to_string(e.line) + " [" + e.column + "] " + e.message;
    } catch (const std::exception&) {
    }
  }
  throw std::runtime_error(msg);
}

struct TaskWork {
  std::uint64_t id = 0;
  std::string location_barcode, gtin;
  std::int64_t remaining = 0;
};

struct Picker {
  std::string user, device;
  std::unique_ptr<client::Connection> conn;
  std::vector<TaskWork> tasks;
  std::size_t current = 0;
  std::uint64_t acked = 0;  // confirmations acknowledged ok, whole run

  // One pick.confirm of 1 unit; false when this picker has no units left to pick.
  bool confirm_one() {
    while (current < tasks.size() && tasks[current].remaining <= 0) ++current;
    if (current == tasks.size()) return false;
    auto& t = tasks[current];
    auto r = conn->call(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, 1});
    if (!r.ok())
      throw std::runtime_error(user + ": pick.confirm of task " + std::to_string(t.id) + " refused: " +
                               std::string(proto::to_string(r.status)) + ": " + r.error);
    --t.remaining;
    ++acked;
    return true;
  }
};

struct Setup {
  std::uint64_t wave = 0;
  std::size_t tasks = 0;
  std::int64_t stock_per_bin = 0;
  std::map<std::string, std::int64_t> stock_start;  // key sku|location -> on_hand imported
};

constexpr std::int64_t k_stock_per_bin = 10'000'000;
constexpr std::int64_t k_order_qty = 1'000'000;
constexpr const char* k_picker_pin = "7391";

std::string sim_user(int i) { return "sim-bench-" + std::to_string(i); }

Setup set_up_warehouse(client::Connection& admin, const std::string& admin_pin, std::vector<Picker>& pickers,
                       int sim_devices, const std::string& endpoint, zmq::context_t& picker_ctx) {
  const fs::path demo = fs::path(WMS_BENCH_ASSETS_DIR) / "demo";
  Setup s;
  s.stock_per_bin = k_stock_per_bin;
  must(admin.login("admin", admin_pin), "admin login");

  for (const char* kind : {"products", "locations", "accounts"})
    must(admin.call(proto::ImportReq{kind, slurp(demo / (std::string(kind) + ".csv"))}), std::string("import ") + kind);
  // Demo users, then one picker user per bench client. A users import resets the PINs it names and ends those
  // users' sessions (the demo file names the admin), so the admin logs in again after each (with the demo admin
  // PIN, which is the one the admin was created with).
  must(admin.call(proto::ImportReq{"users", slurp(demo / "users.csv")}), "import demo users");
  must(admin.login("admin", admin_pin), "admin login after the demo users import");
  std::string users = "code,name,role,pin\n";
  for (const auto& p : pickers) users += p.user + ",Bench " + p.user + ",picker," + k_picker_pin + "\n";
  for (int i = 0; i < sim_devices; ++i) users += sim_user(i) + ",Virtual picker " + std::to_string(i) + ",picker," + k_picker_pin + "\n";
  must(admin.call(proto::ImportReq{"users", users}), "import bench pickers");
  must(admin.login("admin", admin_pin), "admin login after users import");

  // Stock: every demo pick-face row (sku at a location of kind pick), with a huge quantity.
  const auto locs = parse_csv(demo / "locations.csv");
  std::map<std::string, std::string> kind_of;
  for (const auto& r : locs.rows) kind_of[cell(locs, r, "code")] = cell(locs, r, "kind");
  const auto stock_csv = parse_csv(demo / "stock.csv");
  std::string stock = "sku,location,qty\n";
  std::vector<std::string> skus;
  for (const auto& r : stock_csv.rows) {
    const auto sku = cell(stock_csv, r, "sku"), loc = cell(stock_csv, r, "location");
    if (kind_of[loc] != "pick" || s.stock_start.count(sku + "|" + loc)) continue;
    s.stock_start[sku + "|" + loc] = k_stock_per_bin;
    stock += sku + "," + loc + "," + std::to_string(k_stock_per_bin) + "\n";
    if (std::find(skus.begin(), skus.end(), sku) == skus.end()) skus.push_back(sku);
  }
  if (skus.empty()) throw std::runtime_error("the demo stock has no pick-face rows");
  must(admin.call(proto::ImportReq{"stock", stock}), "import stock");

  // One single-line order per picker, for a parcel account, each line far larger than the run can pick.
  const auto accounts = parse_csv(demo / "accounts.csv");
  std::string account;
  for (const auto& r : accounts.rows)
    if (cell(accounts, r, "delivery") == "parcel") {
      account = cell(accounts, r, "code");
      break;
    }
  if (account.empty()) throw std::runtime_error("the demo accounts have no parcel account");
  std::string orders = "order_ref,account,sku,qty\n";
  std::vector<std::string> refs;
  for (std::size_t i = 0; i < pickers.size(); ++i) {
    char ref[32];
    std::snprintf(ref, sizeof ref, "BENCH-%03zu", i);
    refs.emplace_back(ref);
    orders += std::string(ref) + "," + account + "," + skus[i % skus.size()] + "," + std::to_string(k_order_qty) + "\n";
  }
  must(admin.call(proto::ImportReq{"orders", orders}), "import orders");
  for (const auto& ref : refs) {
    proto::OrderConfirmReq c;
    c.ref = ref;
    auto view = must(admin.call(c), "confirm " + ref).as<proto::OrderView>();
    for (const auto& l : view.lines)
      if (l.backordered != 0) throw std::runtime_error("order " + ref + " was not fully allocated");
  }

  auto wave = must(admin.call(proto::WaveCreateReq{"parcel", 0}), "wave.create").as<proto::WaveView>();
  proto::WaveReleaseReq rel;
  rel.wave = wave.id;
  must(admin.call(rel), "wave.release");
  s.wave = wave.id;
  auto tasks = must(admin.call(proto::TasksReq{wave.id, ""}), "tasks").as<proto::TasksRep>().tasks;
  if (tasks.size() < pickers.size())
    throw std::runtime_error("wave has " + std::to_string(tasks.size()) + " tasks for " + std::to_string(pickers.size()) + " pickers");
  s.tasks = tasks.size();

  // Each picker: own device id and session, then claims its share of the tasks (round robin).
  for (std::size_t i = 0; i < pickers.size(); ++i) {
    auto& p = pickers[i];
    p.conn = std::make_unique<client::Connection>(endpoint, p.device, client::Options{30000, 2, &picker_ctx});
    must(p.conn->login(p.user, k_picker_pin), p.user + " login");
  }
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto& p = pickers[i % pickers.size()];
    const auto& t = tasks[i];
    must(p.conn->call(proto::TaskClaimReq{t.id}), p.user + " claim task " + std::to_string(t.id));
    p.tasks.push_back({t.id, t.location_barcode, t.gtin, t.qty - t.picked});
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Closed-loop phases

struct Phase {
  int clients = 0;
  std::vector<double> lat_us;
  std::uint64_t measured = 0;
  double elapsed_s = 0;
  double per_s = 0;
  Pct pct;
  double server_cpu_s = 0, bench_cpu_s = 0;
  std::optional<double> disk_bytes;  // written to the data folder's disk during the measured part
  std::optional<std::uint64_t> server_commits;
};

// The server's and this process's resource counters over the measured part of a phase.
class PhaseMeter {
 public:
  PhaseMeter(pid_t server, const CommitCounter& commits) : server_(server), commits_(commits) {}
  void start() {
    cpu_srv0_ = proc_cpu_s(server_);
    wb0_ = commits_.disk_bytes();
    cpu_self0_ = self_cpu_s();
    txn0_ = commits_.txnid();
  }
  // Fills the counters, and the rates and percentiles from lat_us and the measured span.
  void finish(Phase& ph, Clock::time_point count_start, Clock::time_point last_end) const {
    ph.server_cpu_s = proc_cpu_s(server_) - cpu_srv0_;
    if (const auto wb1 = commits_.disk_bytes(); wb0_ && wb1) ph.disk_bytes = *wb1 - *wb0_;
    ph.bench_cpu_s = self_cpu_s() - cpu_self0_;
    if (auto txn1 = commits_.txnid(); txn0_ && txn1) ph.server_commits = *txn1 - *txn0_;
    ph.elapsed_s = last_end > count_start ? s_between(count_start, last_end) : 0;
    ph.per_s = ph.elapsed_s > 0 ? static_cast<double>(ph.measured) / ph.elapsed_s : 0;
    ph.pct = percentiles(ph.lat_us);
  }

 private:
  pid_t server_;
  const CommitCounter& commits_;
  double cpu_srv0_ = 0, cpu_self0_ = 0;
  std::optional<double> wb0_;
  std::optional<std::uint64_t> txn0_;
};

// `clients` pickers confirm in a closed loop, each from a thread of its own (--client-threads; the "1 seq" level).
// count > 0: each does warm_count unmeasured confirms, then `count` measured ones. count == 0: unmeasured until warm_s,
// then measured until warm_s + dur_s (a confirm is measured when it starts inside the window).
Phase run_phase(std::vector<Picker>& pickers, int clients, int warm_count, int count, double warm_s, double dur_s,
                pid_t server, const CommitCounter& commits, double count_max_s = 0) {
  Phase ph;
  ph.clients = clients;
  std::mutex mu;
  std::string error;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  Clock::time_point last_end{};
  const auto t_begin = Clock::now();
  const auto t0 = t_begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warm_s));
  const auto t_end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dur_s));
  std::atomic<int> warmed{0};
  PhaseMeter meter(server, commits);
  Clock::time_point count_start{};
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto& p = pickers[static_cast<std::size_t>(c)];
      std::vector<double> mine;
      mine.reserve(count > 0 ? static_cast<std::size_t>(count) : 65536);
      Clock::time_point end{};
      try {
        if (count > 0) {
          for (int i = 0; i < warm_count && !failed; ++i) p.confirm_one();
          warmed.fetch_add(1);
          while (warmed.load() < clients) std::this_thread::yield();
          const auto cap = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(count_max_s));
          for (int i = 0; i < count && !failed; ++i) {
            auto a = Clock::now();
            if (count_max_s > 0 && a > cap) break;  // a slow disk must not stretch the run past its budget
            if (!p.confirm_one()) break;
            end = Clock::now();
            mine.push_back(us_between(a, end));
          }
        } else {
          while (!failed && Clock::now() < t0) p.confirm_one();
          for (;;) {
            auto a = Clock::now();
            if (failed || a >= t_end) break;
            if (!p.confirm_one()) break;
            end = Clock::now();
            mine.push_back(us_between(a, end));
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lk(mu);
        if (error.empty()) error = e.what();
        failed = true;
      }
      std::lock_guard lk(mu);
      ph.lat_us.insert(ph.lat_us.end(), mine.begin(), mine.end());
      ph.measured += mine.size();
      if (end > last_end) last_end = end;
    });
  }
  // Resource counters at the start of the measured part.
  if (count > 0) {
    while (warmed.load() < clients && !failed) std::this_thread::sleep_for(std::chrono::microseconds(50));
    count_start = Clock::now();
  } else {
    std::this_thread::sleep_until(t0);
    count_start = t0;
  }
  meter.start();
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error(error);
  meter.finish(ph, count_start, last_end);
  return ph;
}

// The same closed loop (unmeasured until warm_s, measured until warm_s + dur_s) with every picker driven from this
// one thread: a DEALER socket per picker (a connection of its own, with the picker's device id, session and
// idempotency keys), one request outstanding on each, zmq::poll over all of them. The load generator shares the 2
// cores with wmsd; a thread per client costs it more CPU per confirm, and 32 runnable threads add scheduling delay
// to the tail. Any refusal or an answer missing for 10 s ends the run with an error (no retries here).
Phase run_phase_loop(std::vector<Picker>& pickers, int clients, double warm_s, double dur_s,
                     const std::string& endpoint, pid_t server, const CommitCounter& commits) {
  Phase ph;
  ph.clients = clients;
  struct Slot {
    zmq::socket_t sock;
    Picker* picker = nullptr;
    std::uint64_t id = 1u << 30;  // above the ids the picker's own connection used during set-up
    Clock::time_point sent{};
    bool busy = false;
  };
  zmq::context_t ctx(1);
  std::vector<Slot> slots;
  slots.reserve(static_cast<std::size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    slots.push_back(Slot{zmq::socket_t(ctx, zmq::socket_type::dealer), &pickers[static_cast<std::size_t>(c)]});
    slots.back().sock.set(zmq::sockopt::linger, 0);
    slots.back().sock.connect(endpoint);
  }
  const auto t_begin = Clock::now();
  const auto t0 = t_begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warm_s));
  const auto t_end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dur_s));
  auto send_next = [&](Slot& s) {
    Picker& p = *s.picker;
    while (p.current < p.tasks.size() && p.tasks[p.current].remaining <= 0) ++p.current;
    if (p.current == p.tasks.size()) return;
    const auto& t = p.tasks[p.current];
    proto::RequestHeader h;
    h.id = ++s.id;
    h.type = proto::PickConfirmReq::k_type;
    h.dev = p.device;
    h.token = p.conn->token();
    h.key = p.conn->next_key();
    const auto bytes =
        proto::encode_request_raw(h, proto::pack_body(proto::PickConfirmReq{t.id, t.location_barcode, t.gtin, 1}));
    s.sock.send(zmq::buffer(bytes), zmq::send_flags::none);
    s.sent = Clock::now();
    s.busy = true;
  };
  PhaseMeter meter(server, commits);
  bool started = false;
  Clock::time_point last_end{};
  std::vector<zmq::pollitem_t> items(slots.size());
  for (auto& s : slots) send_next(s);
  for (;;) {
    std::size_t busy = 0;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      items[i] = {slots[i].sock.handle(), 0, ZMQ_POLLIN, 0};
      busy += slots[i].busy;
    }
    if (busy == 0) break;
    if (!started && Clock::now() >= t0) {
      meter.start();
      started = true;
    }
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
    const auto now = Clock::now();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      auto& s = slots[i];
      if (s.busy && now - s.sent > std::chrono::seconds(10))
        throw std::runtime_error(s.picker->user + ": no answer to pick.confirm within 10 s");
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      zmq::message_t msg;
      if (!s.sock.recv(msg, zmq::recv_flags::dontwait)) continue;
      std::string err;
      auto rep = proto::decode_reply(msg.to_string_view(), &err);
      if (!rep) throw std::runtime_error(s.picker->user + ": unreadable answer: " + err);
      if (rep->h.id != s.id) continue;  // not ours (cannot happen with one request outstanding)
      if (rep->h.status != proto::Status::ok)
        throw std::runtime_error(s.picker->user + ": pick.confirm refused: " +
                                 std::string(proto::to_string(rep->h.status)) + ": " + rep->h.error);
      Picker& p = *s.picker;
      --p.tasks[p.current].remaining;
      ++p.acked;
      s.busy = false;
      if (s.sent >= t0 && s.sent < t_end) {
        ph.lat_us.push_back(us_between(s.sent, now));
        ++ph.measured;
        last_end = now;
      }
      if (now < t_end) send_next(s);
    }
  }
  if (!started) meter.start();
  meter.finish(ph, t0, last_end);
  return ph;
}

struct Config {
  bool quick = false;
  int echo_n = 5000, commit_n = 3000, nosync_n = 20000, single_warm = 100, single_n = 2000;
  double commit_max_s = 6, nosync_max_s = 3, warm_s = 1.0, phase_s = 6.0, single_max_s = 15;
  int pickers = 32;
  bool client_threads = false;                // timed levels with a thread per client instead of one event loop
  int sim_devices = 32, sim_tasks_each = 25;  // wms-sim: virtual handhelds, one-unit one-line orders per device
};

// ---------------------------------------------------------------------------------------------------------
// Virtual terminals: wms-sim devices (the app's own screen state machines, device agent and durable outbox) work a
// released wave of one-unit, one-line orders as fast as they can (--pace-ms 0). Each confirm on a device costs at
// least: outbox append + fdatasync, a round trip, the server's durable commit, and the outbox's "done" record.

struct SimRun {
  int devices = 0;
  std::uint64_t wave = 0;
  std::size_t tasks = 0;
  int exit_status = -1;
  double throughput = 0, span_s = 0, p50_ms = 0, p99_ms = 0, wall_s = 0;
  long answered = 0, acked = -1, refused = -1;
  double server_cpu_s = 0, sim_cpu_s = 0;
  std::optional<std::uint64_t> server_commits;
  std::int64_t picked = 0, taken = 0;  // on the server after the run: units picked in the wave, off the shelves
  std::string log;
};

std::map<std::string, std::int64_t> on_hand(client::Connection& admin) {
  std::map<std::string, std::int64_t> m;
  for (const auto& st : must(admin.call(proto::StockReq{}), "stock").as<proto::StockRep>().stock)
    m[st.sku + "|" + st.location] += st.on_hand;
  return m;
}

SimRun run_sim(const Config& cfg, const fs::path& root, Wmsd& server, client::Connection& admin,
               const CommitCounter& commits) {
  SimRun r;
  r.devices = cfg.sim_devices;
  const fs::path demo = fs::path(WMS_BENCH_ASSETS_DIR) / "demo";
  // One-line orders of one unit each, spread over the pick faces that have stock, for a parcel account.
  std::vector<std::string> skus;
  for (const auto& st : must(admin.call(proto::StockReq{}), "stock").as<proto::StockRep>().stock)
    if (st.on_hand - st.reserved > 1000 && std::find(skus.begin(), skus.end(), st.sku) == skus.end()) skus.push_back(st.sku);
  const auto accounts = parse_csv(demo / "accounts.csv");
  std::string account;
  for (const auto& row : accounts.rows)
    if (cell(accounts, row, "delivery") == "parcel") account = cell(accounts, row, "code");
  if (skus.empty() || account.empty()) throw std::runtime_error("no stock or parcel account for the wms-sim wave");
  const int n = cfg.sim_devices * cfg.sim_tasks_each;
  std::string orders = "order_ref,account,sku,qty\n";
  std::vector<std::string> refs;
  for (int i = 0; i < n; ++i) {
    char ref[32];
    std::snprintf(ref, sizeof ref, "SIM-%05d", i);
    refs.emplace_back(ref);
    orders += std::string(ref) + "," + account + "," + skus[static_cast<std::size_t>(i) % skus.size()] + ",1\n";
  }
  must(admin.call(proto::ImportReq{"orders", orders}), "import wms-sim orders");
  for (const auto& ref : refs) {
    proto::OrderConfirmReq c;
    c.ref = ref;
    must(admin.call(c), "confirm " + ref);
  }
  auto wave = must(admin.call(proto::WaveCreateReq{"parcel", 0}), "wave.create (wms-sim)").as<proto::WaveView>();
  proto::WaveReleaseReq rel;
  rel.wave = wave.id;
  must(admin.call(rel), "wave.release (wms-sim)");
  r.wave = wave.id;
  r.tasks = must(admin.call(proto::TasksReq{wave.id, ""}), "tasks").as<proto::TasksRep>().tasks.size();
  const auto before = on_hand(admin);

  std::string logins;
  for (int i = 0; i < cfg.sim_devices; ++i) logins += (i ? "," : "") + sim_user(i) + ":" + k_picker_pin;
  const std::string log = (root / "wms-sim.log").string();
  const double cpu_srv0 = proc_cpu_s(server.pid());
  const auto txn0 = commits.txnid();
  const auto t0 = Clock::now();
  const pid_t sim = spawn({WMS_SIM_PATH, "--server", server.endpoint(), "--events", server.events(), "--pickers",
                           std::to_string(cfg.sim_devices), "--picker-login", logins, "--pace-ms", "0", "--until-idle",
                           "1", "--data", (root / "sim-devices").string()},
                          log, {}, true);
  // The children's CPU (wms-sim) is read from this process's rusage of waited-for children.
  rusage ru0{}, ru1{};
  ::getrusage(RUSAGE_CHILDREN, &ru0);
  int st = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(180);
  for (;;) {
    const pid_t w = ::waitpid(sim, &st, WNOHANG);
    if (w == sim) break;
    if (Clock::now() > deadline) {
      ::kill(sim, SIGKILL);
      ::waitpid(sim, &st, 0);
      throw std::runtime_error("wms-sim did not finish within 180 s; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.wall_s = s_between(t0, Clock::now());
  ::getrusage(RUSAGE_CHILDREN, &ru1);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  r.sim_cpu_s = tv(ru1.ru_utime) + tv(ru1.ru_stime) - tv(ru0.ru_utime) - tv(ru0.ru_stime);
  r.server_cpu_s = proc_cpu_s(server.pid()) - cpu_srv0;
  if (auto txn1 = commits.txnid(); txn0 && txn1) r.server_commits = *txn1 - *txn0;
  r.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.log = slurp(log);
  // wms-sim's summary lines (handheld/sim_main.cpp prints them in these formats).
  auto line = [&](const std::string& start) {
    auto at = r.log.find("\n" + start);
    return at == std::string::npos ? std::string() : r.log.substr(at + 1, r.log.find('\n', at + 1) - at - 1);
  };
  long shorts = 0, wrong = 0, caught = 0, picks = 0, units = 0;
  std::sscanf(line("confirm to acknowledgement").c_str(),
              "confirm to acknowledgement on the device: p50 %lf ms, p99 %lf ms", &r.p50_ms, &r.p99_ms);
  std::sscanf(line("throughput:").c_str(), "throughput: %lf answered confirms/s (%ld in %lf s", &r.throughput,
              &r.answered, &r.span_s);
  std::sscanf(line("total:").c_str(),
              "total: %ld picks, %ld units, %ld shorts, %ld wrong scans (%ld caught on the device), %ld acknowledged, "
              "%ld refused",
              &picks, &units, &shorts, &wrong, &caught, &r.acked, &r.refused);
  for (const auto& t : must(admin.call(proto::TasksReq{wave.id, ""}), "tasks").as<proto::TasksRep>().tasks) r.picked += t.picked;
  const auto after = on_hand(admin);
  for (const auto& [k, q] : before) {
    auto it = after.find(k);
    r.taken += q - (it == after.end() ? 0 : it->second);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Report

void row(const std::string& what, const std::string& figure, const std::string& floor, double ratio,
         const std::string& aim, std::optional<bool> met) {
  std::printf("  %-32s %-20s %-30s %7.2fx  %-8s %s\n", what.c_str(), figure.c_str(), floor.c_str(), ratio, aim.c_str(),
              met ? (*met ? "met" : "MISSED") : "");
}


int run(const Config& cfg) {
  std::printf("wms_bench_pick (%s run)\n", cfg.quick ? "--quick" : "default");
  std::printf("machine: %s\n\n", machine_line().c_str());
  std::fflush(stdout);

  char tmpl[] = "/tmp/wms-bench-pick-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  const fs::path root(tmpl);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{root};

  // ---- floors ----
  const auto echo = floor_echo(cfg.echo_n);
  const auto writes = sample_pick_writes();
  const auto durable = floor_commits(root / "floor-sync", false, cfg.commit_n, cfg.commit_max_s, writes);
  const auto nosync = floor_commits(root / "floor-nosync", true, cfg.nosync_n, cfg.nosync_max_s, writes);
  const auto append = floor_append_sync(root / "floor-append", cfg.commit_n, cfg.commit_max_s);
  const auto echo32 = floor_echo_many(32, 300, cfg.warm_s, cfg.phase_s);
  std::printf("FLOORS (measured in this run; /tmp, same disk as the server's data folder)\n");
  std::printf("  a) ZeroMQ DEALER/ROUTER echo, 100 B, tcp loopback, in-process echo thread, n=%zu\n", echo.n);
  std::printf("       p50 %8.1f us   p99 %8.1f us\n", echo.p50, echo.p99);
  std::printf("  b) bare durable LMDB commit of a pick's writes, n=%d: task %zu B, stock %zu B, order %zu B,\n",
              durable.commits, writes.task.size(), writes.stock.size(), writes.order.size());
  std::printf("     event %zu B, audit %zu B, idempotency %zu B (%zu B in 7 tables) + 3 sequence counters\n",
              writes.event.size(), writes.audit.size(), writes.idem_bytes(), writes.bytes());
  std::printf("       p50 %8.1f us   p99 %8.1f us   %8.0f commits/s   (%s KiB written to the disk per commit)\n",
              durable.lat.p50, durable.lat.p99, durable.per_s,
              durable.kib_per_commit ? fmt("%.1f", *durable.kib_per_commit).c_str() : "n/a");
  std::printf("  c) the same commits with EnvOptions.no_sync (CPU ceiling), n=%d\n", nosync.commits);
  std::printf("       p50 %8.1f us   p99 %8.1f us   %8.0f commits/s\n", nosync.lat.p50, nosync.lat.p99, nosync.per_s);
  std::printf("  d) append 150 B to a file + fdatasync (a device outbox record), n=%zu\n", append.n);
  std::printf("       p50 %8.1f us   p99 %8.1f us\n", append.p50, append.p99);
  std::printf(
      "  e) echo a) with 32 clients in a closed loop, driven like the 32-client level (one polling thread),\n"
      "     300 B, echo thread answering at once (the transport's own ceiling here), %.1f s\n",
      cfg.phase_s);
  std::printf("       %8.0f round trips/s   p50 %8.1f us   p99 %8.1f us\n\n", echo32.per_s, echo32.pct.p50,
              echo32.pct.p99);
  std::fflush(stdout);

  // ---- server and setup ----
  const std::string admin_pin = [] {
    const auto users = parse_csv(fs::path(WMS_BENCH_ASSETS_DIR) / "demo" / "users.csv");
    for (const auto& r : users.rows)
      if (cell(users, r, "code") == "admin") return cell(users, r, "pin");
    return std::string("4711");
  }();
  const auto setup_start = Clock::now();
  Wmsd server(root, admin_pin);
  // The bench clients share one ZeroMQ context (one I/O thread), so the load generator takes as little of the
  // 2 cores as it can; each still has its own connection, user, device id and session.
  zmq::context_t picker_ctx(1);
  std::vector<Picker> pickers(static_cast<std::size_t>(cfg.pickers));
  for (std::size_t i = 0; i < pickers.size(); ++i) {
    pickers[i].user = "picker-bench-" + std::to_string(i);
    pickers[i].device = "bench-dev-" + std::to_string(i);
  }
  client::Connection admin(server.endpoint(), "bench-admin", client::Options{60000, 1});
  const auto setup = set_up_warehouse(admin, admin_pin, pickers, cfg.sim_devices, server.endpoint(), picker_ctx);
  const double setup_s = s_between(setup_start, Clock::now());
  std::printf("SETUP through the protocol: %.1f s (demo products/locations/accounts/users, %zu bench pickers, stock %lld\n"
              "  per pick face, %zu one-line orders of %lld units confirmed, wave %llu created and released, %zu tasks\n"
              "  claimed; pid %d, data %s)\n\n",
              setup_s, pickers.size(), static_cast<long long>(setup.stock_per_bin), pickers.size(),
              static_cast<long long>(k_order_qty), static_cast<unsigned long long>(setup.wave), setup.tasks,
              static_cast<int>(server.pid()), server.data_dir().c_str());
  std::fflush(stdout);

  // ---- figures ----
  CommitCounter commits(server.data_dir());
  const auto single = run_phase(pickers, 1, cfg.single_warm, cfg.single_n, 0, 0, server.pid(), commits, cfg.single_max_s);
  std::vector<Phase> phases;
  for (int c : {1, 8, 32}) {
    if (c > cfg.pickers) break;
    phases.push_back(cfg.client_threads ? run_phase(pickers, c, 0, 0, cfg.warm_s, cfg.phase_s, server.pid(), commits)
                                        : run_phase_loop(pickers, c, cfg.warm_s, cfg.phase_s, server.endpoint(),
                                                         server.pid(), commits));
  }

  const double one_commit_rate = 1e6 / durable.lat.p50;
  std::printf(
      "FIGURES (real wmsd, default durability; pick.confirm qty 1, closed loop, each client its own\n"
      "         user, device id, connection and task; %.1f s per concurrency level after %.1f s warm-up;\n"
      "         the 1/8/32-client levels driven %s)\n",
      cfg.phase_s, cfg.warm_s,
      cfg.client_threads ? "by a thread per client" : "from one thread polling every client's socket");
  std::printf("  %-32s %-20s %-30s %8s  %-8s %s\n", "figure", "value", "floor", "ratio", "aim", "");
  row("1 client, " + std::to_string(single.pct.n) + " confirms: p50", fmt("%.1f us", single.pct.p50),
      "a.p50 + b.p50 = " + fmt("%.1f us", echo.p50 + durable.lat.p50), single.pct.p50 / (echo.p50 + durable.lat.p50),
      "<= 1.2x", single.pct.p50 / (echo.p50 + durable.lat.p50) <= 1.2);
  row("1 client, " + std::to_string(single.pct.n) + " confirms: p99", fmt("%.1f us", single.pct.p99),
      "a.p99 + b.p99 = " + fmt("%.1f us", echo.p99 + durable.lat.p99), single.pct.p99 / (echo.p99 + durable.lat.p99),
      "", std::nullopt);
  for (const auto& ph : phases) {
    const bool top = ph.clients == 32;
    const std::string who = (ph.clients < 10 ? " " : "") + std::to_string(ph.clients) + (ph.clients == 1 ? " client " : " clients");
    row(who + ": throughput", fmt("%.0f confirms/s", ph.per_s), "1/b.p50 = " + fmt("%.0f commits/s", one_commit_rate),
        ph.per_s / one_commit_rate, top ? ">= 10x" : "", top ? std::optional<bool>(ph.per_s / one_commit_rate >= 10) : std::nullopt);
    row("", "", "c = " + fmt("%.0f commits/s", nosync.per_s), ph.per_s / nosync.per_s, top ? ">= 0.6x" : "",
        top ? std::optional<bool>(ph.per_s / nosync.per_s >= 0.6) : std::nullopt);
    if (top) row("", "", "e = " + fmt("%.0f round trips/s", echo32.per_s), ph.per_s / echo32.per_s, "", std::nullopt);
    row("            p50", fmt("%.1f us", ph.pct.p50), "b.p50 = " + fmt("%.1f us", durable.lat.p50),
        ph.pct.p50 / durable.lat.p50, "", std::nullopt);
    row("            p99", fmt("%.1f us", ph.pct.p99), "b.p99 = " + fmt("%.1f us", durable.lat.p99),
        ph.pct.p99 / durable.lat.p99, "< 3x", ph.pct.p99 / durable.lat.p99 < 3);
  }
  std::printf("  (throughput aims are for 32 clients; 1/b.p50 is the rate of one durable commit per request)\n");
  {
    const double need = std::max(10 * one_commit_rate, 0.6 * nosync.per_s);
    std::printf(
        "  (the 32-client aims ask for %.0f confirms/s, %.2fx of the %.0f round trips/s the bare echo e) made\n"
        "   with no server work at all on these cores, and a p99 under %.1f us, where e)'s p99 alone was\n"
        "   %.1f us = %.2fx b.p99)\n\n",
        need, need / echo32.per_s, echo32.per_s, 3 * durable.lat.p99, echo32.pct.p99, echo32.pct.p99 / durable.lat.p99);
  }

  std::printf("DIAGNOSIS (measured part of each level)\n");
  std::printf("  %-10s %8s %7s %8s %9s %9s %10s %10s %10s %12s\n", "level", "confirms", "seconds", "commits",
              "conf/cmt", "us/cmt", "KiB/cmt", "srvCPU/cf", "benchCPU/cf", "bound/s");
  auto diag = [&](const std::string& name, const Phase& ph) {
    const double n = static_cast<double>(std::max<std::uint64_t>(ph.measured, 1));
    const double cm = ph.server_commits ? static_cast<double>(std::max<std::uint64_t>(*ph.server_commits, 1)) : 0;
    const std::string na = "n/a";
    std::printf("  %-10s %8llu %7.2f %8s %9s %9s %10s %8.1fus %9.1fus %12.0f\n", name.c_str(),
                static_cast<unsigned long long>(ph.measured), ph.elapsed_s,
                cm > 0 ? std::to_string(*ph.server_commits).c_str() : na.c_str(),
                cm > 0 ? fmt("%.2f", n / cm).c_str() : na.c_str(),
                cm > 0 ? fmt("%.0f", ph.elapsed_s * 1e6 / cm).c_str() : na.c_str(),
                cm > 0 && ph.disk_bytes ? fmt("%.1f", *ph.disk_bytes / 1024.0 / cm).c_str() : na.c_str(),
                ph.server_cpu_s * 1e6 / n, ph.bench_cpu_s * 1e6 / n, ph.clients * 1e6 / (echo.p50 + durable.lat.p50));
  };
  diag("1 seq", single);
  for (const auto& ph : phases) diag(std::to_string(ph.clients) + (ph.clients == 1 ? " client" : " clients"), ph);
  std::printf(
      "  commits: the server's LMDB write transactions (its environment read-only from here); us/cmt: wall time\n"
      "  per commit cycle; KiB/cmt: writes to the data folder's disk per commit (/sys/dev/block/*/stat, all\n"
      "  processes; floor b: %s KiB);\n"
      "  srvCPU/cf, benchCPU/cf: CPU per confirm of wmsd and of this bench's clients, which share the same %ld\n"
      "  cores; bound/s: clients / (a.p50 + b.p50), the most a closed loop of that many clients can reach,\n"
      "  as each confirm waits for at least one round trip and one durable commit\n\n",
      durable.kib_per_commit ? fmt("%.1f", *durable.kib_per_commit).c_str() : "n/a", ::sysconf(_SC_NPROCESSORS_ONLN));

  // ---- correctness: units picked on the server == confirmations acknowledged ----
  std::uint64_t acked = 0;
  for (const auto& p : pickers) acked += p.acked;
  std::int64_t picked = 0;
  for (const auto& t : must(admin.call(proto::TasksReq{setup.wave, ""}), "tasks").as<proto::TasksRep>().tasks) picked += t.picked;
  std::int64_t taken = 0;
  for (const auto& st : must(admin.call(proto::StockReq{}), "stock").as<proto::StockRep>().stock) {
    auto it = setup.stock_start.find(st.sku + "|" + st.location);
    if (it != setup.stock_start.end()) taken += it->second - st.on_hand;
  }
  const bool ok = picked == static_cast<std::int64_t>(acked) && taken == static_cast<std::int64_t>(acked);
  std::printf("CHECK: %llu confirmations acknowledged; server: %lld units picked (tasks), %lld units off the shelves\n"
              "       (stock): %s\n",
              static_cast<unsigned long long>(acked), static_cast<long long>(picked), static_cast<long long>(taken),
              ok ? "match" : "MISMATCH");
  for (auto& p : pickers) p.conn.reset();
  std::fflush(stdout);

  // ---- virtual terminals (wms-sim) on the same server ----
  bool sim_ok = true;
  if (cfg.sim_devices > 0) {
    const auto sim = run_sim(cfg, root, server, admin, commits);
    const double floor_p50_ms = (2 * append.p50 + echo.p50 + durable.lat.p50) / 1000.0;
    const double floor_p99_ms = (2 * append.p99 + echo.p99 + durable.lat.p99) / 1000.0;
    std::printf("VIRTUAL TERMINALS: wms-sim --pickers %d --pace-ms 0 (the app's screen state machine, device agent and\n"
                "         durable outbox per device; location, product and tote scans per one-unit pick) on wave %llu,\n"
                "         %zu one-line orders; %.1f s wall incl. sign-in and 1 s idle at the end\n",
                sim.devices, static_cast<unsigned long long>(sim.wave), sim.tasks, sim.wall_s);
    std::printf("  %-32s %-20s %-30s %8s\n", "figure", "value", "floor", "ratio");
    row("throughput", fmt("%.0f confirms/s", sim.throughput), "1/b.p50 = " + fmt("%.0f commits/s", one_commit_rate),
        sim.throughput / one_commit_rate, "", std::nullopt);
    row("confirm -> answer on device p50", fmt("%.2f ms", sim.p50_ms), "2d + a + b p50 = " + fmt("%.2f ms", floor_p50_ms),
        sim.p50_ms / floor_p50_ms, "", std::nullopt);
    row("confirm -> answer on device p99", fmt("%.2f ms", sim.p99_ms), "2d + a + b p99 = " + fmt("%.2f ms", floor_p99_ms),
        sim.p99_ms / floor_p99_ms, "", std::nullopt);
    const double nconf = static_cast<double>(std::max<long>(sim.answered, 1));
    std::printf("  diagnosis: %s server commits (%s confirms/commit), wmsd CPU %.1f us/confirm, wms-sim CPU %.1f us/confirm\n"
                "  (CPU over the whole wms-sim run, sign-in with its slow PIN checks included; 2d: the outbox record on the\n"
                "  device before sending, and its done record after the answer)\n",
                sim.server_commits ? std::to_string(*sim.server_commits).c_str() : "n/a",
                sim.server_commits ? fmt("%.2f", nconf / static_cast<double>(std::max<std::uint64_t>(*sim.server_commits, 1))).c_str() : "n/a",
                sim.server_cpu_s * 1e6 / nconf, sim.sim_cpu_s * 1e6 / nconf);
    sim_ok = sim.exit_status == 0 && sim.refused == 0 && sim.acked == static_cast<long>(sim.tasks) &&
             sim.picked == static_cast<std::int64_t>(sim.tasks) && sim.taken == static_cast<std::int64_t>(sim.tasks);
    std::printf("CHECK: wms-sim exit %d, %ld confirmations acknowledged, %ld refused; server: %lld of %zu one-unit tasks\n"
                "       picked, %lld units off the shelves: %s\n\n",
                sim.exit_status, sim.acked, sim.refused, static_cast<long long>(sim.picked), sim.tasks,
                static_cast<long long>(sim.taken), sim_ok ? "match" : "MISMATCH");
    if (!sim_ok) std::printf("wms-sim output:\n%s\n", sim.log.c_str());
  }

  const int st = server.stop();
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    std::printf("note: wmsd did not exit cleanly on SIGTERM (status %d)\n", st);
  return ok && sim_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      cfg.quick = true;
      cfg.echo_n = 2000;
      cfg.commit_n = 600;
      cfg.nosync_n = 5000;
      cfg.commit_max_s = 1.5;
      cfg.nosync_max_s = 1;
      cfg.single_warm = 30;
      cfg.single_n = 300;
      cfg.single_max_s = 3;
      cfg.warm_s = 0.3;
      cfg.phase_s = 1.5;
      cfg.sim_devices = 8;
      cfg.sim_tasks_each = 10;
    } else if (a == "--client-threads") {
      cfg.client_threads = true;
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: wms_bench_pick [--quick] [--client-threads]\n"
          "  Starts its own wmsd (" WMSD_PATH
          ") on a temp folder and prints pick-confirm figures next to\n"
          "  floors measured in the same run. --quick: short run (< 20 s); default: < 90 s.\n"
          "  --client-threads: the 1/8/32-client levels with a thread (and client::Connection) per client\n"
          "  instead of one thread driving every client's socket.\n"
          "  Exit 1 if the units picked on the server differ from the confirmations acknowledged.\n");
      return 0;
    } else {
      std::fprintf(stderr, "unknown option %s (try --help)\n", a.c_str());
      return 2;
    }
  }
  std::signal(SIGINT, on_fatal_signal);
  std::signal(SIGTERM, on_fatal_signal);
  std::signal(SIGPIPE, SIG_IGN);
  const auto t0 = Clock::now();
  try {
    int rc = run(cfg);
    std::printf("total %.1f s\n", s_between(t0, Clock::now()));
    return rc;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "wms_bench_pick failed: %s\n", e.what());
    return 1;
  }
}
