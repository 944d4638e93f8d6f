// Unit tests for the rules the terminal app relies on: totes on parcel picks, SSCC and drop location on pallet
// picks, the choice of the drop location, the pack station's close rule and who may use the pack station.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "domain/rules.hpp"
#include "wms/shared/gtin.hpp"

using namespace wms::domain;
using wms::proto::Status;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Task task(std::string drop = {}) {
  Task t;
  t.id = 7;
  t.wave = 2;
  t.order = 5;
  t.line = 1;
  t.sku = "SKU-1";
  t.location = "B01-01-1";
  t.qty = 10;
  t.status = "claimed";
  t.claimed_by = "dev-1";
  t.drop_location = std::move(drop);
  return t;
}

PickScan scan(std::string mode) {
  PickScan s;
  s.location = "B01-01-1";
  s.sku = "SKU-1";
  s.location_scan = "LOC-B01-01-1";
  s.product_scan = "04006380010000";
  s.qty = 10;
  s.device = "dev-1";
  s.mode = std::move(mode);
  return s;
}

PickScan pallet_scan(std::string drop_code = "STAGE-1") {
  PickScan s = scan("pallet");
  s.drop_scan = "LOC-" + drop_code;
  s.drop = drop_code;
  return s;
}

std::string sscc_with_check(const std::string& seventeen) {
  return seventeen + *wms::gtin::compute_check_digit(seventeen);
}

Location loc(std::string code, std::string kind, std::uint32_t walk) {
  Location l;
  l.code = std::move(code);
  l.kind = std::move(kind);
  l.walk_seq = walk;
  l.barcode = "LOC-" + l.code;
  return l;
}

Order order_with_picks(std::int64_t picked) {
  Order o;
  o.id = 5;
  o.ref = "SO-9";
  o.status = "confirmed";
  OrderLine l;
  l.line = 1;
  l.sku = "SKU-1";
  l.ordered = 10;
  l.picked = picked;
  o.lines.push_back(l);
  return o;
}

}  // namespace

// ---- tote labels and SSCCs ---------------------------------------------------------------------

TEST_CASE("terminal rules: a tote label is TOTE- and 1 to 12 letters or digits", "[rules][tote]") {
  for (const char* good : {"TOTE-1", "TOTE-A", "TOTE-a7", "TOTE-123456789012", "TOTE-ABCdef123456"}) {
    INFO(good);
    CHECK(is_tote_label(good));
  }
  for (const char* bad : {"", "TOTE-", "TOTE", "tote-1", "TOTE-1234567890123", "TOTE-12 3", "TOTE--1", "TOTE-1_2",
                          "BIN-1", " TOTE-1", "TOTE-1\n", "TOTE-\xc3\xa9"}) {
    INFO(bad);
    CHECK_FALSE(is_tote_label(bad));
  }
}

TEST_CASE("terminal rules: an SSCC is 18 digits ending in the GS1 mod-10 check digit", "[rules][sscc]") {
  // The GS1 General Specifications' example SSCC 1 0614141 123456789 check digit 0.
  CHECK(is_sscc("106141411234567897"));
  CHECK(is_sscc(sscc_with_check("04006380000000001")));
  CHECK_FALSE(is_sscc("106141411234567890"));    // wrong check digit
  CHECK_FALSE(is_sscc("10614141123456789"));     // 17 digits
  CHECK_FALSE(is_sscc("0010614141123456789"));   // 19 digits
  CHECK_FALSE(is_sscc("00106141411234567897"));  // with the (00) application identifier
  CHECK_FALSE(is_sscc("10614141123456789X"));
  CHECK_FALSE(is_sscc(""));
}

// ---- drop location -----------------------------------------------------------------------------

TEST_CASE("terminal rules: pallets go to the first staging lane by walk sequence, else the first dock door",
          "[rules][drop]") {
  std::vector<Location> site = {loc("A01-01-A", "pick", 10),    loc("DOOR-2", "dock", 5),
                                loc("STAGE-2", "staging", 950), loc("STAGE-1", "staging", 900),
                                loc("DOOR-1", "dock", 910),     loc("B01-01-1", "bulk", 1)};
  CHECK(choose_drop_location(site) == std::optional<std::string>("STAGE-1"));
  std::vector<Location> docks_only = {loc("A01-01-A", "pick", 10), loc("DOOR-9", "dock", 20),
                                      loc("DOOR-3", "dock", 20)};
  CHECK(choose_drop_location(docks_only) == std::optional<std::string>("DOOR-3"));  // tie: by code
  CHECK_FALSE(choose_drop_location({loc("A01-01-A", "pick", 10), loc("B01-01-1", "bulk", 1)}).has_value());
  CHECK_FALSE(choose_drop_location({}).has_value());
}

