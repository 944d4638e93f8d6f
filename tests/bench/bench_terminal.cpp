// wms_bench_terminal: start-up time, memory and idle CPU/wake-ups of the real wms-terminal (handheld profile) in an
// Xvfb this program starts, next to a floor measured in the same run: this program re-executed in --floor-window mode,
// a bare SDL2 window (480x800, same GL 3.0 core attributes as the app) that clears once, swaps, then blocks in
// SDL_WaitEvent. Figures: (1) start to first frame, as the app logs it and as seen from here, N runs each,
// interleaved; (2) VmRSS/VmHWM once signed in and idle; (3) CPU and context switches over an idle window with a
// --demo wmsd up (heartbeats flowing), then (4) with wmsd stopped (the agent retrying with backoff).
// Not a ctest test, and nothing here passes or fails on time: the exit code is 0 when every figure was measured,
// 1 when something could not be measured (missing Xvfb or binaries, a child that died or never drew).
#define SDL_MAIN_HANDLED
#include <SDL.h>
#include <SDL_opengl.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "wms/proto/messages.hpp"
#include "wms/shared/client.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* k_marker = "first frame drawn ";  // the app's line: "...first frame drawn N ms after start"
constexpr int k_width = 480, k_height = 800;            // the handheld profile's default window

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// ---------------------------------------------------------------------------------------------------------
// --floor-window: what any SDL2 + OpenGL 3 program pays before its first frame, and what it costs while it sleeps.
// Same SDL subsystems and GL attributes as handheld/view/platform.cpp; no ImGui, fonts, agent or sockets.

int floor_window_main(Clock::time_point started) {
  SDL_SetMainReady();
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER | SDL_INIT_EVENTS) != 0) {
    std::fprintf(stderr, "floor-window: SDL_Init failed: %s\n", SDL_GetError());
    return 1;
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);
  SDL_Window* window = SDL_CreateWindow("wms bench floor", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, k_width,
                                        k_height, SDL_WINDOW_OPENGL | SDL_WINDOW_SHOWN);
  if (!window) {
    std::fprintf(stderr, "floor-window: SDL_CreateWindow failed: %s\n", SDL_GetError());
    SDL_Quit();
    return 1;
  }
  SDL_GLContext gl = SDL_GL_CreateContext(window);
  if (!gl) {
    std::fprintf(stderr, "floor-window: OpenGL 3.0 context failed: %s\n", SDL_GetError());
    SDL_DestroyWindow(window);
    SDL_Quit();
    return 1;
  }
  SDL_GL_MakeCurrent(window, gl);
  SDL_GL_SetSwapInterval(1);
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  SDL_GL_SwapWindow(window);
  std::fprintf(
      stderr, "floor-window: first frame drawn %lld ms after start\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()));
  std::fprintf(stderr, "floor-window: GL %s | %s\n", reinterpret_cast<const char*>(glGetString(GL_VERSION)),
               reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
  // SDL turns SIGTERM/SIGINT into SDL_QUIT, so the bench stops the floor exactly as it stops the app.
  SDL_Event ev;
  while (SDL_WaitEvent(&ev) == 1)
    if (ev.type == SDL_QUIT) break;
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Children: every process this bench starts is registered here, so that a failure, an exception or Ctrl-C
// still ends them (and PR_SET_PDEATHSIG ends them if the bench itself is killed with SIGKILL).

std::array<std::atomic<pid_t>, 32> g_children{};

void register_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t p = pid;
    if (slot.compare_exchange_strong(p, 0)) return;
  }
}

extern "C" void on_fatal_signal(int sig) {
  for (auto& slot : g_children) {
    const pid_t p = slot.load();
    if (p > 0) ::kill(p, SIGKILL);
  }
  for (auto& slot : g_children) {
    const pid_t p = slot.exchange(0);
    if (p > 0) ::waitpid(p, nullptr, 0);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const auto key = kv.substr(0, kv.find('=') + 1);
    if (std::none_of(overrides.begin(), overrides.end(), [&](const std::string& o) { return o.rfind(key, 0) == 0; }))
      env.push_back(kv);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

// fork + execve; stdout and stderr go to `out_fd`, `keep_fd` (if >= 0) stays open across exec. argv and envp
// are built before the fork: the reader threads make this process multi-threaded, so the child may only make
// async-signal-safe calls.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, int out_fd, int keep_fd) {
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::setpgid(0, 0);  // Ctrl-C in the terminal reaches the bench only; the bench ends its children itself
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out_fd >= 0 ? out_fd : null_fd, 1);
    ::dup2(out_fd >= 0 ? out_fd : null_fd, 2);
    if (keep_fd >= 0) ::fcntl(keep_fd, F_SETFD, 0);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  register_child(pid);
  return pid;
}

