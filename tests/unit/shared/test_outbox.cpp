// The device outbox: what was added survives reopening (the app killed), answered entries do not come back, a
// record torn by a crash is dropped, and a key is never handed out twice, even after the log is compacted.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "wms/shared/outbox.hpp"

using wms::client::Outbox;

namespace {
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() / ("wms-outbox-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};
}  // namespace

TEST_CASE("outbox entries survive reopening, in order, and answered ones are gone", "[outbox]") {
  TempDir d;
  std::string k1, k2, k3;
  {
    Outbox o(d.path.string(), "hh-1");
    k1 = o.add("pick.confirm", "body-1", 7).key;
    k2 = o.add("pick.short", "body-2", 8).key;
    k3 = o.add("pick.confirm", std::string("\0\x01\xff", 3), 9).key;
    CHECK(o.size() == 3);
    o.pop_front();
  }
  Outbox o(d.path.string(), "hh-1");
  REQUIRE(o.size() == 2);
  CHECK(o.front()->key == k2);
  CHECK(o.front()->type == "pick.short");
  CHECK(o.front()->body == "body-2");
  CHECK(o.front()->tag == 0);  // tags belong to the run that made them
  o.pop_front();
  CHECK(o.front()->key == k3);
  CHECK(o.front()->body == std::string("\0\x01\xff", 3));
  CHECK(k1.rfind("hh-1:", 0) == 0);
  CHECK(k1 != k2);
}

TEST_CASE("a record torn by a crash mid-write is dropped and the rest is kept", "[outbox]") {
  TempDir d;
  {
    Outbox o(d.path.string(), "hh-1");
    o.add("pick.confirm", "kept", 1);
    o.add("pick.confirm", "torn", 2);
  }
  const auto log = d.path / "outbox.log";
  std::filesystem::resize_file(log, std::filesystem::file_size(log) - 3);
  {
    Outbox o(d.path.string(), "hh-1");
    REQUIRE(o.size() == 1);
    CHECK(o.front()->body == "kept");
    o.add("pick.confirm", "after", 3);
  }
  Outbox o(d.path.string(), "hh-1");
  REQUIRE(o.size() == 2);
  o.pop_front();
  CHECK(o.front()->body == "after");
}

TEST_CASE("keys are never reused, across reopening and compaction", "[outbox]") {
  TempDir d;
  std::set<std::string> keys;
  for (int round = 0; round < 3; ++round) {
    Outbox o(d.path.string(), "hh-1");
    for (int i = 0; i < 300; ++i) {
      const auto& e = o.add("pick.confirm", "b", 0);
      CHECK(keys.insert(e.key).second);
      o.pop_front();  // answered at once: the log compacts every 256 answers
    }
    CHECK(o.size() == 0);
  }
  CHECK(std::filesystem::file_size(d.path / "outbox.log") < 64 * 1024);
  // A wiped log (or a crash inside compaction) starts a new epoch: still no key from before.
  std::filesystem::remove(d.path / "outbox.log");
  Outbox o(d.path.string(), "hh-1");
  CHECK(keys.insert(o.add("pick.confirm", "b", 0).key).second);
}
