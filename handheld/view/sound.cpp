// Synthesised terminal sounds on SDL's audio queue (see sound.hpp). Never fails the app: no device = silence and
// one log line.
#include "view/sound.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace wms::term::view {

namespace {

enum class Wave { sine, square };

// Appends `ms` of a tone with 5 ms linear fade-in/out (no clicks at the edges). freq 0 = silence.
void tone(std::vector<std::int16_t>& out, double freq, int ms, Wave wave, double amplitude) {
  const int n = Speaker::k_rate * ms / 1000;
  const int fade = Speaker::k_rate * 5 / 1000;
  for (int i = 0; i < n; ++i) {
    double v = 0;
    if (freq > 0) {
      const double phase = std::fmod(freq * i / Speaker::k_rate, 1.0);
      v = wave == Wave::sine ? std::sin(2 * std::numbers::pi * phase) : (phase < 0.5 ? 1.0 : -1.0);
    }
    const double env = std::min({1.0, static_cast<double>(i) / fade, static_cast<double>(n - 1 - i) / fade});
    out.push_back(static_cast<std::int16_t>(std::clamp(v * env * amplitude, -1.0, 1.0) * 32767));
  }
}

}  // namespace

std::vector<std::int16_t> Speaker::synthesise(wms::term::Sound sound) {
  std::vector<std::int16_t> s;
  switch (sound) {
    case wms::term::Sound::error:
      // A low, rough square-wave buzz, three pulses: unmistakable over a forklift and unlike any success sound.
      for (int i = 0; i < 3; ++i) {
        tone(s, 150, 160, Wave::square, 0.5);
        tone(s, 0, 60, Wave::sine, 0);
      }
      break;
    case wms::term::Sound::ok:
      tone(s, 1760, 90, Wave::sine, 0.8);  // short and high: "got it", not worth turning round for
      break;
    case wms::term::Sound::done:
      // A rising major arpeggio: the task (or the wave) is finished.
      tone(s, 1047, 110, Wave::sine, 0.7);
      tone(s, 1319, 110, Wave::sine, 0.7);
      tone(s, 1568, 220, Wave::sine, 0.7);
      break;
  }
  return s;
}

// The device is open only while a sound plays: an open SDL2 device keeps its audio thread waking (tens of times
// a second, playing silence even when paused), which an idle handheld's battery must not pay for.
Speaker::Speaker() : error_(synthesise(Sound::error)), ok_(synthesise(Sound::ok)), done_(synthesise(Sound::done)) {
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
    SDL_LogWarn(SDL_LOG_CATEGORY_AUDIO, "sound off: no audio (%s)", SDL_GetError());
    return;
  }
  subsystem_ = true;
  if (!open()) {
    SDL_LogWarn(SDL_LOG_CATEGORY_AUDIO, "sound off: no audio device (%s)", SDL_GetError());
    return;
  }
  available_ = true;
  SDL_Log("sound: %s", SDL_GetCurrentAudioDriver());
  close();
}

Speaker::~Speaker() {
  close();
  if (subsystem_) SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

bool Speaker::open() {
  if (device_) return true;
  SDL_AudioSpec want{};
  want.freq = k_rate;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  want.samples = 1024;
  want.callback = nullptr;  // push mode: SDL_QueueAudio
  SDL_AudioSpec have{};
  device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);  // 0 allowed changes: SDL converts for us
  return device_ != 0;
}

void Speaker::close() {
  if (device_) SDL_CloseAudioDevice(device_);
  device_ = 0;
}

void Speaker::play(wms::term::Sound sound) {
  if (!available_ || !open()) return;
  const std::vector<std::int16_t>& s = sound == Sound::error ? error_ : sound == Sound::ok ? ok_ : done_;
  SDL_ClearQueuedAudio(device_);
  if (SDL_QueueAudio(device_, s.data(), static_cast<Uint32>(s.size() * sizeof(std::int16_t))) != 0) {
    SDL_LogWarn(SDL_LOG_CATEGORY_AUDIO, "sound: %s", SDL_GetError());
  }
  SDL_PauseAudioDevice(device_, 0);
}

int Speaker::settle() {
  if (!device_) return -1;
  const Uint32 bytes = SDL_GetQueuedAudioSize(device_);
  if (bytes == 0) {
    // The last samples are in the device's own buffer: give them one period before closing.
    if (++drained_ < 2) return 1000 * 1024 / k_rate;
    drained_ = 0;
    close();
    return -1;
  }
  drained_ = 0;
  return static_cast<int>(bytes / sizeof(std::int16_t) * 1000 / k_rate) + 1;
}

}  // namespace wms::term::view