// SIGTERM, then SIGKILL if the process has not exited within `grace_ms`. Returns the wait status.
int end_process(pid_t pid, int grace_ms) {
  if (pid <= 0) return 0;
  ::kill(pid, SIGTERM);
  int st = 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(grace_ms);
  for (;;) {
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  unregister_child(pid);
  return st;
}

struct FirstFrame {
  long self_ms = 0;    // what the process logs: its main() to the first swapped frame
  double seen_ms = 0;  // what the bench sees: just before fork to the line arriving on the pipe
};

// A child whose stdout+stderr a reader thread copies to a log file, noting when the first-frame line arrives.
class Child {
 public:
  Child(std::string name, const std::vector<std::string>& args, const std::vector<std::string>& env,
        const fs::path& log)
      : name_(std::move(name)), log_path_(log) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    log_.open(log, std::ios::binary | std::ios::trunc);
    started_ = Clock::now();
    try {
      pid_ = spawn(args, env, fds[1], -1);
    } catch (...) {
      ::close(fds[0]);
      ::close(fds[1]);
      throw;
    }
    ::close(fds[1]);
    fd_ = fds[0];
    reader_ = std::thread([this] { read_loop(); });
  }
  ~Child() {
    stop(3000);
    stop_reader_ = true;
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  const fs::path& log_path() const { return log_path_; }

  bool alive() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      unregister_child(pid_);
      pid_ = -1;
      exit_status_ = st;
      return false;
    }
    return true;
  }

  // The first-frame line, or an error naming what went wrong (exit, timeout) with the log's tail.
  FirstFrame wait_first_frame(double timeout_s) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    for (;;) {
      {
        std::lock_guard lk(mu_);
        if (first_) return *first_;
      }
      if (!alive()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the reader take the last lines
        throw std::runtime_error(name_ + " exited (" + describe_status(exit_status_) +
                                 ") before drawing a frame; log " + log_path_.string() + ":\n" + tail());
      }
      if (Clock::now() > deadline)
        throw std::runtime_error(name_ + " drew no frame within " + std::to_string(static_cast<int>(timeout_s)) +
                                 " s; log " + log_path_.string() + ":\n" + tail());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  int stop(int grace_ms) {
    if (pid_ <= 0) return exit_status_;
    exit_status_ = end_process(pid_, grace_ms);
    pid_ = -1;
    return exit_status_;
  }

  std::string text() {
    std::lock_guard lk(mu_);
    return text_;
  }
  std::string tail(std::size_t max_chars = 2000) {
    const std::string t = text();
    return t.size() > max_chars ? "..." + t.substr(t.size() - max_chars) : t;
  }
  // The first log line containing `needle`, without its end of line; empty if none.
  std::string line_with(const std::string& needle) {
    const std::string t = text();
    const auto at = t.find(needle);
    if (at == std::string::npos) return {};
    const auto begin = t.rfind('\n', at);
    const auto from = begin == std::string::npos ? 0 : begin + 1;
    return t.substr(from, t.find('\n', at) - from);
  }

  static std::string describe_status(int st) {
    if (WIFEXITED(st)) return "exit code " + std::to_string(WEXITSTATUS(st));
    if (WIFSIGNALED(st)) return std::string("signal ") + strsignal(WTERMSIG(st));
    return "status " + std::to_string(st);
  }

 private:
  void read_loop() {
    char buf[4096];
    std::size_t scanned = 0;
    while (!stop_reader_) {
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, 100);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // every writer is gone
      const auto now = Clock::now();
      log_.write(buf, n);
      log_.flush();
      std::lock_guard lk(mu_);
      text_.append(buf, static_cast<std::size_t>(n));
      // Look at complete lines only: the number may arrive in two reads.
      for (auto eol = text_.find('\n', scanned); eol != std::string::npos; eol = text_.find('\n', scanned)) {
        const std::string line = text_.substr(scanned, eol - scanned);
        scanned = eol + 1;
        const auto at = line.find(k_marker);
        if (first_ || at == std::string::npos) continue;
        FirstFrame f;
        f.self_ms = std::strtol(line.c_str() + at + std::strlen(k_marker), nullptr, 10);
        f.seen_ms = ms_between(started_, now);
        first_ = f;
      }
    }
  }

  std::string name_;
  fs::path log_path_;
  std::ofstream log_;
  Clock::time_point started_;
  pid_t pid_ = -1;
  int exit_status_ = 0;
  int fd_ = -1;
  std::atomic<bool> stop_reader_{false};
  std::mutex mu_;
  std::string text_;
  std::optional<FirstFrame> first_;
  std::thread reader_;
};

