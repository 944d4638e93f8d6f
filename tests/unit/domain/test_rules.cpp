// Unit tests for wms::domain rules: roles, pricing, payment terms, allocation (with a property loop and a
// differential check against a naive reference allocator), pick/short checks, walk order, invoicing, dates.
#include <catch2/catch.hpp>

#include "domain/rules.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace wms::domain;
using wms::proto::Status;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Task claimed_task() {
  Task t;
  t.id = 42;
  t.wave = 3;
  t.order = 7;
  t.line = 1;
  t.sku = "SKU-1";
  t.location = "A-03-2";
  t.walk_seq = 30;
  t.qty = 6;
  t.picked = 2;  // 4 left
  t.status = "claimed";
  t.claimed_by = "dev-1";
  return t;
}

PickScan good_scan(std::int64_t qty) {
  PickScan s;
  s.location = "A-03-2";
  s.sku = "SKU-1";
  s.location_scan = "A-03-2";
  s.product_scan = "04006381333931";
  s.qty = qty;
  s.device = "dev-1";
  return s;
}

Slot slot(std::string location, std::string kind, std::uint32_t walk, std::int64_t available) {
  return Slot{std::move(location), std::move(kind), walk, available};
}

std::vector<std::pair<std::string, std::int64_t>> as_pairs(const std::vector<Take>& takes) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& t : takes) out.emplace_back(t.location, t.qty);
  return out;
}

// Deliberately naive reference for allocate(): rank by kind, sort by (rank, walk_seq, location), greedy.
std::vector<std::pair<std::string, std::int64_t>> reference_allocate(std::int64_t qty, std::vector<Slot> slots,
                                                                     const std::string& mode) {
  const std::string preferred = mode == "pallet" ? "bulk" : "pick";
  auto rank = [&](const Slot& s) {
    if (s.kind == preferred) return 0;
    if (s.kind == "pick" || s.kind == "bulk") return 1;
    return 2;
  };
  std::vector<std::tuple<int, std::uint32_t, std::string, std::int64_t>> keyed;
  for (const auto& s : slots) keyed.emplace_back(rank(s), s.walk_seq, s.location, s.available);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::pair<std::string, std::int64_t>> out;
  std::int64_t left = qty;
  for (const auto& [r, walk, loc, avail] : keyed) {
    (void)walk;
    if (left <= 0) break;
    if (r == 2 || avail <= 0) continue;
    const std::int64_t n = avail < left ? avail : left;
    out.emplace_back(loc, n);
    left -= n;
  }
  return out;
}

}  // namespace

// ---- roles ---------------------------------------------------------------------------------------

TEST_CASE("rules: the four roles are picker, forklift, manager and admin", "[rules][roles]") {
  CHECK(is_role("picker"));
  CHECK(is_role("forklift"));
  CHECK(is_role("manager"));
  CHECK(is_role("admin"));
  CHECK_FALSE(is_role(""));
  CHECK_FALSE(is_role("Admin"));
  CHECK_FALSE(is_role("supervisor"));
}

TEST_CASE("rules: a picker may confirm picks but not release a wave or import stock", "[rules][roles]") {
  for (const char* role : {"picker", "forklift"}) {
    INFO("role " << role);
    for (const char* type : {"hello", "login", "logout", "ping", "snapshot", "task.claim", "pick.confirm",
                             "pick.short", "tasks"})
      CHECK(role_allows(role, type));
    for (const char* type : {"wave.release", "wave.create", "import", "order.create", "order.confirm", "dispatch",
                             "receive", "adjust", "stock", "invoices", "user.add", "backup", "audit", "task.unclaim",
                             "products", "locations", "accounts", "users"})
      CHECK_FALSE(role_allows(role, type));
  }
}

