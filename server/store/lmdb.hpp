// The only door to LMDB: one environment, named tables, RAII transactions and cursors, big-endian key
// encoders so byte order is numeric order. A miss is std::nullopt; a real failure (disk, map full) throws
// store::Error. Nothing here knows about orders or stock; it must never hold a transaction past its scope.
#pragma once
#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wms/proto/msgpack_map.hpp"

namespace wms::store {

struct Error : std::runtime_error {
  int rc;
  Error(const std::string& what, int code) : std::runtime_error(what + ": " + mdb_strerror(code)), rc(code) {}
};
// Raised when a write does not fit the map; the serving thread grows the map and retries the whole batch.
struct MapFull : Error {
  explicit MapFull(const std::string& what) : Error(what, MDB_MAP_FULL) {}
};

// Named databases. The numbering is internal; the names are the on-disk layout. A table added later (totes,
// released_waves, wave_left, free_tasks, idem_marks, ssccs) is created empty when an older data folder is opened, so it
// needs no schema bump; one that indexes older records is filled by app::upgrade at start.
// clang-format off
enum class Table : int {
  meta, users, sessions, products, barcodes, locations, loc_barcodes, stock, accounts, orders, order_refs,
  backorders, open_orders, waves, tasks, exceptions, invoices, audit, events, idem, totes, idem_replies,
  released_waves, wave_left, free_tasks, idem_marks, ssccs, counts_due, count_
};
// clang-format on
const char* table_name(Table t);

// Bumped on any change of on-disk layout; each bump needs a migration step in Env::open.
inline constexpr std::uint32_t k_schema_version = 1;

struct EnvOptions {
  std::size_t initial_map_bytes = 64ull << 20;
  bool no_sync = false;  // benchmarks only: acknowledged data would not survive a power cut
  std::size_t max_map_bytes = 0;  // grow() stops here (0 = no limit but the machine's)
};
// Raised by Txn::put for a key LMDB cannot hold (empty, or longer than k_max_key_bytes): a fault of the request
// that brought it, not of the storage. get() and del() find nothing under such a key.
struct BadKey : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
inline constexpr std::size_t k_max_key_bytes = 511;  // LMDB's default build
// Raised by Env::grow() when the map is at max_map_bytes already.
struct MapLimit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Env {
 public:
  // Opens (creating if needed) the environment in `dir`, creates every table, checks the schema version.
  // Throws Error with a message saying what to do on a foreign schema version.
  explicit Env(const std::string& dir, EnvOptions opts = {});
  // Opens one database file (a backup, or a data folder's data.mdb) read-only and writes nothing to it or beside
  // it (no lock file: the caller makes sure no one writes it meanwhile). Tables the file lacks read as empty.
  struct ReadOnlyFile {};
  Env(const std::string& file, ReadOnlyFile);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* raw() const { return env_; }
  MDB_dbi dbi(Table t) const { return dbis_[static_cast<int>(t)]; }
  bool has(Table t) const { return !absent_[static_cast<int>(t)]; }
  std::size_t map_bytes() const;
  // Doubles the map, up to max_map_bytes (MapLimit when it is there already). Caller guarantees no transaction of
  // this process is open (the serving thread holds the exclusive side of the readers' lock while calling it).
  void grow();
  // Hot, consistent copy (LMDB's own copy, compacted) into a new file `path`. Returns its size.
  std::uint64_t copy_to(const std::string& path) const;

 private:
  MDB_env* env_ = nullptr;
  std::size_t max_map_bytes_ = 0;
  MDB_dbi dbis_[static_cast<int>(Table::count_)] = {};
  bool absent_[static_cast<int>(Table::count_)] = {};  // only in a ReadOnlyFile of an older layout
};

class Txn {
 public:
  enum class Mode { read, write };
  Txn(const Env& env, Mode mode, Txn* parent = nullptr);
  ~Txn();  // aborts unless committed
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  void commit();
  void abort();
  MDB_txn* raw() const { return txn_; }
  const Env& env() const { return env_; }

  std::optional<std::string_view> get(Table t, std::string_view key) const;
  void put(Table t, std::string_view key, std::string_view value);
  bool del(Table t, std::string_view key);

  // Calls fn(key, value) for each entry whose key starts with `prefix`, in key order (or reverse);
  // fn returns false to stop. Views are valid only inside fn. Forward scans may start at `from` (the first key
  // not below it) instead of the prefix's first key.
  void scan(Table t, std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn,
            bool reverse = false, std::string_view from = {}) const;