// ---------------------------------------------------------------------------------------------------------
// Xvfb and wmsd

std::optional<std::string> find_in_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(ss, dir, ':');) {
    const std::string full = (dir.empty() ? "." : dir) + "/" + exe;
    if (::access(full.c_str(), X_OK) == 0) return full;
  }
  return std::nullopt;
}

// Xvfb on the first free display number it finds itself (-displayfd, as tests/integration/test_terminal_gui.cpp).
class Xvfb {
 public:
  explicit Xvfb(const fs::path& log) {
    const auto exe = find_in_path("Xvfb");
    if (!exe) throw std::runtime_error("Xvfb not found in PATH (Debian: apt install xvfb; deploy/install-deps.sh)");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = spawn({*exe, "-displayfd", std::to_string(fds[1]), "-screen", "0", "1024x1024x24", "-nolisten", "tcp", "-noreset"},
                 environment_with({}), log_fd, fds[1]);
    ::close(fds[1]);
    if (log_fd >= 0) ::close(log_fd);
    // Xvfb writes the display number once it accepts clients; EOF means it died.
    std::string got;
    pollfd p{fds[0], POLLIN, 0};
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (got.find('\n') == std::string::npos && Clock::now() < deadline) {
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[32];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (got.empty() || got.find('\n') == std::string::npos) {
      end_process(pid_, 1000);
      pid_ = -1;
      throw std::runtime_error("Xvfb did not start; see " + log.string());
    }
    display_ = ":" + got.substr(0, got.find('\n'));
  }
  ~Xvfb() { end_process(pid_, 3000); }
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;
  const std::string& display() const { return display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};

int free_port(const std::vector<int>& not_these) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const bool ok = s >= 0 && ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    if (s >= 0) ::close(s);
    if (!ok) throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
    const int port = ntohs(a.sin_port);
    if (std::find(not_these.begin(), not_these.end(), port) == not_these.end()) return port;
  }
  throw std::runtime_error("cannot find a free port");
}

class Wmsd {
 public:
  explicit Wmsd(const fs::path& root) {
    const int port = free_port({});
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(port);
    events_ = "tcp://127.0.0.1:" + std::to_string(free_port({port}));
    child_ = std::make_unique<Child>(
        "wmsd",
        std::vector<std::string>{WMSD_PATH, "--data", (root / "wmsd-data").string(), "--bind", endpoint_, "--pub",
                                 events_, "--demo", "--assets", WMS_BENCH_ASSETS_DIR, "--log-level", "warn"},
        environment_with({}), root / "wmsd.log");
    wms::client::Connection probe(endpoint_, "bench-probe", wms::client::Options{200, 1});
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      if (!child_->alive())
        throw std::runtime_error("wmsd exited during start-up; log " + child_->log_path().string() + ":\n" +
                                 child_->tail());
      try {
        if (probe.call(wms::proto::HelloReq{"wms_bench_terminal"}).ok()) return;
      } catch (const wms::client::Unreachable&) {
      }
    }
    throw std::runtime_error("wmsd did not answer hello within 20 s; log " + child_->log_path().string());
  }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& events() const { return events_; }
  int stop() { return child_->stop(10000); }

 private:
  std::string endpoint_, events_;
  std::unique_ptr<Child> child_;
};

// ---------------------------------------------------------------------------------------------------------
// /proc readers

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A "Key:   123 kB" field of a /proc status file; -1 if absent.
long status_field(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return -1;
  return std::strtol(status.c_str() + at + key.size() + 2, nullptr, 10);
}

// utime + stime (clock ticks) from a /proc stat file: fields 14 and 15, counted after the ")" that ends the name.
long stat_ticks(const std::string& stat) {
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string tok;
  std::vector<std::string> f;
  while (rest >> tok && f.size() < 13) f.push_back(tok);
  if (f.size() < 13) return 0;  // f[0] is field 3 (state)
  return std::stol(f[11]) + std::stol(f[12]);
}

struct Memory {
  long rss_kb = 0, hwm_kb = 0, anon_kb = 0, file_kb = 0, threads = 0;
};

