// What the server keeps per table (msgpack maps by field name, so a field can be added in a later schema
// with a default: a record written before the field existed reads it as its default). Plain values: no LMDB,
// no sockets. Append-only records (exceptions, invoices, audit) reuse the wire views from protocol/ since they
// are written once and shown as stored.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "wms/proto/msgpack_map.hpp"

namespace wms::domain {

struct User {
  std::string code;
  std::string name;
  std::string role;
  std::string pin_hash;             // libsodium crypto_pwhash_str (Argon2id), never the PIN
  std::uint32_t failed_pins = 0;
  std::int64_t locked_until_ms = 0;
  WMS_MSGPACK_MAP(code, name, role, pin_hash, failed_pins, locked_until_ms)
};

struct Session {
  std::string user;
  std::string role;
  std::string device;               // a token works only from the device it was issued to
  std::int64_t created_ms = 0;
  WMS_MSGPACK_MAP(user, role, device, created_ms)
};

struct Product {
  std::string sku;
  std::string description;
  std::vector<std::string> barcodes;  // normalised GTIN-14
  std::string uom = "EA";
  std::int64_t units_per_case = 1;
  std::int64_t units_per_pallet = 1;
  std::int64_t weight_g = 0;
  std::int64_t cost_minor = 0;
  std::int64_t list_minor = 0;
  std::int32_t tax_bps = 0;         // 2000 = 20 %
  WMS_MSGPACK_MAP(sku, description, barcodes, uom, units_per_case, units_per_pallet, weight_g, cost_minor,
                     list_minor, tax_bps)
};

// Location kinds: only pick faces and bulk locations hold allocatable stock.
inline constexpr const char* k_kind_pick = "pick";
inline constexpr const char* k_kind_bulk = "bulk";
inline constexpr const char* k_kind_staging = "staging";
inline constexpr const char* k_kind_dock = "dock";

struct Location {
  std::string code;
  std::string warehouse, zone, aisle, bay, level, bin;
  std::uint32_t walk_seq = 0;
  std::string kind;
  std::string barcode;
  WMS_MSGPACK_MAP(code, warehouse, zone, aisle, bay, level, bin, walk_seq, kind, barcode)
};

// Invariant: 0 <= reserved <= on_hand.
struct StockRec {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  WMS_MSGPACK_MAP(on_hand, reserved)
};

// A bin (SKU at a location) that must be counted before it gives stock to orders again: a picker reported it short.
// Kept in table counts_due under the stock record's key until `stock.count` clears it.
struct CountDue {
  std::uint64_t exception = 0;  // the short pick's exception record
  std::string reason;           // empty | damaged | not_found
  std::string user;
  std::int64_t at_ms = 0;
  WMS_MSGPACK_MAP(exception, reason, user, at_ms)
};

struct Account {
  std::string code;
  std::string name;
  std::string price_tier = "list";
  std::string terms = "net30";      // netN or prepay
  std::int32_t net_days = 30;       // 0 for prepay
  std::string mode = "parcel";      // parcel | pallet
  WMS_MSGPACK_MAP(code, name, price_tier, terms, net_days, mode)
};

// Units reserved at one location for one order line; task = 0 until a wave turns it into a pick task.
struct Alloc {
  std::string location;
  std::int64_t qty = 0;
  std::uint64_t task = 0;
  WMS_MSGPACK_MAP(location, qty, task)
};

// Per line: ordered = allocated + picked + shipped + backordered + (units cancelled by a short dispatch: none)
struct OrderLine {
  std::uint32_t line = 0;
  std::string sku;
  std::int64_t ordered = 0;
  std::int64_t picked = 0;          // picked, not yet shipped
  std::int64_t shipped = 0;
  std::int64_t backordered = 0;
  std::int64_t price_minor = 0;     // locked at confirmation
  std::int32_t tax_bps = 0;
  std::vector<Alloc> allocs;
  std::int64_t allocated() const {
    std::int64_t s = 0;
    for (const auto& a : allocs) s += a.qty;
    return s;
  }
  WMS_MSGPACK_MAP(line, sku, ordered, picked, shipped, backordered, price_minor, tax_bps, allocs)
};

struct Order {
  std::uint64_t id = 0;
  std::string ref;
  std::string account;
  std::string status = "entered";   // entered | confirmed | cancelled | closed
  std::string mode;
  std::int64_t created_ms = 0;
  std::int64_t confirmed_ms = 0;
  std::uint64_t confirm_seq = 0;    // backorders are served in this order
  std::vector<OrderLine> lines;
  // Pack station. Invariant: packed_ms != 0 means every unit picked and not yet shipped is packed in `cartons`
  // cartons; a later pick clears it (pack again), a dispatch that leaves the order open clears it too.
  std::int64_t packed_ms = 0;
  std::uint32_t cartons = 0;
  std::vector<std::string> totes;  // totes holding picked, not yet shipped units (cleared by dispatch)
  std::int64_t picked_units() const {
    std::int64_t s = 0;
    for (const auto& l : lines) s += l.picked;
    return s;
  }
  WMS_MSGPACK_MAP(id, ref, account, status, mode, created_ms, confirmed_ms, confirm_seq, lines, packed_ms, cartons,
                     totes)
};

struct Wave {
  std::uint64_t id = 0;
  std::string mode;
  std::string status = "planned";   // planned | released | done
  std::vector<std::uint64_t> orders;
  std::vector<std::uint64_t> tasks;
  std::uint32_t left = 0;           // tasks not yet done/short/cancelled; the live count is in table wave_left
                                    // (a pick must not rewrite the task list), this copy as of the last save
  std::int64_t created_ms = 0;
  std::int64_t released_ms = 0;
  WMS_MSGPACK_MAP(id, mode, status, orders, tasks, left, created_ms, released_ms)
};

struct Task {
  std::uint64_t id = 0;
  std::uint64_t wave = 0;
  std::uint64_t order = 0;
  std::uint32_t line = 0;
  std::string sku;
  std::string location;
  std::uint32_t walk_seq = 0;
  std::int64_t qty = 0;
  std::int64_t picked = 0;
  std::string status = "open";      // open | claimed | done | short | cancelled
  std::string claimed_by;
  std::string drop_location;  // pallet: decided when the task is created (staging lane, else dock door)
  std::string tote;           // parcel: the one tote this task's units went into
  std::string sscc;           // pallet: the pallet picked
  bool finished() const { return status == "done" || status == "short" || status == "cancelled"; }
  WMS_MSGPACK_MAP(id, wave, order, line, sku, location, walk_seq, qty, picked, status, claimed_by, drop_location,
                     tote, sscc)
};

// First answer to an idempotency key, with what it answered (type + body hash) so reuse is detected.
struct IdemRec {
  std::string type;
  std::uint64_t body_hash = 0;
  std::uint32_t status = 0;
  std::string error;
  std::string body;                 // packed reply body
  WMS_MSGPACK_MAP(type, body_hash, status, error, body)
};

}  // namespace wms::domain