TEST_CASE("rules: a manager runs the office but may not import, add users, back up or read the audit",
          "[rules][roles]") {
  for (const char* type : {"pick.confirm", "tasks",    "orders",    "order.show",  "order.create", "order.confirm",
                           "order.cancel", "allocate", "waves",     "wave.create", "wave.release", "dispatch",
                           "receive",      "adjust",   "stock",     "exceptions",  "invoices",     "invoice.show",
                           "task.unclaim", "products", "locations", "accounts"})
    CHECK(role_allows("manager", type));
  for (const char* type : {"import", "user.add", "backup", "audit", "users"}) CHECK_FALSE(role_allows("manager", type));
}

TEST_CASE("rules: an admin may do everything a manager may plus import, user.add, backup and audit",
          "[rules][roles]") {
  for (const char* type :
       {"pick.confirm", "wave.release", "dispatch", "import", "user.add", "backup", "audit", "users", "products"})
    CHECK(role_allows("admin", type));
}

TEST_CASE("rules: a role refusal names the roles that may", "[rules][roles]") {
  CHECK(role_refusal("picker", "import") == "role picker may not do 'import' (admin only)");
  CHECK(role_refusal("forklift", "pack.close") ==
        "role forklift may not do 'pack.close' (only picker, manager or admin)");
  CHECK(role_refusal("picker", "wave.release") == "role picker may not do 'wave.release' (only manager or admin)");
  CHECK(role_refusal("picker", "launch") == "role picker may not do 'launch' (no role may)");
}

TEST_CASE("rules: unknown roles and unknown message types are refused", "[rules][roles]") {
  CHECK_FALSE(role_allows("guest", "hello"));
  CHECK_FALSE(role_allows("", "ping"));
  CHECK_FALSE(role_allows("admin", "frobnicate"));
  CHECK_FALSE(role_allows("admin", ""));
  CHECK_FALSE(role_allows("manager", "IMPORT"));
}

// ---- pricing -------------------------------------------------------------------------------------

TEST_CASE("rules: price tiers give 0, 3, 5 and 8 percent and nothing else is a tier", "[rules][pricing]") {
  CHECK(tier_discount_bps("list") == 0);
  CHECK(tier_discount_bps("silver") == 300);
  CHECK(tier_discount_bps("gold") == 500);
  CHECK(tier_discount_bps("platinum") == 800);
  CHECK_FALSE(tier_discount_bps("Gold").has_value());
  CHECK_FALSE(tier_discount_bps("").has_value());
  CHECK_FALSE(tier_discount_bps("diamond").has_value());
}

TEST_CASE("rules: the tier unit price is the list price less the discount, to the minor unit", "[rules][pricing]") {
  CHECK(unit_price_minor(795, 0) == 795);
  CHECK(unit_price_minor(795, 500) == 755);    // 755.25
  CHECK(unit_price_minor(795, 800) == 731);    // 731.40
  CHECK(unit_price_minor(795, 300) == 771);    // 771.15
  CHECK(unit_price_minor(10000, 300) == 9700);
  CHECK(unit_price_minor(1000, 800) == 920);
  CHECK(unit_price_minor(0, 800) == 0);
  CHECK(unit_price_minor(1, 300) == 1);        // 0.97
  CHECK(unit_price_minor(17, 300) == 16);      // 16.49
  CHECK(unit_price_minor(19, 500) == 18);      // 18.05
}

// rules.hpp documents the unit price as "rounded half up to the minor unit". 50 at 3 % is exactly 48.5,
// which rounds half up to 49; the implementation rounds the *discount* half up (1.5 -> 2) and returns 48.
TEST_CASE("rules: a tier unit price of exactly half a minor unit rounds half up", "[rules][pricing]") {
  CHECK(unit_price_minor(50, 300) == 49);    // 48.5
  CHECK(unit_price_minor(150, 300) == 146);  // 145.5
  CHECK(unit_price_minor(10, 500) == 10);    // 9.5
}

TEST_CASE("rules: payment terms are prepay or netN with N from 0 to 365", "[rules][pricing]") {
  CHECK(parse_terms("prepay") == 0);
  CHECK(parse_terms("net0") == 0);
  CHECK(parse_terms("net30") == 30);
  CHECK(parse_terms("net45") == 45);
  CHECK(parse_terms("net365") == 365);
  for (const char* bad : {"net366", "net400", "net", "net-1", "net+5", "net 30", "NET30", "Prepay", "", "net30days",
                          "30", "netx", "net99999999999999999999"}) {
    INFO("terms '" << bad << "'");
    CHECK_FALSE(parse_terms(bad).has_value());
  }
}

