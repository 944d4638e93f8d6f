// The LMDB layer: key order, prefix scans both ways, RAII abort, nested transactions, map growth, schema guard,
// idempotency answers.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "store/lmdb.hpp"

using namespace wms::store;

namespace {
struct Dir {
  std::filesystem::path p = std::filesystem::temp_directory_path() / ("wms-store-" + std::to_string(std::random_device{}()));
  ~Dir() { std::filesystem::remove_all(p); }
};
}  // namespace

TEST_CASE("big-endian keys sort in numeric order") {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t a = rng() >> (rng() % 64), b = rng() >> (rng() % 64);
    CHECK((be64(a) < be64(b)) == (a < b));
    CHECK(from_be64(be64(a)) == a);
  }
}

TEST_CASE("a transaction that is not committed leaves nothing behind, a committed one persists across reopen") {
  Dir d;
  {
    Env env(d.p.string());
    {
      Txn t(env, Txn::Mode::write);
      t.put(Table::products, "A", "1");
    }  // aborted on scope exit
    Txn t(env, Txn::Mode::write);
    CHECK_FALSE(t.get(Table::products, "A"));
    t.put(Table::products, "B", "2");
    t.commit();
  }
  Env env(d.p.string());
  Txn r(env, Txn::Mode::read);
  CHECK(r.get(Table::products, "B") == std::optional<std::string_view>("2"));
  CHECK_FALSE(r.get(Table::products, "A"));
}

TEST_CASE("a nested transaction aborts alone and its parent still commits") {
  Dir d;
  Env env(d.p.string());
  {
    Txn parent(env, Txn::Mode::write);
    parent.put(Table::stock, "kept", "1");
    {
      Txn child(env, Txn::Mode::write, &parent);
      child.put(Table::stock, "dropped", "1");
    }
    {
      Txn child(env, Txn::Mode::write, &parent);
      child.put(Table::stock, "also-kept", "1");
      child.commit();
    }
    parent.commit();
  }
  Txn r(env, Txn::Mode::read);
  CHECK(r.get(Table::stock, "kept"));
  CHECK(r.get(Table::stock, "also-kept"));
  CHECK_FALSE(r.get(Table::stock, "dropped"));
}

TEST_CASE("prefix scans visit exactly the keys with the prefix, forwards and backwards") {
  Dir d;
  Env env(d.p.string());
  Txn t(env, Txn::Mode::write);
  for (auto sku : {"A", "AB", "B"})
    for (auto loc : {"L1", "L2", "L3"}) t.put(Table::stock, key2(sku, loc), loc);
  std::vector<std::string> fwd, rev;
  t.scan(Table::stock, key2("A", ""), [&](std::string_view, std::string_view v) { return fwd.emplace_back(v), true; });
  t.scan(Table::stock, key2("A", ""), [&](std::string_view, std::string_view v) { return rev.emplace_back(v), true; }, true);
  CHECK(fwd == std::vector<std::string>{"L1", "L2", "L3"});  // "AB" is not under "A\0"
  CHECK(rev == std::vector<std::string>{"L3", "L2", "L1"});
  std::vector<std::string> last;
  t.scan(Table::stock, key2("B", ""), [&](std::string_view, std::string_view v) { return last.emplace_back(v), true; }, true);
  CHECK(last == std::vector<std::string>{"L3", "L2", "L1"});
  int n = 0;
  t.scan(Table::stock, "", [&](std::string_view, std::string_view) { return ++n < 4; });
  CHECK(n == 4);  // stops when asked
  // A forward scan can start further on (a listing's next page), never before the prefix.
  std::vector<std::string> from;
  auto collect = [&](std::string_view, std::string_view v) { return from.emplace_back(v), true; };
  t.scan(Table::stock, key2("A", ""), collect, false, key2("A", "L2"));
  CHECK(from == std::vector<std::string>{"L2", "L3"});
  from.clear();
  t.scan(Table::stock, key2("B", ""), collect, false, key2("A", "L2"));  // `from` below the prefix: ignored
  CHECK(from == std::vector<std::string>{"L1", "L2", "L3"});
}

TEST_CASE("sequences count up from one and survive a commit") {
  Dir d;
  Env env(d.p.string());
  Txn t(env, Txn::Mode::write);
  CHECK(next_seq(t, "invoice_seq") == 1);
  CHECK(next_seq(t, "invoice_seq") == 2);
  CHECK(meta_u64(t, "invoice_seq") == 2);
  t.commit();
  Txn r(env, Txn::Mode::read);
  CHECK(meta_u64(r, "invoice_seq") == 2);
}

