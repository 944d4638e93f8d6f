// Implementation of the pure rules declared in rules.hpp.
#include "rules.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "wms/shared/decimal.hpp"
#include "wms/shared/gtin.hpp"

namespace wms::domain {

namespace {
__extension__ typedef __int128 i128;  // GCC's 128-bit integer (not ISO C++, hence __extension__)
}  // namespace

using proto::Status;

bool is_role(std::string_view role) {
  return role == "picker" || role == "forklift" || role == "manager" || role == "admin";
}

bool role_allows(std::string_view role, std::string_view type) {
  static constexpr std::array<std::string_view, 9> floor = {"hello",      "login",           "logout",
                                                             "ping",       "snapshot",        "task.claim",
                                                             "task.claim_next", "pick.confirm", "pick.short"};
  static constexpr std::array<std::string_view, 24> office = {
      "tasks",        "orders",   "order.show",  "order.create", "order.confirm", "order.cancel",
      "allocate",     "waves",    "wave.create", "wave.release", "task.unclaim",  "dispatch",
      "receive",      "adjust",   "move",        "stock",        "exceptions",    "invoices",
      "invoice.show", "products", "locations",   "accounts",     "devices",       "stock.count"};
  static constexpr std::array<std::string_view, 5> admin_only = {"import", "user.add", "backup", "audit", "users"};
  // The pack station: pickers pack what they picked; a forklift driver moves pallets and does not pack.
  static constexpr std::array<std::string_view, 2> pack = {"pack.contents", "pack.close"};
  auto in = [&](const auto& set) { return std::find(set.begin(), set.end(), type) != set.end(); };
  if (!is_role(role)) return false;
  if (in(floor)) return true;
  if (in(pack)) return role != "forklift";
  if (role == "picker" || role == "forklift") return type == "tasks";
  if (in(office)) return true;
  return role == "admin" && in(admin_only);
}

std::string role_refusal(std::string_view role, std::string_view type) {
  std::vector<std::string_view> may;
  for (std::string_view r : {"picker", "forklift", "manager", "admin"})
    if (role_allows(r, type)) may.push_back(r);
  std::string who;
  for (std::size_t i = 0; i < may.size(); ++i)
    who += std::string(i == 0 ? "" : i + 1 == may.size() ? " or " : ", ") + std::string(may[i]);
  return "role " + std::string(role) + " may not do '" + std::string(type) + "' (" +
         (may.size() == 1 ? who + " only"
          : who.empty()   ? "no role may"
                          : "only " + who) +
         ")";
}

std::optional<std::int32_t> tier_discount_bps(std::string_view tier) {
  if (tier == "list") return 0;
  if (tier == "silver") return 300;
  if (tier == "gold") return 500;
  if (tier == "platinum") return 800;
  return std::nullopt;
}

std::int64_t unit_price_minor(std::int64_t list_minor, std::int32_t discount_bps) {
  // In 128 bits: a price near the int64 limit times (10000 - discount) still fits, and the result is below the price.
  return static_cast<std::int64_t>((static_cast<i128>(list_minor) * (10000 - discount_bps) + 5000) / 10000);
}

std::optional<std::int32_t> parse_terms(std::string_view terms) {
  if (terms == "prepay") return 0;
  if (terms.size() < 4 || terms.substr(0, 3) != "net") return std::nullopt;
  auto n = decimal::parse_int(terms.substr(3));
  if (!n || *n < 0 || *n > 365) return std::nullopt;
  return static_cast<std::int32_t>(*n);
}

bool allocatable_kind(std::string_view kind) {
  return kind == k_kind_pick || kind == k_kind_bulk;
}

std::vector<Take> allocate(std::int64_t qty, std::vector<Slot> slots, std::string_view mode) {
  const std::string_view first = mode == "pallet" ? k_kind_bulk : k_kind_pick;
  auto rank = [&](const Slot& s) {
    if (s.kind == first) return 0;
    if (allocatable_kind(s.kind)) return 1;
    return 2;
  };
  std::sort(slots.begin(), slots.end(), [&](const Slot& a, const Slot& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.walk_seq != b.walk_seq) return a.walk_seq < b.walk_seq;
    return a.location < b.location;
  });
  std::vector<Take> takes;
  for (const auto& s : slots) {
    if (qty <= 0) break;
    if (rank(s) == 2 || s.available <= 0) continue;
    std::int64_t n = std::min(qty, s.available);
    takes.push_back({s.location, n});
    qty -= n;
  }
  return takes;
}

Verdict check_tote(const Task& task, std::string_view mode, const std::string& tote, const std::string& tote_holder) {
  if (tote.empty()) return Verdict::yes();
  const std::string id = std::to_string(task.id);
  if (mode == "pallet") return Verdict::no(Status::invalid, "task " + id + " is a pallet pick: totes are for parcels");
  if (!is_tote_label(tote))
    return Verdict::no(Status::invalid, "'" + tote + "' is not a tote label: scan the tote (TOTE- and 1-12 letters or digits)");
  if (!task.tote.empty() && task.tote != tote)
    return Verdict::no(Status::conflict, "task " + id + " goes into " + task.tote + ", not " + tote);
  if (!tote_holder.empty())
    return Verdict::no(Status::conflict, tote + " holds order " + tote_holder + ", not packed yet: use another tote");
  return Verdict::yes();
}

