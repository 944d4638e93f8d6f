// Between the screen state machine and the device agent: commands become agent requests, agent messages become
// screen events, and the work a device holds (its route, the totes, what it confirmed) is kept in the device
// folder so a killed app comes back where the picker was. Used by wms-terminal and wms-sim alike.
// It must never decide anything a screen decides: it only translates and stores.
#pragma once
#include <string>
#include <vector>

#include "screens/terminal.hpp"
#include "wms/shared/agent.hpp"

namespace wms::term {

// Hands every command but Play to the agent; returns the sounds to play.
std::vector<Sound> dispatch(client::Agent& agent, const std::vector<Command>& commands);

// Agent messages as screen events (undecodable bodies are dropped: the server is trusted, the wire is not).
std::vector<Event> translate(std::vector<client::FromAgent> messages);

// Held work: `dir`/held.mp, written atomically (temp + rename). load_held leaves `s` unchanged when there is
// no file or it cannot be read.
void save_held(const std::string& dir, const State& s);
void load_held(const std::string& dir, State& s);

}  // namespace wms::term
