// wms-terminal: the app pickers and forklift drivers work in. A thin main: it wires the window (view/), the scan
// inputs (wedge keys, image folder or camera through scan/), the device agent (network thread, durable outbox) and
// the screen state machine (screens/), and sleeps whenever nothing happens. It must never decide anything itself:
// every input becomes an Event for next(state, event), every Command goes to the agent or the speaker.
#include <SDL.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "bridge.hpp"
#include "scan/decoder.hpp"
#include "scan/frame_source.hpp"
#include "scan/wedge.hpp"
#include "view/platform.hpp"
#include "view/screens_view.hpp"
#include "view/sound.hpp"
#include "wms/shared/cli.hpp"

// x11_window.cpp: kept apart because <SDL_syswm.h> pulls in Xlib's macros (Status, Screen, None, ...).
unsigned long x11_window_id(SDL_Window* window);

namespace {

using namespace wms;
using namespace wms::term;
using Clock = std::chrono::steady_clock;

std::string default_device(Profile p) {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0 || !host[0]) std::snprintf(host, sizeof host, "terminal");
  return std::string(host) + (p == Profile::vehicle ? "-vehicle" : "-handheld");
}

std::string default_data(const std::string& device) {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/wms-terminal/" + device;
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/wms-terminal/" + device;
  return "wms-terminal-" + device;
}

// Camera-style scanning off the UI thread: frames from a folder/file or a V4L2 device, decoded with the site's
// formats; each new code becomes a scan (the same code seen in consecutive frames counts once, as an aimed
// scanner beeps once).
class CameraScanner {
 public:
  CameraScanner(std::unique_ptr<scan::FrameSource> src, scan::DecoderOptions options, int interval_ms)
      : src_(std::move(src)), options_(options), interval_ms_(interval_ms) {
    thread_ = std::thread([this] { run(); });
  }
  ~CameraScanner() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::string> take() {
    std::lock_guard lk(mu_);
    std::vector<std::string> out;
    out.swap(codes_);
    return out;
  }

 private:
  void run() {
    scan::Decoder decoder(options_);
    std::string last;
    while (!stop_) {
      std::optional<scan::Frame> f;
      try {
        f = src_->next();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "wms-terminal: camera: %s\n", e.what());
      }
      if (f) {
        const auto found = decoder.decode(*f);
        const std::string code = found.empty() ? std::string() : found.front().text;
        if (!code.empty() && code != last) {
          {
            std::lock_guard lk(mu_);
            codes_.push_back(code);
          }
          view::Platform::wake();
        }
        last = code;
      } else if (!src_->last_error().empty()) {
        std::fprintf(stderr, "wms-terminal: %s\n", src_->last_error().c_str());
      }
      if (src_->finished()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
    }
  }
  std::unique_ptr<scan::FrameSource> src_;
  scan::DecoderOptions options_;
  int interval_ms_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> codes_;
  std::thread thread_;
};

std::optional<Key> digit_key(char c) {
  if (c >= '0' && c <= '9') return static_cast<Key>(c - '0');
  return std::nullopt;
}