 private:
  const Env& env_;
  MDB_txn* txn_ = nullptr;
};

// ---- key encoders (one place; big-endian so byte order is numeric order) ----
std::string be64(std::uint64_t v);
std::uint64_t from_be64(std::string_view s);
// Composite key of text parts separated by NUL, so "A" sorts before "A\0..." and prefixes never collide.
std::string key2(std::string_view a, std::string_view b);

// ---- typed values: msgpack maps ----
template <class T>
std::string pack(const T& v) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, v);
  return std::string(buf.data(), buf.size());
}
template <class T>
T unpack(std::string_view bytes) {
  auto h = msgpack::unpack(bytes.data(), bytes.size());
  return h.get().as<T>();
}
template <class T>
std::optional<T> get_as(const Txn& txn, Table t, std::string_view key) {
  auto v = txn.get(t, key);
  if (!v) return std::nullopt;
  return unpack<T>(*v);
}
template <class T>
void put_as(Txn& txn, Table t, std::string_view key, const T& v) {
  txn.put(t, key, pack(v));
}

// ---- idempotency records: the first answer to (device, key) ----
struct IdemAnswer {
  std::string type;
  std::uint64_t body_hash = 0;
  std::uint32_t status = 0;
  std::string error;
  std::string body;  // packed reply body
};

// Stores answers so that a commit of many devices' requests stays small. The keys of one device sort together,
// so an index keyed by (device, key) dirties a page per device per commit (a B-tree insert in 32 places). New
// answers are therefore appended to a log (`idem_replies`, keyed by an increasing number: one end of one tree)
// and found through an in-memory map of the log's tail. Once the tail holds k_merge_every answers, each write
// transaction moves its oldest k_merge_slice answers (and any beyond k_merge_every) into the (device, key) index
// (`idem`), in key order, where they cost about a page per device. A slice, not the whole tail at once: one
// transaction that wrote 4,096 index entries made every pick in it and in the next batch wait several
// milliseconds (the 32-client p99 of the benchmark).
// Everything durable is in LMDB, in the transaction of the change it answers: after a restart load() rebuilds
// the tail from the log entries above the merged mark. Index records of the earlier layout (a msgpack map with
// the answer inside) are still read.
// Answers are forgotten after a retention period (set_retention): the first write transaction of each hour notes
// in `idem_marks` the log number it starts at, and each transaction deletes up to k_prune_slice of the oldest
// merged answers logged before the newest mark that is older than the retention, with their index entries. A
// retry of a forgotten key is a new request. Index records of the earlier layout are not pruned.
// Not thread-safe: used by the one serving thread that writes. Call begin() before each write transaction, committed()
// after it committed; a transaction that aborts needs nothing else (begin() drops what it staged).
class IdemStore {
 public:
  static constexpr std::size_t k_merge_every = 4096;  // tail length from which transactions merge
  static constexpr std::size_t k_merge_slice = 512;   // oldest answers merged per transaction
  static constexpr std::size_t k_prune_slice = 32;    // oldest answers forgotten per transaction, at most
  static constexpr std::int64_t k_hour_ms = 3'600'000;
  void set_retention(std::int64_t ms) { retention_ms_ = ms; }  // 0 (the default): keep every answer
  void load(const Txn& txn);  // reads the log tail and the marks; call once, before any write
  // Merges the tail into the index when it is long enough; with the time of the transaction (ms since the epoch),
  // also marks a new hour and forgets answers older than the retention.
  void begin(Txn& txn, std::int64_t now_ms = 0);
  std::optional<IdemAnswer> get(const Txn& txn, std::string_view device, std::string_view key) const;
  void put(Txn& txn, std::string_view device, std::string_view key, const IdemAnswer& a);
  void committed();
  std::size_t tail_size() const { return tail_.size(); }
  std::uint64_t pruned_upto() const { return pruned_; }

 private:
  struct Ref {
    std::uint64_t n = 0;  // log number
    std::string index;    // the index record it becomes when merged
  };
  std::map<std::string, Ref> tail_;      // key2(device, key) -> answer committed, not yet merged
  std::map<std::string, Ref> staged_;    // written in the open transaction
  std::uint64_t merged_ = 0;             // log numbers up to this one are in the index
  std::uint64_t staged_merge_upto_ = 0;  // the open transaction merged the tail up to this number
  std::int64_t retention_ms_ = 0;
  std::map<std::int64_t, std::uint64_t> marks_;  // hour since the epoch -> first log number of that hour
  std::optional<std::pair<std::int64_t, std::uint64_t>> staged_mark_;
  std::uint64_t pruned_ = 0;  // log numbers up to this one are forgotten
  std::uint64_t staged_pruned_ = 0;
  std::vector<std::int64_t> staged_unmarked_;  // marks the open transaction deleted
  void mark_hour(Txn& txn, std::int64_t now_ms);
  void prune(Txn& txn, std::int64_t now_ms);
};

// Meta counters (sequences): read, and increment-and-return.
std::uint64_t meta_u64(const Txn& txn, std::string_view name);
std::uint64_t next_seq(Txn& txn, std::string_view name);
void set_meta_u64(Txn& txn, std::string_view name, std::uint64_t v);

}  // namespace wms::store