// ---- pallet picks ------------------------------------------------------------------------------

TEST_CASE("terminal rules: a pallet pick dropped at the task's drop location is accepted, with or without SSCC",
          "[rules][pick][pallet]") {
  CHECK(check_pick(task("STAGE-1"), pallet_scan()).ok());
  PickScan s = pallet_scan();
  s.sscc = "106141411234567897";
  CHECK(check_pick(task("STAGE-1"), s).ok());
}

TEST_CASE("terminal rules: a pallet pick without a drop scan is wrong_location naming where to go",
          "[rules][pick][pallet]") {
  PickScan s = scan("pallet");
  const Verdict v = check_pick(task("STAGE-1"), s);
  CHECK(v.status == Status::wrong_location);
  CHECK(contains(v.message, "take the pallet to STAGE-1"));
}

TEST_CASE("terminal rules: a pallet dropped at another location is wrong_location naming both",
          "[rules][pick][pallet]") {
  const Verdict v = check_pick(task("STAGE-1"), pallet_scan("DOOR-1"));
  CHECK(v.status == Status::wrong_location);
  CHECK(v.message == "take the pallet to STAGE-1, you scanned DOOR-1");
}

TEST_CASE("terminal rules: a drop scan that is not a location barcode is unknown_barcode", "[rules][pick][pallet]") {
  PickScan s = pallet_scan();
  s.drop.reset();
  s.drop_scan = "04006380010000";
  const Verdict v = check_pick(task("STAGE-1"), s);
  CHECK(v.status == Status::unknown_barcode);
  CHECK(contains(v.message, "04006380010000"));
  CHECK(contains(v.message, "STAGE-1"));
}

TEST_CASE("terminal rules: a bad SSCC on a pallet pick is invalid, even when dropped right", "[rules][pick][pallet]") {
  for (const char* bad : {"106141411234567890", "1234", "ABCDEFGHIJKLMNOPQR", "00106141411234567897"}) {
    PickScan s = pallet_scan();
    s.sscc = bad;
    const Verdict v = check_pick(task("STAGE-1"), s);
    INFO(bad);
    CHECK(v.status == Status::invalid);
    CHECK(contains(v.message, bad));
  }
}

TEST_CASE("terminal rules: a pallet task picked onto one SSCC refuses another", "[rules][pick][pallet]") {
  Task t = task("STAGE-1");
  t.sscc = "106141411234567897";
  PickScan s = pallet_scan();
  s.sscc = sscc_with_check("04006380000000001");
  CHECK(check_pick(t, s).status == Status::conflict);
  s.sscc = t.sscc;
  CHECK(check_pick(t, s).ok());
  s.sscc.clear();
  CHECK(check_pick(t, s).ok());
}

TEST_CASE("terminal rules: a tote on a pallet pick, or a pallet field on a parcel pick, is invalid",
          "[rules][pick][pallet][tote]") {
  PickScan p = pallet_scan();
  p.tote = "TOTE-1";
  CHECK(check_pick(task("STAGE-1"), p).status == Status::invalid);
  PickScan q = scan("parcel");
  q.drop_scan = "LOC-STAGE-1";
  q.drop = "STAGE-1";
  CHECK(check_pick(task(), q).status == Status::invalid);
  PickScan r = scan("parcel");
  r.sscc = "106141411234567897";
  CHECK(check_pick(task(), r).status == Status::invalid);
}

TEST_CASE("terminal rules: a pallet task without a drop location cannot be confirmed", "[rules][pick][pallet]") {
  CHECK(check_pick(task(""), pallet_scan()).status == Status::invalid_state);
}

TEST_CASE("terminal rules: the scan checks still come first on a pallet pick", "[rules][pick][pallet]") {
  PickScan s = pallet_scan("DOOR-1");
  s.location = "A01-01-A";
  CHECK(check_pick(task("STAGE-1"), s).status == Status::wrong_location);
  CHECK(contains(check_pick(task("STAGE-1"), s).message, "B01-01-1"));
  s = pallet_scan("DOOR-1");
  s.qty = 11;
  CHECK(check_pick(task("STAGE-1"), s).status == Status::over_pick);
}