// ---- allocation ----------------------------------------------------------------------------------

TEST_CASE("rules: parcel allocation takes pick faces first, then bulk, each in walk order", "[rules][allocate]") {
  std::vector<Slot> slots = {slot("BULK-1", "bulk", 1, 100), slot("PF-B", "pick", 20, 3), slot("PF-A", "pick", 10, 4),
                             slot("BULK-2", "bulk", 5, 100)};
  CHECK(as_pairs(allocate(5, slots, "parcel")) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"PF-A", 4}, {"PF-B", 1}});
  CHECK(as_pairs(allocate(10, slots, "parcel")) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"PF-A", 4}, {"PF-B", 3}, {"BULK-1", 3}});
}

TEST_CASE("rules: pallet allocation takes bulk first, then pick faces", "[rules][allocate]") {
  std::vector<Slot> slots = {slot("PF-A", "pick", 1, 50), slot("BULK-2", "bulk", 9, 10), slot("BULK-1", "bulk", 8, 10)};
  CHECK(as_pairs(allocate(15, slots, "pallet")) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"BULK-1", 10}, {"BULK-2", 5}});
  CHECK(as_pairs(allocate(25, slots, "pallet")) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"BULK-1", 10}, {"BULK-2", 10}, {"PF-A", 5}});
}

TEST_CASE("rules: allocation breaks a walk-sequence tie by location code", "[rules][allocate]") {
  std::vector<Slot> slots = {slot("A-02", "pick", 7, 2), slot("A-01", "pick", 7, 2), slot("A-03", "pick", 7, 2)};
  CHECK(as_pairs(allocate(5, slots, "parcel")) ==
        std::vector<std::pair<std::string, std::int64_t>>{{"A-01", 2}, {"A-02", 2}, {"A-03", 1}});
}

TEST_CASE("rules: staging and dock locations never give stock, even when nothing else has any", "[rules][allocate]") {
  std::vector<Slot> slots = {slot("STAGE-1", "staging", 0, 100), slot("DOCK-1", "dock", 0, 100),
                             slot("PF-A", "pick", 50, 2)};
  CHECK(as_pairs(allocate(10, slots, "parcel")) == std::vector<std::pair<std::string, std::int64_t>>{{"PF-A", 2}});
  CHECK(as_pairs(allocate(10, slots, "pallet")) == std::vector<std::pair<std::string, std::int64_t>>{{"PF-A", 2}});
  CHECK(allocate(10, {slot("STAGE-1", "staging", 0, 100), slot("DOCK-1", "dock", 0, 100)}, "parcel").empty());
}

TEST_CASE("rules: allocation skips empty slots and gives what there is when short", "[rules][allocate]") {
  std::vector<Slot> slots = {slot("PF-A", "pick", 1, 0), slot("PF-B", "pick", 2, -3), slot("BULK-1", "bulk", 3, 4)};
  CHECK(as_pairs(allocate(9, slots, "parcel")) == std::vector<std::pair<std::string, std::int64_t>>{{"BULK-1", 4}});
  CHECK(allocate(9, {}, "parcel").empty());
}

TEST_CASE("rules: allocating zero or a negative quantity takes nothing", "[rules][allocate]") {
  std::vector<Slot> slots = {slot("PF-A", "pick", 1, 10)};
  CHECK(allocate(0, slots, "parcel").empty());
  CHECK(allocate(-5, slots, "parcel").empty());
}

