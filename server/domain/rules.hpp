// Pure business rules of the order-to-invoice spine: roles, pricing, allocation, pick checks (totes, SSCC,
// drop locations), wave planning, packing, invoicing. Values in, values/decisions out: no clock, no storage, no
// sockets, no globals.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"
#include "wms/proto/messages.hpp"
#include "wms/proto/wire.hpp"

namespace wms::domain {

// A decision that may be refused: status ok, or a code from the closed wire enum plus a sentence a
// person can act on ("bin A-03-2 holds 4, task asks 6").
struct Verdict {
  proto::Status status = proto::Status::ok;
  std::string message;
  bool ok() const { return status == proto::Status::ok; }
  static Verdict yes() { return {}; }
  static Verdict no(proto::Status s, std::string m) { return {s, std::move(m)}; }
};

// ---- roles -------------------------------------------------------------------------------------
bool is_role(std::string_view role);
// Whether `role` may send a request of `type`. Unknown types are refused (the front answers unknown_type first).
bool role_allows(std::string_view role, std::string_view type);
// The refusal for a role that may not send `type`, naming the roles that may: "role picker may not do 'import'
// (admin only)".
std::string role_refusal(std::string_view role, std::string_view type);

// ---- pricing -----------------------------------------------------------------------------------
// Price tiers give a discount off the list price: list 0 %, silver 3 %, gold 5 %, platinum 8 %.
std::optional<std::int32_t> tier_discount_bps(std::string_view tier);
// Unit price for an account tier, rounded half up to the minor unit.
std::int64_t unit_price_minor(std::int64_t list_minor, std::int32_t discount_bps);
// Payment terms text: "prepay" or "netN" (N = 0..365). Returns net days, prepay = 0.
std::optional<std::int32_t> parse_terms(std::string_view terms);

// Stock in pick faces and bulk locations is allocated to orders; staging lanes and dock doors hold goods in transit
// (a receipt waiting for putaway, a pallet waiting for its truck) until they are moved.
bool allocatable_kind(std::string_view kind);

// ---- allocation --------------------------------------------------------------------------------
struct Slot {
  std::string location;
  std::string kind;
  std::uint32_t walk_seq = 0;
  std::int64_t available = 0;
};
struct Take {
  std::string location;
  std::int64_t qty = 0;
};
// Reserves up to `qty` from `slots`: locations of the mode's preferred kind first (pick faces for parcel,
// bulk for pallet), then the other holding kind; within a kind lowest walk sequence first. Staging and dock
// locations never give stock. The sum of takes is min(qty, total available).
std::vector<Take> allocate(std::int64_t qty, std::vector<Slot> slots, std::string_view mode);

// ---- picking -----------------------------------------------------------------------------------
struct PickScan {
  std::optional<std::string> location;  // location code the scanned barcode resolved to (nullopt: unknown)
  std::optional<std::string> sku;       // sku the scanned product barcode resolved to
  std::string location_scan;            // raw text, for the message
  std::string product_scan;
  std::int64_t qty = 0;
  std::string device;
  // Per delivery mode; "" = not sent.
  std::string mode;                 // the task's order mode: pallet | parcel ("" reads as parcel)
  std::string tote;                 // parcel: tote label sent
  std::string tote_holder;          // ref of another order whose unpacked picks are in `tote` ("" = free)
  std::string sscc;                 // pallet: SSCC sent
  std::string drop_scan;            // pallet: raw drop scan
  std::optional<std::string> drop;  // location code drop_scan resolved to (nullopt: unknown or not sent)
};
// Checks a confirmation against its task; nothing changes unless this says ok. After the scan, product and
// quantity checks: parcel picks may name a tote (one per task, not shared with another order's unpacked
// goods); pallet picks must scan the task's drop location and may name a valid SSCC.
Verdict check_pick(const Task& task, const PickScan& scan);
// The tote a parcel task's units go into (empty = none given): a tote label, the task's own tote if it has one,
// and not a tote that holds another order's unpacked goods (`tote_holder`: that order's ref, else empty).
Verdict check_tote(const Task& task, std::string_view mode, const std::string& tote, const std::string& tote_holder);
// "TOTE-" followed by 1 to 12 ASCII letters or digits.
bool is_tote_label(std::string_view s);
// Serial Shipping Container Code: 18 digits, the last one the GS1 mod-10 check digit (GS1 General
// Specifications 2.2.1 / 7.9, the same algorithm as GTIN). The AI "(00)" prefix is not part of it.
bool is_sscc(std::string_view s);
// Where pallet picks are taken: the first staging lane by walk sequence (then code), else the first dock
// door the same way; nullopt when the site has neither.
std::optional<std::string> choose_drop_location(const std::vector<Location>& locations);

// ---- packing -----------------------------------------------------------------------------------
inline constexpr std::uint32_t k_max_cartons = 10000;
// Whether an order's picks still sit in its totes waiting to be packed (so a tote cannot take another order).
bool holds_unpacked_picks(const Order& o);
// pack.close: cartons 1..k_max_cartons; the order confirmed, with units picked, not packed yet.
Verdict check_pack_close(const Order& o, std::uint32_t cartons);
// Checks a short-pick report: qty_found in 0..remaining-1 (a full quantity is a confirm, not a short).
Verdict check_short(const Task& task, std::int64_t qty_found, std::string_view reason, std::string_view device);
// A pallet's label and its drop at the task's lane: `sscc` optional (18 digits, GS1 check digit, the task's own if it
// has one), `drop_scan` required and resolving (`drop`) to the task's drop location.
Verdict check_drop(const Task& task, const std::string& sscc, const std::string& drop_scan,
                   const std::optional<std::string>& drop);
// The pallet part of a short pick: a pallet task's units found (qty_found > 0) go to its lane like a pick
// (check_drop); with nothing found, or on a parcel task, there is no SSCC and no drop scan.
Verdict check_short_drop(const Task& task, std::string_view mode, std::int64_t qty_found, const std::string& sscc,
                         const std::string& drop_scan, const std::optional<std::string>& drop);
bool is_short_reason(std::string_view reason);

// ---- waves -------------------------------------------------------------------------------------
struct PlannedPick {
  std::uint64_t order = 0;
  std::uint32_t line = 0;
  std::size_t alloc_index = 0;
  std::string sku;
  std::string location;
  std::uint32_t walk_seq = 0;
  std::int64_t qty = 0;
};
// Orders the picks of a wave along the walk: walk sequence, then location, then order and line.
void order_by_walk(std::vector<PlannedPick>& picks);

// ---- invoicing ---------------------------------------------------------------------------------
struct ShipLine {
  std::uint32_t line = 0;
  std::string sku;
  std::string description;
  std::int64_t qty = 0;
  std::int64_t unit_price_minor = 0;
  std::int32_t tax_bps = 0;
};
// The most one order (and so one invoice) may be worth, tax included: 10^15 minor units (10^13 in the currency).
// Quantities up to 10^9 and prices up to 10^10 are accepted on their own; their product, its tax and the sum
// over 10,000 lines would not fit 64-bit integers. Such an order is refused when it is confirmed.
inline constexpr std::int64_t k_max_order_value_minor = 1'000'000'000'000'000;
// Net + tax of `lines` (tax per line, half up), or nullopt when above k_max_order_value_minor.
std::optional<std::int64_t> value_minor(const std::vector<ShipLine>& lines);
// Builds the invoice lines and totals for exactly the shipped quantities. Tax per line, half up.
// Number, dates and parties are filled in by the caller. Throws std::overflow_error when value_minor has none.
proto::InvoiceView make_invoice(const std::vector<ShipLine>& lines);
std::int64_t tax_minor(std::int64_t net_minor, std::int32_t tax_bps);
// Days since 1970-01-01 (UTC) <-> "YYYY-MM-DD".
std::string civil_date(std::int64_t days_since_epoch);
std::int64_t day_of_ms(std::int64_t unix_ms);

}  // namespace wms::domain