TEST_CASE("a full map is reported as MapFull and writing succeeds after grow()") {
  Dir d;
  Env env(d.p.string(), EnvOptions{1u << 20, false});
  const std::string value(2000, 'x');
  int written = 0;
  bool was_full = false;
  for (int attempt = 0; attempt < 10 && written < 3000; ++attempt) {
    try {
      Txn t(env, Txn::Mode::write);
      for (int i = written; i < 3000; ++i) t.put(Table::products, be64(static_cast<std::uint64_t>(i)), value);
      t.commit();
      written = 3000;
    } catch (const MapFull&) {
      was_full = true;
      env.grow();
    }
  }
  CHECK(was_full);
  CHECK(written == 3000);
  CHECK(env.map_bytes() > (1u << 20));
  Txn r(env, Txn::Mode::read);
  int n = 0;
  r.scan(Table::products, "", [&](std::string_view, std::string_view) { return ++n, true; });
  CHECK(n == 3000);
}

TEST_CASE("a data folder of another schema version is refused with advice") {
  Dir d;
  {
    Env env(d.p.string());
    Txn t(env, Txn::Mode::write);
    set_meta_u64(t, "schema", k_schema_version + 1);
    t.commit();
  }
  try {
    Env env(d.p.string());
    FAIL("opened a foreign schema");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("schema version") && Catch::Contains("backup"));
  }
}

namespace {
// An idempotency index record of the earlier layout: a msgpack map with the answer inside.
struct OldIdemRec {
  std::string type = "receive";
  std::uint64_t body_hash = 7;
  std::uint32_t status = 4;
  std::string error = "old error";
  std::string body = "old body";
  MSGPACK_DEFINE_MAP(type, body_hash, status, error, body)
};
// Built with append: g++ 12 warns (-Wrestrict, falsely) on "literal" + std::to_string(...).
std::string num(const char* prefix, int i) {
  std::string s(prefix);
  s.append(std::to_string(i));
  return s;
}
}  // namespace

TEST_CASE("idempotency answers are found in the log tail, after a merge, after a reopen, and in the old layout") {
  Dir d;
  auto answer = [](int i) {
    return IdemAnswer{"pick.confirm", 1000u + static_cast<unsigned>(i), static_cast<std::uint32_t>(i % 3),
                      i % 3 ? num("refused ", i) : "", num("body-", i)};
  };
  auto same = [](const IdemAnswer& a, const IdemAnswer& b) {
    return a.type == b.type && a.body_hash == b.body_hash && a.status == b.status && a.error == b.error &&
           a.body == b.body;
  };
  const int n = static_cast<int>(IdemStore::k_merge_every) + 500;  // one merge, then a tail
  {
    Env env(d.p.string());
    {
      Txn t(env, Txn::Mode::write);
      put_as(t, Table::idem, key2("dev-old", "k1"), OldIdemRec{});
      t.commit();
    }
    IdemStore idem;
    {
      Txn t(env, Txn::Mode::read);
      idem.load(t);
    }
    for (int i = 0; i < n; i += 8) {
      Txn t(env, Txn::Mode::write);
      idem.begin(t);
      for (int j = i; j < i + 8 && j < n; ++j) {
        const std::string dev = num("dev-", j % 32);
        CHECK_FALSE(idem.get(t, dev, num("k", j)));
        idem.put(t, dev, num("k", j), answer(j));
        auto same_txn = idem.get(t, dev, num("k", j));  // a repeat inside one batch
        REQUIRE(same_txn);
        CHECK(same(*same_txn, answer(j)));
      }
      t.commit();
      idem.committed();
    }
    CHECK(idem.tail_size() < IdemStore::k_merge_every);
    {
      // An aborted transaction leaves no answer behind, in LMDB or in memory.
      Txn t(env, Txn::Mode::write);
      idem.begin(t);
      idem.put(t, "dev-x", "aborted", answer(1));
      CHECK(idem.get(t, "dev-x", "aborted"));
    }
    Txn t(env, Txn::Mode::write);
    idem.begin(t);
    CHECK_FALSE(idem.get(t, "dev-x", "aborted"));
  }
  Env env(d.p.string());
  IdemStore idem;
  Txn t(env, Txn::Mode::read);
  idem.load(t);
  for (int j = 0; j < n; ++j) {
    auto a = idem.get(t, num("dev-", j % 32), num("k", j));
    REQUIRE(a);
    CHECK(same(*a, answer(j)));
    CHECK_FALSE(idem.get(t, num("dev-", (j + 1) % 32), num("k", j)));
  }
  auto old = idem.get(t, "dev-old", "k1");
  REQUIRE(old);
  CHECK(same(*old, IdemAnswer{"receive", 7, 4, "old error", "old body"}));
}

