// LMDB wrapper implementation. Layout decisions (table names, schema version) live here.
#include "lmdb.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace wms::store {
namespace {
void check(int rc, const char* what) {
  if (rc == MDB_MAP_FULL) throw MapFull(what);
  if (rc != MDB_SUCCESS) throw Error(what, rc);
}
MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }
}  // namespace

const char* table_name(Table t) {
  static const char* names[] = {
      "meta",         "users",          "sessions",  "products",   "barcodes",   "locations",   "loc_barcodes",
      "stock",        "accounts",       "orders",    "order_refs", "backorders", "open_orders", "waves",
      "tasks",        "exceptions",     "invoices",  "audit",      "events",     "idem",        "totes",
      "idem_replies", "released_waves", "wave_left", "free_tasks", "idem_marks", "ssccs",       "counts_due"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<int>(Table::count_));
  return names[static_cast<int>(t)];
}

Env::Env(const std::string& dir, EnvOptions opts) : max_map_bytes_(opts.max_map_bytes) {
  std::filesystem::create_directories(dir);
  check(mdb_env_create(&env_), "mdb_env_create");
  try {
    check(mdb_env_set_maxdbs(env_, static_cast<MDB_dbi>(Table::count_) + 2), "mdb_env_set_maxdbs");
    check(mdb_env_set_mapsize(env_, opts.initial_map_bytes), "mdb_env_set_mapsize");
    check(mdb_env_set_maxreaders(env_, 126), "mdb_env_set_maxreaders");
    unsigned flags = MDB_NOTLS;  // read transactions may be used from more than one thread over time
    if (opts.no_sync) flags |= MDB_NOSYNC;
    check(mdb_env_open(env_, dir.c_str(), flags, 0640), ("opening LMDB environment in " + dir).c_str());
    // The map may have grown in an earlier run: adopt the size recorded in the file.
    check(mdb_env_set_mapsize(env_, 0), "mdb_env_set_mapsize");

    Txn txn(*this, Txn::Mode::write);
    for (int i = 0; i < static_cast<int>(Table::count_); ++i) {
      check(mdb_dbi_open(txn.raw(), table_name(static_cast<Table>(i)), MDB_CREATE, &dbis_[i]), "mdb_dbi_open");
    }
    auto schema = txn.get(Table::meta, "schema");
    if (!schema) {
      set_meta_u64(txn, "schema", k_schema_version);
    } else if (from_be64(*schema) != k_schema_version) {
      throw std::runtime_error("data folder " + dir + " has schema version " + std::to_string(from_be64(*schema)) +
                               " but this wmsd understands version " + std::to_string(k_schema_version) +
                               "; run the wmsd release that wrote it, or restore a backup made by this one");
    }
    txn.commit();
  } catch (...) {
    mdb_env_close(env_);
    env_ = nullptr;
    throw;
  }
}

Env::Env(const std::string& file, ReadOnlyFile) {
  check(mdb_env_create(&env_), "mdb_env_create");
  try {
    check(mdb_env_set_maxdbs(env_, static_cast<MDB_dbi>(Table::count_) + 2), "mdb_env_set_maxdbs");
    check(mdb_env_open(env_, file.c_str(), MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOTLS, 0),
          ("opening " + file).c_str());
    Txn txn(*this, Txn::Mode::read);
    for (int i = 0; i < static_cast<int>(Table::count_); ++i) {
      const int rc = mdb_dbi_open(txn.raw(), table_name(static_cast<Table>(i)), 0, &dbis_[i]);
      if (rc == MDB_NOTFOUND)
        absent_[i] = true;
      else
        check(rc, "mdb_dbi_open");
    }
    txn.commit();  // keeps the table handles open for the environment's life
  } catch (...) {
    mdb_env_close(env_);
    env_ = nullptr;
    throw;
  }
}

Env::~Env() {
  if (env_) mdb_env_close(env_);
}

std::size_t Env::map_bytes() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

void Env::grow() {
  const std::size_t now = map_bytes();
  std::size_t next = now * 2;
  if (max_map_bytes_ && next > max_map_bytes_) next = max_map_bytes_;
  if (next <= now)
    throw MapLimit("the database is full: its map is at the limit of " + std::to_string(now >> 20) +
                   " MiB (wmsd --max-map-mib)");
  check(mdb_env_set_mapsize(env_, next), "growing the LMDB map");
}

std::uint64_t Env::copy_to(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot create backup file " + path + ": " + std::strerror(errno));
  int rc = mdb_env_copyfd2(env_, fd, MDB_CP_COMPACT);
  bool synced = rc == MDB_SUCCESS && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    ::unlink(path.c_str());
    if (rc != MDB_SUCCESS) throw Error("backup to " + path, rc);
    throw std::runtime_error("backup to " + path + ": fsync failed");
  }
  struct stat st {};
  ::stat(path.c_str(), &st);
  return static_cast<std::uint64_t>(st.st_size);
}

