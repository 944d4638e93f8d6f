// The terminal's three sounds (error buzz, ok beep, done chime), synthesised at start and queued on SDL's default
// audio device: no sound files to ship or lose. It must never fail the app: without an audio device (Xvfb, CI,
// a unit with a broken speaker) it logs once and every play() does nothing. No app state, no network.
#pragma once
#include <SDL.h>

#include <cstdint>
#include <vector>

#include "screens/terminal.hpp"

namespace wms::term::view {

// One per app, on the UI thread (it plays what the state machine's Play commands ask for).
class Speaker {
 public:
  Speaker();  // opens the default output device, or logs why not and stays silent
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Starts `sound` now, cutting off whatever was still playing (the newest news wins: an error after an ok beep
  // must not wait for the beep to finish).
  void play(wms::term::Sound sound);
  bool available() const { return available_; }
  // Call once per loop turn: closes the device once the sound has played, so nothing wakes while idle. Returns
  // the ms until it wants to be called again (-1 = nothing playing): a deadline for the wait-for-work loop.
  int settle();

  // The generated samples (mono, signed 16-bit, k_rate Hz): tests check their length and that they are not silent.
  static std::vector<std::int16_t> synthesise(wms::term::Sound sound);
  static constexpr int k_rate = 44100;

 private:
  bool open();
  void close();
  SDL_AudioDeviceID device_ = 0;
  bool available_ = false;
  int drained_ = 0;
  bool subsystem_ = false;
  std::vector<std::int16_t> error_, ok_, done_;
};

}  // namespace wms::term::view