TEST_CASE("once the log tail is long, each transaction merges only its oldest slice of answers into the index") {
  Dir d;
  constexpr std::size_t full = IdemStore::k_merge_every, slice = IdemStore::k_merge_slice;
  auto answer = [](std::size_t i) {
    return IdemAnswer{"pick.confirm", 7000u + i, 0, "", num("body-", static_cast<int>(i))};
  };
  auto dev = [](std::size_t i) { return num("dev-", static_cast<int>(i % 32)); };
  auto key = [](std::size_t i) { return num("k", static_cast<int>(i)); };
  auto index_entries = [](const Txn& t) {
    std::size_t n = 0;
    t.scan(Table::idem, "", [&](std::string_view, std::string_view) { return ++n, true; });
    return n;
  };
  {
    Env env(d.p.string());
    IdemStore idem;
    {
      Txn t(env, Txn::Mode::read);
      idem.load(t);
    }
    for (std::size_t i = 0; i < full; i += 64) {  // exactly k_merge_every answers, no merge yet
      Txn t(env, Txn::Mode::write);
      idem.begin(t);
      for (std::size_t j = i; j < i + 64; ++j) idem.put(t, dev(j), key(j), answer(j));
      t.commit();
      idem.committed();
    }
    CHECK(idem.tail_size() == full);
    {
      Txn t(env, Txn::Mode::write);
      idem.begin(t);  // merges answers 0 .. slice-1
      idem.put(t, dev(full), key(full), answer(full));
      t.commit();
      idem.committed();
    }
    CHECK(idem.tail_size() == full - slice + 1);
    Txn t(env, Txn::Mode::read);
    CHECK(index_entries(t) == slice);
    CHECK(meta_u64(t, "idem_merged") == slice);
    CHECK(t.get(Table::idem, key2(dev(0), key(0))));
    CHECK(t.get(Table::idem, key2(dev(slice - 1), key(slice - 1))));
    CHECK_FALSE(t.get(Table::idem, key2(dev(slice), key(slice))));
  }
  // After a reopen the tail starts after the merged mark, and every answer is found, merged or not.
  Env env(d.p.string());
  IdemStore idem;
  Txn t(env, Txn::Mode::read);
  idem.load(t);
  CHECK(idem.tail_size() == full - slice + 1);
  for (std::size_t j = 0; j <= full; ++j) {
    auto a = idem.get(t, dev(j), key(j));
    REQUIRE(a);
    CHECK(a->body_hash == 7000u + j);
    CHECK(a->body == answer(j).body);
  }
}

TEST_CASE("a batch of more answers than a slice does not let the idempotency tail grow past one batch") {
  Dir d;
  constexpr std::size_t full = IdemStore::k_merge_every, slice = IdemStore::k_merge_slice, big = 2048;
  Env env(d.p.string());
  IdemStore idem;
  {
    Txn t(env, Txn::Mode::read);
    idem.load(t);
  }
  std::size_t next = 0;
  auto batch = [&](std::size_t n) {
    Txn t(env, Txn::Mode::write);
    idem.begin(t);
    for (std::size_t j = 0; j < n; ++j, ++next)
      idem.put(t, num("dev-", static_cast<int>(next % 32)), num("k", static_cast<int>(next)),
               IdemAnswer{"pick.confirm", next, 0, "", ""});
    t.commit();
    idem.committed();
  };
  for (std::size_t i = 0; i < full; i += 64) batch(64);
  batch(big);  // merges one slice before its answers go in
  CHECK(idem.tail_size() == full - slice + big);
  batch(1);  // merges a slice plus the excess over k_merge_every
  CHECK(idem.tail_size() == full - slice + 1);
  Txn t(env, Txn::Mode::read);
  CHECK(meta_u64(t, "idem_merged") == next - 1 - (full - slice));
}

