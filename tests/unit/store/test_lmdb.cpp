// The LMDB layer: key order, prefix scans both ways, RAII abort, nested transactions, map growth, schema guard.
#include <catch2/catch.hpp>

#include <filesystem>
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
