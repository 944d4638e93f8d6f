// The device agent thread; see agent.hpp. One request is in flight at a time: queued entries must reach the
// server in the order the picker made them, and a handheld never needs more than one round trip in the air.
#include "wms/shared/agent.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/outbox.hpp"

namespace wms::client {
namespace {

using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

std::string repack(const msgpack::object& o) {
  msgpack::sbuffer b;
  msgpack::pack(b, o);
  return std::string(b.data(), b.size());
}

struct StoredSession {
  std::string token, user, name, role;
  WMS_MSGPACK_MAP(token, user, name, role)
};

}  // namespace

struct Agent::Impl {
  AgentOptions opts;
  Outbox outbox;
  std::unique_ptr<zmq::context_t> own_ctx;
  zmq::context_t* ctx = nullptr;
  int wake_fd = -1;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<ToAgent> inbox;
  std::vector<FromAgent> outq;
  std::atomic<bool> stop{false};
  std::thread thread;

  // Agent-thread state.
  std::unique_ptr<zmq::socket_t> req, sub;
  std::string token;
  std::uint64_t next_id = 1;
  struct Inflight {
    std::uint64_t id = 0;
    std::string bytes;
    ToAgent::Kind kind = ToAgent::Kind::direct;
    std::string type, body;
    std::uint64_t tag = 0;
    bool internal = false;          // our own ping / snapshot
    Clock::time_point deadline;
  };
  std::optional<Inflight> inflight;
  std::deque<ToAgent> direct;
  bool paused = false;              // queued sending waits for a new login (session ended)
  int backoff_ms = 250;
  Clock::time_point retry_at{};
  Clock::time_point last_heard{};
  Clock::time_point last_sent{};
  bool online = false;
  bool heard_ever = false;
  std::uint32_t last_queued = 0;
  bool last_online = false;
  bool link_sent = false;
  // Clone pattern.
  std::uint64_t last_seq = 0;
  std::uint64_t server_boot = 0;  // the boot id of the heartbeats heard (0 = none yet)
  bool have_snapshot = false;
  bool snapshot_wanted = false;
  bool snapshot_inflight = false;
  std::vector<FromAgent> held;