namespace {
// An idempotency store with a 2-hour retention on a fresh folder, fed numbered answers (answer i: device
// dev(i), key key(i), body hash i) in write transactions at given times.
struct RetainedAnswers {
  static constexpr std::int64_t hour = IdemStore::k_hour_ms;
  static constexpr std::int64_t t0 = 1'790'000'000'000 / hour * hour;  // the start of an hour
  Dir d;
  Env env{d.p.string()};
  IdemStore idem;
  std::size_t next = 0;  // the number of the next answer
  RetainedAnswers() {
    idem.set_retention(2 * hour);
    Txn t(env, Txn::Mode::read);
    idem.load(t);
  }
  static std::string dev(std::size_t i) { return num("dev-", static_cast<int>(i % 32)); }
  static std::string key(std::size_t i) { return num("k", static_cast<int>(i)); }
  void batch(std::int64_t now, std::size_t n) {
    Txn t(env, Txn::Mode::write);
    idem.begin(t, now);
    for (std::size_t j = 0; j < n; ++j, ++next)
      idem.put(t, dev(next), key(next), IdemAnswer{"pick.confirm", next, 0, "", "b"});
    t.commit();
    idem.committed();
  }
};
}  // namespace

TEST_CASE("idempotency answers older than the retention are forgotten in slices, with their index entries") {
  RetainedAnswers f;
  constexpr std::int64_t hour = RetainedAnswers::hour, t0 = RetainedAnswers::t0;
  auto count = [](const Txn& t, Table table) {
    std::size_t n = 0;
    t.scan(table, "", [&](std::string_view, std::string_view) { return ++n, true; });
    return n;
  };
  const std::size_t first_hour = IdemStore::k_merge_every + 1000, second_hour = 64;
  for (std::size_t i = 0; i < first_hour; i += 100) f.batch(t0 + 1000, 100);  // answers 0 .. first_hour-1, in hour 0
  f.batch(t0 + hour + 5, second_hour);                                        // hour 1
  std::uint64_t merged = 0;
  {
    Txn t(f.env, Txn::Mode::read);
    merged = meta_u64(t, "idem_merged");
    CHECK(count(t, Table::idem_marks) == 2);
  }
  REQUIRE(merged > IdemStore::k_prune_slice);
  REQUIRE(merged < first_hour);  // part of hour 0 is still in the tail
  // Two hours after hour 0 ended nothing is forgotten yet: the retention counts from the hour's end. A clock that
  // goes back forgets nothing either.
  f.batch(t0 + 2 * hour + 5, 0);
  f.batch(t0 - 10 * hour, 0);
  CHECK(f.idem.pruned_upto() == 0);
  // Three hours on, hour 0 is older than the retention: each transaction forgets one slice of its merged answers.
  f.batch(t0 + 3 * hour + 5, 0);
  CHECK(f.idem.pruned_upto() == IdemStore::k_prune_slice);
  for (int i = 0; i < 1000 && f.idem.pruned_upto() < merged; ++i) f.batch(t0 + 3 * hour + 10, 0);
  CHECK(f.idem.pruned_upto() == merged);
  f.batch(t0 + 3 * hour + 20, 0);
  CHECK(f.idem.pruned_upto() == merged);  // the tail is not pruned
  // Reopened: forgotten answers are gone from the log and the index; the rest are all found.
  {
    IdemStore again;
    Txn t(f.env, Txn::Mode::read);
    again.load(t);
    CHECK(again.pruned_upto() == merged);
    CHECK(count(t, Table::idem_replies) == f.next - merged);
    CHECK(count(t, Table::idem) == 0);        // every merged answer was of hour 0, so all were forgotten
    CHECK(count(t, Table::idem_marks) == 3);  // hours 1, 2 and 3; hour 0's has done its work
    for (std::size_t j = 0; j < f.next; ++j) {
      auto a = again.get(t, f.dev(j), f.key(j));
      if (j < merged) {
        CHECK_FALSE(a);
      } else {
        REQUIRE(a);
        CHECK(a->body_hash == j);
      }
    }
  }
  // With no retention set, nothing is forgotten however old.
  IdemStore keep;
  {
    Txn t(f.env, Txn::Mode::read);
    keep.load(t);
  }
  Txn t(f.env, Txn::Mode::write);
  keep.begin(t, t0 + 1000 * hour);
  CHECK(keep.pruned_upto() == merged);
  CHECK(keep.get(t, f.dev(f.next - 1), f.key(f.next - 1)));
}

