// Unit tests for the message fields added for the terminal app: they round-trip by name, an old peer's body
// without them still decodes (fields read as their defaults), and a new body is readable by an old peer's
// struct (unknown keys ignored). The two pack-station requests declare their type, mutation flag and fields.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"

using namespace wms::proto;

namespace {

template <class T>
std::optional<T> round_trip(const auto& value, std::string* why) {
  msgpack::sbuffer buf = pack_body(value);
  auto h = msgpack::unpack(buf.data(), buf.size());
  return decode_body<T>(h.get(), why);
}

// The TaskView and PickConfirmReq of protocol 1 as first released, with msgpack-cxx's own macro as the terminals
// already in use were built: what an old peer decodes into.
struct OldTaskView {
  std::uint64_t id = 0;
  std::string sku;
  std::string gtin;
  std::string status;
  MSGPACK_DEFINE_MAP(id, sku, gtin, status)
};
struct OldPickConfirmReq {
  std::uint64_t task = 0;
  std::string location_scan;
  std::string product_scan;
  std::int64_t qty = 0;
  MSGPACK_DEFINE_MAP(task, location_scan, product_scan, qty)
};

}  // namespace

TEST_CASE("terminal wire: pick.confirm carries tote, sscc and drop_scan by name", "[codec][terminal]") {
  PickConfirmReq r{9, "LOC-B01-01-1", "04006380010000", 20};
  r.tote = "TOTE-4";
  r.sscc = "106141411234567897";
  r.drop_scan = "LOC-STAGE-1";
  std::string why;
  auto back = round_trip<PickConfirmReq>(r, &why);
  INFO(why);
  REQUIRE(back);
  CHECK(back->task == 9);
  CHECK(back->qty == 20);
  CHECK(back->tote == "TOTE-4");
  CHECK(back->sscc == "106141411234567897");
  CHECK(back->drop_scan == "LOC-STAGE-1");
}

TEST_CASE("terminal wire: an old pick.confirm without the new fields decodes with them empty", "[codec][terminal]") {
  std::string why;
  auto back = round_trip<PickConfirmReq>(OldPickConfirmReq{9, "LOC-A", "04006380010000", 2}, &why);
  INFO(why);
  REQUIRE(back);
  CHECK(back->task == 9);
  CHECK(back->tote.empty());
  CHECK(back->sscc.empty());
  CHECK(back->drop_scan.empty());
}

TEST_CASE("terminal wire: a TaskView with barcodes, drop location, tote and sscc round-trips and old peers read it",
          "[codec][terminal]") {
  TaskView v;
  v.id = 3;
  v.sku = "SKU-1001";
  v.gtin = "04006380010000";
  v.status = "done";
  v.barcodes = {"04006380010000", "14006380010007"};
  v.drop_location = "STAGE-1";
  v.drop_barcode = "LOC-STAGE-1";
  v.tote = "TOTE-1";
  v.sscc = "106141411234567897";
  std::string why;
  auto back = round_trip<TaskView>(v, &why);
  INFO(why);
  REQUIRE(back);
  CHECK(back->barcodes == v.barcodes);
  CHECK(back->drop_location == "STAGE-1");
  CHECK(back->drop_barcode == "LOC-STAGE-1");
  CHECK(back->tote == "TOTE-1");
  CHECK(back->sscc == v.sscc);
  auto old = round_trip<OldTaskView>(v, &why);
  REQUIRE(old);
  CHECK(old->id == 3);
  CHECK(old->gtin == "04006380010000");
  CHECK(old->status == "done");
}

TEST_CASE("terminal wire: OrderView carries packed_ms and cartons", "[codec][terminal]") {
  OrderView o;
  o.ref = "SO-1";
  o.packed_ms = 1700000000123;
  o.cartons = 3;
  std::string why;
  auto back = round_trip<OrderView>(o, &why);
  REQUIRE(back);
  CHECK(back->packed_ms == 1700000000123);
  CHECK(back->cartons == 3);
}

TEST_CASE(
    "terminal wire: pack.contents is a query with no required field, pack.close a mutation needing ref and "
    "cartons",
    "[codec][terminal]") {
  CHECK(PackContentsReq::k_type == "pack.contents");
  CHECK_FALSE(PackContentsReq::k_mutates);
  CHECK(PackContentsReq::k_required.empty());
  CHECK(PackCloseReq::k_type == "pack.close");
  CHECK(PackCloseReq::k_mutates);
  CHECK(PackCloseReq::k_required.size() == 2);

  std::string why;
  auto missing = round_trip<PackCloseReq>(PackContentsReq{"SO-1", ""}, &why);
  CHECK_FALSE(missing);
  CHECK(why == "missing required field 'cartons'");

  PackContentsRep rep;
  rep.ref = "SO-1";
  rep.tote = "TOTE-2";
  rep.totes = {"TOTE-2", "TOTE-5"};
  rep.cartons = 2;
  rep.lines.push_back({1, "SKU-1001", "Hex bolt", {"04006380010000"}, 4, true});
  auto back = round_trip<PackContentsRep>(rep, &why);
  INFO(why);
  REQUIRE(back);
  CHECK(back->totes == rep.totes);
  REQUIRE(back->lines.size() == 1);
  CHECK(back->lines[0].barcodes == std::vector<std::string>{"04006380010000"});
  CHECK(back->lines[0].picked == 4);
  CHECK(back->lines[0].packed);
}