Verdict check_pick(const Task& task, const PickScan& scan) {
  if (task.finished()) return Verdict::no(Status::invalid_state, "task " + std::to_string(task.id) + " is already " + task.status);
  if (!task.claimed_by.empty() && task.claimed_by != scan.device)
    return Verdict::no(Status::conflict, "task " + std::to_string(task.id) + " is claimed by device " + task.claimed_by);
  if (!scan.location)
    return Verdict::no(Status::unknown_barcode, "'" + scan.location_scan + "' is not a location barcode; scan the bin label at " + task.location);
  if (*scan.location != task.location)
    return Verdict::no(Status::wrong_location, "wrong location: you scanned " + *scan.location + ", this pick is at " + task.location);
  if (!scan.sku)
    return Verdict::no(Status::unknown_barcode, "'" + scan.product_scan + "' is not a known product barcode");
  if (*scan.sku != task.sku)
    return Verdict::no(Status::wrong_product, "wrong product: you scanned " + *scan.sku + ", this pick is " + task.sku);
  if (scan.qty <= 0) return Verdict::no(Status::invalid, "quantity must be at least 1, got " + std::to_string(scan.qty));
  const std::int64_t left = task.qty - task.picked;
  if (scan.qty > left)
    return Verdict::no(Status::over_pick, "over-pick: " + std::to_string(left) + " left to pick at " + task.location +
                                              ", you confirmed " + std::to_string(scan.qty));
  const std::string id = std::to_string(task.id);
  if (scan.mode != "pallet") {
    if (!scan.sscc.empty() || !scan.drop_scan.empty())
      return Verdict::no(Status::invalid, "task " + id + " is a parcel pick: an SSCC or drop scan is only for pallets");
    return check_tote(task, scan.mode, scan.tote, scan.tote_holder);
  }
  if (auto v = check_tote(task, scan.mode, scan.tote, scan.tote_holder); !v.ok()) return v;
  return check_drop(task, scan.sscc, scan.drop_scan, scan.drop);
}

Verdict check_drop(const Task& task, const std::string& sscc, const std::string& drop_scan,
                   const std::optional<std::string>& drop) {
  const std::string id = std::to_string(task.id);
  if (!sscc.empty()) {
    if (!is_sscc(sscc))
      return Verdict::no(Status::invalid, "'" + sscc + "' is not an SSCC: 18 digits with a valid check digit");
    if (!task.sscc.empty() && task.sscc != sscc)
      return Verdict::no(Status::conflict, "task " + id + " is pallet " + task.sscc + ", not " + sscc);
  }
  if (task.drop_location.empty())
    return Verdict::no(Status::invalid_state,
                       "task " + id + " has no drop location: the site has no staging lane or dock door");
  if (drop_scan.empty())
    return Verdict::no(Status::wrong_location,
                       "take the pallet to " + task.drop_location + " and scan its label there");
  if (!drop)
    return Verdict::no(Status::unknown_barcode, "'" + drop_scan + "' is not a location barcode; take the pallet to " +
                                                    task.drop_location + " and scan its label");
  if (*drop != task.drop_location)
    return Verdict::no(Status::wrong_location, "take the pallet to " + task.drop_location + ", you scanned " + *drop);
  return Verdict::yes();
}

bool is_tote_label(std::string_view s) {
  constexpr std::string_view prefix = "TOTE-";
  if (s.size() <= prefix.size() || s.size() > prefix.size() + 12 || s.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(s.begin() + prefix.size(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); });
}

bool is_sscc(std::string_view s) {
  return s.size() == 18 && gtin::check_digit_ok(s);
}

std::optional<std::string> choose_drop_location(const std::vector<Location>& locations) {
  const Location* best = nullptr;
  auto rank = [](const Location& l) { return l.kind == k_kind_staging ? 0 : 1; };
  for (const auto& l : locations) {
    if (l.kind != k_kind_staging && l.kind != k_kind_dock) continue;
    if (!best || std::tuple(rank(l), l.walk_seq, l.code) < std::tuple(rank(*best), best->walk_seq, best->code))
      best = &l;
  }
  if (!best) return std::nullopt;
  return best->code;
}

bool holds_unpacked_picks(const Order& o) {
  return o.status == "confirmed" && o.packed_ms == 0 && o.picked_units() > 0;
}

Verdict check_pack_close(const Order& o, std::uint32_t cartons) {
  if (cartons < 1 || cartons > k_max_cartons)
    return Verdict::no(Status::invalid,
                       "cartons must be 1 to " + std::to_string(k_max_cartons) + ", got " + std::to_string(cartons));
  if (o.status != "confirmed")
    return Verdict::no(Status::invalid_state, "order " + o.ref + " is " + o.status + ", nothing to pack");
  if (o.packed_ms != 0)
    return Verdict::no(Status::invalid_state,
                       "order " + o.ref + " is already packed in " + std::to_string(o.cartons) + " carton(s)");
  if (o.picked_units() == 0)
    return Verdict::no(Status::invalid_state, "order " + o.ref + " has nothing picked to pack");
  return Verdict::yes();
}