bool keypad_screen(const State& s) {
  return (s.screen == Screen::pick && s.step == PickStep::quantity) || s.screen == Screen::short_pick;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = Clock::now();
  std::string server = "tcp://127.0.0.1:5555", events, profile_name = "handheld", device, data, size, font;
  std::string frames, camera, formats, screenshot_dir = ".";
  bool fullscreen = false;
  int frame_interval_ms = 150;
  CLI::App app{"wms-terminal: scan-first picking for handhelds and forklift terminals"};
  app.set_version_flag("--version", std::string("wms-terminal ") + WMS_VERSION);
  app.add_option("--server", server, "the server's request endpoint")
      ->capture_default_str()
      ->envname("WMS_SERVER")
      ->check(wms::cli::server_endpoint);
  app.add_option("--events", events, "the server's event endpoint (default: request port + 1)")
      ->check(wms::cli::server_endpoint);
  app.add_option("--profile", profile_name, "handheld (portrait, parcel picking) or vehicle (landscape, pallets)")
      ->capture_default_str()
      ->check(CLI::IsMember({"handheld", "vehicle"}));
  app.add_option("--device", device, "this device's id (default: <hostname>-<profile>)");
  app.add_option("--data", data, "device folder: outbox, session, held work (default: ~/.local/share/wms-terminal/<device>)");
  app.add_option("--size", size, "window size WxH (default 480x800 handheld, 1024x768 vehicle)");
  app.add_flag("--fullscreen", fullscreen, "borderless full screen at the display's size (on the device)");
  app.add_option("--font", font, "TTF font file, or 'builtin' (default: DejaVu Sans Bold from fonts-dejavu-core)");
  app.add_option("--frames", frames, "scan images from this file or folder (a device without a scan engine)");
  app.add_option("--camera", camera, "scan from a V4L2 camera, e.g. /dev/video0");
  app.add_option("--formats", formats, "camera symbologies, e.g. code128,ean13,datamatrix,qrcode");
  app.add_option("--frame-interval-ms", frame_interval_ms, "time between camera frames")
      ->capture_default_str()
      ->check(CLI::Range(10, 5000));
  app.add_option("--screenshot-dir", screenshot_dir, "where F12 writes screenshots")->capture_default_str();
  app.footer(
      "Exit status: 0 closed; 1 it could not go on (display, font or camera could not be opened); 2 usage error.");
  if (auto rc = wms::cli::parse(app, argc, argv)) return *rc;

  const Profile profile = profile_name == "vehicle" ? Profile::vehicle : Profile::handheld;
  if (device.empty()) device = default_device(profile);
  if (data.empty()) data = default_data(device);
  if (events.empty()) events = wms::cli::events_endpoint_for(server);
  try {
    std::filesystem::create_directories(data);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wms-terminal: cannot use device folder %s: %s\n", data.c_str(), e.what());
    return 2;
  }

  try {
    view::WindowOptions wo;
    wo.profile = profile;
    wo.fullscreen = fullscreen;
    wo.font_file = font;
    wo.screenshot_dir = screenshot_dir;
    wo.title = "WMS " + profile_name + " - " + device;
    if (!size.empty() && std::sscanf(size.c_str(), "%dx%d", &wo.width, &wo.height) != 2) {
      std::fprintf(stderr, "wms-terminal: --size must look like 480x800\n");
      return 2;
    }
    view::Platform platform(wo);
    view::Speaker speaker;
    // The X11 window id, for tools that type into this window (the Xvfb test, kiosk scripts).
    if (const unsigned long id = x11_window_id(platform.window()))
      std::fprintf(stderr, "wms-terminal: x11 window %lu\n", id);

    State state;
    state.profile = profile;
    state.device = device;
    load_held(data, state);

    client::AgentOptions ao;
    ao.endpoint = server;
    ao.events = events;
    ao.device = device;
    ao.dir = data;
    ao.wake = [] { view::Platform::wake(); };
    client::Agent agent(ao);

    std::unique_ptr<CameraScanner> cam;
    if (!frames.empty() || !camera.empty()) {
      std::unique_ptr<scan::FrameSource> src;
      if (!camera.empty()) src = std::make_unique<scan::V4l2FrameSource>(camera, 640, 480);
      else src = std::make_unique<scan::FileFrameSource>(frames);
      scan::DecoderOptions dopt;
      if (!formats.empty()) {
        std::string err;
        auto f = scan::parse_formats(formats, &err);
        if (!f) {
          std::fprintf(stderr, "wms-terminal: --formats: %s\n", err.c_str());
          return 2;
        }
        dopt.formats = *f;
      }
      dopt.try_harder = camera.empty();  // still images from a folder deserve a hard look
      cam = std::make_unique<CameraScanner>(std::move(src), dopt, frame_interval_ms);
    }

    scan::WedgeAssembler wedge;
    auto feed = [&](const Event& e) {
      const auto cmds = next(state, e);
      for (Sound s : dispatch(agent, cmds)) speaker.play(s);
      if (!std::holds_alternative<Link>(e) && !std::holds_alternative<Tick>(e)) save_held(data, state);
    };
    // A wedge scan on a keypad screen that is a short number is the physical keypad, not a barcode.
    auto feed_scan = [&](const std::string& code) {
      if (keypad_screen(state) && !code.empty() && code.size() <= 6 &&
          std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        feed(Press{Key::clear});
        for (char c : code) feed(Press{*digit_key(c)});
        feed(Press{Key::enter});
        return;
      }
      feed(Scan{code});
    };

    bool first_frame = true;
    for (;;) {
      view::Input in = platform.wait(speaker.settle());  // the only deadline: a sound still playing
      if (in.quit) break;
      for (const SDL_Event& ev : in.events) {
        if (ev.type == SDL_TEXTINPUT) {
          if (state.screen == Screen::login) feed(TextInput{ev.text.text});
          else wedge.feed_text(ev.text.text);
        } else if (ev.type == SDL_KEYDOWN) {
          const auto sym = ev.key.keysym.sym;
          const bool ctrl = (ev.key.keysym.mod & KMOD_CTRL) != 0;
          if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER) {
            if (state.screen == Screen::login) {
              feed(Press{Key::enter});
            } else if (wedge.typing()) {
              wedge.feed_enter();
            } else {
              feed(Press{Key::enter});
            }
          } else if (sym == SDLK_RIGHTBRACKET && ctrl) {
            wedge.feed_gs();
          } else if (sym == SDLK_BACKSPACE) {
            if (!wedge.typing()) feed(Press{Key::back});
          } else if (sym == SDLK_ESCAPE) {
            wedge.reset();
            feed(Tap{Button::dismiss});
          }
        }
      }
      while (auto s = wedge.take()) {
        if (s->status == scan::WedgeStatus::too_long) {
          feed(Scan{std::string(2000, '?')});  // shown as an unknown code; nothing is sent
          continue;
        }
        feed_scan(s->text);
      }
      if (cam)
        for (const auto& code : cam->take()) feed_scan(code);
      for (const Event& e : translate(agent.take())) feed(e);

      platform.begin_frame();
      const auto taps = view::draw(state, platform.ui());
      for (const Event& e : taps) feed(e);
      platform.end_frame();
      if (first_frame) {
        first_frame = false;
        std::fprintf(stderr, "wms-terminal: first frame drawn %lld ms after start (device %s, data %s)\n",
                     static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()),
                     device.c_str(), data.c_str());
      }
    }
    save_held(data, state);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wms-terminal: %s\n", e.what());
    return 1;
  }
  return 0;
}