TEST_CASE("rules: allocate property - takes respect availability, skip staging/dock and match a naive reference",
          "[rules][allocate][property]") {
  std::mt19937 rng(20240229u);
  const std::vector<std::string> kinds = {"pick", "bulk", "staging", "dock"};
  auto pick_int = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int mismatches = 0, violations = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    const int n = pick_int(0, 10);
    std::vector<Slot> slots;
    std::vector<int> names(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) names[static_cast<std::size_t>(i)] = i;
    std::shuffle(names.begin(), names.end(), rng);
    for (int i = 0; i < n; ++i) {
      Slot s;
      s.location = "L" + std::to_string(names[static_cast<std::size_t>(i)]);
      s.kind = kinds[static_cast<std::size_t>(pick_int(0, 3))];
      s.walk_seq = static_cast<std::uint32_t>(pick_int(0, 4));  // small range: plenty of ties
      s.available = pick_int(0, 3) == 0 ? 0 : pick_int(1, 20);
      slots.push_back(s);
    }
    const std::int64_t qty = pick_int(0, 80);
    const std::string mode = pick_int(0, 1) ? "pallet" : "parcel";

    const auto takes = allocate(qty, slots, mode);
    std::int64_t total_allocatable = 0;
    for (const auto& s : slots)
      if ((s.kind == "pick" || s.kind == "bulk") && s.available > 0) total_allocatable += s.available;
    std::int64_t sum = 0;
    bool ok = true;
    std::vector<std::string> seen;
    for (const auto& t : takes) {
      sum += t.qty;
      auto it = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.location == t.location; });
      if (it == slots.end() || it->kind == "staging" || it->kind == "dock" || t.qty <= 0 || t.qty > it->available ||
          std::find(seen.begin(), seen.end(), t.location) != seen.end())
        ok = false;
      seen.push_back(t.location);
    }
    if (sum != std::min(qty, total_allocatable)) ok = false;
    if (!ok) {
      ++violations;
      if (violations <= 3) FAIL_CHECK("invariant broken at iteration " << iter << " qty " << qty << " mode " << mode);
    }
    if (as_pairs(takes) != reference_allocate(qty, slots, mode)) {
      ++mismatches;
      if (mismatches <= 3) FAIL_CHECK("differs from the reference at iteration " << iter);
    }
  }
  CHECK(violations == 0);
  CHECK(mismatches == 0);
}

// ---- picking -------------------------------------------------------------------------------------

TEST_CASE("rules: a pick of up to the remaining quantity at the right bin and product is accepted", "[rules][pick]") {
  const Task t = claimed_task();
  CHECK(check_pick(t, good_scan(1)).ok());
  CHECK(check_pick(t, good_scan(4)).ok());
  CHECK(check_pick(t, good_scan(4)).message.empty());
}

TEST_CASE("rules: scanning the wrong bin is refused as wrong_location naming both bins", "[rules][pick]") {
  PickScan s = good_scan(1);
  s.location = "B-01-1";
  s.location_scan = "B-01-1";
  const Verdict v = check_pick(claimed_task(), s);
  CHECK(v.status == Status::wrong_location);
  CHECK(contains(v.message, "B-01-1"));
  CHECK(contains(v.message, "A-03-2"));
}

TEST_CASE("rules: a location scan that resolves to nothing is unknown_barcode naming the scan and the bin",
          "[rules][pick]") {
  PickScan s = good_scan(1);
  s.location.reset();
  s.location_scan = "ZZ-NOT-A-BIN";
  const Verdict v = check_pick(claimed_task(), s);
  CHECK(v.status == Status::unknown_barcode);
  CHECK(contains(v.message, "ZZ-NOT-A-BIN"));
  CHECK(contains(v.message, "A-03-2"));
}

TEST_CASE("rules: a product scan that resolves to nothing is unknown_barcode naming the scan", "[rules][pick]") {
  PickScan s = good_scan(1);
  s.sku.reset();
  s.product_scan = "12345678";
  const Verdict v = check_pick(claimed_task(), s);
  CHECK(v.status == Status::unknown_barcode);
  CHECK(contains(v.message, "12345678"));
}

TEST_CASE("rules: scanning another product is refused as wrong_product naming both SKUs", "[rules][pick]") {
  PickScan s = good_scan(1);
  s.sku = "SKU-9";
  const Verdict v = check_pick(claimed_task(), s);
  CHECK(v.status == Status::wrong_product);
  CHECK(contains(v.message, "SKU-9"));
  CHECK(contains(v.message, "SKU-1"));
}

