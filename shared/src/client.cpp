// Lazy Pirate request client; see client.hpp.
#include "wms/shared/client.hpp"

#include <algorithm>
#include <map>

#include "wms/proto/messages.hpp"

namespace wms::client {

Connection::Connection(std::string endpoint, std::string device, Options opts)
    : endpoint_(std::move(endpoint)), device_(std::move(device)), opts_(opts) {
  if (opts_.context) {
    ctx_ = opts_.context;
  } else {
    own_ctx_ = std::make_unique<zmq::context_t>(1);
    ctx_ = own_ctx_.get();
  }
  boot_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  reconnect();
}

Connection::~Connection() = default;

void Connection::reconnect() {
  sock_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::dealer);
  sock_->set(zmq::sockopt::linger, 0);
  sock_->connect(endpoint_);
}

std::string Connection::next_key() {
  return device_ + ":" + std::to_string(boot_ms_) + "." + std::to_string(++key_counter_);
}

Reply Connection::call(std::string_view type, const msgpack::sbuffer& body, const std::string& key) {
  proto::RequestHeader h;
  h.id = next_id_++;
  h.type = std::string(type);
  h.dev = device_;
  h.token = token_;
  h.key = key;
  const std::string bytes = proto::encode_request_raw(h, body);
  for (int attempt = 0; opts_.attempts == 0 || attempt < opts_.attempts; ++attempt) {
    if (attempt > 0) reconnect();  // a fresh socket drops anything queued for the dead connection
    sock_->send(zmq::buffer(bytes), zmq::send_flags::none);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      zmq::pollitem_t item{sock_->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, left);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t msg;
      if (!sock_->recv(msg, zmq::recv_flags::dontwait)) continue;
      std::string err;
      auto rep = proto::decode_reply(msg.to_string_view(), &err);
      if (!rep) continue;
      // A late answer to an earlier request is skipped. An error with id 0 is the server saying it could not
      // read the envelope at all (too large, not msgpack): with one request outstanding, it is ours.
      if (rep->h.id != h.id && !(rep->h.id == 0 && rep->h.status != proto::Status::ok)) continue;
      Reply r;
      r.status = rep->h.status;
      r.error = std::move(rep->h.error);
      r.body = rep->body;
      r.handle = std::move(rep->handle);
      return r;
    }
  }
  throw Unreachable("no answer from " + endpoint_ + " after " + std::to_string(opts_.attempts) + " attempt(s) of " +
                    std::to_string(opts_.timeout_ms) + " ms");
}

void Connection::call_each(std::string_view type, std::size_t n,
                           const std::function<msgpack::sbuffer(std::size_t)>& body, bool mutates, std::size_t window,
                           const std::function<bool(std::size_t, Reply&)>& on_reply) {
  const std::uint64_t base = next_id_;
  next_id_ += n;
  window = std::max<std::size_t>(window, 1);
  std::map<std::size_t, std::string> unanswered;  // index -> the encoded request, as first sent
  std::map<std::size_t, Reply> early;             // answered ahead of an earlier request
  std::size_t sent = 0, delivered = 0;
  bool stop = false;
  int attempt = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
  while (delivered < sent || (!stop && sent < n)) {
    for (; !stop && sent < n && sent - delivered < window; ++sent) {
      proto::RequestHeader h;
      h.id = base + sent;
      h.type = std::string(type);
      h.dev = device_;
      h.token = token_;
      if (mutates) h.key = next_key();
      auto& bytes = unanswered[sent] = proto::encode_request_raw(h, body(sent));
      sock_->send(zmq::buffer(bytes), zmq::send_flags::none);
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {  // nothing heard for a whole timeout: a fresh socket, everything unanswered again
      if (opts_.attempts != 0 && ++attempt >= opts_.attempts)
        throw Unreachable("no answer from " + endpoint_ + " after " + std::to_string(opts_.attempts) +
                          " attempt(s) of " + std::to_string(opts_.timeout_ms) + " ms");
      reconnect();
      for (const auto& [i, bytes] : unanswered) sock_->send(zmq::buffer(bytes), zmq::send_flags::none);
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
      continue;
    }
    zmq::pollitem_t item{sock_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
    zmq::message_t msg;
    while ((item.revents & ZMQ_POLLIN) && sock_->recv(msg, zmq::recv_flags::dontwait)) {
      std::string err;
      auto rep = proto::decode_reply(msg.to_string_view(), &err);
      if (!rep || rep->h.id < base || rep->h.id >= base + sent) continue;  // not one of these (a late answer)
      const auto i = static_cast<std::size_t>(rep->h.id - base);
      if (!unanswered.erase(i)) continue;  // answered already (an answer to a resent copy)
      Reply& r = early[i];
      r.status = rep->h.status;
      r.error = std::move(rep->h.error);
      r.body = rep->body;
      r.handle = std::move(rep->handle);
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
      attempt = 0;  // the attempts are per stall: an answer means the server is there
    }
    for (auto it = early.find(delivered); it != early.end(); it = early.find(delivered)) {
      if (!on_reply(delivered, it->second)) stop = true;
      early.erase(it);
      ++delivered;
    }
  }
}

std::optional<std::string> Connection::call_raw(std::string_view bytes, int timeout_ms) {
  sock_->send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  zmq::pollitem_t item{sock_->handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms));
  if (!(item.revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t msg;
  if (!sock_->recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
  return msg.to_string();
}

Reply Connection::login(const std::string& user, const std::string& pin) {
  Reply r = call(proto::LoginReq{user, pin});
  if (r.ok()) token_ = r.as<proto::LoginRep>().token;
  return r;
}

}  // namespace wms::client
