// The ZeroMQ front of wmsd: a ROUTER for requests and a PUB for events, both owned by one serving thread that
// answers queries from read transactions and applies the mutations that came in since the last commit in one
// durable write transaction (group commit), replying and publishing only after it. A slow-lane thread checks
// PINs and takes backups; its answers reach the serving thread over an inproc pipe.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace wms::net {

struct ServerConfig {
  std::string data_dir;
  std::string bind = "tcp://127.0.0.1:5555";
  std::string pub = "tcp://127.0.0.1:5556";
  bool no_sync = false;  // benchmarks of the CPU ceiling only; never for real stock
  std::size_t initial_map_bytes = 64ull << 20;  // the map doubles whenever it is full
  std::size_t max_map_bytes = 0;                // ... up to this size (0 = no limit)
  std::uint32_t idem_days = 30;                 // idempotency answers are kept this long (0 = for ever)
};

struct Stats {
  std::uint64_t batches = 0;
  std::uint64_t commands = 0;
};

class Server {
 public:
  explicit Server(ServerConfig cfg);  // opens storage and binds; throws with a clear message on failure
  ~Server();
  void run();                         // serves until stop() (async-signal-safe) is called
  void stop();
  static void stop_from_signal();     // for SIGTERM/SIGINT handlers
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wms::net
