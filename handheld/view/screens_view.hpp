// Draws the terminal's State (screens/terminal.hpp) as one full-screen Dear ImGui window per Screen and PickStep,
// for the handheld (portrait) and vehicle (landscape) profiles, and turns taps into Events. It must never hold
// application state, decide anything the state machine decides, or talk to the network: what it returns goes
// straight into next(state, event).
#pragma once
#include <vector>

#include "screens/terminal.hpp"
#include "view/widgets.hpp"

namespace wms::term::view {

// Draws one frame of `s` between ImGui::NewFrame() and ImGui::Render(), filling the main viewport. Returns the
// events the user caused this frame (taps and keypad presses), usually none or one.
std::vector<Event> draw(const State& s, const Ui& ui);

// The status bar's values for `s`: who, link, outbox, current wave and its tasks left.
StatusLine status_of(const State& s);

// The instruction line the pick screen shows for the current step ("Scan location", ...); "" off the pick screen.
std::string instruction(const State& s);

}  // namespace wms::term::view