Txn::Txn(const Env& env, Mode mode, Txn* parent) : env_(env) {
  check(mdb_txn_begin(env.raw(), parent ? parent->raw() : nullptr, mode == Mode::read ? MDB_RDONLY : 0, &txn_),
        "mdb_txn_begin");
}

Txn::~Txn() { abort(); }

void Txn::commit() {
  MDB_txn* t = txn_;
  txn_ = nullptr;
  check(mdb_txn_commit(t), "mdb_txn_commit");
}

void Txn::abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

namespace {
bool storable(std::string_view key) {
  return !key.empty() && key.size() <= k_max_key_bytes;
}
}  // namespace

std::optional<std::string_view> Txn::get(Table t, std::string_view key) const {
  if (!storable(key) || !env_.has(t)) return std::nullopt;
  MDB_val k = val(key), v{};
  int rc = mdb_get(txn_, env_.dbi(t), &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "mdb_get");
  return view(v);
}

void Txn::put(Table t, std::string_view key, std::string_view value) {
  if (!storable(key))
    throw BadKey(std::string("a key of ") + std::to_string(key.size()) + " bytes cannot be stored in " + table_name(t) +
                 " (1 to " + std::to_string(k_max_key_bytes) + ")");
  MDB_val k = val(key), v = val(value);
  check(mdb_put(txn_, env_.dbi(t), &k, &v, 0), "mdb_put");
}