// ---- parcel picks and totes --------------------------------------------------------------------

TEST_CASE("terminal rules: a parcel pick needs no tote, and a good tote label is accepted", "[rules][pick][tote]") {
  CHECK(check_pick(task(), scan("parcel")).ok());
  CHECK(check_pick(task(), scan("")).ok());  // no mode reads as parcel
  PickScan s = scan("parcel");
  s.tote = "TOTE-12";
  CHECK(check_pick(task(), s).ok());
}

TEST_CASE("terminal rules: a tote that is not a tote label is invalid naming it", "[rules][pick][tote]") {
  PickScan s = scan("parcel");
  s.tote = "BOX-12";
  const Verdict v = check_pick(task(), s);
  CHECK(v.status == Status::invalid);
  CHECK(contains(v.message, "'BOX-12' is not a tote label"));
}

TEST_CASE("terminal rules: a task goes into one tote only", "[rules][pick][tote]") {
  Task t = task();
  t.tote = "TOTE-1";
  PickScan s = scan("parcel");
  s.tote = "TOTE-2";
  const Verdict v = check_pick(t, s);
  CHECK(v.status == Status::conflict);
  CHECK(contains(v.message, "task 7 goes into TOTE-1"));
  s.tote = "TOTE-1";
  CHECK(check_pick(t, s).ok());
  s.tote.clear();
  CHECK(check_pick(t, s).ok());
}

TEST_CASE("terminal rules: a tote holding another order's unpacked goods is a conflict naming that order",
          "[rules][pick][tote]") {
  PickScan s = scan("parcel");
  s.tote = "TOTE-3";
  s.tote_holder = "SO-1001";
  const Verdict v = check_pick(task(), s);
  CHECK(v.status == Status::conflict);
  CHECK(contains(v.message, "TOTE-3"));
  CHECK(contains(v.message, "SO-1001"));
}

// ---- packing -----------------------------------------------------------------------------------

TEST_CASE("terminal rules: an order with picked goods, confirmed and not packed, can be packed", "[rules][pack]") {
  const Order o = order_with_picks(4);
  CHECK(holds_unpacked_picks(o));
  CHECK(check_pack_close(o, 1).ok());
  CHECK(check_pack_close(o, k_max_cartons).ok());
}

TEST_CASE("terminal rules: pack.close needs 1 to 10000 cartons", "[rules][pack]") {
  const Order o = order_with_picks(4);
  CHECK(check_pack_close(o, 0).status == Status::invalid);
  CHECK(contains(check_pack_close(o, 0).message, "got 0"));
  CHECK(check_pack_close(o, k_max_cartons + 1).status == Status::invalid);
}

TEST_CASE("terminal rules: nothing picked, already packed, cancelled or closed cannot be packed", "[rules][pack]") {
  const Order none = order_with_picks(0);
  CHECK(check_pack_close(none, 2).status == Status::invalid_state);
  CHECK(contains(check_pack_close(none, 2).message, "nothing picked"));
  CHECK_FALSE(holds_unpacked_picks(none));

  Order packed = order_with_picks(4);
  packed.packed_ms = 1700000000000;
  packed.cartons = 3;
  CHECK(check_pack_close(packed, 2).status == Status::invalid_state);
  CHECK(contains(check_pack_close(packed, 2).message, "already packed in 3"));
  CHECK_FALSE(holds_unpacked_picks(packed));

  for (const char* st : {"cancelled", "closed", "entered"}) {
    Order o = order_with_picks(4);
    o.status = st;
    INFO(st);
    CHECK(check_pack_close(o, 2).status == Status::invalid_state);
    CHECK(contains(check_pack_close(o, 2).message, st));
    CHECK_FALSE(holds_unpacked_picks(o));
  }
}

TEST_CASE("terminal rules: pickers, managers and admins use the pack station, forklift drivers do not",
          "[rules][roles][pack]") {
  for (const char* type : {"pack.contents", "pack.close"}) {
    INFO(type);
    CHECK(role_allows("picker", type));
    CHECK(role_allows("manager", type));
    CHECK(role_allows("admin", type));
    CHECK_FALSE(role_allows("forklift", type));
    CHECK_FALSE(role_allows("guest", type));
  }
  // Nothing else changed for the floor roles.
  CHECK(role_allows("forklift", "pick.confirm"));
  CHECK_FALSE(role_allows("picker", "order.show"));
}