  explicit Impl(AgentOptions o) : opts(std::move(o)), outbox(opts.dir, opts.device) {
    if (opts.context) {
      ctx = opts.context;
    } else {
      own_ctx = std::make_unique<zmq::context_t>(1);
      ctx = own_ctx.get();
    }
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) throw std::runtime_error("eventfd failed");
    load_session();
  }
  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  std::string session_path() const { return opts.dir + "/session.mp"; }
  void load_session() {
    std::ifstream in(session_path(), std::ios::binary);
    if (!in) return;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    try {
      auto h = msgpack::unpack(data.data(), data.size());
      StoredSession s;
      h.get().convert(s);
      if (s.token.empty()) return;
      token = s.token;
      proto::LoginRep rep{s.token, s.user, s.name, s.role};
      FromAgent f;
      f.kind = FromAgent::Kind::session;
      const auto b = proto::pack_body(rep);
      f.reply = std::string(b.data(), b.size());
      outq.push_back(std::move(f));
    } catch (const std::exception&) {
      // A damaged session file only means signing in again.
    }
  }
  void save_session(const proto::LoginRep& rep) {
    const std::string tmp = session_path() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      auto b = proto::pack_body(StoredSession{rep.token, rep.user, rep.name, rep.role});
      out.write(b.data(), static_cast<std::streamsize>(b.size()));
    }
    std::rename(tmp.c_str(), session_path().c_str());
  }

  void emit(FromAgent f) {
    {
      std::lock_guard lk(mu);
      outq.push_back(std::move(f));
    }
    cv.notify_all();
    if (opts.wake) opts.wake();
  }

  void connect_req() {
    req = std::make_unique<zmq::socket_t>(*ctx, zmq::socket_type::dealer);
    req->set(zmq::sockopt::linger, 0);
    // libzmq retries a lost TCP connection every 100 ms by default; back off like the outbox does (battery).
    req->set(zmq::sockopt::reconnect_ivl_max, opts.backoff_max_ms);
    req->connect(opts.endpoint);
  }

  void link_update() {
    const auto q = static_cast<std::uint32_t>(outbox.size());
    if (link_sent && q == last_queued && online == last_online) return;
    link_sent = true;
    last_queued = q;
    last_online = online;
    FromAgent f;
    f.kind = FromAgent::Kind::link;
    f.online = online;
    f.queued = q;
    emit(std::move(f));
  }

  void heard(Clock::time_point now) {
    last_heard = now;
    heard_ever = true;
    if (!online) {
      online = true;
      backoff_ms = 250;
      retry_at = now;
      if (have_snapshot) snapshot_wanted = true;  // we may have missed events while away
      link_update();  // before the reply that proved it: the app must know it is online when that reply lands
    }
  }

  void start(ToAgent::Kind kind, std::string type, std::string body, std::uint64_t tag, bool internal,
             const std::string& key, Clock::time_point now) {
    proto::RequestHeader h;
    h.id = next_id++;
    h.type = type;
    h.dev = opts.device;
    h.token = token;
    h.key = key;
    Inflight f;
    f.id = h.id;
    f.bytes = proto::encode_request_raw(h, [&] {
      msgpack::sbuffer b;
      b.write(body.data(), body.size());
      return b;
    }());
    f.kind = kind;
    f.type = std::move(type);
    f.body = std::move(body);
    f.tag = tag;
    f.internal = internal;
    f.deadline = now + ms(kind == ToAgent::Kind::login ? std::max(opts.timeout_ms, opts.login_timeout_ms) : opts.timeout_ms);
    req->send(zmq::buffer(f.bytes), zmq::send_flags::dontwait);
    last_sent = now;
    inflight = std::move(f);
  }

  // Picks the next request to put on the wire.
  void pump(Clock::time_point now) {
    if (inflight) return;
    if (!direct.empty()) {
      ToAgent m = std::move(direct.front());
      direct.pop_front();
      if (m.kind == ToAgent::Kind::login) {
        proto::LoginReq r{m.user, m.pin};
        auto b = proto::pack_body(r);
        return start(m.kind, "login", std::string(b.data(), b.size()), m.tag, false, {}, now);
      }
      if (m.kind == ToAgent::Kind::logout) {
        auto b = proto::pack_body(proto::LogoutReq{});
        return start(m.kind, "logout", std::string(b.data(), b.size()), 0, true, {}, now);
      }
      if (heard_ever && !online) return fail_unreachable(m.kind, m.type, m.body, m.tag);
      return start(m.kind, m.type, m.body, m.tag, false, {}, now);
    }
    if (token.empty()) return;
    if (snapshot_wanted && !snapshot_inflight && (online || !heard_ever)) {
      snapshot_wanted = false;
      snapshot_inflight = true;
      auto b = proto::pack_body(proto::SnapshotReq{});
      return start(ToAgent::Kind::snapshot, "snapshot", std::string(b.data(), b.size()), 0, true, {}, now);
    }
    if (!paused && outbox.front() && now >= retry_at) {
      const OutboxEntry& e = *outbox.front();
      return start(ToAgent::Kind::queued, e.type, e.body, e.tag, false, e.key, now);
    }
    // Heartbeat towards the server: an idle device still proves the request path works both ways.
    if (now - last_sent >= ms(2 * opts.heartbeat_ms)) {
      auto b = proto::pack_body(proto::PingReq{});
      return start(ToAgent::Kind::direct, "ping", std::string(b.data(), b.size()), 0, true, {}, now);
    }
  }

  void fail_unreachable(ToAgent::Kind kind, const std::string& type, const std::string& body, std::uint64_t tag) {
    FromAgent f;
    f.kind = kind == ToAgent::Kind::login ? FromAgent::Kind::login : FromAgent::Kind::answer;
    f.tag = tag;
    f.type = type;
    f.status = proto::Status::busy;
    f.error = "the server does not answer (no network?)";
    f.unreachable = true;
    f.request = body;
    emit(std::move(f));
  }

  void on_timeout(Clock::time_point now) {
    Inflight f = std::move(*inflight);
    inflight.reset();
    online = false;
    connect_req();  // Lazy Pirate: a fresh socket, so nothing stale is delivered later on this one
    if (f.kind == ToAgent::Kind::queued) {
      retry_at = now + ms(backoff_ms);
      backoff_ms = std::min(backoff_ms * 2, opts.backoff_max_ms);
      return;
    }
    if (f.kind == ToAgent::Kind::snapshot) {
      snapshot_inflight = false;
      snapshot_wanted = true;
      held.clear();
      return;
    }
    if (!f.internal) fail_unreachable(f.kind, f.type, f.body, f.tag);
  }

  void on_reply(const std::string& bytes, Clock::time_point now) {
    std::string err;
    auto rep = proto::decode_reply(bytes, &err);
    if (!rep || !inflight) return;
    if (rep->h.id != inflight->id && !(rep->h.id == 0 && rep->h.status != proto::Status::ok)) return;
    heard(now);
    Inflight f = std::move(*inflight);
    inflight.reset();
    const proto::Status st = rep->h.status;
    if (st == proto::Status::unsupported_version) {
      FromAgent v;
      v.kind = FromAgent::Kind::version;
      v.error = rep->h.error;
      paused = true;
      return emit(std::move(v));
    }
    FromAgent a;
    a.tag = f.tag;
    a.type = f.type;
    a.status = st;
    a.error = rep->h.error;
    a.request = f.body;
    a.reply = repack(rep->body);
    switch (f.kind) {
      case ToAgent::Kind::login: {
        a.kind = FromAgent::Kind::login;
        if (st == proto::Status::ok) {
          std::string e;
          if (auto lr = proto::decode_body<proto::LoginRep>(rep->body, &e)) {
            token = lr->token;
            save_session(*lr);
            paused = false;
            retry_at = now;
          }
        }
        return emit(std::move(a));
      }
      case ToAgent::Kind::logout:
        token.clear();
        std::remove(session_path().c_str());
        return;
      case ToAgent::Kind::snapshot: {
        snapshot_inflight = false;
        if (st != proto::Status::ok) {
          held.clear();
          if (st == proto::Status::unauthenticated) break;
          snapshot_wanted = true;
          return;
        }
        std::string e;
        auto snap = proto::decode_body<proto::SnapshotRep>(rep->body, &e);
        if (!snap) return;
        have_snapshot = true;
        last_seq = snap->seq;
        a.kind = FromAgent::Kind::snapshot;
        a.seq = snap->seq;
        emit(std::move(a));
        std::vector<FromAgent> later = std::move(held);
        held.clear();
        std::sort(later.begin(), later.end(), [](const FromAgent& x, const FromAgent& y) { return x.seq < y.seq; });
        for (auto& ev : later) deliver_event(std::move(ev));
        return;
      }
      case ToAgent::Kind::queued:
        // A transient refusal (server busy) is retried; anything else is the answer to this key, for good.
        if (st == proto::Status::busy) {
          retry_at = now + ms(backoff_ms);
          backoff_ms = std::min(backoff_ms * 2, opts.backoff_max_ms);
          return;
        }
        if (st == proto::Status::unauthenticated) {
          paused = true;  // keep the entry; it goes out after the next login
          break;
        }
        backoff_ms = 250;
        outbox.pop_front();
        break;
      case ToAgent::Kind::direct:
        if (f.internal) {
          if (st == proto::Status::unauthenticated) {
            a.kind = FromAgent::Kind::answer;
            break;
          }
          return;
        }
        break;
    }
    a.kind = FromAgent::Kind::answer;
    if (st == proto::Status::unauthenticated) token.clear();
    emit(std::move(a));
  }

  void deliver_event(FromAgent ev) {
    if (ev.seq <= last_seq) return;
    if (ev.seq > last_seq + 1) {
      // Clone pattern: a gap means we missed something; hold this and ask for the state again.
      held.push_back(std::move(ev));
      snapshot_wanted = true;
      return;
    }
    last_seq = ev.seq;
    emit(std::move(ev));
  }

  void on_event(const std::string& bytes, Clock::time_point now) {
    std::string err;
    auto ev = proto::decode_event(bytes, &err);
    if (!ev) return;
    heard(now);
    if (ev->type == "hb") {
      // Another wmsd start: its history may have gone back (a restored backup), so take it afresh.
      std::string e;
      if (auto hb = proto::decode_body<proto::PingRep>(ev->body, &e); hb && hb->boot != 0) {
        if (server_boot != 0 && hb->boot != server_boot && have_snapshot) snapshot_wanted = true;
        server_boot = hb->boot;
      }
      // Ahead of us: we missed an event. (Behind us is normal: heartbeats queued on a slow SUB link carry older
      // numbers than a snapshot fetched over the request link. A restored backup, whose numbers go back, is noticed
      // when the device comes back after the server's downtime: every reconnect takes a fresh snapshot.)
      if (have_snapshot && ev->seq > last_seq && !snapshot_inflight) snapshot_wanted = true;
      return;
    }
    FromAgent f;
    f.kind = FromAgent::Kind::event;
    f.type = ev->type;
    f.seq = ev->seq;
    f.reply = repack(ev->body);
    if (!have_snapshot || snapshot_inflight || snapshot_wanted) {
      held.push_back(std::move(f));
      if (held.size() > 10000) held.erase(held.begin());
      return;
    }
    deliver_event(std::move(f));
  }

  void take_inbox() {
    std::deque<ToAgent> in;
    {
      std::lock_guard lk(mu);
      in.swap(inbox);
    }
    for (auto& m : in) {
      switch (m.kind) {
        case ToAgent::Kind::queued: outbox.add(m.type, m.body, m.tag); break;
        case ToAgent::Kind::snapshot: snapshot_wanted = true; break;
        case ToAgent::Kind::logout:
          // Never end the session while scans wait: they need it to be accepted.
          if (outbox.size() > 0) break;
          direct.push_back(std::move(m));
          break;
        default: direct.push_back(std::move(m)); break;
      }
    }
  }

  void run() {
    connect_req();
    sub = std::make_unique<zmq::socket_t>(*ctx, zmq::socket_type::sub);
    sub->set(zmq::sockopt::linger, 0);
    sub->set(zmq::sockopt::reconnect_ivl_max, opts.backoff_max_ms);
    sub->set(zmq::sockopt::subscribe, "");
    sub->connect(opts.events);
    auto now = Clock::now();
    last_sent = now;
    if (opts.wake) opts.wake();  // a stored session may already wait in take()
    if (!token.empty()) snapshot_wanted = true;
    while (!stop.load()) {
      now = Clock::now();
      take_inbox();
      pump(now);
      link_update();
      // Poll until the nearest deadline: the request in flight, a queued retry, the next ping, liveness.
      Clock::time_point until = now + ms(opts.heartbeat_ms);
      if (inflight) until = std::min(until, inflight->deadline);
      if (!inflight && outbox.front() && !paused && !token.empty()) until = std::min(until, retry_at);
      if (online) until = std::min(until, last_heard + ms(3 * opts.heartbeat_ms));
      auto wait = std::chrono::duration_cast<ms>(until - now);
      if (wait.count() < 0) wait = ms(0);
      zmq::pollitem_t items[3] = {{req->handle(), 0, ZMQ_POLLIN, 0},
                                  {sub->handle(), 0, ZMQ_POLLIN, 0},
                                  {nullptr, wake_fd, ZMQ_POLLIN, 0}};
      zmq::poll(items, 3, wait);
      now = Clock::now();
      if (items[2].revents & ZMQ_POLLIN) {
        std::uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_fd, &v, sizeof v);
      }
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t msg;
        while (req->recv(msg, zmq::recv_flags::dontwait)) on_reply(msg.to_string(), now);
      }
      if (items[1].revents & ZMQ_POLLIN) {
        zmq::message_t topic, msg;
        while (sub->recv(topic, zmq::recv_flags::dontwait)) {
          if (!topic.more()) continue;
          if (!sub->recv(msg, zmq::recv_flags::dontwait)) break;
          while (msg.more()) {
            zmq::message_t extra;
            if (!sub->recv(extra, zmq::recv_flags::dontwait)) break;
            msg = std::move(extra);
          }
          on_event(msg.to_string(), now);
        }
      }
      if (inflight && now >= inflight->deadline) on_timeout(now);
      if (online && now - last_heard >= ms(3 * opts.heartbeat_ms)) online = false;
    }
  }
};

Agent::Agent(AgentOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {
  impl_->thread = std::thread([this] {
    try {
      impl_->run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "agent: stopped: %s\n", e.what());
    }
  });
}

Agent::~Agent() {
  impl_->stop = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(impl_->wake_fd, &one, sizeof one);
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Agent::send(ToAgent m) {
  {
    std::lock_guard lk(impl_->mu);
    impl_->inbox.push_back(std::move(m));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(impl_->wake_fd, &one, sizeof one);
}

std::vector<FromAgent> Agent::take() {
  std::lock_guard lk(impl_->mu);
  std::vector<FromAgent> out;
  out.swap(impl_->outq);
  return out;
}

bool Agent::wait(int timeout_ms) {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, ms(timeout_ms), [&] { return !impl_->outq.empty(); });
}

}  // namespace wms::client
