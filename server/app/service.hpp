// The server's use cases: each request type is applied to an LMDB transaction it is given, calling the pure
// rules in domain/ and writing records, audit and events through store/. It never opens, commits or aborts a
// transaction itself (the server's serving thread owns that) and never touches a socket.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/records.hpp"
#include "store/lmdb.hpp"
#include "wms/proto/wire.hpp"

namespace wms::app {

// Who asks, from where, when (the clock is read at the edge and passed in).
struct Ctx {
  std::string user;
  std::string role;
  std::string device;
  std::int64_t now_ms = 0;
  // Long handlers (imports, PIN hashing) call this now and then: the server keeps its heartbeats going while one
  // batch takes seconds. May be empty.
  std::function<void()> keepalive;
  // PIN hashes computed before the request was applied (off the serving thread; see pin_hashes_for), by
  // pin_key(user code, PIN). A PIN not found here is hashed on the spot. May be null.
  const std::map<std::string, std::string>* pin_hashes = nullptr;
  void keep_alive() const {
    if (keepalive) keepalive();
  }
};

struct PubEvent {
  std::string topic;
  std::string payload;  // encoded event envelope with its sequence number
};

struct Outcome {
  proto::Status status = proto::Status::ok;
  std::string error;
  msgpack::sbuffer body;
  std::string audit;  // one line for the audit record of a successful mutation
  static Outcome fail(proto::Status s, std::string msg) {
    Outcome o;
    o.status = s;
    o.error = std::move(msg);
    return o;
  }
  template <class T>
  static Outcome ok(const T& body, std::string audit = {}) {
    Outcome o;
    msgpack::pack(o.body, body);
    o.audit = std::move(audit);
    return o;
  }
};

bool is_mutation(std::string_view type);
bool is_query(std::string_view type);

// Mutations: applied inside `txn` (the serving thread's batch transaction, or a child of it). Events are written to
// the event log inside the same transaction and appended to `events` for publishing after the commit.
Outcome apply_mutation(store::Txn& txn, const Ctx& ctx, std::string_view type, const msgpack::object& body,
                       std::vector<PubEvent>& events);
// Queries: read-only.
Outcome run_query(const store::Txn& txn, const Ctx& ctx, std::string_view type, const msgpack::object& body);

// Fills what a data folder written by an older wmsd lacks (today: the released-waves index and the waves' task
// counts in a table of their own). Call once at start, in a write transaction, before serving; it returns at once
// when there is nothing to do. Returns what it did ("" if nothing), for the log.
std::string upgrade(store::Txn& txn);
// The site's currency: an ISO 4217 code kept in the data folder (meta "currency"), named on every invoice.
// wmsd --currency sets it; until the first invoice it may be changed. A site that never chose gets
// k_default_currency with its first invoice. Once an invoice exists, another code throws std::runtime_error
// (invoices of one site must not mix currencies). Returns the code in force, nullopt while none is chosen.
inline constexpr std::string_view k_default_currency = "EUR";
// "" if `code` can be the site currency, else why not (not three capital letters; not 2 decimals, like JPY or KWD).
std::string currency_problem(std::string_view code);
std::optional<std::string> site_currency(const store::Txn& txn);
std::optional<std::string> settle_currency(store::Txn& txn, const std::string& requested);

// Device id -> open tasks it has claimed (tasks of released waves).
std::map<std::string, std::uint32_t> tasks_held(const store::Txn& t);

// Writes the audit record of a mutation (same transaction as the change).
void write_audit(store::Txn& txn, const Ctx& ctx, std::string_view type, std::string_view detail);

// Users and sessions (PIN hashing is slow on purpose: the server checks and hashes PINs off its serving thread).
std::string hash_pin(std::string_view pin);
// Whether the mutation `type` with `body` sets PINs (user.add; an import of kind users): the server hashes them
// before the request is applied, on a thread of their own, so that no other request waits ~0.1 s per PIN.
bool sets_pins(std::string_view type, const msgpack::object& body);
// The PIN hashes such a request needs, by pin_key. None for a users file that will be refused (a bad row, a code
// twice) or a body that does not decode: it is refused when applied, at once. A PIN missing here is hashed when
// applied. A user's PIN that is the one stored (`stored_hash(code)` matches it) keeps its stored hash, so that
// re-importing a staff list does not count as a PIN change. Throws std::runtime_error when a hash cannot be
// computed (memory), or when `stop()` says so before the next PIN.
using StoredHash = std::function<std::optional<std::string>(const std::string& code)>;
std::map<std::string, std::string> pin_hashes_for(std::string_view type, const msgpack::object& body,
                                                  const StoredHash& stored_hash = {},
                                                  const std::function<bool()>& stop = {});
std::string pin_key(std::string_view code, std::string_view pin);
// Tells a PIN that matches `hash` from one that does not, and both from a check that could not be done (no memory
// for the slow hash: neither right nor wrong).
enum class PinCheck { match, mismatch, failed };
PinCheck check_pin(const std::string& hash, std::string_view pin);
std::string new_token();
inline constexpr std::uint32_t k_max_failed_pins = 5;
inline constexpr std::int64_t k_lockout_ms = 5 * 60 * 1000;

}  // namespace wms::app