TEST_CASE("rules: confirming more than is left is over_pick naming what is left, the bin and the quantity",
          "[rules][pick]") {
  const Verdict v = check_pick(claimed_task(), good_scan(5));
  CHECK(v.status == Status::over_pick);
  CHECK(contains(v.message, "4 left"));
  CHECK(contains(v.message, "A-03-2"));
  CHECK(contains(v.message, "5"));
}

TEST_CASE("rules: a pick quantity of zero or below is invalid", "[rules][pick]") {
  const Verdict zero = check_pick(claimed_task(), good_scan(0));
  CHECK(zero.status == Status::invalid);
  CHECK(contains(zero.message, "got 0"));
  const Verdict negative = check_pick(claimed_task(), good_scan(-3));
  CHECK(negative.status == Status::invalid);
  CHECK(contains(negative.message, "got -3"));
}

TEST_CASE("rules: a task claimed by another device is a conflict naming that device", "[rules][pick]") {
  PickScan s = good_scan(1);
  s.device = "dev-2";
  const Verdict v = check_pick(claimed_task(), s);
  CHECK(v.status == Status::conflict);
  CHECK(contains(v.message, "dev-1"));
  CHECK(contains(v.message, "42"));
}

TEST_CASE("rules: a finished task (done, short, cancelled) cannot be picked again", "[rules][pick]") {
  for (const char* st : {"done", "short", "cancelled"}) {
    Task t = claimed_task();
    t.status = st;
    const Verdict v = check_pick(t, good_scan(1));
    INFO("status " << st);
    CHECK(v.status == Status::invalid_state);
    CHECK(contains(v.message, st));
    CHECK(contains(v.message, "42"));
  }
}

TEST_CASE("rules: a short pick needs a known reason and a found quantity below what is left", "[rules][pick]") {
  const Task t = claimed_task();  // 4 left
  for (const char* reason : {"empty", "damaged", "not_found"}) {
    CHECK(is_short_reason(reason));
    CHECK(check_short(t, 0, reason, "dev-1").ok());
    CHECK(check_short(t, 3, reason, "dev-1").ok());
  }
  CHECK_FALSE(is_short_reason("lost"));
  CHECK_FALSE(is_short_reason(""));

  const Verdict full = check_short(t, 4, "empty", "dev-1");
  CHECK(full.status == Status::invalid);
  CHECK(contains(full.message, "between 0 and 3"));
  CHECK(check_short(t, -1, "empty", "dev-1").status == Status::invalid);
  CHECK(check_short(t, 99, "empty", "dev-1").status == Status::invalid);

  const Verdict reason = check_short(t, 1, "lost", "dev-1");
  CHECK(reason.status == Status::invalid);
  CHECK(contains(reason.message, "'lost'"));

  CHECK(check_short(t, 1, "empty", "dev-2").status == Status::conflict);
  Task done = t;
  done.status = "done";
  CHECK(check_short(done, 1, "empty", "dev-1").status == Status::invalid_state);
}

// ---- waves ---------------------------------------------------------------------------------------

TEST_CASE("rules: wave picks are ordered by walk sequence, then location, then order and line", "[rules][wave]") {
  auto pp = [](std::uint64_t order, std::uint32_t line, std::string loc, std::uint32_t walk) {
    PlannedPick p;
    p.order = order;
    p.line = line;
    p.location = std::move(loc);
    p.walk_seq = walk;
    p.qty = 1;
    return p;
  };
  std::vector<PlannedPick> picks = {pp(2, 1, "C", 30), pp(1, 2, "B", 10), pp(1, 1, "B", 10), pp(3, 1, "A", 10),
                                    pp(1, 1, "Z", 5),  pp(2, 2, "B", 10), pp(1, 3, "D", 40)};
  order_by_walk(picks);
  std::vector<std::tuple<std::string, std::uint64_t, std::uint32_t>> got;
  for (const auto& p : picks) got.emplace_back(p.location, p.order, p.line);
  CHECK(got == std::vector<std::tuple<std::string, std::uint64_t, std::uint32_t>>{
                   {"Z", 1, 1}, {"A", 3, 1}, {"B", 1, 1}, {"B", 1, 2}, {"B", 2, 2}, {"C", 2, 1}, {"D", 1, 3}});
}