Memory read_memory(pid_t pid) {
  const std::string s = read_file("/proc/" + std::to_string(pid) + "/status");
  if (s.empty()) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/status (process gone?)");
  Memory m;
  m.rss_kb = status_field(s, "VmRSS");
  m.hwm_kb = status_field(s, "VmHWM");
  m.anon_kb = status_field(s, "RssAnon");
  m.file_kb = status_field(s, "RssFile") + std::max(0L, status_field(s, "RssShmem"));
  m.threads = status_field(s, "Threads");
  return m;
}

struct ThreadSample {
  std::string name;
  long vcs = 0, ivcs = 0;  // voluntary (blocked, then woken) and involuntary (preempted) context switches
  long long run_ns = -1;   // time on CPU from schedstat (ns); -1 where the kernel does not give it
  long ticks = 0;          // utime + stime
};

struct Sample {
  Clock::time_point at;
  long ticks = 0;  // whole process, including threads that have ended
  std::map<long, ThreadSample> threads;
};

// /proc/<pid>/status counts context switches of the main thread only, so every thread is read on its own.
Sample sample(pid_t pid) {
  Sample s;
  const fs::path root = "/proc/" + std::to_string(pid);
  const std::string stat = read_file(root / "stat");
  if (stat.empty()) throw std::runtime_error("cannot read " + (root / "stat").string() + " (process gone?)");
  s.ticks = stat_ticks(stat);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root / "task", ec)) {
    const std::string st = read_file(e.path() / "status");
    if (st.empty()) continue;  // ended while we looked
    ThreadSample t;
    t.name = read_file(e.path() / "comm");
    while (!t.name.empty() && t.name.back() == '\n') t.name.pop_back();
    t.vcs = status_field(st, "voluntary_ctxt_switches");
    t.ivcs = status_field(st, "nonvoluntary_ctxt_switches");
    t.ticks = stat_ticks(read_file(e.path() / "stat"));
    const std::string sched = read_file(e.path() / "schedstat");
    if (!sched.empty()) t.run_ns = std::strtoll(sched.c_str(), nullptr, 10);
    s.threads[std::strtol(e.path().filename().c_str(), nullptr, 10)] = t;
  }
  s.at = Clock::now();
  return s;
}

struct ThreadDelta {
  long tid = 0;
  std::string name;
  long vcs = 0, ivcs = 0;
  double cpu_ms = 0;
};

struct Idle {
  double seconds = 0;
  double cpu_ms = 0;  // utime + stime, whole process (10 ms ticks)
  double run_ms = 0;  // schedstat sum over threads (ns resolution; threads that ended inside the window missed)
  bool have_run = true;
  long vcs = 0, ivcs = 0;  // summed over threads
  long main_vcs = 0;       // the UI thread (tid == pid)
  std::vector<ThreadDelta> threads;
};

Idle delta(pid_t pid, const Sample& a, const Sample& b) {
  const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  Idle d;
  d.seconds = ms_between(a.at, b.at) / 1000.0;
  d.cpu_ms = static_cast<double>(b.ticks - a.ticks) * tick_ms;
  for (const auto& [tid, t] : b.threads) {
    const auto it = a.threads.find(tid);
    const ThreadSample zero{};
    const ThreadSample& before = it == a.threads.end() ? zero : it->second;  // a thread born inside the window
    ThreadDelta td{tid, t.name, t.vcs - before.vcs, t.ivcs - before.ivcs, 0};
    if (t.run_ns >= 0 && (it == a.threads.end() || before.run_ns >= 0)) {
      td.cpu_ms = static_cast<double>(t.run_ns - std::max(0LL, before.run_ns)) / 1e6;
      d.run_ms += td.cpu_ms;
    } else {
      td.cpu_ms = static_cast<double>(t.ticks - before.ticks) * tick_ms;
      d.have_run = false;
    }
    d.vcs += td.vcs;
    d.ivcs += td.ivcs;
    if (tid == pid) d.main_vcs = td.vcs;
    d.threads.push_back(td);
  }
  std::sort(d.threads.begin(), d.threads.end(), [](const auto& x, const auto& y) { return x.vcs > y.vcs; });
  return d;
}

// Samples both processes, sleeps, samples again: both windows cover the same seconds.
std::pair<Idle, Idle> idle_window(Child& app, Child& floor, double seconds) {
  if (!app.alive()) throw std::runtime_error("wms-terminal exited before the idle window; log:\n" + app.tail());
  if (!floor.alive()) throw std::runtime_error("floor window exited before the idle window; log:\n" + floor.tail());
  const Sample a0 = sample(app.pid()), f0 = sample(floor.pid());
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const Sample a1 = sample(app.pid()), f1 = sample(floor.pid());
  if (!app.alive()) throw std::runtime_error("wms-terminal exited during the idle window; log:\n" + app.tail());
  if (!floor.alive()) throw std::runtime_error("floor window exited during the idle window; log:\n" + floor.tail());
  return {delta(app.pid(), a0, a1), delta(floor.pid(), f0, f1)};
}

