// A device's link to the server, on its own thread (the ZeroMQ guide's clone agent, with Lazy Pirate requests):
// it owns the DEALER and SUB sockets and the durable outbox; the app hands it requests and takes back answers,
// events and link changes through thread-safe queues, and never touches ZeroMQ itself.
// - Queued requests (mutations) are written to the outbox first, then sent one at a time in order, each with its
//   own idempotency key, retried on timeout (socket reopened, backoff doubling to a cap) until the server answers.
//   A dead spot, a server restart or the app being killed only delays them; the server applies each key once.
// - Direct requests (login, snapshot, pack queries) are tried once and answered "unreachable" when offline.
// - Events follow the Clone pattern: a snapshot is valid at a sequence; events at or below it are dropped, events
//   that arrive while a snapshot is on its way are held, and a gap (or a heartbeat ahead of us) asks for a new one.
// - Liveness: the server is online while its heartbeats (or replies) keep coming; 3 missed periods = offline.
// It must never drop an outbox entry the server has not answered, and never block the app's thread.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "wms/proto/wire.hpp"

namespace wms::client {

struct AgentOptions {
  std::string endpoint;             // the server's ROUTER, e.g. tcp://wms:5555
  std::string events;               // the server's PUB, e.g. tcp://wms:5556
  std::string device;               // this device's id (sessions are bound to it)
  std::string dir;                  // device folder: outbox, session
  int timeout_ms = 2000;            // per request attempt
  // A sign-in waits longer: the server checks PINs with a deliberately slow hash, one after another, and a shift
  // starts with everyone signing in at once (32 handhelds queue ~3 s of PIN checks on 2 cores).
  int login_timeout_ms = 10000;
  int backoff_max_ms = 4000;        // cap of the retry backoff for queued requests
  int heartbeat_ms = proto::k_heartbeat_ms;
  zmq::context_t* context = nullptr;  // shared context (simulators); null = own
  std::function<void()> wake;       // called on the agent thread whenever take() has something
};

struct ToAgent {
  enum class Kind { login, logout, snapshot, direct, queued };
  Kind kind = Kind::direct;
  std::uint64_t tag = 0;
  std::string type;                 // request type (direct/queued)
  std::string body;                 // packed msgpack body
  std::string user, pin;            // login
};

struct FromAgent {
  enum class Kind {
    link,       // online/queued changed
    session,    // a stored session was found at start (reply = packed LoginRep)
    login,      // login answer (status, reply = packed LoginRep on ok)
    snapshot,   // reply = packed SnapshotRep
    event,      // seq, type, reply = packed body
    answer,     // a direct or queued request was answered (or, direct only, found the server unreachable)
    version,    // the server refused our protocol version
  };
  Kind kind = Kind::link;
  std::uint64_t tag = 0;
  std::string type;
  proto::Status status = proto::Status::ok;
  std::string error;
  bool unreachable = false;
  std::string request;              // packed request body (answers)
  std::string reply;                // packed reply / event / snapshot body
  std::uint64_t seq = 0;
  bool online = false;
  std::uint32_t queued = 0;
};

class Agent {
 public:
  // Opens the outbox in opts.dir (throws on I/O failure) and starts the thread.
  explicit Agent(AgentOptions opts);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  void send(ToAgent m);                        // any thread
  std::vector<FromAgent> take();               // any thread; everything that arrived, in order
  bool wait(int timeout_ms);                   // blocks until take() has something (headless users)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wms::client