bool is_short_reason(std::string_view reason) {
  return reason == "empty" || reason == "damaged" || reason == "not_found";
}

Verdict check_short(const Task& task, std::int64_t qty_found, std::string_view reason, std::string_view device) {
  if (task.finished()) return Verdict::no(Status::invalid_state, "task " + std::to_string(task.id) + " is already " + task.status);
  if (!task.claimed_by.empty() && task.claimed_by != device)
    return Verdict::no(Status::conflict, "task " + std::to_string(task.id) + " is claimed by device " + task.claimed_by);
  if (!is_short_reason(reason))
    return Verdict::no(Status::invalid, "short-pick reason must be empty, damaged or not_found, got '" + std::string(reason) + "'");
  const std::int64_t left = task.qty - task.picked;
  if (qty_found < 0 || qty_found >= left)
    return Verdict::no(Status::invalid, "quantity found must be between 0 and " + std::to_string(left - 1) +
                                            " (the full " + std::to_string(left) + " is a normal confirm)");
  return Verdict::yes();
}

Verdict check_short_drop(const Task& task, std::string_view mode, std::int64_t qty_found, const std::string& sscc,
                         const std::string& drop_scan, const std::optional<std::string>& drop) {
  const std::string id = std::to_string(task.id);
  if (mode != "pallet") {
    if (!sscc.empty() || !drop_scan.empty())
      return Verdict::no(Status::invalid, "task " + id + " is a parcel pick: an SSCC or drop scan is only for pallets");
    return Verdict::yes();
  }
  if (qty_found == 0) {
    if (!sscc.empty() || !drop_scan.empty())
      return Verdict::no(Status::invalid,
                         "nothing was found, so no pallet goes to the lane: send the short pick "
                         "without an SSCC or drop scan");
    return Verdict::yes();
  }
  // The units found make a pallet like any pick: it goes to the task's lane, scanned there, maybe labelled.
  return check_drop(task, sscc, drop_scan, drop);
}

void order_by_walk(std::vector<PlannedPick>& picks) {
  std::sort(picks.begin(), picks.end(), [](const PlannedPick& a, const PlannedPick& b) {
    if (a.walk_seq != b.walk_seq) return a.walk_seq < b.walk_seq;
    if (a.location != b.location) return a.location < b.location;
    if (a.order != b.order) return a.order < b.order;
    return a.line < b.line;
  });
}

namespace {
i128 tax_wide(i128 net_minor, std::int32_t tax_bps) {
  const i128 p = net_minor * tax_bps;
  return p >= 0 ? (p + 5000) / 10000 : -((-p + 5000) / 10000);
}
}  // namespace

std::int64_t tax_minor(std::int64_t net_minor, std::int32_t tax_bps) {
  return static_cast<std::int64_t>(tax_wide(net_minor, tax_bps));  // within int64 for a net within the order limit
}

std::optional<std::int64_t> value_minor(const std::vector<ShipLine>& lines) {
  i128 total = 0;
  for (const auto& l : lines) {
    if (l.qty <= 0) continue;
    const i128 net = static_cast<i128>(l.qty) * l.unit_price_minor;  // < 2^126: no overflow
    if (net > k_max_order_value_minor || net < -k_max_order_value_minor) return std::nullopt;
    total += net + tax_wide(net, l.tax_bps);  // |net x bps| < 2^64: no overflow
    if (total > k_max_order_value_minor || total < -k_max_order_value_minor) return std::nullopt;
  }
  return static_cast<std::int64_t>(total);
}

proto::InvoiceView make_invoice(const std::vector<ShipLine>& lines) {
  if (!value_minor(lines)) throw std::overflow_error("invoice worth more than the order limit");
  proto::InvoiceView inv;
  for (const auto& l : lines) {
    if (l.qty <= 0) continue;
    proto::InvoiceLineView v;
    v.line = l.line;
    v.sku = l.sku;
    v.description = l.description;
    v.qty = l.qty;
    v.unit_price_minor = l.unit_price_minor;
    v.net_minor = l.qty * l.unit_price_minor;
    v.tax_bps = l.tax_bps;
    v.tax_minor = tax_minor(v.net_minor, l.tax_bps);
    inv.net_minor += v.net_minor;
    inv.tax_minor += v.tax_minor;
    inv.lines.push_back(std::move(v));
  }
  inv.total_minor = inv.net_minor + inv.tax_minor;
  return inv;
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar), public domain description.
std::string civil_date(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[72];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

std::int64_t day_of_ms(std::int64_t unix_ms) {
  std::int64_t d = unix_ms / 86400000;
  if (unix_ms < 0 && unix_ms % 86400000 != 0) --d;
  return d;
}

}  // namespace wms::domain
