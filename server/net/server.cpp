// wmsd's runtime: one serving thread that owns the ROUTER and PUB sockets and the LMDB write transaction (group
// commit), a slow lane thread (PIN checks at sign-in, backups) and a PIN lane thread (hashes the new PINs of
// user.add and users imports before they are applied).
// Patterns named after the ZeroMQ guide: replies only after the durable commit; Clone-style event sequence
// numbers written in the same transaction as the change; idempotent retry by key.
#include "server.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "app/service.hpp"
#include "domain/rules.hpp"
#include "store/lmdb.hpp"
#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"

namespace wms::net {
using proto::Status;

namespace {
std::atomic<bool> g_stop{false};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

constexpr std::int64_t k_session_ms = 24ll * 3600 * 1000;
// Requests the slow and PIN lanes hand over that wait for the next batch (each lane's queue takes as many).
constexpr std::size_t k_max_logins = 1000;
constexpr std::size_t k_max_batch = 2048;   // requests read from the ROUTER before committing what they asked for
constexpr std::size_t k_max_key_bytes = 128;
constexpr std::size_t k_max_dev_bytes = 128;  // with the key, an idempotency index key fits LMDB's 511 bytes
// Gathering a batch (Impl::gather): the longest a batch stays open for more requests, the longest it waits for
// the next one, and how lately a device must have been answered to be waited for.
constexpr auto k_gather_max = std::chrono::microseconds(2000);
constexpr auto k_gather_idle = std::chrono::microseconds(200);
constexpr auto k_gather_recent = std::chrono::microseconds(5000);
// How long the serving thread goes on reading (and answering queries) while a mutation waits for its commit.
constexpr auto k_read_slice = std::chrono::microseconds(2000);
constexpr int k_max_redos = 3;  // batch redos after refused mutations before every mutation gets a child txn
// Requests whose PIN hashes the PIN lane keeps for their retries.
constexpr std::size_t k_lane_hashes_kept = 64;

enum class Kind { mutation, login_ok, login_fail, logout };

struct Cmd {
  Kind kind = Kind::mutation;
  std::string peer;
  proto::RequestHeader h;
  msgpack::object_handle handle;
  msgpack::object body;
  app::Ctx ctx;
  std::uint64_t body_hash = 0;
  std::string pin_hash;  // login_ok / login_fail: the user's PIN hash the PIN was checked against
  std::map<std::string, std::string> pin_hashes;  // mutation setting PINs: their hashes (app::pin_hashes_for)
};

// Work off the serving thread: a PIN check (user, pin), a backup (path), or the PIN hashes of a mutation (cmd).
struct SlowJob {
  std::string peer;
  proto::RequestHeader h;
  std::string user, pin, path;
  std::optional<Cmd> cmd;
};

template <class T>
class Queue {
 public:
  bool push(T v, std::size_t max) {
    {
      std::lock_guard lk(mu_);
      if (q_.size() >= max) return false;
      q_.push_back(std::move(v));
    }
    cv_.notify_one();
    return true;
  }
  // Waits for work; returns everything queued (empty only when closed).
  std::deque<T> take_all() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !q_.empty() || closed_; });
    std::deque<T> out;
    out.swap(q_);
    return out;
  }
  // Everything queued now, without waiting.
  std::deque<T> take_now() {
    std::lock_guard lk(mu_);
    std::deque<T> out;
    out.swap(q_);
    return out;
  }
  void close() {
    {
      std::lock_guard lk(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> q_;
  bool closed_ = false;
};

// A failure that leaves the write transaction unusable for the rest of its batch (nothing of it is committed).
struct BatchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void send_frames(zmq::socket_t& s, std::initializer_list<std::string_view> frames) {
  std::size_t i = 0, n = frames.size();
  for (auto f : frames) {
    s.send(zmq::buffer(f.data(), f.size()), ++i < n ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}
}  // namespace

struct Server::Impl {
  ServerConfig cfg;
  store::Env env;
  std::shared_mutex map_mu;  // the slow lane's reads shared; the serving thread exclusive only while growing the map
  zmq::context_t zctx{1};
  zmq::socket_t router{zctx, zmq::socket_type::router};
  zmq::socket_t pub{zctx, zmq::socket_type::pub};
  zmq::socket_t pull{zctx, zmq::socket_type::pull};
  Queue<Cmd> ready_q;  // from the slow and PIN lanes for the next batch: checked PINs, mutations with PIN hashes
  std::vector<Cmd> pending;    // mutations read from the ROUTER since the last commit (serving thread only)
  std::vector<zmq::message_t> frames;  // the frames of the request being read (serving thread only)
  Queue<SlowJob> slow_q;
  std::thread slow;
  Queue<SlowJob> pin_q;  // a users import of 100 rows takes ~10 s here: sign-ins do not wait behind it
  std::thread pin_lane;
  std::deque<std::pair<std::string, std::map<std::string, std::string>>> lane_hashes;  // PIN lane only
  std::uint64_t last_seq = 0;
  // Random per start, in every heartbeat: devices take a fresh snapshot when it changes (a restart, maybe on a
  // restored backup whose event numbers went back), however short the downtime was.
  const std::uint64_t boot = [] {
    std::random_device rd;
    std::uint64_t b = 0;
    while (b == 0) b = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    return b;
  }();
  std::string dummy_hash;
  std::chrono::steady_clock::time_point next_hb{};  // serving thread only
  store::IdemStore idem;  // serving thread only (after the constructor)
  struct Seen {
    std::string user;
    std::int64_t at_ms = 0;
    bool signed_out = false;  // its last request was a logout
  };
  std::map<std::string, Seen> last_seen;  // device -> its last request under a valid session (serving thread only)
  bool fatal = false;                     // the database reported damage: run() ends and throws
  struct Recent {
    std::chrono::steady_clock::time_point at{};
    std::set<std::string> devices;
  };
  Recent recent[2];  // the devices of the last two commits, for gather() (serving thread only)

  explicit Impl(ServerConfig c)
      : cfg(std::move(c)), env(cfg.data_dir, store::EnvOptions{cfg.initial_map_bytes, cfg.no_sync, cfg.max_map_bytes}) {
    pull.set(zmq::sockopt::rcvhwm, 0);
    pull.bind("inproc://wmsd-out");
    router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(proto::k_hard_max_message_bytes));
    router.set(zmq::sockopt::router_mandatory, 0);
    // Replies queued for one connection that does not read them: past this many, ZeroMQ drops them (the client's
    // retry asks again). A client has at most a few requests out (wmsctl's order confirm --all: 64), so this
    // only bounds the memory a peer that never reads can make wmsd hold (a list reply can be megabytes).
    router.set(zmq::sockopt::sndhwm, 256);
    router.set(zmq::sockopt::rcvhwm, 100000);
    router.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, 100000);
    try {
      router.bind(cfg.bind);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("cannot bind request endpoint " + cfg.bind + ": " + e.what());
    }
    try {
      pub.bind(cfg.pub);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("cannot bind event endpoint " + cfg.pub + ": " + e.what());
    }
    for (;;) {  // the upgrade of an older folder writes an entry per wave: grow the map if it is full
      try {
        store::Txn t(env, store::Txn::Mode::write);
        if (auto done = app::upgrade(t); !done.empty()) spdlog::info("data folder upgraded: {}", done);
        t.commit();
        break;
      } catch (const store::MapFull&) {
        if (std::string why; !grow_map(why))
          throw std::runtime_error("cannot bring the data folder up to date: " + why);
      }
    }
    {
      store::Txn t(env, store::Txn::Mode::read);
      last_seq = store::meta_u64(t, "event_seq");
      idem.load(t);
      idem.set_retention(static_cast<std::int64_t>(cfg.idem_days) * 24 * store::IdemStore::k_hour_ms);
    }
    dummy_hash = app::hash_pin("000000");
    slow = std::thread([this] { slow_loop(slow_q); });
    pin_lane = std::thread([this] { slow_loop(pin_q); });
  }

  ~Impl() { stop_lanes(); }

  void stop_lanes() {
    slow_q.close();
    pin_q.close();
    if (slow.joinable()) slow.join();
    if (pin_lane.joinable()) pin_lane.join();
  }

  // ---------------- group commit (serving thread) ----------------
  // Requests that arrive while a commit is on its way to disk wait in the ROUTER's queue (ZeroMQ's I/O thread
  // keeps reading the connections) and make up the next batch; those that arrive while the batch is applied join
  // it (gather() below). One durable commit carries them all, and no other thread has to be woken to apply or to
  // answer.
  void process_batch() {
    std::vector<Cmd>& batch = pending;  // gather() reads further requests into it while it is applied
    // Mutations are applied straight into the write transaction: LMDB's nested transaction costs two large
    // allocations, a copy of every page it touches that the batch already dirtied and a merge of dirty pages.
    // A mutation that is refused or fails may have left partial writes, which cannot be taken out of the
    // transaction: the whole transaction is then aborted (nothing was committed or answered yet) and the batch
    // done again from the start, with that mutation (and any found before) in a child transaction of its own,
    // whose writes are dropped when it is refused. After k_max_redos redos every mutation gets a child
    // transaction, so a batch with many refusals costs at most that many extra passes.
    std::vector<char> isolated(batch.size(), 0);
    int redos = 0;
    const auto deadline = std::chrono::steady_clock::now() + k_gather_max;
    std::vector<std::string> replies;
    std::vector<app::PubEvent> events;
    for (;;) {
      replies.clear();
      events.clear();
      std::uint64_t seq = 0;
      try {
        store::Txn parent(env, store::Txn::Mode::write);
        const std::int64_t now = now_ms();
        idem.begin(parent, now);
        bool redo = false;
        // `batch` may grow while it is applied: gather() reads the requests that arrive meanwhile into it.
        for (std::size_t i = 0; i < batch.size() || gather(batch, deadline); ++i) {
          keep_alive();
          isolated.resize(batch.size(), redos > k_max_redos ? 1 : 0);
          auto& c = batch[i];
          c.ctx.now_ms = now;
          auto r = apply_one(parent, c, events, !isolated[i]);
          if (!r) {
            isolated[i] = 1;
            if (++redos > k_max_redos) std::fill(isolated.begin(), isolated.end(), 1);
            redo = true;
            break;
          }
          replies.push_back(std::move(*r));
        }
        if (redo) continue;  // the parent aborts on scope exit
        if (!events.empty()) seq = store::meta_u64(parent, "event_seq");
        parent.commit();
      } catch (const store::MapFull&) {
        std::string why;
        if (grow_map(why)) continue;
        refuse_batch(batch, "storage full, nothing applied: " + why + "; raise --max-map-mib and restart wmsd");
        return;
      } catch (const std::exception& e) {
        // Only storage gets here (apply_one answers a request's own failures): the disk, the map, or a damaged
        // database. Nothing of the batch is applied; devices send it again. A damaged database stops wmsd
        // (exit 1: restarted by its service manager, or looked at by a person) rather than refusing for ever.
        const auto* se = dynamic_cast<const store::Error*>(&e);
        const bool damaged = se && (se->rc == MDB_PANIC || se->rc == MDB_CORRUPTED || se->rc == MDB_PAGE_NOTFOUND ||
                                    se->rc == MDB_INVALID || se->rc == MDB_VERSION_MISMATCH);
        spdlog::error("storage failure, batch of {} not applied: {}", batch.size(), e.what());
        refuse_batch(batch, std::string("storage failure, nothing applied: ") + e.what() + "; retry later");
        if (damaged) {
          spdlog::critical("the database reports damage; wmsd stops");
          fatal = true;
          g_stop = true;
        }
        return;
      }
      idem.committed();
      note_batch_devices(batch);
      for (const auto& c : batch)  // memory only, like the rest of last_seen
        if (c.kind == Kind::logout) last_seen[c.ctx.device].signed_out = true;
      if (seq) last_seq = seq;
      // Replies first: the clients wait on them; subscribers get the events right after.
      for (std::size_t i = 0; i < replies.size(); ++i) reply(batch[i].peer, replies[i]);
      for (auto& e : events) send_frames(pub, {e.topic, e.payload});
      return;
    }
  }

  // ---------------- gathering a batch ----------------
  // Under load, clients in a closed loop (each sends its next scan once its answer is in) split into two groups
  // that take turns: one waits for its commit while the other's requests queue up, so a commit carries only half
  // of them. While the write transaction is still open, gather() reads the requests that arrived meanwhile into
  // the batch, and waits a little for devices that were answered in the last two commits (within
  // k_gather_recent) and have not sent again: they are on their way back. It gives up after k_gather_idle with
  // nothing new, and at `deadline`. When no device was answered lately (a quiet site, one device) it does not wait.
  bool gather(std::vector<Cmd>& batch, std::chrono::steady_clock::time_point deadline) {  // batch: `pending`
    if (batch.size() >= k_max_batch) return false;
    const std::size_t before = batch.size();
    try {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;  // past it nothing more is read: the batch commits as it is
      read_requests(k_max_batch - batch.size());
      if (batch.size() > before) return true;
      if (!awaited_device(batch, now)) return false;
      // Queries, hellos and sign-ins that come in meanwhile are answered (or passed on) but do not extend the wait.
      const auto until = std::min(deadline, now + k_gather_idle);
      while (std::chrono::steady_clock::now() < until && wait_router(until)) {
        keep_alive();
        read_requests(k_max_batch - batch.size());
        if (batch.size() > before) return true;
      }
    } catch (const zmq::error_t& e) {
      // A signal (EINTR) or the context ending: commit what is applied; run() sees the socket again next round.
      spdlog::debug("gathering stopped: {}", e.what());
    }
    return false;
  }

  // Whether a device answered in the last two commits (made within k_gather_recent of `now`) has nothing in
  // `batch` yet.
  bool awaited_device(const std::vector<Cmd>& batch, std::chrono::steady_clock::time_point now) const {
    std::set<std::string_view> in;
    for (const auto& c : batch) in.insert(c.ctx.device);
    for (const auto& r : recent)
      if (now - r.at < k_gather_recent)
        for (const auto& d : r.devices)
          if (!in.count(d)) return true;
    return false;
  }

  void note_batch_devices(const std::vector<Cmd>& batch) {
    recent[1] = std::move(recent[0]);
    recent[0].at = std::chrono::steady_clock::now();
    recent[0].devices.clear();
    for (const auto& c : batch) recent[0].devices.insert(c.ctx.device);
  }

  // Waits until the ROUTER has a request to read (true) or `until` passes (false). ZeroMQ's own poll counts in
  // milliseconds; its socket's file descriptor tells when to look at ZMQ_EVENTS again.
  bool wait_router(std::chrono::steady_clock::time_point until) {
    const int fd = router.get(zmq::sockopt::fd);
    for (;;) {
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      if (router.get(zmq::sockopt::events) & ZMQ_POLLIN) return true;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      pollfd p{fd, POLLIN, 0};
      if (::ppoll(&p, 1, &ts, nullptr) < 0 && errno != EINTR) return false;
    }
  }

  // After MDB_MAP_FULL: doubles the map (up to --max-map-mib). False, with the reason, when it cannot.
  bool grow_map(std::string& why) {
    try {
      std::unique_lock lk(map_mu);
      env.grow();
    } catch (const std::exception& e) {
      why = e.what();
      spdlog::error("LMDB map cannot grow: {}", why);
      return false;
    }
    spdlog::info("LMDB map grown to {} MiB", env.map_bytes() >> 20);
    return true;
  }

  // A batch that could not be stored is answered `busy`: nothing of it was applied or remembered, so a retry with
  // the same key is safe, and devices keep the scans in their outboxes and send them again after a while.
  void refuse_batch(const std::vector<Cmd>& batch, const std::string& msg) {
    for (const auto& c : batch) reply_error(c.peer, c.h.id, Status::busy, msg);
  }

  // Applies one command inside `parent`. direct: the mutation writes into `parent` itself (no child transaction);
  // gives nullopt instead of an answer when that mutation is refused or fails, as `parent` then holds partial
  // writes and must be aborted. A failure that is the request's own (not the storage's: store::Error goes up to
  // the batch) is answered `internal` for that request alone, so it cannot sink the batch it came in.
  std::optional<std::string> apply_one(store::Txn& parent, Cmd& c, std::vector<app::PubEvent>& events, bool direct) {
    try {
      return apply_one_unguarded(parent, c, events, direct);
    } catch (const store::Error&) {
      throw;
    } catch (const BatchFailure&) {
      throw;
    } catch (const std::exception& e) {
      if (direct) return std::nullopt;  // done again in a child transaction, then answered below
      spdlog::error("{} from {} failed: {}", c.h.type, c.ctx.device, e.what());
      return proto::encode_error_reply(c.h.id, Status::internal, std::string("internal error: ") + e.what());
    }
  }

  std::optional<std::string> apply_one_unguarded(store::Txn& parent, Cmd& c, std::vector<app::PubEvent>& events,
                                                 bool direct) {
    switch (c.kind) {
      case Kind::login_ok:
      case Kind::login_fail: {
        if (direct) return apply_login(parent, c);
        store::Txn child(env, store::Txn::Mode::write, &parent);  // a failure part-way leaves nothing behind
        auto r = apply_login(child, c);
        child.commit();
        return r;
      }
      case Kind::logout: {
        parent.del(store::Table::sessions, c.h.token);
        return proto::encode_reply(c.h.id, Status::ok, "", proto::Empty{});
      }
      case Kind::mutation: break;
    }
    c.ctx.pin_hashes = &c.pin_hashes;  // set here: `c` may have moved since it was read (the batch grows)
    // The session was checked when the request was read, against the last commit. A request applied before it in
    // this batch (its device's logout, a user.add that changed the user's role and so ended its sessions) may
    // have ended it since, or it may have run out while the request waited (a users import on the PIN lane): a
    // mutation never runs on an ended session.
    const auto session = store::get_as<domain::Session>(parent, store::Table::sessions, c.h.token);
    if (!session) return proto::encode_error_reply(c.h.id, Status::unauthenticated, "the session ended: log in again");
    if (c.ctx.now_ms - session->created_ms > k_session_ms)
      return proto::encode_error_reply(c.h.id, Status::unauthenticated, "session expired: log in again");
    if (auto prior = idem.get(parent, c.ctx.device, c.h.key)) {
      if (prior->type != c.h.type || prior->body_hash != c.body_hash)
        return proto::encode_error_reply(c.h.id, Status::conflict,
                                         "idempotency key " + c.h.key + " was already used for another request");
      msgpack::sbuffer body;
      body.write(prior->body.data(), prior->body.size());
      return proto::encode_reply_raw(c.h.id, static_cast<Status>(prior->status), prior->error, body);
    }
    app::Outcome o;
    if (direct) {
      o = app::apply_mutation(parent, c.ctx, c.h.type, c.body, events);  // an exception: see apply_one
      if (o.status != Status::ok) return std::nullopt;
      app::write_audit(parent, c.ctx, c.h.type, o.audit);
    } else {
      store::Txn child(env, store::Txn::Mode::write, &parent);
      std::vector<app::PubEvent> local;
      o = app::apply_mutation(child, c.ctx, c.h.type, c.body, local);  // an exception aborts the child: see apply_one
      if (o.status == Status::ok) {
        app::write_audit(child, c.ctx, c.h.type, o.audit);
        child.commit();
        for (auto& e : local) events.push_back(std::move(e));
      }
    }
    store::IdemAnswer rec{c.h.type, c.body_hash, static_cast<std::uint32_t>(o.status), o.error,
                          std::string(o.body.data(), o.body.size())};
    try {
      idem.put(parent, c.ctx.device, c.h.key, rec);
    } catch (const store::Error&) {
      throw;
    } catch (const std::exception& e) {
      // The change is in `parent` without its answer: only the whole batch can be taken back.
      throw BatchFailure(std::string("recording the answer to ") + c.h.type + ": " + e.what());
    }
    return proto::encode_reply_raw(c.h.id, o.status, o.error, o.body);
  }

  std::string apply_login(store::Txn& t, Cmd& c) {
    auto u = store::get_as<domain::User>(t, store::Table::users, c.ctx.user);
    // The same answer for an unknown user and a wrong PIN (it does not tell which codes exist), with the rule.
    const std::string wrong = "unknown user or wrong PIN (" + std::to_string(app::k_max_failed_pins) +
                              " wrong PINs in a row lock the user for " + std::to_string(app::k_lockout_ms / 60000) +
                              " minutes)";
    if (!u) return proto::encode_error_reply(c.h.id, Status::unauthenticated, wrong);
    // The PIN was checked outside the transaction (slowly) against the hash then stored: a PIN reset (user.add,
    // users import) since makes that check void, in both directions. Nothing is counted; the device asks again.
    if (u->pin_hash != c.pin_hash)
      return proto::encode_error_reply(c.h.id, Status::unauthenticated,
                                       "the PIN of " + u->code + " was changed just now: sign in again");
    const std::int64_t now = c.ctx.now_ms;
    if (u->locked_until_ms > now)
      return proto::encode_error_reply(c.h.id, Status::locked, locked_message(*u, now));
    if (c.kind == Kind::login_fail) {
      ++u->failed_pins;
      std::string msg = wrong;
      Status st = Status::unauthenticated;
      if (u->failed_pins >= app::k_max_failed_pins) {
        u->failed_pins = 0;
        u->locked_until_ms = now + app::k_lockout_ms;
        st = Status::locked;
        msg = locked_message(*u, now);
        spdlog::warn("user {} locked after {} wrong PINs from device {}", u->code, app::k_max_failed_pins, c.ctx.device);
      }
      store::put_as(t, store::Table::users, u->code, *u);
      app::write_audit(t, c.ctx, "login.failed", st == Status::locked ? "locked after repeated wrong PINs" : "wrong PIN");
      return proto::encode_error_reply(c.h.id, st, msg);
    }
    u->failed_pins = 0;
    store::put_as(t, store::Table::users, u->code, *u);
    proto::LoginRep rep{app::new_token(), u->code, u->name, u->role};
    store::put_as(t, store::Table::sessions, rep.token, domain::Session{u->code, u->role, c.ctx.device, now});
    app::write_audit(t, c.ctx, "login", "session opened as " + u->role);
    return proto::encode_reply(c.h.id, Status::ok, "", rep);
  }

  static std::string locked_message(const domain::User& u, std::int64_t now) {
    auto mins = (u.locked_until_ms - now + 59999) / 60000;
    return "user " + u.code + " is locked after too many wrong PINs; try again in " + std::to_string(mins) +
           " min or ask an admin to reset the PIN";
  }

  // ---------------- slow lane, PIN lane ----------------
  void slow_loop(Queue<SlowJob>& q) {
    zmq::socket_t out(zctx, zmq::socket_type::push);
    out.set(zmq::sockopt::sndhwm, 0);
    out.connect("inproc://wmsd-out");
    for (;;) {
      auto jobs = q.take_all();
      if (jobs.empty()) break;
      // A client that times out resends the same request (same device and id) on a new socket. A PIN check
      // takes ~0.1 s, so under load the retries could pile up faster than they are served: only the newest
      // copy of each request is worked on (its peer is the socket the client is still listening on).
      std::set<std::pair<std::string, std::uint64_t>> seen;
      std::vector<SlowJob*> work;
      for (auto it = jobs.rbegin(); it != jobs.rend(); ++it)
        if (seen.emplace(it->h.dev, it->h.id).second) work.push_back(&*it);
      for (auto jt = work.rbegin(); jt != work.rend(); ++jt) {
        if (g_stop.load())
          stopping(**jt, out);
        else if ((*jt)->cmd)
          hash_pins(**jt, out);
        else if (!(*jt)->path.empty())
          run_backup(**jt, out);
        else check_pin(**jt, out);
      }
    }
  }

  // Work left when wmsd stops is not done (a users import could take minutes): it is answered busy, nothing of it
  // applied, and the client sends it again to the next wmsd.
  void stopping(SlowJob& j, zmq::socket_t& out) {
    send_frames(out, {"R", j.peer,
                      proto::encode_error_reply(j.h.id, Status::busy, "wmsd is stopping, nothing applied: retry")});
  }

  void check_pin(SlowJob& j, zmq::socket_t& out) {
    std::optional<domain::User> u;
    {
      std::shared_lock lk(map_mu);
      store::Txn t(env, store::Txn::Mode::read);
      u = store::get_as<domain::User>(t, store::Table::users, j.user);
    }
    // Unknown users cost the same time as known ones, so a PIN prompt does not reveal which codes exist.
    const auto check = app::check_pin(u ? u->pin_hash : dummy_hash, j.pin);
    if (check == app::PinCheck::failed) {  // the hash could not be computed (memory): not a wrong PIN
      spdlog::error("PIN of {} from {} could not be checked (out of memory?)", j.user, j.h.dev);
      send_frames(out,
                  {"R", j.peer,
                   proto::encode_error_reply(j.h.id, Status::busy, "the PIN could not be checked just now: retry")});
      return;
    }
    bool ok = check == app::PinCheck::match && u.has_value();
    Cmd c;
    if (u) c.pin_hash = u->pin_hash;
    c.kind = ok ? Kind::login_ok : Kind::login_fail;
    c.peer = j.peer;
    c.h = j.h;
    c.ctx.user = j.user;
    c.ctx.device = j.h.dev;
    hand_over(std::move(c), out);
  }

  // A mutation that sets PINs: their hashes are computed here, then it goes to the next batch like any other.
  // A retry of the same request (device, key, body) takes the hashes made for an earlier copy: one that is answered
  // already gets its stored answer when applied, one still on its way is applied once all the same.
  void hash_pins(SlowJob& j, zmq::socket_t& out) {
    Cmd& c = *j.cmd;
    const std::string copy = c.h.dev + '\0' + c.h.key + '\0' + std::to_string(c.body_hash);
    const auto cached =
        std::find_if(lane_hashes.begin(), lane_hashes.end(), [&](const auto& e) { return e.first == copy; });
    try {
      if (cached != lane_hashes.end()) {
        c.pin_hashes = cached->second;
        spdlog::debug("PIN lane: {} from {} (key {}) again: the hashes of its earlier copy", c.h.type, c.h.dev,
                      c.h.key);
      } else {
        c.pin_hashes = app::pin_hashes_for(
            c.h.type, c.body,
            [this](const std::string& code) {
              std::shared_lock lk(map_mu);
              store::Txn t(env, store::Txn::Mode::read);
              auto u = store::get_as<domain::User>(t, store::Table::users, code);
              return u ? std::optional<std::string>(u->pin_hash) : std::nullopt;
            },
            [] { return g_stop.load(); });
        spdlog::debug("PIN lane: hashed {} PIN(s) of {} from {} (key {})", c.pin_hashes.size(), c.h.type, c.h.dev,
                      c.h.key);
        lane_hashes.emplace_back(copy, c.pin_hashes);
        if (lane_hashes.size() > k_lane_hashes_kept) lane_hashes.pop_front();
      }
    } catch (const std::exception& e) {
      if (g_stop.load()) return stopping(j, out);
      spdlog::error("PINs of {} from {} could not be hashed: {}", c.h.type, c.h.dev, e.what());
      send_frames(out,
                  {"R", c.peer,
                   proto::encode_error_reply(c.h.id, Status::busy, "the PINs could not be hashed just now: retry")});
      return;
    }
    hand_over(std::move(c), out);
  }

  void hand_over(Cmd c, zmq::socket_t& out) {
    const std::string peer = c.peer;
    const auto id = c.h.id;
    if (!ready_q.push(std::move(c), k_max_logins)) {
      send_frames(out, {"R", peer, proto::encode_error_reply(id, Status::busy, "server busy, retry")});
      return;
    }
    send_frames(out, {"W", "", ""});  // wakes the serving thread to take it
  }

  void run_backup(SlowJob& j, zmq::socket_t& out) {
    std::string reply;
    try {
      std::uint64_t bytes;
      {
        std::shared_lock lk(map_mu);
        bytes = env.copy_to(j.path);
      }
      spdlog::info("backup written to {} ({} bytes)", j.path, bytes);
      reply = proto::encode_reply(j.h.id, Status::ok, "", proto::BackupRep{j.path, bytes});
    } catch (const std::exception& e) {
      reply = proto::encode_error_reply(j.h.id, Status::invalid, std::string("backup failed: ") + e.what());
    }
    send_frames(out, {"R", j.peer, reply});
  }

  // ---------------- serving thread: requests ----------------
  void reply(const std::string& peer, const std::string& bytes) { send_frames(router, {peer, bytes}); }
  void reply_error(const std::string& peer, std::uint64_t id, Status s, const std::string& msg) {
    reply(peer, proto::encode_error_reply(id, s, msg));
  }

  void on_request(const std::string& peer, std::string_view bytes) {
    auto [req, err] = proto::decode_request(bytes);
    if (!req) return reply_error(peer, err.id, err.status, err.message);
    auto& h = req->h;
    const std::string& type = h.type;
    if (type == proto::HelloReq::k_type) {
      return reply(peer, proto::encode_reply(h.id, Status::ok, "",
                                             proto::HelloRep{"wmsd " WMS_VERSION, proto::k_protocol_version, last_seq,
                                                             proto::k_heartbeat_ms}));
    }
    const bool known = type == "login" || type == "logout" || type == "backup" || app::is_mutation(type) || app::is_query(type);
    if (!known) return reply_error(peer, h.id, Status::unknown_type, "unknown message type '" + type + "'");
    if (h.dev.empty()) return reply_error(peer, h.id, Status::bad_request, "missing device id 'dev'");
    if (h.dev.size() > k_max_dev_bytes)
      return reply_error(peer, h.id, Status::bad_request,
                         "device id longer than " + std::to_string(k_max_dev_bytes) + " bytes");
    if (type == proto::LoginReq::k_type) {
      std::string e;
      auto r = proto::decode_body<proto::LoginReq>(req->body, &e);
      if (!r) return reply_error(peer, h.id, Status::bad_request, e);
      if (!slow_q.push(SlowJob{peer, h, r->user, r->pin, {}, {}}, 1000))
        return reply_error(peer, h.id, Status::busy, "server busy, retry");
      return;
    }
    app::Ctx ctx;
    {
      std::shared_lock lk(map_mu);
      store::Txn t(env, store::Txn::Mode::read);
      auto s = h.token.empty() ? std::nullopt : store::get_as<domain::Session>(t, store::Table::sessions, h.token);
      if (!s) return reply_error(peer, h.id, Status::unauthenticated, "not logged in (or the session ended): log in first");
      if (s->device != h.dev)
        return reply_error(peer, h.id, Status::unauthenticated, "this session belongs to another device: log in again");
      if (now_ms() - s->created_ms > k_session_ms)
        return reply_error(peer, h.id, Status::unauthenticated, "session expired: log in again");
      ctx = app::Ctx{s->user, s->role, h.dev, now_ms(), [this] { keep_alive(); }};
      last_seen[h.dev] = Seen{s->user, ctx.now_ms};
      if (!domain::role_allows(ctx.role, type))
        return reply_error(peer, h.id, Status::forbidden, domain::role_refusal(ctx.role, type));
      if (type == proto::DevicesReq::k_type) {
        std::string e;
        auto r = proto::decode_body<proto::DevicesReq>(req->body, &e);
        if (!r) return reply_error(peer, h.id, Status::bad_request, e);
        return reply(peer, devices_reply(t, h.id, ctx.now_ms, r->all));
      }
      if (app::is_query(type)) {
        auto o = app::run_query(t, ctx, type, req->body);
        return reply(peer, proto::encode_reply_raw(h.id, o.status, o.error, o.body));
      }
    }
    if (type == proto::BackupReq::k_type) {
      std::string e;
      auto r = proto::decode_body<proto::BackupReq>(req->body, &e);
      if (!r) return reply_error(peer, h.id, Status::bad_request, e);
      if (r->path.empty() || r->path[0] != '/') return reply_error(peer, h.id, Status::invalid, "backup path must be absolute");
      if (!slow_q.push(SlowJob{peer, h, {}, {}, r->path, {}}, 1000))
        return reply_error(peer, h.id, Status::busy, "server busy, retry");
      return;
    }
    Cmd c;
    c.peer = peer;
    c.ctx = ctx;
    if (type == proto::LogoutReq::k_type) {
      c.kind = Kind::logout;
    } else {
      if (h.key.empty()) return reply_error(peer, h.id, Status::bad_request, "mutation '" + type + "' needs an idempotency key 'key'");
      if (h.key.size() > k_max_key_bytes) return reply_error(peer, h.id, Status::bad_request, "idempotency key too long");
      msgpack::sbuffer b;
      msgpack::pack(b, req->body);
      c.body_hash = fnv1a(std::string_view(b.data(), b.size()));
    }
    c.h = std::move(req->h);
    c.handle = std::move(req->handle);
    c.body = req->body;
    if (c.kind == Kind::mutation && app::sets_pins(c.h.type, c.body)) {
      // Hashing takes ~0.1 s per PIN: done on the PIN lane, which then hands the request to the next batch.
      const auto id = c.h.id;
      SlowJob j{peer, c.h, {}, {}, {}, {}};
      j.cmd = std::move(c);
      if (!pin_q.push(std::move(j), 1000)) return reply_error(peer, id, Status::busy, "server busy, retry");
      return;
    }
    pending.push_back(std::move(c));  // at most k_max_batch requests are read before they are committed
  }

  // The devices seen since start, those signed in (open sessions, stored) and those holding tasks (stored), by
  // device id. all = false: a device that signed out and holds no task is left out (every wmsctl run is a device
  // of its own).
  std::string devices_reply(const store::Txn& t, std::uint64_t id, std::int64_t now, bool all) {
    std::map<std::string, proto::DeviceView> out;
    for (const auto& [dev, s] : last_seen)
      out[dev] = proto::DeviceView{dev, s.user, s.at_ms, (now - s.at_ms) / 1000, 0, s.signed_out};
    try {
      t.scan(store::Table::sessions, "", [&](std::string_view, std::string_view v) {
        const auto s = store::unpack<domain::Session>(v);
        if (now - s.created_ms > k_session_ms) return true;  // expired: signed out in effect
        auto& d = out[s.device];
        if (d.device.empty()) d.device = s.device;
        if (d.signed_in_ms < s.created_ms) {
          d.signed_in_ms = s.created_ms;
          if (!d.last_seen_ms) d.user = s.user;  // not seen since start: the user of its newest session
        }
        return true;
      });
      for (const auto& [dev, n] : app::tasks_held(t)) {
        auto& v = out[dev];
        v.device = dev;
        v.tasks_held = n;
      }
    } catch (const std::exception& e) {
      return proto::encode_error_reply(id, Status::internal,
                                       std::string("a stored record could not be read: ") + e.what());
    }
    proto::DevicesRep rep;
    for (auto& [dev, v] : out) {
      // Signed out: no open session, whether it logged out, its session ran out or a new PIN or role ended it.
      v.signed_out = v.signed_out || v.signed_in_ms == 0;
      if (all || !v.signed_out || v.tasks_held) rep.devices.push_back(std::move(v));
    }
    return proto::encode_reply(id, Status::ok, "", rep);
  }

  void on_output() {
    std::vector<zmq::message_t> parts;
    while (true) {
      parts.clear();
      auto r = zmq::recv_multipart(pull, std::back_inserter(parts), zmq::recv_flags::dontwait);
      if (!r) break;
      if (parts.size() != 3) continue;
      if (parts[0].to_string_view() == "R") {
        router.send(parts[1], zmq::send_flags::sndmore);
        router.send(parts[2], zmq::send_flags::none);
      }  // "W": a checked PIN or a mutation with its PIN hashes is waiting in ready_q
    }
    for (auto& c : ready_q.take_now()) pending.push_back(std::move(c));
  }

  void heartbeat() {
    auto payload = proto::encode_event(last_seq, "hb", proto::PingRep{last_seq, boot});
    send_frames(pub, {"hb", payload});
  }

  // A heartbeat when one is due. Also called between the mutations of a batch and from long handlers (a users
  // import hashes one PIN per row), so devices do not count the server as gone while one batch takes seconds.
  // The beat carries the last committed sequence number, which an open transaction has not changed yet.
  void keep_alive() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_hb) return;
    heartbeat();
    next_hb = now + std::chrono::milliseconds(proto::k_heartbeat_ms);
  }

  void run() {
    spdlog::info("wmsd serving requests on {} and events on {} (data {}, event seq {})", cfg.bind, cfg.pub,
                 cfg.data_dir, last_seq);
    spdlog::info(
        "LMDB map {} MiB ({}); idempotency answers kept {}", env.map_bytes() >> 20,
        !cfg.max_map_bytes ? std::string("grows on demand, no --max-map-mib limit")
        : env.map_bytes() >= cfg.max_map_bytes
            ? "already at or above --max-map-mib " + std::to_string(cfg.max_map_bytes >> 20) + " MiB: it will not grow"
            : "grows up to " + std::to_string(cfg.max_map_bytes >> 20) + " MiB",
        cfg.idem_days ? std::to_string(cfg.idem_days) + " days" : std::string("for ever"));
    while (!g_stop.load()) {
      // Nothing a round can meet stops the serving: a socket error or a failure after a commit is logged, and the
      // requests of that round get no answer (their clients retry with the same key; a committed one gets its
      // stored answer).
      try {
        serve_round();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
        if (e.num() == EINTR) continue;
        spdlog::error("serving: {}; going on", e.what());
        pending.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } catch (const std::exception& e) {
        spdlog::error("serving: {}; going on", e.what());
        pending.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    spdlog::info("wmsd stopping");
    if (!fatal) commit_pending();
    stop_lanes();
    if (fatal) throw std::runtime_error("stopped: the database reports damage (restore the last backup)");
    on_output();  // backup replies and busy answers of the lanes, the PINs they checked and hashed meanwhile
    commit_pending();
    // The last answers are still in ZeroMQ's queues: give its I/O thread a moment to write them out when the
    // sockets close (linger 0 until now would drop them; their clients would retry after their timeout).
    router.set(zmq::sockopt::linger, 500);
  }

  // One round: wait for requests (or the next heartbeat), answer the queries, commit the mutations.
  void serve_round() {
    keep_alive();
    const auto now = std::chrono::steady_clock::now();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_hb - now);
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}, {pull.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::max<std::chrono::milliseconds>(wait, std::chrono::milliseconds(1)));
    if (items[1].revents & ZMQ_POLLIN) on_output();
    if (items[0].revents & ZMQ_POLLIN) read_requests(k_max_batch);
    commit_pending();
  }

  // Everything waiting, up to `most` requests (bounded, so a flood cannot grow one transaction without end):
  // queries are answered at once from a read transaction, mutations go to `pending` for the group commit. Once a
  // mutation waits, reading stops after k_read_slice: office screens that keep asking for long listings must
  // not hold a scan back (each read could answer another query).
  void read_requests(std::size_t most) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t n = 0; n < most; ++n) {
      if (!pending.empty() && std::chrono::steady_clock::now() - start > k_read_slice) break;
      frames.clear();
      auto r = zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait);
      if (!r) break;
      if (frames.size() != 2) continue;  // a DEALER sends exactly one frame; anything else is not ours
      try {
        on_request(frames[0].to_string(), frames[1].to_string_view());
      } catch (const std::exception& e) {
        spdlog::error("request dropped: {}", e.what());
      }
    }
  }

  void commit_pending() {
    if (pending.empty()) return;
    process_batch();
    pending.clear();
  }
};

Server::Server(ServerConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) { g_stop = false; }
Server::~Server() = default;
void Server::run() { impl_->run(); }
void Server::stop() { g_stop = true; }
void Server::stop_from_signal() { g_stop = true; }

}  // namespace wms::net