// ---------------------------------------------------------------------------------------------------------
// Printing

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string ratio(double value, double floor_value) {
  if (floor_value <= 0) return value <= 0 ? "1.0x" : "floor 0";
  return fmt("%.1fx", value / floor_value);
}

void row(const std::string& figure, const std::string& value, const std::string& floor_text, const std::string& r) {
  std::printf("  %-46s %16s %16s %8s\n", figure.c_str(), value.c_str(), floor_text.c_str(), r.c_str());
}

void row(const std::string& figure, double value, double floor_value, const char* f) {
  row(figure, fmt(f, value), fmt(f, floor_value), ratio(value, floor_value));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

double max_of(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

std::string loadavg() {
  std::string s = read_file("/proc/loadavg");
  std::istringstream in(s);
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string machine_line() {
  std::string model = "unknown CPU";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(line.find_first_not_of(" \t", colon + 1));
      break;
    }
  }
  utsname u{};
  ::uname(&u);
  SDL_version v;
  SDL_GetVersion(&v);
  std::ostringstream ss;
  ss << "nproc " << ::sysconf(_SC_NPROCESSORS_ONLN) << " | " << model << " | " << u.sysname << " " << u.release << " "
     << u.machine << " | SDL " << int(v.major) << "." << int(v.minor) << "." << int(v.patch);
  return ss.str();
}

void print_idle(const std::string& title, const Idle& app, const Idle& floor) {
  const double ms = app.seconds * 1000;
  std::printf("%s\n", title.c_str());
  std::printf("  %-46s %16s %16s %8s\n", "figure", "wms-terminal", "floor", "ratio");
  row("CPU (utime+stime, 10 ms ticks)", fmt("%.0f ms", app.cpu_ms), fmt("%.0f ms", floor.cpu_ms),
      ratio(app.cpu_ms, floor.cpu_ms));
  row("  % of one core", fmt("%.2f %%", 100 * app.cpu_ms / ms), fmt("%.2f %%", 100 * floor.cpu_ms / ms),
      ratio(app.cpu_ms, floor.cpu_ms));
  if (app.have_run && floor.have_run)
    row("CPU on-CPU time (schedstat, all threads)", fmt("%.1f ms", app.run_ms), fmt("%.1f ms", floor.run_ms),
        ratio(app.run_ms, floor.run_ms));
  row("voluntary context switches, all threads", fmt("%.0f", static_cast<double>(app.vcs)),
      fmt("%.0f", static_cast<double>(floor.vcs)), ratio(static_cast<double>(app.vcs), static_cast<double>(floor.vcs)));
  row("  per second", fmt("%.1f /s", static_cast<double>(app.vcs) / app.seconds),
      fmt("%.1f /s", static_cast<double>(floor.vcs) / floor.seconds),
      ratio(static_cast<double>(app.vcs), static_cast<double>(floor.vcs)));
  row("  of which the main (UI) thread", fmt("%.0f", static_cast<double>(app.main_vcs)),
      fmt("%.0f", static_cast<double>(floor.main_vcs)),
      ratio(static_cast<double>(app.main_vcs), static_cast<double>(floor.main_vcs)));
  if (!app.threads.empty() && app.threads.front().vcs > 0)  // sorted busiest first
    row("  busiest thread: " + app.threads.front().name, fmt("%.0f", static_cast<double>(app.threads.front().vcs)), "",
        "");
  row("involuntary context switches, all threads", fmt("%.0f", static_cast<double>(app.ivcs)),
      fmt("%.0f", static_cast<double>(floor.ivcs)),
      ratio(static_cast<double>(app.ivcs), static_cast<double>(floor.ivcs)));
}

void print_threads(const char* who, const Idle& up, const std::optional<Idle>& down) {
  std::printf("  %s (%zu threads):\n", who, up.threads.size());
  std::map<long, const ThreadDelta*> by_tid_down;
  if (down)
    for (const auto& t : down->threads) by_tid_down[t.tid] = &t;
  int quiet = 0;
  for (const auto& t : up.threads) {
    const auto it = by_tid_down.find(t.tid);
    if (t.vcs == 0 && t.ivcs == 0 && (it == by_tid_down.end() || (it->second->vcs == 0 && it->second->ivcs == 0))) {
      ++quiet;
      continue;
    }
    std::printf("    %-8ld %-16s  up: %5ld wake-ups %7.1f ms CPU", t.tid, t.name.c_str(), t.vcs, t.cpu_ms);
    if (it != by_tid_down.end())
      std::printf("   down: %5ld wake-ups %7.1f ms CPU", it->second->vcs, it->second->cpu_ms);
    std::printf("\n");
  }
  if (down)
    for (const auto& t : down->threads)
      if (std::none_of(up.threads.begin(), up.threads.end(), [&](const auto& u) { return u.tid == t.tid; }))
        std::printf("    %-8ld %-16s  (new) down: %5ld wake-ups %7.1f ms CPU\n", t.tid, t.name.c_str(), t.vcs,
                    t.cpu_ms);
  if (quiet > 0) std::printf("    and %d threads that did not wake in either window\n", quiet);
}

// ---------------------------------------------------------------------------------------------------------
// The run

struct Config {
  int runs = 5;
  double idle_s = 10;
  bool server_down = true;
  bool sign_in = true;
  bool keep = false;
};

std::string self_exe() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot resolve /proc/self/exe: " + ec.message());
  return p.string();
}

