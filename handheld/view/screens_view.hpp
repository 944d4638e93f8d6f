// Draws the terminal's State (screens/terminal.hpp) as one full-screen Dear ImGui window per Screen and PickStep,
// for the handheld (portrait) and vehicle (landscape) profiles, and turns taps into Events. It must never hold
// application state, decide anything the state machine decides, or talk to the network: what it returns goes
// straight into next(state, event).
#pragma once
#include <string>
#include <utility>
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

// The count under the SKU on the pick screen: ("Take", units still to take) while scanning, ("Put", units) at the
// tote; ("", 0) where none is shown (a vehicle's drop step, off the pick screen). Units in pallet mode too.
std::pair<std::string, std::int64_t> count_of(const State& s);

// The waves the idle screen lists: open ones of the user's own work (a forklift driver's pallet waves, a
// picker's parcel waves), in id order. None: it says "No pallet wave open." (or parcel).
std::vector<std::uint64_t> idle_waves(const State& s);

}  // namespace wms::term::view
