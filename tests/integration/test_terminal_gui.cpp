// The real wms-terminal in a real X server (Xvfb) against the real wmsd: a picker signs in and picks a line with
// keyboard-wedge key events (xdotool types into the window exactly as a scan engine does), and the pick must
// reach the server. A screenshot of the result is saved next to the test's data.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstdlib>

#include "harness.hpp"

using namespace wms;

namespace {

// Xvfb on a free display number of its own, killed at the end. Numbers start high (and away from :0, which a
// desktop or another tool on the machine may hold) and skip any display whose lock file exists.
class Xvfb {
  static bool accepts(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }
  // An X client gets through: the server answers the X handshake, not only accepts on its socket.
  static bool answers(const std::string& display) {
    return std::system(("DISPLAY=" + display + " xdotool getdisplaygeometry >/dev/null 2>&1").c_str()) == 0;
  }

 public:
  Xvfb() {
    for (int n = 100 + static_cast<int>(::getpid() % 400); n < 1000 && pid_ < 0; n += 7) {
      if (std::filesystem::exists("/tmp/.X" + std::to_string(n) + "-lock")) continue;
      display_ = ":" + std::to_string(n);
      pid_ = ::fork();
      if (pid_ == 0) {
        int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        // -noreset: by default an X server resets when its last client leaves, and a client that connects during
        // the reset fails; the readiness checks below are such last clients, and wms-terminal then failed to open
        // the display now and then ("x11 not available").
        ::execlp("Xvfb", "Xvfb", display_.c_str(), "-screen", "0", "1024x1024x24", "-nolisten", "tcp", "-noreset",
                 static_cast<char*>(nullptr));
        ::_exit(127);
      }
      // Ready when its socket accepts a connection (a socket file left by an Xvfb killed earlier exists before
      // this one listens: a client started then falls back to another SDL video driver); gone (display taken
      // after all, or no Xvfb) means try the next number.
      const std::string sock = "/tmp/.X11-unix/X" + std::to_string(n);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      bool ready = false;
      while (std::chrono::steady_clock::now() < until) {
        if (accepts(sock) && answers(display_)) {
          ready = true;
          break;
        }
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (!ready) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    REQUIRE(pid_ > 0);  // Xvfb missing? deploy/install-deps.sh installs xvfb
  }
  ~Xvfb() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  const std::string& display() const { return display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};

class Terminal {
 public:
  Terminal(const std::string& display, const test::Wmsd& server, const std::string& dir) {
    log_ = dir + "/terminal.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::fopen(log_.c_str(), "w");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      ::setenv("DISPLAY", display.c_str(), 1);
      ::setenv("SDL_AUDIODRIVER", "dummy", 1);
      ::setenv("SDL_VIDEODRIVER", "x11", 1);  // fail rather than fall back to a window no X client can see
      std::vector<std::string> args = {WMS_TERMINAL_PATH, "--server", server.endpoint(), "--events",
                                       server.pub_endpoint(), "--profile", "handheld", "--device", "gui-1",
                                       "--data", dir + "/device"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(WMS_TERMINAL_PATH, argv.data());
      ::_exit(127);
    }
  }
  ~Terminal() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string log() const { return test::read_text(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

template <class F>
bool eventually(F&& ok, int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ok();
}

}  // namespace

TEST_CASE("wms-terminal under Xvfb: sign in and pick a line with wedge key events - the pick reaches the server") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  REQUIRE(admin->call(proto::ImportReq{"orders", test::read_text(WMS_ASSETS_DIR "/demo/orders.csv")}).ok());
  proto::OrderConfirmReq q;
  q.ref = "SO-1001";
  REQUIRE(admin->call(q).ok());
  auto wave = admin->call(proto::WaveCreateReq{"parcel", 0});
  REQUIRE(wave.ok());
  proto::WaveReleaseReq rel;
  rel.wave = wave.as<proto::WaveView>().id;
  REQUIRE(admin->call(rel).ok());

  Xvfb x;
  const std::string env = "DISPLAY=" + x.display() + " ";
  Terminal term(x.display(), server, dir.str());
  // The terminal logs its X11 window id; xdotool's search by name is the fallback (it came back empty in one CI
  // run although the window was up).
  std::string window, last;
  const bool shown = eventually(
      [&] {
        const std::string log = term.log();
        if (auto at = log.find("x11 window "); at != std::string::npos) {
          const auto end = log.find('\n', at);
          if (end != std::string::npos) {
            window = log.substr(at + 11, end - at - 11);
            return true;
          }
        }
        auto r = test::run(env + "xdotool search --name 'WMS handheld'");
        last = std::to_string(r.status) + ": " + r.output;
        if (r.status != 0 || r.output.empty()) return false;
        window = r.output.substr(0, r.output.find('\n'));
        return true;
      },
      30);
  INFO("display " << x.display() << ", xdotool " << last << ", terminal log:\n" << term.log());
  REQUIRE(shown);
  // A wedge scanner types the code and presses Enter; xdotool does the same into the focused window.
  auto key = [&](const std::string& name) {
    REQUIRE(test::run(env + "xdotool key --window " + window + " " + name).status == 0);
  };
  auto type = [&](const std::string& text) {
    REQUIRE(test::run(env + "xdotool windowfocus --sync " + window + " type --delay 15 '" + text + "'").status == 0);
    key("Return");
  };
  // Tasks arrive by push and the terminal claims its route: the first one in walk order is on screen.
  std::vector<proto::TaskView> mine;
  auto claimed = [&] {
    mine.clear();
    for (const auto& t : admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks)
      if (t.claimed_by == "gui-1") mine.push_back(t);
    return !mine.empty();
  };
  bool signed_in = false;
  for (int attempt = 0; attempt < 3 && !signed_in; ++attempt) {  // see the note on dropped keystrokes below
    type("picker1");
    type("1111");
    signed_in = eventually(claimed, 15);
  }
  REQUIRE(signed_in);
  // The server's claim is visible here a moment before the terminal has its answer (and only then shows the
  // task): give it that moment, as a picker would look at the screen before scanning.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) { return a.walk_seq < b.walk_seq; });
  const proto::TaskView t = mine.front();
  const auto before = admin->call(proto::StockReq{t.sku, t.location}).as<proto::StockRep>().stock.at(0).on_hand;

  type("LOC-NOT-HERE");  // a wrong scan: red screen, nothing sent
  type(t.location_barcode);
  type(t.gtin);
  auto enter = [&] { key("Return"); };
  if (t.qty > 1) enter();  // confirm the quantity the keypad shows

  auto task_now = [&] {
    for (const auto& u : admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks)
      if (u.id == t.id) return u;
    return proto::TaskView{};
  };
  // An X server under load can drop a synthetic keystroke now and then (seen about once in 15 runs); a picker
  // whose scan did not register scans again, and so does the test (a repeated scan is harmless: it is checked
  // on the device and a confirmed task is not offered again). The pick must still arrive exactly once.
  bool done_ok = eventually([&] { return task_now().status == "done"; }, 10);
  for (int again = 0; again < 2 && !done_ok; ++again) {
    key("Escape");
    type(t.location_barcode);
    type(t.gtin);
    if (t.qty > 1) enter();
    done_ok = eventually([&] { return task_now().status == "done"; }, 10);
  }
  REQUIRE(done_ok);
  const auto done = task_now();
  CHECK(done.picked == t.qty);
  const auto after = admin->call(proto::StockReq{t.sku, t.location}).as<proto::StockRep>().stock.at(0).on_hand;
  CHECK(before - after == t.qty);

  // The screen after the pick, for people to look at.
  const std::string shot = dir.str() + "/after-pick.png";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(test::run(env + "import -window root " + shot).status == 0);
  CHECK(std::filesystem::file_size(shot) > 5000);
  // Not a black frame: the picked banner and the next location are drawn.
  auto mean = test::run("convert " + shot + " -format '%[fx:mean]' info:");
  CHECK(std::stod(mean.output) > 0.02);
}
