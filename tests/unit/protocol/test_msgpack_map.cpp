// Unit tests for WMS_MSGPACK_MAP: it writes the same bytes as msgpack-cxx's MSGPACK_DEFINE_MAP and reads maps the
// same way (any key order, unknown keys ignored, missing fields keep their defaults, wrong types and non-maps
// refused with msgpack::type_error), checked against a twin struct that uses msgpack-cxx's own macro.
#include <catch2/catch.hpp>

#include "wms/proto/msgpack_map.hpp"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Inner {
  std::string sku;
  std::int64_t qty = 0;
  bool operator==(const Inner& o) const { return sku == o.sku && qty == o.qty; }
  WMS_MSGPACK_MAP(sku, qty)
};

struct Ours {
  std::uint64_t id = 7;
  std::string name = "unset";
  std::int64_t total_minor = -1;
  std::vector<Inner> lines;
  std::optional<std::string> tote;
  bool done = false;
  WMS_MSGPACK_MAP(id, name, total_minor, lines, tote, done)
};

struct InnerRef {
  std::string sku;
  std::int64_t qty = 0;
  MSGPACK_DEFINE_MAP(sku, qty)
};

struct Theirs {  // the same fields, read and written by msgpack-cxx's own macro
  std::uint64_t id = 7;
  std::string name = "unset";
  std::int64_t total_minor = -1;
  std::vector<InnerRef> lines;
  std::optional<std::string> tote;
  bool done = false;
  MSGPACK_DEFINE_MAP(id, name, total_minor, lines, tote, done)
};

using Packer = msgpack::packer<msgpack::sbuffer>;

void str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

template <class T>
T decode(const msgpack::sbuffer& b) {
  auto h = msgpack::unpack(b.data(), b.size());
  return h.get().as<T>();
}

template <class T>
std::string bytes_of(const T& v) {
  msgpack::sbuffer b;
  msgpack::pack(b, v);
  return std::string(b.data(), b.size());
}

void require_same(const Ours& a, const Theirs& b) {
  REQUIRE(a.id == b.id);
  REQUIRE(a.name == b.name);
  REQUIRE(a.total_minor == b.total_minor);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    REQUIRE(a.lines[i].sku == b.lines[i].sku);
    REQUIRE(a.lines[i].qty == b.lines[i].qty);
  }
  REQUIRE(a.tote == b.tote);
  REQUIRE(a.done == b.done);
}

}  // namespace

TEST_CASE("WMS_MSGPACK_MAP writes the bytes MSGPACK_DEFINE_MAP writes and reads them back", "[protocol][msgpack]") {
  Ours o{42, "Acme", 12345, {{"SKU-1", 3}, {"SKU-2", 9}}, std::string("T-7"), true};
  Theirs t{42, "Acme", 12345, {{"SKU-1", 3}, {"SKU-2", 9}}, std::string("T-7"), true};
  REQUIRE(bytes_of(o) == bytes_of(t));

  msgpack::sbuffer b;
  msgpack::pack(b, t);
  const auto back = decode<Ours>(b);
  require_same(back, t);
  REQUIRE(back.lines == o.lines);
}

TEST_CASE("WMS_MSGPACK_MAP reads keys in any order, skips unknown keys and keeps defaults of missing ones",
          "[protocol][msgpack]") {
  msgpack::sbuffer b;
  Packer pk(b);
  pk.pack_map(5);
  str(pk, "done");
  pk.pack(true);
  str(pk, "from_a_newer_peer");
  pk.pack(std::vector<int>{1, 2, 3});
  str(pk, "total_minor");
  pk.pack(-250);
  str(pk, "nam");  // a prefix of a field name is not that field
  pk.pack(std::string("wrong"));
  str(pk, "id");
  pk.pack(9);
  const auto ours = decode<Ours>(b);
  const auto theirs = decode<Theirs>(b);
  require_same(ours, theirs);
  REQUIRE(ours.id == 9);
  REQUIRE(ours.total_minor == -250);
  REQUIRE(ours.done);
  REQUIRE(ours.name == "unset");  // missing: the default stays
  REQUIRE_FALSE(ours.tote.has_value());
  REQUIRE(ours.lines.empty());
}

