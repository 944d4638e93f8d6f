// Glove-sized Dear ImGui widgets for the terminal: text that shrinks to fit, big buttons, the numeric keypad,
// the status bar, the red error overlay and the coloured banners. They draw the values they are given and report
// clicks; they never keep application state, never talk to the network and never decide what a click means
// (screens_view turns clicks into Events for the state machine).
#pragma once
#include <imgui.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "screens/terminal.hpp"

namespace wms::term::view {

// Where each tappable thing was drawn in the last frame, by label. Optional: tests use it to click on "Confirm"
// without knowing the layout. Widgets only append to it.
struct Probe {
  struct Hit {
    std::string id;     // the full ImGui label, "Skip##pick"
    std::string label;  // what the user reads: "Skip"
    ImVec2 min, max;
    bool enabled = true;
  };
  std::vector<Hit> hits;
  const Hit* find(std::string_view label) const;  // first hit whose label or id equals `label`
};

// Fonts and sizes of one profile (platform.hpp's load_ui() builds it), passed to every widget.
struct Ui {
  Profile profile = Profile::handheld;
  ImFont* body = nullptr;      // details, lists, the status bar
  ImFont* large = nullptr;     // instructions, button labels
  ImFont* huge = nullptr;      // the location code, quantities, banner titles (shrunk to fit)
  float pad = 12;              // space around the screen's edge
  float gap = 8;               // space between items
  float button_h = 68;         // height of every touch target (gloves: ~64 px handheld, ~90 px vehicle at least)
  float key_h = 64;            // keypad key height
  float border = 3;            // button outline, px
  bool fallback_font = false;  // ImGui's built-in font, scaled: DejaVu Sans Bold was not found
  Probe* probe = nullptr;      // tests: record where buttons were drawn
};

// High-contrast palette: white on black, one loud colour per meaning.
namespace colour {
inline constexpr ImU32 k_background = IM_COL32(0, 0, 0, 255);
inline constexpr ImU32 k_text = IM_COL32(255, 255, 255, 255);
inline constexpr ImU32 k_text_dim = IM_COL32(205, 205, 205, 255);  // still > 12:1 on black
inline constexpr ImU32 k_text_dark = IM_COL32(0, 0, 0, 255);
inline constexpr ImU32 k_instruction = IM_COL32(255, 214, 0, 255);  // what to do next: yellow
inline constexpr ImU32 k_good = IM_COL32(60, 220, 110, 255);        // text: online, line complete
inline constexpr ImU32 k_panel = IM_COL32(28, 28, 28, 255);         // status bar, fields
inline constexpr ImU32 k_error = IM_COL32(200, 0, 0, 255);          // error overlay fill
inline constexpr ImU32 k_info = IM_COL32(13, 71, 161, 255);         // info banner fill
inline constexpr ImU32 k_success = IM_COL32(0, 110, 40, 255);       // success banner fill, primary buttons
inline constexpr ImU32 k_warn = IM_COL32(255, 170, 0, 255);         // short pick, notices, OFFLINE (black text)
}  // namespace colour

enum class Tone {
  normal,    // grey with a white outline
  primary,   // green: the action that moves the work on (Confirm, Log in, Close carton)
  warn,      // amber, black text: Short pick
  danger,    // red
  selected,  // yellow, black text: the chosen option (a short-pick reason)
};
enum class Align { left, centre, right };

// One line of text at `font`'s size (or `max_size` if smaller and > 0), shrunk so it fits `max_width` (0 = the
// available width); never larger. Advances the cursor by the line. Returns the pixel size used.
float fit_text(std::string_view text, ImFont* font, ImU32 colour, Align align = Align::left, float max_width = 0,
               float max_size = 0);
// Text wrapped at `width` (0 = the available width), at `font`'s size. Advances the cursor.
void wrapped_text(std::string_view text, ImFont* font, ImU32 colour, Align align = Align::left, float width = 0);

// A big button: true on the frame it is tapped (press and release on it). `label` may carry "##id".
// size.x <= 0: the available width; size.y <= 0: ui.button_h. A disabled button stays readable but is inert.
bool big_button(const Ui& ui, const char* label, Tone tone = Tone::normal, ImVec2 size = {0, 0}, bool enabled = true);

// Numeric keypad: 1-9, Back, 0, Clear, and (with `ok`) a wide OK row. width 0 = the available width.
// Returns the key tapped this frame. `id` keeps two keypads on one screen apart.
std::optional<Key> keypad(const Ui& ui, const char* id, float width = 0, bool ok = true);
float keypad_height(const Ui& ui, bool ok = true);

// A labelled input box (the login form): `label` on the left inside the box, then `shown`; a thick yellow outline
// and a cursor block when `active`. True when tapped.
bool field_box(const Ui& ui, const char* id, std::string_view label, std::string_view shown, bool active);

// The status bar at the top of every screen: who, ONLINE/OFFLINE (offline loud), how many confirmations wait
// in the outbox, the current wave and its tasks left. Drawn across the window at the cursor; returns its height.
struct StatusLine {
  std::string user;  // "" = not signed in
  bool online = false;
  std::uint32_t queued = 0;
  std::uint64_t wave = 0;  // 0 = none
  std::uint32_t tasks_left = 0;
};
float status_bar(const Ui& ui, const StatusLine& line);

// The red error screen filling [min, max]: the banner title huge, the detail large and wrapped, `hint` at the
// bottom. True when tapped anywhere on it.
bool error_overlay(const Ui& ui, const Banner& banner, ImVec2 min, ImVec2 max, std::string_view hint);
// An info (blue) or success (green) banner across the available width at the cursor; true when tapped.
bool banner_strip(const Ui& ui, const Banner& banner);
// Height of a solid panel of `rows` lines of `font` plus padding: used to reserve space from the bottom up.
float line_height(const ImFont* font);

}  // namespace wms::term::view