struct Shell {
  int status = -1;
  std::string output;
};

Shell shell(const std::string& cmd) {
  Shell r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// Types the demo picker's code and PIN into the app's sign-in screen with xdotool, as a wedge scanner would, and
// waits for the agent to store the session. Returns what happened, for the report.
std::string sign_in(const std::string& display, const fs::path& device_dir) {
  if (!find_in_path("xdotool")) return "not signed in (xdotool not installed): idle on the sign-in screen";
  const std::string env = "DISPLAY=" + display + " timeout 10 xdotool ";
  std::string window;
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (window.empty() && Clock::now() < deadline) {
    const auto r = shell(env + "search --name 'WMS handheld - bench-1'");
    if (r.status == 0 && !r.output.empty())
      window = r.output.substr(0, r.output.find('\n'));
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (window.empty()) throw std::runtime_error("xdotool found no 'WMS handheld - bench-1' window");
  for (const std::string text : {"picker1", "1111"}) {
    if (shell(env + "windowfocus --sync " + window + " type --delay 15 '" + text + "'").status != 0 ||
        shell(env + "key --window " + window + " Return").status != 0)
      throw std::runtime_error("xdotool could not type into the terminal window");
  }
  const fs::path session = device_dir / "session.mp";
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (!fs::exists(session) && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!fs::exists(session)) throw std::runtime_error("sign-in as picker1 did not store a session within 20 s");
  return "signed in as picker1 (demo) through xdotool key events";
}

int run(const Config& cfg, const fs::path& root) {
  for (const char* exe : {WMS_TERMINAL_PATH, WMSD_PATH})
    if (::access(exe, X_OK) != 0)
      throw std::runtime_error(std::string(exe) + " is missing; build it first (cmake --build <dir> --target " +
                               fs::path(exe).filename().string() + ")");
  const std::string self = self_exe();
  const std::string load_start = loadavg();

  Xvfb x(root / "xvfb.log");
  Wmsd server(root);
  const std::vector<std::string> env = environment_with({"DISPLAY=" + x.display(), "SDL_AUDIODRIVER=dummy"});
  auto terminal_args = [&](const fs::path& dir) {
    std::vector<std::string> args = {WMS_TERMINAL_PATH, "--server", server.endpoint(), "--events", server.events()};
    for (const char* a : {"--profile", "handheld", "--device", "bench-1", "--data"}) args.emplace_back(a);
    args.push_back(dir.string());
    return args;
  };
  const std::vector<std::string> floor_args = {self, "--floor-window"};

  // ---- 1. start to first frame: one untimed warm-up each (page cache, Mesa's shader cache), then app and floor
  // alternately so that load from other processes falls on both alike. Each run has a fresh device folder.
  std::vector<double> app_self, app_seen, floor_self, floor_seen;
  std::string gl_line, app_window_line, app_font_line;
  for (int i = -1; i < cfg.runs; ++i) {
    const std::string tag = i < 0 ? "warm" : std::to_string(i + 1);
    {
      Child app("wms-terminal (start " + tag + ")", terminal_args(root / ("start-" + tag)), env,
                root / ("terminal-start-" + tag + ".log"));
      const FirstFrame f = app.wait_first_frame(60);
      if (i >= 0) {
        app_self.push_back(static_cast<double>(f.self_ms));
        app_seen.push_back(f.seen_ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the start-up log lines arrive
      if (app_window_line.empty()) app_window_line = app.line_with("window ");
      if (app_font_line.empty()) app_font_line = app.line_with("font: ");
      app.stop(5000);
    }
    {
      Child fl("floor window (start " + tag + ")", floor_args, env, root / ("floor-start-" + tag + ".log"));
      const FirstFrame f = fl.wait_first_frame(60);
      if (i >= 0) {
        floor_self.push_back(static_cast<double>(f.self_ms));
        floor_seen.push_back(f.seen_ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (gl_line.empty()) gl_line = fl.line_with("floor-window: GL ");
      fl.stop(5000);
    }
  }

  // ---- 2-4. one app (signed in) and one floor window, both alive together for the memory and idle readings.
  const fs::path device_dir = root / "idle-device";
  Child app("wms-terminal (idle)", terminal_args(device_dir), env, root / "terminal-idle.log");
  Child fl("floor window (idle)", floor_args, env, root / "floor-idle.log");
  app.wait_first_frame(60);
  fl.wait_first_frame(60);
  const std::string signed_in =
      cfg.sign_in ? sign_in(x.display(), device_dir) : "not signed in (--no-sign-in): idle on the sign-in screen";
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const Memory app_mem = read_memory(app.pid()), floor_mem = read_memory(fl.pid());
  const auto [up_app, up_floor] = idle_window(app, fl, cfg.idle_s);
  std::optional<Idle> down_app, down_floor;
  const double offline_wait_s = 4;  // 3 missed heartbeats (liveness 3 x 1 s) and the agent reports offline
  if (cfg.server_down) {
    server.stop();
    std::this_thread::sleep_for(std::chrono::duration<double>(offline_wait_s));
    auto [a, f] = idle_window(app, fl, cfg.idle_s);
    down_app = a;
    down_floor = f;
  }
  const Memory app_mem_end = read_memory(app.pid()), floor_mem_end = read_memory(fl.pid());
  const std::string load_end = loadavg();

  // ---- report
  std::printf(
      "wms_bench_terminal: wms-terminal (handheld, 480x800) under Xvfb %s next to a bare SDL2 + GL 3.0 window\n"
      "  (this program --floor-window: SDL_Init + window + context + one clear + swap, then SDL_WaitEvent)\n",
      x.display().c_str());
  std::printf("machine: %s\n", machine_line().c_str());
  std::printf("%s\n", gl_line.empty() ? "floor-window: GL version not logged" : gl_line.c_str());
  if (!app_window_line.empty()) std::printf("app: %s\n", app_window_line.c_str());
  if (!app_font_line.empty()) std::printf("app: %s\n", app_font_line.c_str());
  std::printf("load average: %s at start, %s at end (nproc %ld; figures shift with other work on the machine)\n\n",
              load_start.c_str(), load_end.c_str(), ::sysconf(_SC_NPROCESSORS_ONLN));

  std::printf(
      "1. START TO FIRST FRAME (%d runs each after 1 untimed warm-up, app and floor alternating, fresh\n"
      "   --data folder each run, wmsd up)\n",
      cfg.runs);
  std::printf("  %-46s %16s %16s %8s\n", "figure", "wms-terminal", "floor", "ratio");
  row("main() -> first frame swapped (own log): median", median(app_self), median(floor_self), "%.0f ms");
  row("                                         max", max_of(app_self), max_of(floor_self), "%.0f ms");
  row("fork -> first-frame line seen here: median", median(app_seen), median(floor_seen), "%.0f ms");
  row("                                    max", max_of(app_seen), max_of(floor_seen), "%.0f ms");
  auto list = [](const std::vector<double>& v) {
    std::string s;
    for (double d : v) s += (s.empty() ? "" : " ") + fmt("%.0f", d);
    return s;
  };
  std::printf("  runs, own log (ms): app %s | floor %s\n", list(app_self).c_str(), list(floor_self).c_str());
  std::printf("  runs, seen here (ms): app %s | floor %s\n", list(app_seen).c_str(), list(floor_seen).c_str());
  std::printf("  (\"seen here\" adds exec, dynamic linking and static constructors to the process's own figure)\n\n");

  std::printf("2. MEMORY (%s; read 2 s later)\n", signed_in.c_str());
  std::printf("  %-46s %16s %16s %8s\n", "figure", "wms-terminal", "floor", "ratio");
  auto mib = [](long kb) { return static_cast<double>(kb) / 1024.0; };
  row("VmRSS (resident now)", mib(app_mem.rss_kb), mib(floor_mem.rss_kb), "%.1f MiB");
  row("VmHWM (resident peak)", mib(app_mem.hwm_kb), mib(floor_mem.hwm_kb), "%.1f MiB");
  row("  RssAnon (heap, stacks: the process's own)", mib(app_mem.anon_kb), mib(floor_mem.anon_kb), "%.1f MiB");
  row("  RssFile + RssShmem (mapped libraries etc.)", mib(app_mem.file_kb), mib(floor_mem.file_kb), "%.1f MiB");
  row("threads", static_cast<double>(app_mem.threads), static_cast<double>(floor_mem.threads), "%.0f");
  row("VmRSS / VmHWM at the end of the run",
      fmt("%.1f", mib(app_mem_end.rss_kb)) + "/" + fmt("%.1f", mib(app_mem_end.hwm_kb)),
      fmt("%.1f", mib(floor_mem_end.rss_kb)) + "/" + fmt("%.1f", mib(floor_mem_end.hwm_kb)),
      ratio(mib(app_mem_end.rss_kb), mib(floor_mem_end.rss_kb)));
  std::printf("\n");

  print_idle("3. IDLE " + fmt("%.0f", cfg.idle_s) +
                 " s, SERVER UP (no input; wmsd heartbeats every 1 s; both windows " + fmt("%.2f", up_app.seconds) +
                 " s, read together)",
             up_app, up_floor);
  std::printf("\n");
  if (down_app) {
    print_idle("4. IDLE " + fmt("%.0f", cfg.idle_s) + " s, SERVER DOWN (wmsd stopped " + fmt("%.0f", offline_wait_s) +
                   " s before the window; the agent retries with backoff)",
               *down_app, *down_floor);
    std::printf("\n");
  }
  std::printf("THREADS (context switches and CPU per thread over the idle windows; busiest first)\n");
  print_threads("wms-terminal", up_app, down_app);
  print_threads("floor", up_floor, down_floor);
  std::printf("\nlogs: %s\n", cfg.keep ? root.c_str() : "(removed; --keep to keep them)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = Clock::now();  // first statement, as in wms-terminal's main
  if (argc == 2 && std::strcmp(argv[1], "--floor-window") == 0) return floor_window_main(started);

  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      cfg.runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--idle-s" && i + 1 < argc) {
      cfg.idle_s = std::max(1.0, std::atof(argv[++i]));
    } else if (a == "--no-server-down") {
      cfg.server_down = false;
    } else if (a == "--no-sign-in") {
      cfg.sign_in = false;
    } else if (a == "--keep") {
      cfg.keep = true;
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: wms_bench_terminal [--runs N] [--idle-s S] [--no-server-down] [--no-sign-in] [--keep]\n"
          "  Starts its own Xvfb, a --demo wmsd on a temp folder and " WMS_TERMINAL_PATH
          "\n"
          "  and prints start-to-first-frame (N runs, default 5), memory, and idle CPU/context switches (S seconds,\n"
          "  default 10, with the server up and then down) next to a bare SDL2 + GL window measured in the same run.\n"
          "  Signs in as picker1 with xdotool when it is installed. --keep keeps the logs. Takes about 1 minute.\n"
          "  Exit 0 when everything was measured; nothing passes or fails on time.\n");
      return 0;
    } else {
      std::fprintf(stderr, "unknown option %s (try --help)\n", a.c_str());
      return 2;
    }
  }
  std::signal(SIGINT, on_fatal_signal);
  std::signal(SIGTERM, on_fatal_signal);
  std::signal(SIGPIPE, SIG_IGN);

  std::random_device rd;
  const fs::path root =
      fs::temp_directory_path() / ("wms_bench_terminal_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
  fs::create_directories(root);
  int rc = 1;
  try {
    rc = run(cfg, root);
    std::printf("total %.1f s\n", ms_between(started, Clock::now()) / 1000);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::error_code ec;
    if (fs::is_empty(root, ec)) fs::remove(root, ec);
    std::fprintf(stderr, "wms_bench_terminal failed: %s\n", e.what());
    if (fs::exists(root, ec)) std::fprintf(stderr, "logs kept in %s\n", root.c_str());
  }
  // Every child was owned by an object inside run(), ended by now; this catches anything left behind.
  for (auto& slot : g_children) {
    const pid_t p = slot.exchange(0);
    if (p > 0) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
  }
  if (rc == 0 && !cfg.keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return rc;
}