TEST_CASE("WMS_MSGPACK_MAP reads nil, nested records out of order and repeated keys as MSGPACK_DEFINE_MAP does",
          "[protocol][msgpack]") {
  msgpack::sbuffer b;
  Packer pk(b);
  pk.pack_map(5);
  str(pk, "tote");
  pk.pack_nil();
  str(pk, "lines");
  pk.pack_array(2);
  pk.pack_map(2);
  str(pk, "qty");
  pk.pack(4);
  str(pk, "sku");
  pk.pack(std::string("SKU-9"));
  pk.pack_map(1);
  str(pk, "qty");
  pk.pack(6);
  str(pk, "name");
  pk.pack(std::string("first"));
  str(pk, "name");
  pk.pack(std::string("second"));
  str(pk, "id");
  pk.pack(3);
  const auto ours = decode<Ours>(b);
  require_same(ours, decode<Theirs>(b));
  REQUIRE_FALSE(ours.tote.has_value());
  REQUIRE(ours.name == "first");
  REQUIRE(ours.lines == std::vector<Inner>{{"SKU-9", 4}, {"", 6}});
  REQUIRE(ours.id == 3);

  msgpack::sbuffer d;
  Packer dk(d);
  dk.pack_map(2);
  str(dk, "done");
  dk.pack(true);
  str(dk, "done");
  dk.pack(std::string("a later copy of a wrong type is not read"));
  REQUIRE(decode<Ours>(d).done);
  REQUIRE(decode<Theirs>(d).done);
}

TEST_CASE("WMS_MSGPACK_MAP refuses what MSGPACK_DEFINE_MAP refuses", "[protocol][msgpack]") {
  // Packs what `write` writes and requires both readers to refuse it with msgpack::type_error.
  const auto both_refuse = [](const auto& write) {
    msgpack::sbuffer b;
    Packer pk(b);
    write(pk);
    REQUIRE_THROWS_AS(decode<Ours>(b), msgpack::type_error);
    REQUIRE_THROWS_AS(decode<Theirs>(b), msgpack::type_error);
  };
  SECTION("not a map") {
    both_refuse([](Packer& pk) { pk.pack(std::vector<int>{1, 2}); });
  }
  SECTION("a key that is not a string") {
    both_refuse([](Packer& pk) {
      pk.pack_map(1);
      pk.pack(1);
      pk.pack(2);
    });
  }
  SECTION("a value of the wrong type") {
    both_refuse([](Packer& pk) {
      pk.pack_map(1);
      str(pk, "name");
      pk.pack(5);
    });
  }
  SECTION("a nested record of the wrong shape") {
    both_refuse([](Packer& pk) {
      pk.pack_map(1);
      str(pk, "lines");
      pk.pack_array(1);
      pk.pack(std::string("not a map"));
    });
  }
}

TEST_CASE("WMS_MSGPACK_MAP and MSGPACK_DEFINE_MAP agree on random maps", "[protocol][msgpack]") {
  std::mt19937 rng(20261124);
  const char* keys[] = {"id", "name", "total_minor", "lines", "tote", "done", "extra", "i", "names"};
  for (int round = 0; round < 2000; ++round) {
    msgpack::sbuffer b;
    Packer pk(b);
    const std::uint32_t n = rng() % 8;
    pk.pack_map(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      str(pk, keys[rng() % 9]);  // keys may repeat: both keep the first value of a repeated key
      switch (rng() % 5) {
        case 0: pk.pack(static_cast<std::int64_t>(rng() % 1000) - 500); break;
        case 1: pk.pack(std::string("v") + std::to_string(rng() % 100)); break;
        case 2: pk.pack(rng() % 2 == 0); break;
        case 3: pk.pack_nil(); break;
        default: pk.pack(std::vector<InnerRef>{{"S", static_cast<std::int64_t>(rng() % 5)}}); break;
      }
    }
    std::optional<Ours> ours;
    std::optional<Theirs> theirs;
    bool ours_threw = false, theirs_threw = false;
    try {
      ours = decode<Ours>(b);
    } catch (const msgpack::type_error&) {
      ours_threw = true;
    }
    try {
      theirs = decode<Theirs>(b);
    } catch (const msgpack::type_error&) {
      theirs_threw = true;
    }
    INFO("round " << round);
    REQUIRE(ours_threw == theirs_threw);
    if (!ours_threw) require_same(*ours, *theirs);
  }
}
