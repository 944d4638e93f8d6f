// The real wms-terminal in a real X server (Xvfb) against the real wmsd: a picker signs in and picks a line with
// keyboard-wedge key events (xdotool types into the window exactly as a scan engine does), and the pick must
// reach the server. A screenshot of the result is saved next to the test's data.
#include <fcntl.h>

#include <algorithm>

#include "harness.hpp"

using namespace wms;

namespace {

// Xvfb on the first free display number it finds itself (-displayfd), killed at the end.
class Xvfb {
 public:
  Xvfb() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);
      const std::string fd = std::to_string(fds[1]);
      ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1024x1024x24", "-nolisten", "tcp",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    char buf[32] = {0};
    const auto n = ::read(fds[0], buf, sizeof buf - 1);
    ::close(fds[0]);
    REQUIRE(n > 0);  // Xvfb missing? deploy/install-deps.sh installs xvfb
    display_ = ":" + std::string(buf, static_cast<std::size_t>(n - (buf[n - 1] == '\n' ? 1 : 0)));
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
  std::string window, last;
  const bool shown = eventually(
      [&] {
        auto r = test::run(env + "xdotool search --name 'WMS handheld'");
        last = std::to_string(r.status) + ": " + r.output;
        if (r.status != 0 || r.output.empty()) return false;
        window = r.output.substr(0, r.output.find('\n'));
        return true;
      },
      30);
  INFO("display " << x.display() << ", xdotool " << last << ", terminal log:\n" << term.log());
  REQUIRE(shown);
  auto type = [&](const std::string& text) {
    REQUIRE(test::run(env + "xdotool windowfocus --sync " + window + " type --delay 15 '" + text + "'").status == 0);
    REQUIRE(test::run(env + "xdotool key --window " + window + " Return").status == 0);
  };
  type("picker1");
  type("1111");

  // Tasks arrive by push and the terminal claims its route: the first one in walk order is on screen.
  std::vector<proto::TaskView> mine;
  REQUIRE(eventually(
      [&] {
        mine.clear();
        for (const auto& t : admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks)
          if (t.claimed_by == "gui-1") mine.push_back(t);
        return !mine.empty();
      },
      30));
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) { return a.walk_seq < b.walk_seq; });
  const proto::TaskView t = mine.front();
  const auto before = admin->call(proto::StockReq{t.sku, t.location}).as<proto::StockRep>().stock.at(0).on_hand;

  type("LOC-NOT-HERE");  // a wrong scan: red screen, nothing sent
  type(t.location_barcode);
  type(t.gtin);
  if (t.qty > 1) REQUIRE(test::run(env + "xdotool key --window " + window + " Return").status == 0);  // confirm qty

  auto task_now = [&] {
    for (const auto& u : admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks)
      if (u.id == t.id) return u;
    return proto::TaskView{};
  };
  REQUIRE(eventually([&] { return task_now().status == "done"; }, 30));
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
