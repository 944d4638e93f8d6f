// Client side of the request wire (DEALER to the server's ROUTER): one request at a time, retried on timeout
// with the same request id and idempotency key (the ZeroMQ guide's Lazy Pirate: on timeout the socket is closed
// and reopened, the request resent). It never invents an answer: after the last attempt it throws Unreachable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <msgpack.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "wms/proto/codec.hpp"

namespace wms::client {

struct Unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Reply {
  proto::Status status = proto::Status::internal;
  std::string error;
  msgpack::object_handle handle;
  msgpack::object body;
  bool ok() const { return status == proto::Status::ok; }
  // Decodes the body; throws std::runtime_error if it does not match T.
  template <class T>
  T as() const {
    std::string e;
    auto v = proto::decode_body<T>(body, &e);
    if (!v) throw std::runtime_error("unexpected reply body: " + e);
    return std::move(*v);
  }
};

struct Options {
  int timeout_ms = 5000;   // per attempt
  int attempts = 3;        // 0 = retry until answered
  // Many connections in one process (simulators, benchmarks) can share one context and its I/O thread;
  // null = the connection owns a context of its own. A shared context must outlive the connection.
  zmq::context_t* context = nullptr;
};

class Connection {
 public:
  Connection(std::string endpoint, std::string device, Options opts = {});
  ~Connection();

  const std::string& device() const { return device_; }
  const std::string& token() const { return token_; }
  void set_token(std::string t) { token_ = std::move(t); }

  // A fresh idempotency key "<device>:<boot ms>.<counter>", unique across runs of this process's device id.
  std::string next_key();

  // Sends `body` as request `type` (with idempotency `key` for mutations) and waits for its reply.
  Reply call(std::string_view type, const msgpack::sbuffer& body, const std::string& key = {});
  template <class Req>
  Reply call(const Req& req) {
    return call(Req::k_type, proto::pack_body(req), Req::k_mutates ? next_key() : std::string());
  }
  template <class Req>
  Reply call_with_key(const Req& req, const std::string& key) {
    return call(Req::k_type, proto::pack_body(req), key);
  }
  // Sends n requests of one `type` (body(i) builds request i) with at most `window` unanswered at a time, so the
  // server's group commit takes many in one durable commit, and calls on_reply(i, reply) in order of i. Each
  // request keeps its request id and (for mutations) idempotency key across attempts: when no answer comes for
  // timeout_ms, the socket is reopened and every unanswered request is sent again. on_reply returning false sends
  // nothing further; the requests already sent are still waited for and handed to on_reply (they may have been
  // applied). Throws Unreachable when `attempts` timeouts in a row bring no answer at all.
  void call_each(std::string_view type, std::size_t n, const std::function<msgpack::sbuffer(std::size_t)>& body,
                 bool mutates, std::size_t window, const std::function<bool(std::size_t, Reply&)>& on_reply);
  // Sends raw bytes as one frame and waits for any reply (tests of malformed input).
  std::optional<std::string> call_raw(std::string_view bytes, int timeout_ms);

  // Logs in; on success keeps the token for later calls. Returns the reply either way.
  Reply login(const std::string& user, const std::string& pin);

 private:
  void reconnect();
  std::string endpoint_, device_, token_;
  Options opts_;
  std::unique_ptr<zmq::context_t> own_ctx_;
  zmq::context_t* ctx_ = nullptr;
  std::unique_ptr<zmq::socket_t> sock_;
  std::uint64_t next_id_ = 1;
  std::uint64_t key_counter_ = 0;
  std::int64_t boot_ms_ = 0;
};

}  // namespace wms::client