// ---- invoicing -----------------------------------------------------------------------------------

TEST_CASE("rules: an invoice of 3 x 7.95 at 20% tax is net 23.85, tax 4.77, total 28.62", "[rules][invoice]") {
  const auto inv = make_invoice({ShipLine{1, "SKU-1", "Widget", 3, 795, 2000}});
  CHECK(inv.net_minor == 2385);
  CHECK(inv.tax_minor == 477);
  CHECK(inv.total_minor == 2862);
  REQUIRE(inv.lines.size() == 1);
  const auto& l = inv.lines[0];
  CHECK(l.line == 1);
  CHECK(l.sku == "SKU-1");
  CHECK(l.description == "Widget");
  CHECK(l.qty == 3);
  CHECK(l.unit_price_minor == 795);
  CHECK(l.net_minor == 2385);
  CHECK(l.tax_bps == 2000);
  CHECK(l.tax_minor == 477);
}

TEST_CASE("rules: invoice tax is rounded per line and lines with nothing shipped are left out", "[rules][invoice]") {
  // Each line: 1 x 0.05 at 10 % = 0.005 tax -> 0.01 per line; 0.02 in all (not 0.01 on the 0.10 total).
  const auto inv = make_invoice({ShipLine{1, "A", "a", 1, 5, 1000}, ShipLine{2, "B", "b", 0, 999, 2000},
                                 ShipLine{3, "C", "c", 1, 5, 1000}, ShipLine{4, "D", "d", -2, 100, 2000}});
  REQUIRE(inv.lines.size() == 2);
  CHECK(inv.lines[0].line == 1);
  CHECK(inv.lines[1].line == 3);
  CHECK(inv.net_minor == 10);
  CHECK(inv.tax_minor == 2);
  CHECK(inv.total_minor == 12);
}

TEST_CASE("rules: an invoice with mixed tax rates sums lines exactly", "[rules][invoice]") {
  const auto inv = make_invoice({ShipLine{1, "A", "a", 2, 1999, 2000}, ShipLine{2, "B", "b", 5, 349, 750},
                                 ShipLine{3, "C", "c", 1, 12000, 0}});
  // 3998 @20% = 799.6 -> 800; 1745 @7.5% = 130.875 -> 131; 12000 @0% = 0
  CHECK(inv.net_minor == 3998 + 1745 + 12000);
  CHECK(inv.tax_minor == 800 + 131);
  CHECK(inv.total_minor == 17743 + 931);
  const auto empty = make_invoice({});
  CHECK(empty.lines.empty());
  CHECK(empty.net_minor == 0);
  CHECK(empty.tax_minor == 0);
  CHECK(empty.total_minor == 0);
}

