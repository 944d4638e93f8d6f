// The terminal's window: SDL2 + OpenGL 3 + Dear ImGui set up for one profile (handheld portrait, vehicle
// landscape), the fonts and high-contrast theme, the wait-for-work loop with a thread-safe wake(), and PNG
// screenshots of the framebuffer. It must never hold application state or talk to the network: it hands the raw
// key/text events to the caller (the scan wedge) and draws whatever the caller draws between begin/end_frame.
#pragma once
#include <SDL.h>

#include <cstdint>
#include <string>
#include <vector>

#include "screens/terminal.hpp"
#include "view/widgets.hpp"

namespace wms::term::view {

// Loads the profile's fonts into the current ImGui context's atlas and applies the theme: DejaVu Sans Bold from
// the system (fonts-dejavu-core) in three sizes, or ImGui's built-in font scaled up when that file is missing
// (logged either way). Needs no window: the headless tests call it too. `font_file`: "" = the system default,
// "builtin" = ImGui's own font (what a device without DejaVu gets).
// `scale` multiplies every size (fonts, padding, touch targets): see layout_scale().
Ui load_ui(Profile profile, const std::string& font_file = "", float scale = 1.0f);

// The window size a profile's layout is designed for, and the size it gets when no size is given.
ImVec2 default_size(Profile profile);
// How much to scale the layout for a screen of `size`: the profile's design fits whichever side is tighter
// (a 720x1280 handheld gets 1.5x, a 360x640 one 0.75x), clamped to [0.6, 3].
float layout_scale(Profile profile, ImVec2 size);

struct WindowOptions {
  Profile profile = Profile::handheld;
  int width = 0, height = 0;  // 0 = the profile's size: 480x800 handheld, 1024x768 vehicle
  bool fullscreen = false;    // the device itself: borderless full screen at the display's size
  bool hidden = false;        // tests: render without showing the window
  std::string title = "WMS terminal";
  std::string font_file;  // "" = DejaVu Sans Bold from the system, "builtin" = ImGui's font
  // Screenshot hook for tests and the README: after frame `screenshot_frame` (1 = the first) is drawn, write it
  // to `screenshot_path` and, with `exit_after_screenshot`, make the next wait() report quit.
  std::string screenshot_path;
  int screenshot_frame = 5;
  bool exit_after_screenshot = false;
  // F12 writes wms-<n>.png into this folder ("" = F12 does nothing).
  std::string screenshot_dir = ".";
};

// What one wait() collected. Every event has already been handed to ImGui; `events` keeps the ones the app may
// act on itself (SDL_KEYDOWN / SDL_KEYUP / SDL_TEXTINPUT for the wedge, and everything else unfiltered).
struct Input {
  std::vector<SDL_Event> events;
  bool quit = false;       // window closed, SIGINT/SIGTERM (SDL_QUIT), or the screenshot hook is done
  bool woken = false;      // wake() was called: look at the network queue
  bool timed_out = false;  // the caller's deadline passed with nothing else to do
};

// How wms-terminal's main loop uses it (the network thread only ever calls Platform::wake()):
//
//   Platform platform(options);
//   Speaker speaker;
//   for (;;) {
//     Input in = platform.wait(ms_to_nearest_deadline);  // -1 when nothing is due; 0 when already due
//     if (in.quit) break;
//     for (const SDL_Event& e : in.events) ...         // SDL_TEXTINPUT / SDL_KEYDOWN to the scan wedge -> Scan
//     if (in.woken) ...                                  // drain the agent's queue -> next(state, event)
//     ...                                                // Tick{now} if a deadline passed
//     platform.begin_frame();
//     for (const Event& e : draw(state, platform.ui())) ...  // next(state, e); Play -> speaker.play()
//     platform.end_frame();
//   }
//
// Any event (input, wake) makes the next k_settle_frames waits return at once, so the state an event changed
// is drawn and ImGui sees the release of a tap; after that the loop sleeps in SDL_WaitEventTimeout again.
class Platform {
 public:
  // Opens the window, the GL context and ImGui. Throws std::runtime_error with SDL's reason on failure.
  explicit Platform(const WindowOptions& options);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // Blocks until there is work: an input event, a wake(), or `timeout_ms` passing (the nearest deadline the
  // caller has; -1 = none). After any event it does not block for the next k_settle_frames calls, so that
  // ImGui sees the mouse release, hover changes settle and the screen catches up; then it sleeps again.
  // Call it once per frame, then draw one frame.
  Input wait(int timeout_ms);
  static constexpr int k_settle_frames = 3;

  void begin_frame();  // ImGui::NewFrame() for the backends
  void end_frame();    // render, take a pending screenshot, present

  // Any thread: wake the UI thread out of wait() (SDL_PushEvent of a registered user event). Coalesced: many
  // calls before the UI thread runs cost one event. Does nothing when no Platform exists.
  static void wake();

  // The next end_frame() also writes its frame to `path` as PNG.
  void request_screenshot(std::string path);

  const Ui& ui() const { return ui_; }
  SDL_Window* window() const { return window_; }
  std::uint64_t frames() const { return frames_; }  // frames drawn so far

 private:
  WindowOptions options_;
  SDL_Window* window_ = nullptr;
  SDL_GLContext gl_ = nullptr;
  Ui ui_;
  int settle_ = k_settle_frames;  // draw a few frames at start without waiting
  std::uint64_t frames_ = 0;
  std::string pending_shot_;
  int f12_count_ = 0;
  bool quit_after_ = false;
};

// Reads the current GL framebuffer (the back buffer, before it is swapped) and writes it as an RGB PNG, top row
// first. False (and an SDL log line) if it could not be written.
bool write_framebuffer_png(const std::string& path, int width, int height);

}  // namespace wms::term::view