TEST_CASE("a key LMDB cannot hold is found nowhere and refused on write as the request's fault, not the store's") {
  Dir d;
  Env env(d.p.string());
  Txn t(env, Txn::Mode::write);
  const std::string huge(k_max_key_bytes + 1, 'x');
  CHECK_FALSE(t.get(Table::orders, ""));
  CHECK_FALSE(t.get(Table::orders, huge));
  CHECK_FALSE(t.del(Table::orders, ""));
  CHECK_FALSE(t.del(Table::orders, huge));
  CHECK_THROWS_AS(t.put(Table::orders, "", "v"), BadKey);
  CHECK_THROWS_AS(t.put(Table::orders, huge, "v"), BadKey);
  std::size_t n = 0;
  t.scan(Table::orders, huge, [&](std::string_view, std::string_view) { return ++n, true; });
  CHECK(n == 0);
  const std::string longest(k_max_key_bytes, 'y');
  t.put(Table::orders, longest, "v");  // the longest that fits
  CHECK(t.get(Table::orders, longest) == std::optional<std::string_view>("v"));
  t.commit();
}

TEST_CASE("after a quiet stretch, forgetting old answers keeps the current hour's mark, so its answers stay") {
  RetainedAnswers f;
  constexpr std::int64_t hour = RetainedAnswers::hour, t0 = RetainedAnswers::t0;
  for (int i = 0; i < 47; ++i) f.batch(t0 + 1000, 100);  // hour 0: more than k_merge_every answers
  const std::size_t old = f.next;
  f.batch(t0 + hour + 5, 0);  // hour 1: a write with no answers
  // Hour 5, after a quiet stretch: many answers, so hour 0's are all merged and then forgotten.
  const std::size_t first_new = f.next;
  for (int i = 0; i < 60; ++i) f.batch(t0 + 5 * hour + 60'000 + i, 100);
  for (int i = 0; i < 400 && f.idem.pruned_upto() < old; ++i) f.batch(t0 + 5 * hour + 120'000, 0);
  REQUIRE(f.idem.pruned_upto() == old);
  {
    Txn t(f.env, Txn::Mode::read);
    CHECK(t.get(Table::idem_marks, be64(static_cast<std::uint64_t>(t0 / hour + 5))));  // hour 5's mark stays
  }
  // Two hours and a bit after hour 5 began, hour 5's answers are not yet older than the retention: all still found.
  for (int i = 0; i < 50; ++i) f.batch(t0 + 7 * hour + 5 + i, 0);
  Txn t(f.env, Txn::Mode::read);
  for (std::size_t j = first_new; j < f.next; ++j) REQUIRE(f.idem.get(t, f.dev(j), f.key(j)));
}

// wmsd --restore reads a backup, and the database it replaces, this way: nothing may be written to either.
TEST_CASE("a database file opened read-only is read without a change and tables it lacks read as empty") {
  Dir d;
  const std::string file = (d.p / "older.mdb").string();
  {  // a file of an older layout: only the meta table (as LMDB's own API writes it, not through Env)
    std::filesystem::create_directories(d.p);
    MDB_env* raw = nullptr;
    REQUIRE(mdb_env_create(&raw) == 0);
    REQUIRE(mdb_env_set_maxdbs(raw, 4) == 0);
    REQUIRE(mdb_env_open(raw, file.c_str(), MDB_NOSUBDIR, 0640) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(raw, nullptr, 0, &txn) == 0);
    MDB_dbi meta = 0;
    REQUIRE(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta) == 0);
    std::string k = "invoice_seq", v = be64(41);
    MDB_val key{k.size(), k.data()}, val{v.size(), v.data()};
    REQUIRE(mdb_put(txn, meta, &key, &val, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(raw);
    std::filesystem::remove(file + "-lock");
  }
  auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string before = bytes(file);
  {
    Env env(file, Env::ReadOnlyFile{});
    CHECK(env.has(Table::meta));
    CHECK_FALSE(env.has(Table::products));
    Txn t(env, Txn::Mode::read);
    CHECK(meta_u64(t, "invoice_seq") == 41);
    CHECK_FALSE(t.get(Table::products, "SKU-1").has_value());
    std::size_t seen = 0;
    t.scan(Table::audit, "", [&](std::string_view, std::string_view) { return ++seen, true; });
    CHECK(seen == 0);
  }
  CHECK(bytes(file) == before);
  CHECK_FALSE(std::filesystem::exists(file + "-lock"));
  // Not a database: refused.
  const std::string text = (d.p / "notes.mdb").string();
  std::ofstream(text) << "sku,qty\n";
  CHECK_THROWS_WITH((Env(text, Env::ReadOnlyFile{})), Catch::Contains("not an LMDB file"));
}