TEST_CASE("rules: an order worth more than the money limit has no value and no invoice", "[rules][invoice]") {
  // 10^9 units at 99,999.99 is 10^16 minor units: above the 10^15 limit. In 64 bits x 20 % tax it overflowed
  // (the invoice said tax 1,553,253,926,290.45 instead of 19,999,998,000,000.00).
  const std::vector<ShipLine> big{ShipLine{1, "BIG", "Big item", 1'000'000'000, 9'999'999, 2000}};
  CHECK_FALSE(value_minor(big).has_value());
  CHECK_THROWS_AS(make_invoice(big), std::overflow_error);
  // The largest quantity and price the imports accept, and many lines just within it.
  CHECK_FALSE(value_minor({ShipLine{1, "X", "x", 1'000'000'000, 10'000'000'000, 10000}}).has_value());
  std::vector<ShipLine> many(10000, ShipLine{1, "M", "m", 1, 80'000'000'000, 2500});  // each 10^11 with tax
  CHECK(value_minor(many) == std::optional<std::int64_t>(k_max_order_value_minor));
  many.push_back(ShipLine{2, "M", "m", 1, 1, 0});
  CHECK_FALSE(value_minor(many).has_value());
  // At the limit the figures are exact: 8 * 10^14 net at 25 % is 2 * 10^14 tax.
  const auto edge = make_invoice({ShipLine{1, "E", "e", 8, 100'000'000'000'000, 2500}});
  CHECK(edge.net_minor == 800'000'000'000'000);
  CHECK(edge.tax_minor == 200'000'000'000'000);
  CHECK(edge.total_minor == k_max_order_value_minor);
  CHECK(unit_price_minor(9'000'000'000'000'000'000, 500) == 8'550'000'000'000'000'000);  // no overflow on the way
}

TEST_CASE("rules: tax rounds half up on exactly half a minor unit", "[rules][invoice]") {
  CHECK(tax_minor(2385, 2000) == 477);
  CHECK(tax_minor(5, 1000) == 1);    // 0.5
  CHECK(tax_minor(15, 1000) == 2);   // 1.5
  CHECK(tax_minor(25, 1000) == 3);   // 2.5
  CHECK(tax_minor(1, 5000) == 1);    // 0.5
  CHECK(tax_minor(4, 1000) == 0);    // 0.4
  CHECK(tax_minor(6, 1000) == 1);    // 0.6
  CHECK(tax_minor(14, 1000) == 1);   // 1.4
  CHECK(tax_minor(12345, 750) == 926);  // 925.875
  CHECK(tax_minor(12345, 0) == 0);
  CHECK(tax_minor(0, 2000) == 0);
  CHECK(tax_minor(100000000000LL, 2000) == 20000000000LL);
}

// ---- dates ---------------------------------------------------------------------------------------

TEST_CASE("rules: civil_date turns days since 1970 into YYYY-MM-DD, leap days included", "[rules][dates]") {
  CHECK(civil_date(0) == "1970-01-01");
  CHECK(civil_date(1) == "1970-01-02");
  CHECK(civil_date(-1) == "1969-12-31");
  CHECK(civil_date(19723) == "2024-01-01");
  CHECK(civil_date(19782) == "2024-02-29");
  CHECK(civil_date(19783) == "2024-03-01");
  CHECK(civil_date(11016) == "2000-02-29");
  CHECK(civil_date(47540) == "2100-02-28");
  CHECK(civil_date(47541) == "2100-03-01");  // 2100 is not a leap year
  CHECK(civil_date(24855) == "2038-01-19");
  CHECK(civil_date(-25508) == "1900-03-01");
}

TEST_CASE("rules: civil_date agrees with a day-by-day calendar from 1900 to 2100", "[rules][dates]") {
  auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = 1900, m = 1, d = 1;
  std::int64_t day = -25567;  // 1900-01-01
  int mismatches = 0;
  char buf[48];
  while (y < 2101) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    if (civil_date(day) != buf && ++mismatches <= 3) FAIL_CHECK("day " << day << " expected " << buf);
    ++day;
    const int len = (m == 2 && leap(y)) ? 29 : mdays[m - 1];
    if (++d > len) {
      d = 1;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("rules: day_of_ms floors towards minus infinity, also before 1970", "[rules][dates]") {
  CHECK(day_of_ms(0) == 0);
  CHECK(day_of_ms(86399999) == 0);
  CHECK(day_of_ms(86400000) == 1);
  CHECK(day_of_ms(1704067200000LL) == 19723);          // 2024-01-01T00:00:00Z
  CHECK(day_of_ms(1704067200000LL - 1) == 19722);
  CHECK(day_of_ms(-1) == -1);
  CHECK(day_of_ms(-86399999) == -1);
  CHECK(day_of_ms(-86400000) == -1);
  CHECK(day_of_ms(-86400001) == -2);
  CHECK(civil_date(day_of_ms(-1)) == "1969-12-31");
}