bool Txn::del(Table t, std::string_view key) {
  if (!storable(key)) return false;
  MDB_val k = val(key);
  int rc = mdb_del(txn_, env_.dbi(t), &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check(rc, "mdb_del");
  return true;
}

namespace {
struct Cursor {
  MDB_cursor* c = nullptr;
  Cursor(MDB_txn* txn, MDB_dbi dbi) { check(mdb_cursor_open(txn, dbi, &c), "mdb_cursor_open"); }
  ~Cursor() { mdb_cursor_close(c); }
};
}  // namespace

void Txn::scan(Table t, std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& fn,
               bool reverse, std::string_view from) const {
  if (prefix.size() > k_max_key_bytes || !env_.has(t)) return;  // no stored key starts with it
  Cursor cur(txn_, env_.dbi(t));
  MDB_val k{}, v{};
  int rc;
  if (!reverse) {
    // From the first key with the prefix, or from `from` when that is further on.
    const std::string_view start = !from.empty() && from.size() <= k_max_key_bytes && from > prefix ? from : prefix;
    k = val(start);
    rc = start.empty() ? mdb_cursor_get(cur.c, &k, &v, MDB_FIRST) : mdb_cursor_get(cur.c, &k, &v, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS) {
      auto key = view(k);
      if (key.substr(0, prefix.size()) != prefix) break;
      if (!fn(key, view(v))) return;
      rc = mdb_cursor_get(cur.c, &k, &v, MDB_NEXT);
    }
  } else {
    // Position after the last key with the prefix: the prefix followed by 0xFF.. bytes, then step back.
    std::string upper(prefix);
    upper.append(std::min<std::size_t>(64, k_max_key_bytes - prefix.size()), '\xff');
    k = val(upper);
    rc = prefix.empty() ? mdb_cursor_get(cur.c, &k, &v, MDB_LAST) : mdb_cursor_get(cur.c, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(cur.c, &k, &v, MDB_LAST);
    else if (rc == MDB_SUCCESS && !prefix.empty()) rc = mdb_cursor_get(cur.c, &k, &v, MDB_PREV);
    while (rc == MDB_SUCCESS) {
      auto key = view(k);
      if (key.substr(0, prefix.size()) != prefix) {
        if (key < prefix) break;
      } else if (!fn(key, view(v))) {
        return;
      }
      rc = mdb_cursor_get(cur.c, &k, &v, MDB_PREV);
    }
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) check(rc, "mdb_cursor_get");
}

std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

std::uint64_t from_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string key2(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + b.size() + 1);
  k.append(a);
  k.push_back('\0');
  k.append(b);
  return k;
}

namespace {
// Layout of the earlier single-part record, still read.
struct IdemLegacy {
  std::string type;
  std::uint64_t body_hash = 0;
  std::uint32_t status = 0;
  std::string error;
  std::string body;
  WMS_MSGPACK_MAP(type, body_hash, status, error, body)
};
// First byte of a two-part record. A legacy record is a msgpack map, whose first byte is 0x80-0x8f or 0xde-0xdf.
constexpr char k_idem_v2 = '\x02';

void put_be32(std::string& s, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t get_be32(std::string_view s) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
}  // namespace

// idem value (v2): 0x02, be64 body hash, be64 log number, type bytes.
// idem_replies value: be32 status, be32 error length, error, be32 device length, device, be32 key length, key,
// be32 type length, type, be64 body hash, reply body (the rest).
namespace {
struct LogEntry {
  std::string_view device, key;
  IdemAnswer a;
};
std::string_view take(std::string_view& s, std::size_t n) {
  if (s.size() < n) throw std::runtime_error("an idempotency log entry is truncated");
  auto r = s.substr(0, n);
  s.remove_prefix(n);
  return r;
}
std::string_view take_str(std::string_view& s) { return take(s, get_be32(take(s, 4))); }
LogEntry parse_log(std::string_view s) {
  LogEntry e;
  e.a.status = get_be32(take(s, 4));
  e.a.error = std::string(take_str(s));
  e.device = take_str(s);
  e.key = take_str(s);
  e.a.type = std::string(take_str(s));
  e.a.body_hash = from_be64(take(s, 8));
  e.a.body = std::string(s);
  return e;
}
void put_str(std::string& s, std::string_view v) {
  put_be32(s, static_cast<std::uint32_t>(v.size()));
  s.append(v);
}
std::string index_value(std::uint64_t n, const IdemAnswer& a) {
  std::string v;
  v.reserve(17 + a.type.size());
  v.push_back(k_idem_v2);
  v.append(be64(a.body_hash));
  v.append(be64(n));
  v.append(a.type);
  return v;
}
IdemAnswer from_log(const Txn& txn, std::uint64_t n) {
  auto r = txn.get(Table::idem_replies, be64(n));
  if (!r) throw std::runtime_error("the stored answer " + std::to_string(n) + " of an idempotency record is missing");
  return parse_log(*r).a;
}
constexpr std::string_view k_merged = "idem_merged";
constexpr std::string_view k_pruned = "idem_pruned";
constexpr std::string_view k_log_seq = "idem_reply_seq";
}  // namespace

void IdemStore::load(const Txn& txn) {
  tail_.clear();
  marks_.clear();
  merged_ = meta_u64(txn, k_merged);
  pruned_ = meta_u64(txn, k_pruned);
  txn.scan(Table::idem_marks, "", [&](std::string_view k, std::string_view v) {
    marks_[static_cast<std::int64_t>(from_be64(k))] = from_be64(v);
    return true;
  });
  const std::uint64_t last = meta_u64(txn, k_log_seq);
  for (std::uint64_t n = merged_ + 1; n <= last; ++n) {
    auto r = txn.get(Table::idem_replies, be64(n));
    if (!r) continue;
    auto e = parse_log(*r);
    tail_[key2(e.device, e.key)] = Ref{n, index_value(n, e.a)};
  }
}

void IdemStore::mark_hour(Txn& txn, std::int64_t now_ms) {
  const std::int64_t hour = now_ms / k_hour_ms;
  if (!marks_.empty() && marks_.rbegin()->first >= hour) return;  // marked already (or the clock went back)
  const std::uint64_t first = meta_u64(txn, k_log_seq) + 1;
  txn.put(Table::idem_marks, be64(static_cast<std::uint64_t>(hour)), be64(first));
  staged_mark_ = {hour, first};
}

void IdemStore::prune(Txn& txn, std::int64_t now_ms) {
  // Answers logged before the newest mark at or before the cutoff hour are older than the retention. Only merged
  // ones go: the tail stays whole (it is short and the restart reads it from the log).
  const std::int64_t cutoff_hour = (now_ms - retention_ms_) / k_hour_ms;
  auto m = marks_.upper_bound(cutoff_hour);
  if (m == marks_.begin()) return;
  const std::uint64_t limit = std::min(std::prev(m)->second - 1, merged_);
  if (limit <= pruned_) return;
  const std::uint64_t upto = std::min<std::uint64_t>(limit, pruned_ + k_prune_slice);
  for (std::uint64_t n = pruned_ + 1; n <= upto; ++n) {
    auto r = txn.get(Table::idem_replies, be64(n));
    if (!r) continue;
    std::string k;  // copied: the views point into the page the deletes change
    try {
      const auto e = parse_log(*r);
      k = key2(e.device, e.key);
    } catch (const std::runtime_error&) {
      // an entry that cannot be read has no index entry to find; it goes all the same
    }
    if (auto v = txn.get(Table::idem, k);
        v && v->size() >= 17 && (*v)[0] == k_idem_v2 && from_be64(v->substr(9, 8)) == n)
      txn.del(Table::idem, k);
    txn.del(Table::idem_replies, be64(n));
  }
  // A mark at or before the cutoff hour whose first number is forgotten has done its work. Later marks stay, even
  // when no answer came since (their first number is then forgotten too): dropping the current hour's mark would
  // let mark_hour() set it again further on, and answers of this hour would count as older.
  for (const auto& [hour, first] : marks_)
    if (hour <= cutoff_hour && first <= upto + 1) {
      txn.del(Table::idem_marks, be64(static_cast<std::uint64_t>(hour)));
      staged_unmarked_.push_back(hour);
    }
  set_meta_u64(txn, k_pruned, upto);
  staged_pruned_ = upto;
}

void IdemStore::begin(Txn& txn, std::int64_t now_ms) {
  staged_.clear();
  staged_merge_upto_ = 0;
  staged_mark_.reset();
  staged_pruned_ = 0;
  staged_unmarked_.clear();
  if (now_ms > 0) {
    mark_hour(txn, now_ms);
    if (retention_ms_ > 0) prune(txn, now_ms);
  }
  if (tail_.size() < k_merge_every) return;
  // The log numbers above merged_ are all in the tail (one per answer, none skipped), so merging those up to
  // `cutoff` leaves the index holding exactly the log's first `cutoff` answers: the mark a restart starts from.
  // A slice, plus whatever the tail grew beyond k_merge_every (batches of more than a slice of answers), so the
  // tail stays below k_merge_every plus one batch.
  const std::uint64_t cutoff = merged_ + k_merge_slice + (tail_.size() - k_merge_every);
  std::uint64_t upto = 0;
  for (const auto& [k, ref] : tail_) {  // std::map: key order, so each device's run is written in one place
    if (ref.n > cutoff) continue;
    upto = std::max(upto, ref.n);
    // A key too long for the index (a device id from before ids were limited) stays findable in the log only until
    // this merge; refusing every batch for it would be worse.
    if (k.size() > k_max_key_bytes) continue;
    txn.put(Table::idem, k, ref.index);
  }
  if (!upto) return;
  set_meta_u64(txn, k_merged, upto);
  staged_merge_upto_ = upto;
}

std::optional<IdemAnswer> IdemStore::get(const Txn& txn, std::string_view device, std::string_view key) const {
  const std::string k = key2(device, key);
  if (auto it = staged_.find(k); it != staged_.end()) return from_log(txn, it->second.n);
  if (auto it = tail_.find(k); it != tail_.end()) return from_log(txn, it->second.n);
  auto v = txn.get(Table::idem, k);
  if (!v) return std::nullopt;
  if (v->empty() || (*v)[0] != k_idem_v2) {
    auto old = unpack<IdemLegacy>(*v);
    return IdemAnswer{std::move(old.type), old.body_hash, old.status, std::move(old.error), std::move(old.body)};
  }
  if (v->size() < 17) throw std::runtime_error("idempotency record of " + std::string(device) + " is truncated");
  return from_log(txn, from_be64(v->substr(9, 8)));
}

void IdemStore::put(Txn& txn, std::string_view device, std::string_view key, const IdemAnswer& a) {
  const std::uint64_t n = next_seq(txn, k_log_seq);
  std::string r;
  r.reserve(40 + a.error.size() + device.size() + key.size() + a.type.size() + a.body.size());
  put_be32(r, a.status);
  put_str(r, a.error);
  put_str(r, device);
  put_str(r, key);
  put_str(r, a.type);
  r.append(be64(a.body_hash));
  r.append(a.body);
  txn.put(Table::idem_replies, be64(n), r);
  staged_[key2(device, key)] = Ref{n, index_value(n, a)};
}

void IdemStore::committed() {
  for (auto hour : staged_unmarked_) marks_.erase(hour);
  staged_unmarked_.clear();
  if (staged_pruned_) pruned_ = staged_pruned_;
  if (staged_mark_) marks_[staged_mark_->first] = staged_mark_->second;
  staged_mark_.reset();
  staged_pruned_ = 0;
  if (staged_merge_upto_) {
    std::erase_if(tail_, [&](const auto& kv) { return kv.second.n <= staged_merge_upto_; });
    merged_ = staged_merge_upto_;
  }
  for (auto& [k, ref] : staged_) tail_[k] = std::move(ref);
  staged_.clear();
  staged_merge_upto_ = 0;
}

std::uint64_t meta_u64(const Txn& txn, std::string_view name) {
  auto v = txn.get(Table::meta, name);
  return v ? from_be64(*v) : 0;
}

void set_meta_u64(Txn& txn, std::string_view name, std::uint64_t v) { txn.put(Table::meta, name, be64(v)); }

std::uint64_t next_seq(Txn& txn, std::string_view name) {
  std::uint64_t v = meta_u64(txn, name) + 1;
  set_meta_u64(txn, name, v);
  return v;
}

}  // namespace wms::store
