// Request and reply bodies of protocol version 1, one struct per message, encoded as msgpack maps by field name
// (WMS_MSGPACK_MAP: msgpack-cxx's MSGPACK_DEFINE_MAP layout, faster to read) so fields can be added without
// breaking older peers. Each request names its type string, its required fields (a missing one is
// Status::bad_request) and whether it mutates (mutations need an idempotency key). protocol/PROTOCOL.md describes the same messages; change both together.
#pragma once
#include <array>
#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "msgpack_map.hpp"
#include "wire.hpp"

namespace wms::proto {

#define WMS_REQ(type_str, mutates, ...)                                          \
  static constexpr std::string_view k_type = type_str;                          \
  static constexpr bool k_mutates = mutates;                                    \
  static constexpr auto k_required = std::to_array<std::string_view>({__VA_ARGS__})
#define WMS_REQ0(type_str, mutates)                                              \
  static constexpr std::string_view k_type = type_str;                          \
  static constexpr bool k_mutates = mutates;                                    \
  static constexpr std::array<std::string_view, 0> k_required{}

// WMS_MSGPACK_MAP() cannot take zero fields: bodies without fields are packed as an empty map.
#define WMS_EMPTY_MAP                                                           \
  template <typename Packer>                                                    \
  void msgpack_pack(Packer& pk) const {                                         \
    pk.pack_map(0);                                                             \
  }                                                                             \
  void msgpack_unpack(const msgpack::object&) {}

struct Empty {
  WMS_EMPTY_MAP
};

// ---- session ---------------------------------------------------------------------------------
struct HelloReq {
  WMS_REQ0("hello", false);
  std::string client;
  WMS_MSGPACK_MAP(client)
};
struct HelloRep {
  std::string server;
  std::uint32_t version = 0;
  std::uint64_t seq = 0;            // last event sequence number
  std::uint32_t heartbeat_ms = 0;
  WMS_MSGPACK_MAP(server, version, seq, heartbeat_ms)
};

struct LoginReq {
  WMS_REQ("login", false, "user", "pin");  // not idempotent by key: every login is a new session
  std::string user;
  std::string pin;
  WMS_MSGPACK_MAP(user, pin)
};
struct LoginRep {
  std::string token;
  std::string user;
  std::string name;
  std::string role;                 // picker | forklift | manager | admin
  WMS_MSGPACK_MAP(token, user, name, role)
};
struct LogoutReq {
  WMS_REQ0("logout", false);
  WMS_EMPTY_MAP
};
struct PingReq {
  WMS_REQ0("ping", false);
  WMS_EMPTY_MAP
};
struct PingRep {  // also the body of the "hb" heartbeat event
  std::uint64_t seq = 0;
  std::uint64_t boot = 0;  // heartbeats: random per wmsd start (0 = not given); a device that sees it change takes a
                           // fresh snapshot, as the server may have restarted on a restored backup
  WMS_MSGPACK_MAP(seq, boot)
};

// ---- views (reply and event payloads) --------------------------------------------------------
struct TaskView {
  std::uint64_t id = 0;
  std::uint64_t wave = 0;
  std::string order_ref;
  std::uint32_t line = 0;
  std::string sku;
  std::string description;
  std::string gtin;                 // first barcode of the product (what the label shows)
  std::string location;
  std::string location_barcode;
  std::uint32_t walk_seq = 0;
  std::string mode;                 // parcel | pallet
  std::int64_t qty = 0;
  std::int64_t picked = 0;
  std::string status;               // open | claimed | done | short | cancelled
  std::string claimed_by;           // device id
  // Fields added after the first release carry "= {}" so positional aggregate initialisation that stops
  // before them stays -Wmissing-field-initializers clean; old peers simply do not send or read them.
  std::vector<std::string> barcodes = {};  // every barcode of the product as stored (GTIN-14): accept any locally
  std::string drop_location = {};  // pallet tasks: where the pallet goes (staging lane, else dock door); parcel ""
  std::string drop_barcode = {};   // the barcode label of drop_location
  std::string tote = {};           // parcel: tote label the goods went into, once picked ("" before)
  std::string sscc = {};           // pallet: SSCC of the pallet picked, once picked ("" before)
  WMS_MSGPACK_MAP(id, wave, order_ref, line, sku, description, gtin, location, location_barcode, walk_seq, mode, qty,
                     picked, status, claimed_by, barcodes, drop_location, drop_barcode, tote, sscc)
};

struct WaveView {
  std::uint64_t id = 0;
  std::string mode;
  std::string status;               // planned | released | done
  std::uint32_t orders = 0;
  std::uint32_t tasks = 0;
  std::uint32_t tasks_left = 0;
  std::int64_t created_ms = 0;
  WMS_MSGPACK_MAP(id, mode, status, orders, tasks, tasks_left, created_ms)
};

struct OrderLineView {
  std::uint32_t line = 0;
  std::string sku;
  std::int64_t ordered = 0;
  std::int64_t allocated = 0;       // reserved, not yet picked
  std::int64_t picked = 0;          // picked, not yet shipped
  std::int64_t shipped = 0;
  std::int64_t backordered = 0;
  std::int64_t price_minor = 0;     // unit price locked at confirmation (0 before)
  std::int32_t tax_bps = 0;
  WMS_MSGPACK_MAP(line, sku, ordered, allocated, picked, shipped, backordered, price_minor, tax_bps)
};

struct OrderView {
  std::uint64_t id = 0;
  std::string ref;
  std::string account;
  std::string status;               // entered | confirmed | cancelled | closed
  std::string mode;
  std::int64_t created_ms = 0;
  std::int64_t confirmed_ms = 0;
  std::vector<OrderLineView> lines;
  std::int64_t packed_ms = 0;  // pack.close time of the goods picked now; 0 = not packed
  std::uint32_t cartons = 0;   // cartons given at pack.close (0 = not packed)
  std::int64_t ordered_units = 0;  // sums over the lines: a confirmed order with 0 < shipped < ordered is part shipped
  std::int64_t shipped_units = 0;
  WMS_MSGPACK_MAP(id, ref, account, status, mode, created_ms, confirmed_ms, lines, packed_ms, cartons, ordered_units,
                  shipped_units)
};

struct StockView {
  std::string sku;
  std::string location;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t available = 0;
  bool count_due = false;  // a short pick was reported here: no order is given stock from it until it is counted
  WMS_MSGPACK_MAP(sku, location, on_hand, reserved, available, count_due)
};

struct ExceptionView {
  std::uint64_t id = 0;
  std::string kind;                 // short_pick
  std::string order_ref;
  std::uint64_t task = 0;
  std::string sku;
  std::string location;
  std::int64_t qty_missing = 0;
  std::string reason;
  std::string outcome;              // reallocated | backordered | partly_reallocated
  std::string user;
  std::string device;
  std::int64_t at_ms = 0;
  std::int64_t qty_cleared = 0;  // reason empty: further units the bin was counted with, written off too
  WMS_MSGPACK_MAP(id, kind, order_ref, task, sku, location, qty_missing, reason, outcome, user, device, at_ms,
                  qty_cleared)
};

struct InvoiceLineView {
  std::uint32_t line = 0;
  std::string sku;
  std::string description;
  std::int64_t qty = 0;
  std::int64_t unit_price_minor = 0;
  std::int64_t net_minor = 0;
  std::int32_t tax_bps = 0;
  std::int64_t tax_minor = 0;
  WMS_MSGPACK_MAP(line, sku, description, qty, unit_price_minor, net_minor, tax_bps, tax_minor)
};

struct InvoiceView {
  std::uint64_t number = 0;
  std::string order_ref;
  std::string account;
  std::string issue_date;           // YYYY-MM-DD (UTC)
  std::string due_date;
  std::string terms;
  std::int64_t net_minor = 0;
  std::int64_t tax_minor = 0;
  std::int64_t total_minor = 0;
  std::vector<InvoiceLineView> lines;
  std::string account_name;  // the customer's name when the invoice was issued
  std::string currency;      // ISO 4217 code of every amount (the site's, wmsd --currency); "" before 2026-11-24
  WMS_MSGPACK_MAP(number, order_ref, account, issue_date, due_date, terms, net_minor, tax_minor, total_minor, lines,
                  account_name, currency)
};

struct AuditView {
  std::uint64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string user;
  std::string device;
  std::string type;
  std::string detail;
  WMS_MSGPACK_MAP(seq, at_ms, user, device, type, detail)
};

// ---- the Clone pattern: snapshot then updates --------------------------------------------------
struct SnapshotReq {
  WMS_REQ0("snapshot", false);
  WMS_EMPTY_MAP
};
struct SnapshotRep {
  std::uint64_t seq = 0;            // valid at this event sequence: apply only events with a higher seq
  std::vector<TaskView> tasks;      // open and claimed tasks of released waves
  std::vector<WaveView> waves;      // released waves
  WMS_MSGPACK_MAP(seq, tasks, waves)
};

// ---- back office -----------------------------------------------------------------------------
struct ImportReq {
  WMS_REQ("import", true, "kind", "csv");
  std::string kind;                 // products | locations | stock | accounts | orders | users
  std::string csv;
  WMS_MSGPACK_MAP(kind, csv)
};
struct RowError {
  std::uint32_t line = 0;
  std::string column;
  std::string message;
  WMS_MSGPACK_MAP(line, column, message)
};
struct ImportRep {
  std::uint32_t rows = 0;
  std::vector<RowError> errors;     // non-empty only with Status::import_failed
  std::uint32_t created = 0;        // products, locations, accounts, users: rows that made a new record,
  std::uint32_t updated = 0;        // rows that changed an existing one (users: every existing one, PIN reset)
  std::uint32_t unchanged = 0;      // and rows equal to what was stored (created + updated + unchanged = rows)
  WMS_MSGPACK_MAP(rows, errors, created, updated, unchanged)
};

struct UserAddReq {
  WMS_REQ("user.add", true, "code", "role", "pin");
  std::string code;
  std::string name;
  std::string role;
  std::string pin;
  WMS_MSGPACK_MAP(code, name, role, pin)
};

struct OrderLineReq {
  std::string sku;
  std::int64_t qty = 0;
  WMS_MSGPACK_MAP(sku, qty)
};
struct OrderCreateReq {
  WMS_REQ("order.create", true, "ref", "account", "lines");
  std::string ref;
  std::string account;
  std::vector<OrderLineReq> lines;
  WMS_MSGPACK_MAP(ref, account, lines)
};
struct OrderRefReq {              // order.confirm, order.cancel, order.show, dispatch
  std::string ref;
  WMS_MSGPACK_MAP(ref)
};
struct OrderConfirmReq : OrderRefReq { WMS_REQ("order.confirm", true, "ref"); };
struct OrderCancelReq : OrderRefReq { WMS_REQ("order.cancel", true, "ref"); };
struct OrderShowReq : OrderRefReq { WMS_REQ("order.show", false, "ref"); };
struct DispatchReq : OrderRefReq { WMS_REQ("dispatch", true, "ref"); };

// Lists keyed by a number (orders, waves, tasks, exceptions, invoices) come in pages, in number order: `after`
// the last number of the previous page (0 = from the first), at most `limit` (1 to k_max_list_items) items;
// `more` says the limit stopped the list.
struct OrdersReq {
  WMS_REQ0("orders", false);
  std::string status;               // filter, empty = all
  std::uint64_t after = 0;          // order id
  std::uint32_t limit = static_cast<std::uint32_t>(k_max_list_items);
  WMS_MSGPACK_MAP(status, after, limit)
};
struct OrdersRep {
  std::vector<OrderView> orders;
  bool more = false;
  WMS_MSGPACK_MAP(orders, more)
};
struct AllocateReq {              // retry backorders against available stock
  WMS_REQ0("allocate", true);
  WMS_EMPTY_MAP
};
struct AllocateRep {
  std::int64_t units = 0;
  std::uint32_t lines = 0;
  std::uint32_t count_due_bins = 0;  // bins waiting for a count, whose units no backorder was given
  WMS_MSGPACK_MAP(units, lines, count_due_bins)
};

struct DispatchRep {
  InvoiceView invoice;
  std::int64_t backordered = 0;     // units of the order left on backorder
  WMS_MSGPACK_MAP(invoice, backordered)
};

struct WaveCreateReq {
  WMS_REQ("wave.create", true, "mode");
  std::string mode;                 // parcel | pallet
  std::uint32_t max_orders = 0;     // 0 = no limit
  WMS_MSGPACK_MAP(mode, max_orders)
};
struct WaveIdReq {
  std::uint64_t wave = 0;
  WMS_MSGPACK_MAP(wave)
};
struct WaveReleaseReq : WaveIdReq { WMS_REQ("wave.release", true, "wave"); };
struct WavesReq {
  WMS_REQ0("waves", false);
  std::uint64_t after = 0;  // wave id
  std::uint32_t limit = static_cast<std::uint32_t>(k_max_list_items);
  WMS_MSGPACK_MAP(after, limit)
};
struct WavesRep {
  std::vector<WaveView> waves;
  bool more = false;
  WMS_MSGPACK_MAP(waves, more)
};

struct TasksReq {
  WMS_REQ0("tasks", false);
  std::uint64_t wave = 0;           // 0 = all waves
  std::string status;
  std::uint64_t after = 0;  // task id
  std::uint32_t limit = static_cast<std::uint32_t>(k_max_list_items);
  WMS_MSGPACK_MAP(wave, status, after, limit)
};
struct TasksRep {
  std::vector<TaskView> tasks;
  bool more = false;
  WMS_MSGPACK_MAP(tasks, more)
};

struct TaskClaimReq {
  WMS_REQ("task.claim", true, "task");
  std::uint64_t task = 0;
  WMS_MSGPACK_MAP(task)
};

// The server picks the work: the next unclaimed tasks of released waves of `mode`, `wave` first if given (0 =
// none), then oldest wave first, each wave in walk order. Devices that ask together never get the same task.
struct TaskClaimNextReq {
  WMS_REQ("task.claim_next", true, "mode", "count");
  std::string mode;                 // parcel | pallet
  std::uint32_t count = 1;          // 1..k_max_claim_next
  std::uint64_t wave = 0;           // preferred wave (the one the device is working), 0 = none
  std::vector<std::uint64_t> skip;  // tasks not to hand out to this device (freed from it); at most k_max_claim_skip
  WMS_MSGPACK_MAP(mode, count, wave, skip)
};
inline constexpr std::uint32_t k_max_claim_next = 50;
inline constexpr std::size_t k_max_claim_skip = 200;
struct TaskClaimNextRep {
  std::vector<TaskView> tasks;      // claimed by this device now, in the order to walk them; empty = no work
  WMS_MSGPACK_MAP(tasks)
};

// A manager frees tasks a device holds (a handheld broken, flat or gone home): the claim is dropped, what was
// picked stays picked, and the tasks go back to task.claim_next for any device. Give `task` or `device`.
struct TaskUnclaimReq {
  WMS_REQ0("task.unclaim", true);
  std::uint64_t task = 0;  // this task (0 = none)
  std::string device;      // every open task this device holds
  WMS_MSGPACK_MAP(task, device)
};
struct TaskUnclaimRep {
  std::vector<TaskView> tasks;  // the tasks released, now unclaimed
  WMS_MSGPACK_MAP(tasks)
};

struct PickConfirmReq {
  WMS_REQ("pick.confirm", true, "task", "location_scan", "product_scan", "qty");
  std::uint64_t task = 0;
  std::string location_scan;        // the scanned location barcode
  std::string product_scan;         // the scanned product barcode (GTIN-8/12/13/14)
  std::int64_t qty = 0;
  // Optional, by delivery mode ("" = not sent). Parcel: `tote`. Pallet: `drop_scan` (required), `sscc`.
  std::string tote = {};       // parcel: "TOTE-" + 1-12 letters/digits; a task goes into one tote only
  std::string sscc = {};       // pallet: 18-digit SSCC with a valid GS1 mod-10 check digit
  std::string drop_scan = {};  // pallet: scanned barcode of where the pallet was dropped (drop_location)
  WMS_MSGPACK_MAP(task, location_scan, product_scan, qty, tote, sscc, drop_scan)
};
struct PickRep {
  TaskView task;
  std::uint32_t wave_tasks_left = 0;
  WMS_MSGPACK_MAP(task, wave_tasks_left)
};

struct PickShortReq {
  WMS_REQ("pick.short", true, "task", "qty_found", "reason");
  std::uint64_t task = 0;
  std::int64_t qty_found = 0;       // units actually picked now (0..remaining)
  std::string reason;               // empty | damaged | not_found
  std::string tote;                 // parcel batch picks: the tote the units found went into ("" = none)
  // (Added later, with initialisers, so that brace-initialised requests may leave them out.)
  std::string sscc{};       // pallet, qty_found > 0: the label of the pallet the units found make (optional)
  std::string drop_scan{};  // pallet, qty_found > 0: the task's lane label, scanned where the pallet was left
  WMS_MSGPACK_MAP(task, qty_found, reason, tote, sscc, drop_scan)
};
struct PickShortRep {
  TaskView task;
  std::string outcome;              // reallocated | backordered | partly_reallocated
  std::vector<TaskView> new_tasks;
  std::int64_t backordered = 0;
  std::uint64_t exception = 0;
  WMS_MSGPACK_MAP(task, outcome, new_tasks, backordered, exception)
};

// ---- pack station (parcel pack verification; picker, manager, admin) -------------------------------
struct PackContentsReq {  // query: give `ref` or `tote` (both: the tote must hold that order)
  WMS_REQ0("pack.contents", false);
  std::string ref;   // order ref
  std::string tote;  // tote label: resolves to the order whose unshipped picks went into it
  WMS_MSGPACK_MAP(ref, tote)
};
struct PackLineView {
  std::uint32_t line = 0;
  std::string sku;
  std::string description;
  std::vector<std::string> barcodes;  // every barcode of the product (GTIN-14)
  std::int64_t picked = 0;            // units picked, not yet shipped: what the packer should find
  bool packed = false;                // the order is already packed
  WMS_MSGPACK_MAP(line, sku, description, barcodes, picked, packed)
};
struct PackContentsRep {  // reply of pack.contents and pack.close
  std::string ref;
  std::string account;
  std::string tote;                // the tote asked for; asked by ref: the first tote holding the order's picks
  std::vector<std::string> totes;  // every tote holding the order's unshipped picks
  std::int64_t packed_ms = 0;      // 0 = not packed
  std::uint32_t cartons = 0;
  std::vector<PackLineView> lines;  // lines with units picked, not yet shipped
  WMS_MSGPACK_MAP(ref, account, tote, totes, packed_ms, cartons, lines)
};
struct PackCloseReq {
  WMS_REQ("pack.close", true, "ref", "cartons");
  std::string ref;
  std::uint32_t cartons = 0;  // 1..10000
  WMS_MSGPACK_MAP(ref, cartons)
};

struct ReceiveReq {
  WMS_REQ("receive", true, "sku", "location", "qty");
  std::string sku;
  std::string location;
  std::int64_t qty = 0;
  std::string ref;                  // delivery note / PO reference
  WMS_MSGPACK_MAP(sku, location, qty, ref)
};
struct ReceiveRep {
  StockView stock;
  std::int64_t backorder_units_allocated = 0;
  std::string note;  // e.g. a staging lane's stock is not allocated to orders until moved
  WMS_MSGPACK_MAP(stock, backorder_units_allocated, note)
};

// A stock transfer between two locations of the site: putaway from a receiving lane, replenishment of a pick face
// from bulk. Only available units move (never reserved ones); units moved into a pick face or bulk location serve
// waiting backorders.
struct MoveReq {
  WMS_REQ("move", true, "sku", "from", "to", "qty");
  std::string sku;
  std::string from;
  std::string to;
  std::int64_t qty = 0;
  std::string reason;  // optional, for the audit trail
  WMS_MSGPACK_MAP(sku, from, to, qty, reason)
};
struct MoveRep {
  StockView from;
  StockView to;
  std::int64_t backorder_units_allocated = 0;
  WMS_MSGPACK_MAP(from, to, backorder_units_allocated)
};

struct AdjustReq {
  WMS_REQ("adjust", true, "sku", "location", "delta", "reason");
  std::string sku;
  std::string location;
  std::int64_t delta = 0;
  std::string reason;
  WMS_MSGPACK_MAP(sku, location, delta, reason)
};

// A count of one bin: what was found there (reserved units still on the shelf included) becomes its on-hand, and a
// count due after a short pick is cleared, so the bin gives stock to orders again.
struct StockCountReq {
  WMS_REQ("stock.count", true, "sku", "location", "qty");
  std::string sku;
  std::string location;
  std::int64_t qty = 0;  // units found, 0..10^9, at least what open tasks reserved there
  std::string reason;    // optional, for the audit trail
  std::int64_t expected = -1;  // optional: the on-hand the count sheet showed; refused if it changed since
  WMS_MSGPACK_MAP(sku, location, qty, reason, expected)
};
struct StockCountRep {
  StockView stock;
  std::int64_t before = 0;  // on-hand before the count
  std::int64_t delta = 0;   // found - before
  bool was_due = false;     // a short pick had asked for this count
  std::int64_t backorder_units_allocated = 0;
  WMS_MSGPACK_MAP(stock, before, delta, was_due, backorder_units_allocated)
};

struct StockReq {
  WMS_REQ0("stock", false);
  std::string sku;                  // filter, empty = all
  std::string location;
  bool count_due = false;  // only the bins waiting for a count
  WMS_MSGPACK_MAP(sku, location, count_due)
};
// A bin waiting for a count, with the short pick that asked for it (the latest, if several did).
struct CountDueView {
  std::string sku;
  std::string location;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::string reason;       // the short pick's: empty | damaged | not_found
  std::string reported_by;  // user
  std::int64_t at_ms = 0;
  std::uint64_t exception = 0;
  WMS_MSGPACK_MAP(sku, location, on_hand, reserved, reason, reported_by, at_ms, exception)
};
struct StockRep {
  std::vector<StockView> stock;
  bool more = false;  // the list stopped at k_max_list_items rows: narrow it by sku or location
  std::vector<CountDueView> due;  // with count_due: the same bins, with who reported the short pick, when and why
  WMS_MSGPACK_MAP(stock, more, due)
};

struct ExceptionsReq {
  WMS_REQ0("exceptions", false);
  std::uint64_t after = 0;  // exception id
  std::uint32_t limit = static_cast<std::uint32_t>(k_max_list_items);
  WMS_MSGPACK_MAP(after, limit)
};
struct ExceptionsRep {
  std::vector<ExceptionView> exceptions;
  bool more = false;
  WMS_MSGPACK_MAP(exceptions, more)
};

struct InvoicesReq {
  WMS_REQ0("invoices", false);
  std::uint64_t after = 0;  // invoice number
  std::uint32_t limit = static_cast<std::uint32_t>(k_max_list_items);
  WMS_MSGPACK_MAP(after, limit)
};
struct InvoicesRep {
  std::vector<InvoiceView> invoices;
  bool more = false;
  WMS_MSGPACK_MAP(invoices, more)
};
struct InvoiceShowReq {
  WMS_REQ("invoice.show", false, "number");
  std::uint64_t number = 0;
  WMS_MSGPACK_MAP(number)
};

// Devices seen since wmsd started (any request under a valid session) and devices holding open tasks, with the
// tasks each holds: what a shift manager looks at before `task.unclaim`.
struct DeviceView {
  std::string device;
  std::string user;               // signed in at its last request ("" if not seen since wmsd started)
  std::int64_t last_seen_ms = 0;  // 0 = not seen since wmsd started
  std::int64_t idle_s = -1;       // seconds since then (-1 = not seen)
  std::uint32_t tasks_held = 0;   // open tasks claimed by it
  bool signed_out = false;        // its last request was a logout (wmsctl runs end so)
  // When its open session began (stored, so known across wmsd restarts; 0 = no open session). `user` is that
  // session's user when the device was not seen since wmsd started.
  std::int64_t signed_in_ms = {};
  WMS_MSGPACK_MAP(device, user, last_seen_ms, idle_s, tasks_held, signed_out, signed_in_ms)
};
struct DevicesReq {
  WMS_REQ0("devices", false);
  bool all = false;  // false: devices that signed out and hold no task are left out
  WMS_MSGPACK_MAP(all)
};
struct DevicesRep {
  std::vector<DeviceView> devices;  // by device id
  WMS_MSGPACK_MAP(devices)
};

// ---- master data listings ----------------------------------------------------------------------
// Products, locations and accounts (office) and users (admin) in code order, from the first code starting with
// `prefix` (empty = all), at most `limit` rows (1..k_max_list_items); `more` = the listing stopped at the limit
// (ask again with a longer prefix, or page on with `after`: the last code shown).
struct MasterListReq {
  std::string prefix;
  std::string after;  // start after this code (paging); empty = from the first
  std::uint32_t limit = 1000;
  WMS_MSGPACK_MAP(prefix, after, limit)
};
struct ProductView {
  std::string sku;
  std::string description;
  std::vector<std::string> barcodes;  // GTIN-14
  std::string uom;
  std::int64_t units_per_case = 1;
  std::int64_t units_per_pallet = 1;
  std::int64_t weight_g = 0;
  std::int64_t cost_minor = 0;
  std::int64_t list_minor = 0;
  std::int32_t tax_bps = 0;
  WMS_MSGPACK_MAP(sku, description, barcodes, uom, units_per_case, units_per_pallet, weight_g, cost_minor, list_minor,
                  tax_bps)
};
struct ProductsReq : MasterListReq {
  WMS_REQ0("products", false);
};
struct ProductsRep {
  std::vector<ProductView> products;
  bool more = false;
  WMS_MSGPACK_MAP(products, more)
};
struct LocationView {
  std::string code;
  std::string warehouse, zone, aisle, bay, level, bin;
  std::uint32_t walk_seq = 0;
  std::string kind;  // pick | bulk | staging | dock
  std::string barcode;
  WMS_MSGPACK_MAP(code, warehouse, zone, aisle, bay, level, bin, walk_seq, kind, barcode)
};
struct LocationsReq : MasterListReq {
  WMS_REQ0("locations", false);
};
struct LocationsRep {
  std::vector<LocationView> locations;
  bool more = false;
  WMS_MSGPACK_MAP(locations, more)
};
struct AccountView {
  std::string code;
  std::string name;
  std::string price_tier;
  std::string terms;  // netN | prepay
  std::string mode;   // parcel | pallet
  WMS_MSGPACK_MAP(code, name, price_tier, terms, mode)
};
struct AccountsReq : MasterListReq {
  WMS_REQ0("accounts", false);
};
struct AccountsRep {
  std::vector<AccountView> accounts;
  bool more = false;
  WMS_MSGPACK_MAP(accounts, more)
};
struct UserView {
  std::string code;
  std::string name;
  std::string role;
  std::uint32_t failed_pins = 0;     // wrong PINs since the last good one
  std::int64_t locked_until_ms = 0;  // 0 = not locked
  WMS_MSGPACK_MAP(code, name, role, failed_pins, locked_until_ms)
};
struct UsersReq : MasterListReq {
  WMS_REQ0("users", false);
};
struct UsersRep {
  std::vector<UserView> users;
  bool more = false;
  WMS_MSGPACK_MAP(users, more)
};

struct AuditReq {
  WMS_REQ0("audit", false);
  std::uint32_t limit = 50;  // newest first, of the records that pass the filters
  std::string type;          // only this request type (e.g. "dispatch"); "" = any
  std::string user;          // only this user; "" = any
  std::string device;        // only this device; "" = any
  bool logins = true;        // false: leave out sign-ins ("login", "login.failed")
  WMS_MSGPACK_MAP(limit, type, user, device, logins)
};
inline constexpr std::size_t k_audit_scan = 100000;  // records an audit query looks through at most, newest first
struct AuditRep {
  std::vector<AuditView> entries;
  bool more = false;  // stopped after k_audit_scan records: older ones were not searched
  WMS_MSGPACK_MAP(entries, more)
};

struct BackupReq {
  WMS_REQ("backup", false, "path");
  std::string path;                 // absolute path on the server host; must not exist yet
  WMS_MSGPACK_MAP(path)
};
struct BackupRep {
  std::string path;
  std::uint64_t bytes = 0;
  WMS_MSGPACK_MAP(path, bytes)
};

// ---- events (PUB payload bodies) ----------------------------------------------------------------
// topic "task":  task.released / task.updated / task.cancelled  body TaskView
// topic "wave":  wave.released / wave.done                      body WaveView
// topic "order": order.updated                                  body {ref, status} (also on pack.close)
// topic "exception": exception.raised                           body ExceptionView
// topic "hb":    hb                                             body {seq}
struct OrderEvent {
  std::string ref;
  std::string status;
  WMS_MSGPACK_MAP(ref, status)
};

// Request types that change state. Each one applied is written to the audit trail under its type; so are the sign-ins
// ("login", and "login.failed" for a wrong PIN or a locked user).
inline constexpr std::array<std::string_view, 19> k_mutation_types = {
    ImportReq::k_type,      UserAddReq::k_type,       OrderCreateReq::k_type, OrderConfirmReq::k_type,
    OrderCancelReq::k_type, AllocateReq::k_type,      WaveCreateReq::k_type,  WaveReleaseReq::k_type,
    TaskClaimReq::k_type,   TaskClaimNextReq::k_type, TaskUnclaimReq::k_type, PickConfirmReq::k_type,
    PickShortReq::k_type,   DispatchReq::k_type,      ReceiveReq::k_type,     AdjustReq::k_type,
    PackCloseReq::k_type,   MoveReq::k_type,          StockCountReq::k_type};
inline constexpr std::array<std::string_view, 2> k_login_audit_types = {"login", "login.failed"};
// Written by wmsd --restore into the restored database (what was restored, which invoice numbers were skipped).
inline constexpr std::string_view k_restore_audit_type = "restore";
inline bool is_audit_type(std::string_view type) {
  for (auto t : k_mutation_types)
    if (t == type) return true;
  for (auto t : k_login_audit_types)
    if (t == type) return true;
  return type == k_restore_audit_type;
}
// "import, user.add, ..., login, login.failed": for messages that list what may be asked for.
inline std::string audit_types_text() {
  std::string s;
  for (auto t : k_mutation_types) s += (s.empty() ? "" : ", ") + std::string(t);
  for (auto t : k_login_audit_types) s += ", " + std::string(t);
  return s + ", " + std::string(k_restore_audit_type);
}

#undef WMS_REQ
#undef WMS_REQ0
#undef WMS_EMPTY_MAP
}  // namespace wms::proto
