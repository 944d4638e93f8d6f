// Use cases of the order-to-invoice spine over one LMDB transaction. Stock arithmetic happens only here and
// only through adjust_stock(), which refuses anything that would make on-hand or reserved negative or reserve
// more than is on hand.
#include "service.hpp"

#include <sodium.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "domain/importers.hpp"
#include "domain/rules.hpp"
#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/decimal.hpp"
#include "wms/shared/gtin.hpp"

namespace wms::app {
using namespace wms::domain;
using proto::Status;
using store::Table;
using store::Txn;

namespace {

// Thrown inside a handler to refuse the whole request; the server drops that mutation's writes (it redoes the batch with it in a child transaction).
struct Refusal {
  Status status;
  std::string message;
};
[[noreturn]] void refuse(Status s, std::string m) { throw Refusal{s, std::move(m)}; }

std::string order_key(std::uint64_t id) { return store::be64(id); }

// ---- typed record access ----
std::optional<Order> find_order(const Txn& t, std::string_view ref) {
  auto id = t.get(Table::order_refs, ref);
  if (!id) return std::nullopt;
  return store::get_as<Order>(t, Table::orders, *id);
}
Order order_by_ref(const Txn& t, std::string_view ref) {
  auto o = find_order(t, ref);
  if (!o) refuse(Status::not_found, "no order '" + std::string(ref) + "'");
  return *o;
}
Order order_by_id(const Txn& t, std::uint64_t id) {
  auto o = store::get_as<Order>(t, Table::orders, order_key(id));
  if (!o) refuse(Status::internal, "order " + std::to_string(id) + " is referenced but missing");
  return *o;
}
void save_order(Txn& t, const Order& o) {
  const auto key = order_key(o.id);
  store::put_as(t, Table::orders, key, o);
  // The open-orders index changes only when the status does: rewriting an unchanged entry would still dirty its
  // page, one more 4 KiB write for every pick's commit to wait for.
  const bool open = o.status == "confirmed";
  if (open != t.get(Table::open_orders, key).has_value()) {
    if (open) t.put(Table::open_orders, key, "");
    else t.del(Table::open_orders, key);
  }
}
Task task_by_id(const Txn& t, std::uint64_t id) {
  auto v = store::get_as<Task>(t, Table::tasks, store::be64(id));
  if (!v) refuse(Status::not_found, "no task " + std::to_string(id));
  return *v;
}
// Tasks nobody holds yet (not finished, not claimed) are indexed by (wave, walk sequence, id): task.claim_next
// takes the first ones of a wave from there instead of reading every task of every released wave. The entry
// follows the task record, so no other code keeps it.
std::string free_task_key(const Task& k) {
  return store::be64(k.wave) + store::be64(k.walk_seq) + store::be64(k.id);
}
void save_task(Txn& t, const Task& v) {
  store::put_as(t, Table::tasks, store::be64(v.id), v);
  const auto key = free_task_key(v);
  const bool free = !v.finished() && v.claimed_by.empty();
  if (free != t.get(Table::free_tasks, key).has_value()) {
    if (free)
      t.put(Table::free_tasks, key, {});
    else
      t.del(Table::free_tasks, key);
  }
}
Wave wave_by_id(const Txn& t, std::uint64_t id) {
  auto v = store::get_as<Wave>(t, Table::waves, store::be64(id));
  if (!v) refuse(Status::not_found, "no wave " + std::to_string(id));
  return *v;
}
// Released waves (wave id -> mode) are indexed: claim_next and snapshots read those waves only, not every wave the
// site ever had. Like open_orders, the entry is written only when the status crosses "released".
void save_wave(Txn& t, const Wave& w) {
  const auto key = store::be64(w.id);
  store::put_as(t, Table::waves, key, w);
  const bool released = w.status == "released";
  if (released != t.get(Table::released_waves, key).has_value()) {
    if (released)
      t.put(Table::released_waves, key, w.mode);
    else
      t.del(Table::released_waves, key);
  }
}
// The released waves of `mode` (all modes if empty), oldest first.
std::vector<Wave> released_waves(const Txn& t, std::string_view mode) {
  std::vector<std::uint64_t> ids;
  t.scan(Table::released_waves, "", [&](std::string_view k, std::string_view m) {
    if (mode.empty() || m == mode) ids.push_back(store::from_be64(k));
    return true;
  });
  std::vector<Wave> out;
  for (auto id : ids)
    if (Wave w = wave_by_id(t, id); w.status == "released") out.push_back(std::move(w));
  return out;
}
std::optional<Product> find_product(const Txn& t, std::string_view sku) {
  return store::get_as<Product>(t, Table::products, sku);
}
std::optional<Location> find_location(const Txn& t, std::string_view code) {
  return store::get_as<Location>(t, Table::locations, code);
}
// Where a pallet task takes its pallet, decided from the site's locations now ("" if it has no staging or dock).
std::string drop_location_now(const Txn& t) {
  std::vector<Location> all;
  t.scan(Table::locations, "", [&](std::string_view, std::string_view v) {
    all.push_back(store::unpack<Location>(v));
    return true;
  });
  return choose_drop_location(all).value_or("");
}
bool has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
StockRec stock_at(const Txn& t, std::string_view sku, std::string_view loc) {
  return store::get_as<StockRec>(t, Table::stock, store::key2(sku, loc)).value_or(StockRec{});
}

// The one place stock numbers change. Refuses any result with on_hand < 0, reserved < 0 or reserved > on_hand.
StockRec adjust_stock(Txn& t, std::string_view sku, std::string_view loc, std::int64_t d_on_hand, std::int64_t d_reserved) {
  StockRec s = stock_at(t, sku, loc);
  StockRec n{s.on_hand + d_on_hand, s.reserved + d_reserved};
  if (n.on_hand < 0 || n.reserved < 0 || n.reserved > n.on_hand) {
    refuse(Status::insufficient_stock, "bin " + std::string(loc) + " holds " + std::to_string(s.on_hand) + " of " +
                                           std::string(sku) + " (" + std::to_string(s.reserved) +
                                           " reserved); that change would leave it inconsistent");
  }
  store::put_as(t, Table::stock, store::key2(sku, loc), n);
  return n;
}

std::string backorder_key(std::string_view sku, const Order& o, std::uint32_t line) {
  return store::key2(sku, store::be64(o.confirm_seq) + store::be64(o.id) + store::be64(line));
}
void sync_backorder_index(Txn& t, const Order& o, const OrderLine& l) {
  auto k = backorder_key(l.sku, o, l.line);
  if (l.backordered > 0 && o.status == "confirmed") t.put(Table::backorders, k, "");
  else t.del(Table::backorders, k);
}

// ---- events ----
void emit(Txn& t, std::vector<PubEvent>& out, std::string topic, std::string_view type, const msgpack::sbuffer& body) {
  std::uint64_t seq = store::next_seq(t, "event_seq");
  std::string payload = proto::encode_event_raw(seq, type, body);
  t.put(Table::events, store::be64(seq), payload);
  out.push_back({std::move(topic), std::move(payload)});
}
template <class T>
void emit(Txn& t, std::vector<PubEvent>& out, std::string topic, std::string_view type, const T& body) {
  emit(t, out, std::move(topic), type, proto::pack_body(body));
}

// ---- views ----
// `order`: the task's order when the caller has it decoded already (saves reading it again).
proto::TaskView task_view(const Txn& t, const Task& k, const Order* order = nullptr) {
  proto::TaskView v;
  v.id = k.id;
  v.wave = k.wave;
  v.line = k.line;
  v.sku = k.sku;
  v.location = k.location;
  v.walk_seq = k.walk_seq;
  v.qty = k.qty;
  v.picked = k.picked;
  v.status = k.status;
  v.claimed_by = k.claimed_by;
  if (order && order->id == k.order) {
    v.order_ref = order->ref;
    v.mode = order->mode;
  } else if (auto o = store::get_as<Order>(t, Table::orders, order_key(k.order))) {
    v.order_ref = o->ref;
    v.mode = o->mode;
  }
  if (auto p = find_product(t, k.sku)) {
    v.description = p->description;
    if (!p->barcodes.empty()) v.gtin = p->barcodes.front();
    v.barcodes = p->barcodes;
  }
  if (auto l = find_location(t, k.location)) v.location_barcode = l->barcode;
  v.drop_location = k.drop_location;
  if (!k.drop_location.empty())
    if (auto l = find_location(t, k.drop_location)) v.drop_barcode = l->barcode;
  v.tote = k.tote;
  v.sscc = k.sscc;
  return v;
}
proto::WaveView wave_view(const Wave& w, std::uint32_t tasks_left) {
  proto::WaveView v;
  v.id = w.id;
  v.mode = w.mode;
  v.status = w.status;
  v.orders = static_cast<std::uint32_t>(w.orders.size());
  v.tasks = static_cast<std::uint32_t>(w.tasks.size());
  v.tasks_left = tasks_left;
  v.created_ms = w.created_ms;
  return v;
}
// A wave's count of unfinished tasks has a record of its own (wave_left: wave id -> count), so a pick that finishes
// a task rewrites 8 bytes, not the wave with its order and task lists. A wave without one (written before the
// split, if app::upgrade has not run) counts what its record says.
std::uint32_t tasks_left(const Txn& t, std::uint64_t wave_id) {
  if (auto v = t.get(Table::wave_left, store::be64(wave_id))) return static_cast<std::uint32_t>(store::from_be64(*v));
  return wave_by_id(t, wave_id).left;
}
void set_tasks_left(Txn& t, std::uint64_t wave_id, std::uint32_t left) {
  t.put(Table::wave_left, store::be64(wave_id), store::be64(left));
}
proto::OrderView order_view(const Order& o) {
  proto::OrderView v;
  v.id = o.id;
  v.ref = o.ref;
  v.account = o.account;
  v.status = o.status;
  v.mode = o.mode;
  v.created_ms = o.created_ms;
  v.confirmed_ms = o.confirmed_ms;
  for (const auto& l : o.lines) {
    v.lines.push_back({l.line, l.sku, l.ordered, l.allocated(), l.picked, l.shipped, l.backordered, l.price_minor,
                       l.tax_bps});
    v.ordered_units += l.ordered;
    v.shipped_units += l.shipped;
  }
  v.packed_ms = o.packed_ms;
  v.cartons = o.cartons;
  return v;
}
// What a pack station checks: the order's units picked and not shipped, with every barcode of each product.
// `tote` is the tote asked for; asked by ref it is the first tote holding the order's picks.
proto::PackContentsRep pack_contents(const Txn& t, const Order& o, const std::string& tote) {
  proto::PackContentsRep rep;
  rep.ref = o.ref;
  rep.account = o.account;
  rep.totes = o.totes;
  rep.tote = !tote.empty() || o.totes.empty() ? tote : o.totes.front();
  rep.packed_ms = o.packed_ms;
  rep.cartons = o.cartons;
  for (const auto& l : o.lines) {
    if (l.picked <= 0) continue;
    proto::PackLineView v;
    v.line = l.line;
    v.sku = l.sku;
    if (auto p = find_product(t, l.sku)) {
      v.description = p->description;
      v.barcodes = p->barcodes;
    }
    v.picked = l.picked;
    v.packed = o.packed_ms != 0;
    rep.lines.push_back(std::move(v));
  }
  return rep;
}
bool count_due(const Txn& t, std::string_view sku, std::string_view loc) {
  return t.get(Table::counts_due, store::key2(sku, loc)).has_value();
}
proto::StockView stock_view(const Txn& t, std::string_view sku, std::string_view loc, const StockRec& s) {
  return {std::string(sku), std::string(loc), s.on_hand, s.reserved, s.on_hand - s.reserved, count_due(t, sku, loc)};
}
proto::StockView stock_view(const Txn& t, std::string_view sku, std::string_view loc) {
  return stock_view(t, sku, loc, stock_at(t, sku, loc));
}

template <class T>
T body_as(const msgpack::object& body) {
  std::string err;
  auto v = proto::decode_body<T>(body, &err);
  if (!v) refuse(Status::bad_request, err);
  return std::move(*v);
}

// ---- allocation over storage ----
// Reserves up to `qty` of line `l` from available stock; returns units reserved. A bin waiting for a count (a short
// pick was reported there) gives nothing.
std::int64_t reserve_for_line(Txn& t, const Order& o, OrderLine& l, std::int64_t qty) {
  std::vector<Slot> slots;
  const std::string prefix = store::key2(l.sku, "");
  t.scan(Table::stock, prefix, [&](std::string_view k, std::string_view v) {
    std::string loc(k.substr(prefix.size()));
    auto s = store::unpack<StockRec>(v);
    if (s.on_hand - s.reserved <= 0) return true;
    if (t.get(Table::counts_due, k)) return true;
    if (auto l2 = find_location(t, loc)) slots.push_back({loc, l2->kind, l2->walk_seq, s.on_hand - s.reserved});
    return true;
  });
  std::int64_t got = 0;
  for (const auto& take : allocate(qty, std::move(slots), o.mode)) {
    adjust_stock(t, l.sku, take.location, 0, take.qty);
    l.allocs.push_back({take.location, take.qty, 0});
    got += take.qty;
  }
  return got;
}

// Serves waiting backorder lines of `sku` in confirmation order from available stock. Returns units reserved.
// The queue is read one key at a time (each a B-tree seek past the last one): it stops at the first line that
// gets nothing, so a confirmation with thousands of orders waiting for a SKU that has no stock costs one seek, not a
// read of the whole queue.
std::int64_t serve_backorders(Txn& t, std::string_view sku, std::vector<PubEvent>& events, std::uint32_t* lines = nullptr) {
  const std::string prefix = store::key2(sku, "");
  std::string k, from = prefix;
  std::int64_t total = 0;
  for (;;) {
    k.clear();
    t.scan(
        Table::backorders, prefix,
        [&](std::string_view key, std::string_view) {
          k.assign(key);
          return false;
        },
        false, from);
    if (k.empty()) break;
    from = k;
    from.push_back('\0');  // the next key after this one, whatever is done to it below
    auto rest = std::string_view(k).substr(sku.size() + 1);
    Order o = order_by_id(t, store::from_be64(rest.substr(8, 8)));
    auto line_no = static_cast<std::uint32_t>(store::from_be64(rest.substr(16, 8)));
    auto it = std::find_if(o.lines.begin(), o.lines.end(), [&](const OrderLine& l) { return l.line == line_no; });
    if (it == o.lines.end() || it->backordered <= 0) {
      t.del(Table::backorders, k);
      continue;
    }
    std::int64_t got = reserve_for_line(t, o, *it, it->backordered);
    if (got == 0) break;  // nothing left for anyone later in the queue either
    it->backordered -= got;
    total += got;
    if (lines) ++*lines;
    sync_backorder_index(t, o, *it);
    save_order(t, o);
    emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
  }
  return total;
}

// Reservations of order `o` at a bin that now waits for a count which no task has taken yet (confirmed, not in a
// wave yet): they go to stock elsewhere, else to backorder, so that no wave sends a picker to the bin for them.
// Returns the units moved off the bin (o is changed in memory only).
std::int64_t rehome_untasked(Txn& t, Order& o, std::string_view sku, std::string_view loc) {
  std::int64_t moved = 0;
  for (auto& l : o.lines) {
    if (l.sku != sku) continue;
    std::int64_t qty = 0;
    std::erase_if(l.allocs, [&](const Alloc& a) {
      if (a.location != loc || a.task != 0) return false;
      qty += a.qty;
      return true;
    });
    if (qty == 0) continue;
    adjust_stock(t, sku, loc, 0, -qty);
    l.backordered += qty - reserve_for_line(t, o, l, qty);
    sync_backorder_index(t, o, l);
    moved += qty;
  }
  return moved;
}
// The same for every open order but `skip` (which the caller holds in memory), read and saved here. Reservations
// with tasks stay: those tasks are picked or short-picked in turn. All open orders are read, but only when the bin
// still holds reservations (rare).
std::int64_t rehome_untasked_others(Txn& t, std::uint64_t skip, std::string_view sku, std::string_view loc,
                                    std::vector<PubEvent>& events) {
  if (stock_at(t, sku, loc).reserved == 0) return 0;
  std::vector<std::uint64_t> ids;
  t.scan(Table::open_orders, "", [&](std::string_view k, std::string_view) {
    ids.push_back(store::from_be64(k));
    return true;
  });
  std::int64_t moved = 0;
  for (auto id : ids) {
    if (id == skip) continue;
    // A cheap look first: an order holding units of this SKU in this bin has both codes in its stored record
    // (most open orders do not, and are not decoded).
    const auto raw = t.get(Table::orders, order_key(id));
    if (!raw || raw->find(sku) == std::string_view::npos || raw->find(loc) == std::string_view::npos) continue;
    Order o = order_by_id(t, id);
    if (const auto n = rehome_untasked(t, o, sku, loc)) {
      moved += n;
      save_order(t, o);
      emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
    }
  }
  return moved;
}

// Counts one task of the wave as finished and returns how many are left; the wave is done when a released wave
// has none left (only then is the wave record itself read and written).
std::uint32_t task_finished(Txn& t, std::uint64_t wave_id, std::vector<PubEvent>& events) {
  std::uint32_t left = tasks_left(t, wave_id);
  if (left == 0) refuse(Status::internal, "wave " + std::to_string(wave_id) + " has no open task to finish");
  set_tasks_left(t, wave_id, --left);
  if (left == 0) {
    Wave w = wave_by_id(t, wave_id);
    w.left = 0;
    if (w.status == "released") {
      w.status = "done";
      emit(t, events, "wave", "wave.done", wave_view(w, 0));
    }
    save_wave(t, w);
  }
  return left;
}

// Releases every unpicked reservation of an order line, cancelling tasks that were created for them.
// Returns the units released.
std::int64_t release_line(Txn& t, OrderLine& l, std::vector<PubEvent>& events) {
  std::int64_t released = 0;
  for (auto& a : l.allocs) {
    if (a.qty > 0) adjust_stock(t, l.sku, a.location, 0, -a.qty);
    released += a.qty;
    if (a.task) {
      Task k = task_by_id(t, a.task);
      if (!k.finished()) {
        k.status = k.picked > 0 ? "short" : "cancelled";
        save_task(t, k);
        emit(t, events, "task", "task.cancelled", task_view(t, k));
        task_finished(t, k.wave, events);
      }
    }
  }
  l.allocs.clear();
  return released;
}


OrderLine& line_of(Order& o, std::uint32_t line) {
  for (auto& l : o.lines)
    if (l.line == line) return l;
  refuse(Status::internal, "order " + o.ref + " has no line " + std::to_string(line));
}
Alloc& alloc_of_task(OrderLine& l, std::uint64_t task) {
  for (auto& a : l.allocs)
    if (a.task == task) return a;
  refuse(Status::internal, "no reservation for task " + std::to_string(task));
}

std::optional<std::string> resolve_location_scan(const Txn& t, std::string_view scan) {
  if (auto code = t.get(Table::loc_barcodes, scan)) return std::string(*code);
  return std::nullopt;
}
std::optional<std::string> resolve_product_scan(const Txn& t, std::string_view scan) {
  auto g = gtin::normalize(scan);
  if (!g) return std::nullopt;
  if (auto sku = t.get(Table::barcodes, *g)) return std::string(*sku);
  return std::nullopt;
}

// ---- mutations ----
Outcome do_order_create(Txn& t, const Ctx& ctx, const proto::OrderCreateReq& r, std::vector<PubEvent>& events) {
  if (!valid_code(r.ref)) refuse(Status::invalid, "order ref must be 1-64 printable characters without spaces");
  if (t.get(Table::order_refs, r.ref)) refuse(Status::conflict, "order '" + r.ref + "' already exists");
  auto acc = store::get_as<Account>(t, Table::accounts, r.account);
  if (!acc) refuse(Status::not_found, "no account '" + r.account + "'");
  if (r.lines.empty() || r.lines.size() > proto::k_max_list_items) refuse(Status::invalid, "an order needs 1 to 10000 lines");
  Order o;
  o.id = store::next_seq(t, "order_seq");
  o.ref = r.ref;
  o.account = r.account;
  o.mode = acc->mode;
  o.created_ms = ctx.now_ms;
  std::uint32_t n = 0;
  for (const auto& l : r.lines) {
    if (!find_product(t, l.sku)) refuse(Status::not_found, "line " + std::to_string(n + 1) + ": no product '" + l.sku + "'");
    if (l.qty <= 0 || l.qty > 1'000'000'000) refuse(Status::invalid, "line " + std::to_string(n + 1) + ": quantity must be 1 to 1000000000");
    OrderLine ol;
    ol.line = ++n;
    ol.sku = l.sku;
    ol.ordered = l.qty;
    o.lines.push_back(ol);
  }
  t.put(Table::order_refs, o.ref, order_key(o.id));
  save_order(t, o);
  emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
  return Outcome::ok(order_view(o), "created order " + o.ref + " for " + o.account);
}

Outcome do_order_confirm(Txn& t, const Ctx& ctx, const std::string& ref, std::vector<PubEvent>& events) {
  Order o = order_by_ref(t, ref);
  if (o.status != "entered") refuse(Status::invalid_state, "order " + ref + " is " + o.status + ", not entered");
  auto acc = store::get_as<Account>(t, Table::accounts, o.account);
  if (!acc) refuse(Status::not_found, "order " + ref + ": account '" + o.account + "' no longer exists");
  const std::int32_t discount = tier_discount_bps(acc->price_tier).value_or(0);
  o.mode = acc->mode;
  o.status = "confirmed";
  o.confirmed_ms = ctx.now_ms;
  o.confirm_seq = store::next_seq(t, "confirm_seq");
  // Orders confirmed earlier and still waiting for these SKUs come first: if units are available now, their
  // backorders take them before this order does.
  std::set<std::string> skus;
  for (const auto& l : o.lines) skus.insert(l.sku);
  for (const auto& sku : skus) serve_backorders(t, sku, events);
  std::int64_t short_units = 0;
  for (auto& l : o.lines) {
    auto p = find_product(t, l.sku);
    if (!p) refuse(Status::not_found, "order " + ref + " line " + std::to_string(l.line) + ": no product '" + l.sku + "'");
    l.price_minor = unit_price_minor(p->list_minor, discount);
    l.tax_bps = p->tax_bps;
    std::int64_t got = reserve_for_line(t, o, l, l.ordered);
    l.backordered = l.ordered - got;
    short_units += l.backordered;
  }
  std::vector<ShipLine> value;
  for (const auto& l : o.lines) value.push_back({l.line, l.sku, {}, l.ordered, l.price_minor, l.tax_bps});
  if (!value_minor(value))
    refuse(Status::invalid, "order " + ref + " is worth more than " + decimal::format_money(k_max_order_value_minor) +
                                " with tax at its prices: split it or check its quantities and prices");
  for (const auto& l : o.lines) sync_backorder_index(t, o, l);
  save_order(t, o);
  emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
  return Outcome::ok(order_view(o), "confirmed order " + ref + (short_units ? ", " + std::to_string(short_units) + " units backordered" : ""));
}

Outcome do_order_cancel(Txn& t, const std::string& ref, std::vector<PubEvent>& events) {
  Order o = order_by_ref(t, ref);
  if (o.status != "entered" && o.status != "confirmed") refuse(Status::invalid_state, "order " + ref + " is " + o.status);
  for (const auto& l : o.lines)
    if (l.picked > 0) refuse(Status::invalid_state, "order " + ref + " has picked goods waiting; dispatch them first");
  std::int64_t shipped = 0, dropped = 0;
  std::set<std::string> freed;  // SKUs whose reserved units went back to available
  for (auto& l : o.lines) {
    shipped += l.shipped;
    dropped += l.ordered - l.shipped;
    if (release_line(t, l, events) > 0) freed.insert(l.sku);
    l.backordered = 0;
    sync_backorder_index(t, o, l);
  }
  // A part-shipped order is not void: what shipped stays invoiced, so the order is closed with the rest dropped.
  o.status = shipped > 0 ? "closed" : "cancelled";
  save_order(t, o);
  emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
  // The units it held serve other orders' backorders at once, in confirmation order (not at the next receipt).
  std::int64_t served = 0;
  for (const auto& sku : freed) served += serve_backorders(t, sku, events);
  std::string audit = shipped > 0
                          ? "closed order " + ref + ": " + std::to_string(shipped) +
                                " units shipped and invoiced, the other " + std::to_string(dropped) + " cancelled"
                          : "cancelled order " + ref;
  if (served > 0) audit += "; " + std::to_string(served) + " units it held now serve other orders' backorders";
  return Outcome::ok(order_view(o), audit);
}

Outcome do_wave_create(Txn& t, const Ctx& ctx, const proto::WaveCreateReq& r, std::vector<PubEvent>&) {
  if (r.mode != "parcel" && r.mode != "pallet") refuse(Status::invalid, "wave mode must be parcel or pallet, got '" + r.mode + "'");
  std::vector<std::uint64_t> ids;
  t.scan(Table::open_orders, "", [&](std::string_view k, std::string_view) {
    ids.push_back(store::from_be64(k));
    return true;
  });
  std::vector<Order> orders;
  std::vector<PlannedPick> picks;
  for (auto id : ids) {
    if (r.max_orders && orders.size() >= r.max_orders) break;
    Order o = order_by_id(t, id);
    if (o.mode != r.mode) continue;
    bool any = false;
    for (const auto& l : o.lines) {
      for (std::size_t i = 0; i < l.allocs.size(); ++i) {
        const auto& a = l.allocs[i];
        if (a.task || a.qty <= 0) continue;
        auto loc = find_location(t, a.location);
        picks.push_back({o.id, l.line, i, l.sku, a.location, loc ? loc->walk_seq : 0, a.qty});
        any = true;
      }
    }
    if (any) orders.push_back(std::move(o));
  }
  if (picks.empty()) refuse(Status::invalid_state, "no allocated " + r.mode + " orders are waiting for a wave");
  // Pallet tasks carry where the forklift takes the pallet, decided now so every device shows the same lane.
  const std::string drop = r.mode == "pallet" ? drop_location_now(t) : std::string();
  if (r.mode == "pallet" && drop.empty())
    refuse(Status::invalid_state,
           "no staging lane or dock door to take pallets to: import a location of kind staging or dock");
  order_by_walk(picks);
  Wave w;
  w.id = store::next_seq(t, "wave_seq");
  w.mode = r.mode;
  w.created_ms = ctx.now_ms;
  std::map<std::uint64_t, Order*> by_id;
  for (auto& o : orders) {
    by_id[o.id] = &o;
    w.orders.push_back(o.id);
  }
  for (const auto& p : picks) {
    Task k;
    k.id = store::next_seq(t, "task_seq");
    k.wave = w.id;
    k.order = p.order;
    k.line = p.line;
    k.sku = p.sku;
    k.location = p.location;
    k.walk_seq = p.walk_seq;
    k.qty = p.qty;
    k.drop_location = drop;
    save_task(t, k);
    line_of(*by_id[p.order], p.line).allocs[p.alloc_index].task = k.id;
    w.tasks.push_back(k.id);
  }
  w.left = static_cast<std::uint32_t>(w.tasks.size());
  for (const auto& o : orders) save_order(t, o);
  save_wave(t, w);
  set_tasks_left(t, w.id, w.left);
  auto view = wave_view(w, static_cast<std::uint32_t>(w.tasks.size()));
  return Outcome::ok(view, "created " + r.mode + " wave " + std::to_string(w.id) + " with " + std::to_string(w.tasks.size()) + " tasks");
}

Outcome do_wave_release(Txn& t, const Ctx& ctx, std::uint64_t id, std::vector<PubEvent>& events) {
  Wave w = wave_by_id(t, id);
  if (w.status != "planned") refuse(Status::invalid_state, "wave " + std::to_string(id) + " is already " + w.status);
  w.status = "released";
  w.released_ms = ctx.now_ms;
  std::uint32_t left = 0;
  for (auto tid : w.tasks) {
    Task k = task_by_id(t, tid);
    if (k.finished()) continue;
    ++left;
    emit(t, events, "task", "task.released", task_view(t, k));
  }
  w.left = left;
  set_tasks_left(t, w.id, left);
  auto view = wave_view(w, left);
  emit(t, events, "wave", "wave.released", view);
  if (left == 0) {  // everything was cancelled before release
    w.status = "done";
    emit(t, events, "wave", "wave.done", wave_view(w, 0));
  }
  save_wave(t, w);
  return Outcome::ok(view, "released wave " + std::to_string(id));
}

// One page of a list keyed by a number (be64): the records `keep` accepts after number `after`, at most `limit`
// (1 to k_max_list_items, else refused); `more` when the limit stopped the list.
template <class T, class F>
std::vector<T> scan_page(const Txn& t, Table table, F&& keep, std::uint64_t after, std::uint32_t limit, bool& more) {
  if (limit == 0 || limit > proto::k_max_list_items)
    refuse(Status::invalid,
           "limit must be 1 to " + std::to_string(proto::k_max_list_items) + ", got " + std::to_string(limit));
  std::vector<T> out;
  more = false;
  if (after == std::numeric_limits<std::uint64_t>::max()) return out;
  t.scan(
      table, "",
      [&](std::string_view, std::string_view v) {
        T rec = store::unpack<T>(v);
        if (!keep(rec)) return true;
        if (out.size() == limit) {
          more = true;
          return false;
        }
        out.push_back(std::move(rec));
        return true;
      },
      false, after ? store::be64(after + 1) : std::string());
  return out;
}

Task claimable_task(const Txn& t, std::uint64_t id, const Ctx& ctx) {
  Task k = task_by_id(t, id);
  // The released-waves index answers for the usual case; the wave record is read only when it says no.
  if (!t.get(Table::released_waves, store::be64(k.wave)))
    if (Wave w = wave_by_id(t, k.wave); w.status == "planned")
      refuse(Status::invalid_state,
             "task " + std::to_string(id) + " belongs to wave " + std::to_string(w.id) + ", which is not released yet");
  if (k.finished()) refuse(Status::invalid_state, "task " + std::to_string(id) + " is already " + k.status);
  if (!k.claimed_by.empty() && k.claimed_by != ctx.device)
    refuse(Status::conflict, "task " + std::to_string(id) + " is claimed by device " + k.claimed_by);
  return k;
}

Outcome do_task_claim(Txn& t, const Ctx& ctx, std::uint64_t id, std::vector<PubEvent>& events) {
  Task k = claimable_task(t, id, ctx);
  if (k.claimed_by.empty()) {
    k.claimed_by = ctx.device;
    k.status = "claimed";
    save_task(t, k);
    emit(t, events, "task", "task.updated", task_view(t, k));
  }
  return Outcome::ok(task_view(t, k), "claimed task " + std::to_string(id));
}

Outcome do_task_claim_next(Txn& t, const Ctx& ctx, const proto::TaskClaimNextReq& r, std::vector<PubEvent>& events) {
  if (r.mode != "parcel" && r.mode != "pallet") refuse(Status::invalid, "mode must be parcel or pallet, got '" + r.mode + "'");
  // Pickers work parcel waves, forklift drivers pallet waves (a request queued under another role's session is
  // refused rather than claiming work the signed-in person will never see).
  if ((ctx.role == "picker" && r.mode != "parcel") || (ctx.role == "forklift" && r.mode != "pallet"))
    refuse(Status::forbidden, "a " + ctx.role + " does not take " + r.mode + " work");
  if (r.count < 1 || r.count > proto::k_max_claim_next)
    refuse(Status::invalid, "count must be 1 to " + std::to_string(proto::k_max_claim_next) + ", got " + std::to_string(r.count));
  if (r.skip.size() > proto::k_max_claim_skip)
    refuse(Status::invalid, "skip lists at most " + std::to_string(proto::k_max_claim_skip) + " tasks");
  const std::set<std::uint64_t> skip(r.skip.begin(), r.skip.end());
  // The index gives the released waves of the mode, oldest first, and the free tasks of each in walk order.
  std::vector<std::uint64_t> waves;
  t.scan(Table::released_waves, "", [&](std::string_view k, std::string_view m) {
    if (m == r.mode) waves.push_back(store::from_be64(k));
    return true;
  });
  std::stable_partition(waves.begin(), waves.end(), [&](std::uint64_t w) { return w == r.wave; });
  proto::TaskClaimNextRep rep;
  for (auto w : waves) {
    std::vector<std::uint64_t> ids;  // collected first: no writes under an open cursor
    std::vector<std::string> stale;  // index entries of tasks that are not free (cannot happen; mended if it does)
    t.scan(Table::free_tasks, store::be64(w), [&](std::string_view k, std::string_view) {
      const auto id = store::from_be64(k.substr(16));
      if (skip.count(id)) return true;
      auto task = store::get_as<Task>(t, Table::tasks, store::be64(id));
      if (!task || task->finished() || !task->claimed_by.empty())
        stale.emplace_back(k);
      else
        ids.push_back(id);
      return rep.tasks.size() + ids.size() < r.count;
    });
    for (const auto& k : stale) t.del(Table::free_tasks, k);
    for (auto id : ids) {
      Task k = task_by_id(t, id);
      k.claimed_by = ctx.device;
      k.status = "claimed";
      save_task(t, k);
      auto view = task_view(t, k);
      emit(t, events, "task", "task.updated", view);
      rep.tasks.push_back(std::move(view));
    }
    if (rep.tasks.size() >= r.count) break;
  }
  const auto n = rep.tasks.size();
  return Outcome::ok(std::move(rep), n ? "claimed " + std::to_string(n) + " next task(s)" : "no unclaimed " + r.mode + " task");
}

Outcome do_task_unclaim(Txn& t, const proto::TaskUnclaimReq& r, std::vector<PubEvent>& events) {
  if ((r.task == 0) == r.device.empty()) refuse(Status::invalid, "give a task id or a device (one of them)");
  std::vector<Task> held;
  if (r.task) {
    Task k = task_by_id(t, r.task);
    if (k.finished()) refuse(Status::invalid_state, "task " + std::to_string(k.id) + " is already " + k.status);
    if (k.claimed_by.empty())
      refuse(Status::invalid_state, "task " + std::to_string(k.id) + " is not claimed by any device");
    held.push_back(std::move(k));
  } else {
    // Only tasks of released waves can be claimed; the ones still open stay claimed until done.
    for (const auto& w : released_waves(t, ""))
      for (auto id : w.tasks)
        if (Task k = task_by_id(t, id); !k.finished() && k.claimed_by == r.device) held.push_back(std::move(k));
    if (held.empty()) refuse(Status::not_found, "device " + r.device + " holds no open task");
  }
  proto::TaskUnclaimRep rep;
  std::string who = held.front().claimed_by;
  for (auto& k : held) {
    k.claimed_by.clear();
    k.status = "open";  // what was picked stays on the task; the next device picks the rest
    save_task(t, k);
    auto view = task_view(t, k);
    emit(t, events, "task", "task.updated", view);
    rep.tasks.push_back(std::move(view));
  }
  const auto n = rep.tasks.size();
  return Outcome::ok(std::move(rep), "released " + std::to_string(n) + " task(s) held by device " + who);
}

// Moves `qty` of a task's reservation off the shelf and onto the order line as picked. Units picked after
// pack.close are not in its cartons, so the order needs packing again.
void take_picked(Txn& t, Task& k, Order& o, std::int64_t qty) {
  if (qty <= 0) return;
  o.packed_ms = 0;
  o.cartons = 0;
  adjust_stock(t, k.sku, k.location, -qty, -qty);
  OrderLine& l = line_of(o, k.line);
  Alloc& a = alloc_of_task(l, k.id);
  a.qty -= qty;
  l.picked += qty;
  k.picked += qty;
}

// The ref of another order whose unpacked goods are in `tote` (empty if none): such a tote cannot take ours.
std::string tote_holder(const Txn& t, const std::string& tote, const Order& o) {
  if (tote.empty() || !is_tote_label(tote)) return {};
  if (auto holder = t.get(Table::totes, tote); holder && store::from_be64(*holder) != o.id)
    if (auto h = store::get_as<Order>(t, Table::orders, *holder); h && holds_unpacked_picks(*h) && has(h->totes, tote))
      return h->ref;
  return {};
}

// Records that the task's units went into `tote` (checked before): on the task, the order and the tote index.
void put_in_tote(Txn& t, Task& k, Order& o, const std::string& tote) {
  if (tote.empty()) return;
  k.tote = tote;
  if (!has(o.totes, tote)) o.totes.push_back(tote);
  t.put(Table::totes, tote, order_key(o.id));
}

// A pallet label names one pallet for good (GS1: an SSCC is not used again for at least a year): one that another
// task carries already is refused, and the label is recorded as the task's.
void use_sscc(Txn& t, Task& k, const std::string& sscc) {
  if (auto v = t.get(Table::ssccs, sscc)) {
    const auto holder = store::from_be64(*v);
    // A task that carried the label before the index existed (an older folder where two tasks got one label)
    // finishes its pallet under it.
    if (holder != k.id && k.sscc != sscc) {
      std::string whose = "task " + std::to_string(holder);
      if (auto h = store::get_as<Task>(t, Table::tasks, store::be64(holder)))
        if (auto ho = store::get_as<Order>(t, Table::orders, order_key(h->order))) whose += " of " + ho->ref;
      refuse(Status::conflict, "pallet label " + sscc + " is already on " + whose +
                                   ": an SSCC names one pallet only, put a new label on this one");
    }
  }
  k.sscc = sscc;
  t.put(Table::ssccs, sscc, store::be64(k.id));
}

Outcome do_pick_confirm(Txn& t, const Ctx& ctx, const proto::PickConfirmReq& r, std::vector<PubEvent>& events) {
  Task k = claimable_task(t, r.task, ctx);
  Order o = order_by_id(t, k.order);
  // A pallet task created before drop locations were decided at wave time gets its drop location now.
  if (o.mode == "pallet" && k.drop_location.empty()) k.drop_location = drop_location_now(t);
  PickScan scan;
  scan.location = resolve_location_scan(t, r.location_scan);
  scan.sku = resolve_product_scan(t, r.product_scan);
  scan.location_scan = r.location_scan;
  scan.product_scan = r.product_scan;
  scan.qty = r.qty;
  scan.device = ctx.device;
  scan.mode = o.mode;
  scan.tote = r.tote;
  scan.sscc = r.sscc;
  scan.drop_scan = r.drop_scan;
  if (!r.drop_scan.empty()) scan.drop = resolve_location_scan(t, r.drop_scan);
  scan.tote_holder = tote_holder(t, r.tote, o);
  if (auto v = check_pick(k, scan); !v.ok()) refuse(v.status, v.message);
  take_picked(t, k, o, r.qty);
  put_in_tote(t, k, o, r.tote);
  if (!r.sscc.empty()) use_sscc(t, k, r.sscc);
  k.claimed_by = ctx.device;
  k.status = k.picked == k.qty ? "done" : "claimed";
  if (k.status == "done") {
    auto& l = line_of(o, k.line);
    std::erase_if(l.allocs, [&](const Alloc& a) { return a.task == k.id && a.qty == 0; });
  }
  save_order(t, o);
  save_task(t, k);
  proto::PickRep rep;
  rep.task = task_view(t, k, &o);
  emit(t, events, "task", "task.updated", rep.task);
  rep.wave_tasks_left = k.status == "done" ? task_finished(t, k.wave, events) : tasks_left(t, k.wave);
  std::string where;
  if (!k.tote.empty()) where = " into " + k.tote;
  if (!k.drop_location.empty()) where = (k.sscc.empty() ? "" : " pallet " + k.sscc) + " to " + k.drop_location;
  return Outcome::ok(rep, "picked " + std::to_string(r.qty) + " x " + k.sku + " at " + k.location + " for " + o.ref +
                              where + " (task " + std::to_string(k.id) + ")");
}

Outcome do_pick_short(Txn& t, const Ctx& ctx, const proto::PickShortReq& r, std::vector<PubEvent>& events) {
  Task k = claimable_task(t, r.task, ctx);
  if (auto v = check_short(k, r.qty_found, r.reason, ctx.device); !v.ok()) refuse(v.status, v.message);
  Order o = order_by_id(t, k.order);
  if (!r.tote.empty() && r.qty_found == 0)
    refuse(Status::invalid, "nothing was found, so nothing goes into " + r.tote + ": send the short pick without a tote");
  if (auto v = check_tote(k, o.mode, r.tote, tote_holder(t, r.tote, o)); !v.ok()) refuse(v.status, v.message);
  if (o.mode == "pallet" && k.drop_location.empty()) k.drop_location = drop_location_now(t);
  std::optional<std::string> drop;
  if (!r.drop_scan.empty()) drop = resolve_location_scan(t, r.drop_scan);
  if (auto v = check_short_drop(k, o.mode, r.qty_found, r.sscc, r.drop_scan, drop); !v.ok())
    refuse(v.status, v.message);
  take_picked(t, k, o, r.qty_found);
  put_in_tote(t, k, o, r.tote);
  if (!r.sscc.empty()) use_sscc(t, k, r.sscc);
  const std::int64_t missing = k.qty - k.picked;
  // The missing units are not where the system thought: release their reservation and write them off the bin.
  // The bin gives no order anything more until someone counts it (stock.count): what else it holds is in doubt.
  adjust_stock(t, k.sku, k.location, -missing, -missing);
  const std::uint64_t ex_id = store::next_seq(t, "exception_seq");
  store::put_as(t, Table::counts_due, store::key2(k.sku, k.location), CountDue{ex_id, r.reason, ctx.user, ctx.now_ms});
  OrderLine& l = line_of(o, k.line);
  std::erase_if(l.allocs, [&](const Alloc& a) { return a.task == k.id; });
  k.status = "short";
  k.claimed_by = ctx.device;
  save_task(t, k);

  proto::PickShortRep rep;
  const std::size_t before = l.allocs.size();
  std::int64_t got = reserve_for_line(t, o, l, missing);
  std::vector<Task> fresh;
  for (std::size_t i = before; i < l.allocs.size(); ++i) {
    Task n;
    n.id = store::next_seq(t, "task_seq");
    n.wave = k.wave;
    n.order = o.id;
    n.line = l.line;
    n.sku = l.sku;
    n.location = l.allocs[i].location;
    auto loc = find_location(t, n.location);
    n.walk_seq = loc ? loc->walk_seq : 0;
    n.qty = l.allocs[i].qty;
    n.drop_location = k.drop_location;  // the same order's pallets go to the same lane
    // The picker who reported the short fetches the rest: the new task is theirs, in the same transaction, so no
    // other device's task.claim_next can take it first.
    n.claimed_by = ctx.device;
    n.status = "claimed";
    l.allocs[i].task = n.id;
    save_task(t, n);
    fresh.push_back(n);
  }
  // The wave record is read (and rewritten) only when its task list grew: the one case besides create, release
  // and done.
  bool wave_released = false;
  if (!fresh.empty()) {
    Wave w = wave_by_id(t, k.wave);
    for (const auto& n : fresh) w.tasks.push_back(n.id);
    w.left = tasks_left(t, w.id) + static_cast<std::uint32_t>(fresh.size());
    set_tasks_left(t, w.id, w.left);
    save_wave(t, w);
    wave_released = w.status == "released";
  }
  l.backordered += missing - got;
  rep.backordered = missing - got;
  rep.outcome = got == missing ? "reallocated" : (got > 0 ? "partly_reallocated" : "backordered");
  sync_backorder_index(t, o, l);
  // Then (the shortfall of the order being picked came first) orders that hold units in the bin without a task
  // yet are given stock elsewhere, so no wave sends a picker there for them.
  const std::int64_t rehomed =
      rehome_untasked(t, o, k.sku, k.location) + rehome_untasked_others(t, o.id, k.sku, k.location, events);
  // "Empty": the picker saw nothing left in the bin, so the units it still counts beyond what other tasks reserved
  // are not there either. They are written off too. (Units that other open tasks reserved there stay: those tasks
  // are short-picked in their turn.)
  std::int64_t cleared = 0;
  if (r.reason == "empty") {
    const StockRec rest = stock_at(t, k.sku, k.location);
    cleared = std::max<std::int64_t>(rest.on_hand - rest.reserved, 0);
    if (cleared > 0) adjust_stock(t, k.sku, k.location, -cleared, 0);
  }
  save_order(t, o);
  rep.task = task_view(t, k, &o);
  emit(t, events, "task", "task.updated", rep.task);
  for (const auto& n : fresh) {
    rep.new_tasks.push_back(task_view(t, n, &o));
    if (wave_released) emit(t, events, "task", "task.released", rep.new_tasks.back());
  }

  proto::ExceptionView ex;
  ex.id = ex_id;
  ex.kind = "short_pick";
  ex.order_ref = o.ref;
  ex.task = k.id;
  ex.sku = k.sku;
  ex.location = k.location;
  ex.qty_missing = missing;
  ex.qty_cleared = cleared;
  ex.reason = r.reason;
  ex.outcome = rep.outcome;
  ex.user = ctx.user;
  ex.device = ctx.device;
  ex.at_ms = ctx.now_ms;
  store::put_as(t, Table::exceptions, store::be64(ex.id), ex);
  rep.exception = ex.id;
  emit(t, events, "exception", "exception.raised", ex);
  task_finished(t, k.wave, events);
  return Outcome::ok(rep, "short pick of " + std::to_string(missing) + " x " + k.sku + " at " + k.location + " (" +
                              r.reason + "), " + rep.outcome +
                              (cleared ? "; " + std::to_string(cleared) + " more written off the empty bin" : "") +
                              (rehomed ? "; " + std::to_string(rehomed) +
                                             " units other orders held there (not in a wave yet) reserved elsewhere "
                                             "or backordered"
                                       : ""));
}

constexpr std::string_view k_currency_key = "currency";

Outcome do_dispatch(Txn& t, const Ctx& ctx, const std::string& ref, std::vector<PubEvent>& events) {
  Order o = order_by_ref(t, ref);
  if (o.status != "confirmed") refuse(Status::invalid_state, "order " + ref + " is " + o.status + ", not confirmed");
  std::int64_t picked = 0;
  for (const auto& l : o.lines) picked += l.picked;
  if (picked == 0) refuse(Status::invalid_state, "order " + ref + " has nothing picked to dispatch");
  auto acc = store::get_as<Account>(t, Table::accounts, o.account);
  if (!acc) refuse(Status::not_found, "order " + ref + ": account '" + o.account + "' no longer exists");

  std::vector<ShipLine> ship;
  std::set<std::string> freed;  // SKUs whose reservations of tasks not picked went back to available
  for (auto& l : o.lines) {
    auto p = find_product(t, l.sku);
    ship.push_back({l.line, l.sku, p ? p->description : std::string(), l.picked, l.price_minor, l.tax_bps});
    l.shipped += l.picked;
    l.picked = 0;
    const std::int64_t released = release_line(t, l, events);
    l.backordered += released;
    if (released > 0) freed.insert(l.sku);
  }
  bool complete = std::all_of(o.lines.begin(), o.lines.end(), [](const OrderLine& l) { return l.shipped == l.ordered; });
  if (complete) o.status = "closed";
  // The totes are empty now. A closed order keeps its last packing on record; an open one packs its next
  // shipment afresh.
  o.totes.clear();
  if (!complete) {
    o.packed_ms = 0;
    o.cartons = 0;
  }
  for (const auto& l : o.lines) sync_backorder_index(t, o, l);
  save_order(t, o);

  if (!value_minor(ship))  // only an order confirmed before confirmations checked its value can get here
    refuse(Status::invalid, "order " + o.ref + ": this shipment is worth more than " +
                                decimal::format_money(k_max_order_value_minor) + " with tax; ship it in parts");
  proto::InvoiceView inv = make_invoice(ship);
  inv.number = store::next_seq(t, "invoice_seq");
  inv.order_ref = o.ref;
  inv.account = o.account;
  inv.account_name = acc->name;
  if (const auto currency = t.get(Table::meta, k_currency_key)) {
    inv.currency = std::string(*currency);
  } else {  // the first invoice of a site that never chose: the default, for good
    inv.currency = std::string(k_default_currency);
    t.put(Table::meta, k_currency_key, inv.currency);
  }
  const std::int64_t day = day_of_ms(ctx.now_ms);
  inv.issue_date = civil_date(day);
  inv.due_date = civil_date(day + acc->net_days);
  inv.terms = acc->terms;
  store::put_as(t, Table::invoices, store::be64(inv.number), inv);
  emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
  // What was reserved for tasks not picked serves the backorders at once, in confirmation order (this order's
  // among them), so the next wave can pick it; what stays on backorder is counted after that.
  for (const auto& sku : freed) serve_backorders(t, sku, events);
  std::int64_t backordered = 0;
  for (const auto& l : (freed.empty() ? o : order_by_id(t, o.id)).lines) backordered += l.backordered;
  proto::DispatchRep rep{inv, backordered};
  return Outcome::ok(rep, "dispatched " + ref + ", invoice " + std::to_string(inv.number) + " total " +
                              decimal::format_money(inv.total_minor) + " due " + inv.due_date);
}

Outcome do_pack_close(Txn& t, const Ctx& ctx, const proto::PackCloseReq& r, std::vector<PubEvent>& events) {
  Order o = order_by_ref(t, r.ref);
  if (auto v = check_pack_close(o, r.cartons); !v.ok()) refuse(v.status, v.message);
  o.packed_ms = ctx.now_ms;
  o.cartons = r.cartons;
  save_order(t, o);
  emit(t, events, "order", "order.updated", proto::OrderEvent{o.ref, o.status});
  return Outcome::ok(pack_contents(t, o, ""), "packed order " + o.ref + " (" + std::to_string(o.picked_units()) +
                                                  " units) in " + std::to_string(r.cartons) + " carton(s)");
}

void check_sku_and_location(const Txn& t, std::string_view sku, std::string_view loc) {
  if (!find_product(t, sku)) refuse(Status::not_found, "no product '" + std::string(sku) + "'");
  if (!find_location(t, loc)) refuse(Status::not_found, "no location '" + std::string(loc) + "'");
}

Outcome do_receive(Txn& t, const proto::ReceiveReq& r, std::vector<PubEvent>& events) {
  check_sku_and_location(t, r.sku, r.location);
  if (r.qty <= 0 || r.qty > 1'000'000'000) refuse(Status::invalid, "received quantity must be 1 to 1000000000, got " + std::to_string(r.qty));
  adjust_stock(t, r.sku, r.location, r.qty, 0);
  proto::ReceiveRep rep;
  rep.backorder_units_allocated = serve_backorders(t, r.sku, events);
  rep.stock = stock_view(t, r.sku, r.location);
  if (auto l = find_location(t, r.location); l && !allocatable_kind(l->kind))
    rep.note = "the units received into " + r.location + " (a " + l->kind +
               " location) serve no order until they are " + "moved to a pick face or bulk location (move)" +
               (rep.backorder_units_allocated > 0 ? "; the backorder units allocated came from stock elsewhere" : "");
  else if (rep.stock.count_due)
    rep.note = r.sku + " at " + r.location + " waits for a count (a short pick was reported there): its units " +
               "serve no order until it is counted (wmsctl count)" +
               (rep.backorder_units_allocated > 0 ? "; the backorder units allocated came from stock elsewhere" : "");
  return Outcome::ok(rep, "received " + std::to_string(r.qty) + " x " + r.sku + " into " + r.location +
                              (r.ref.empty() ? "" : " (" + r.ref + ")"));
}

Outcome do_move(Txn& t, const proto::MoveReq& r, std::vector<PubEvent>& events) {
  check_sku_and_location(t, r.sku, r.from);
  check_sku_and_location(t, r.sku, r.to);
  if (r.from == r.to) refuse(Status::invalid, "a move needs two different locations, got " + r.from + " twice");
  if (r.qty <= 0 || r.qty > 1'000'000'000)
    refuse(Status::invalid, "moved quantity must be 1 to 1000000000, got " + std::to_string(r.qty));
  if (count_due(t, r.sku, r.from))
    refuse(Status::invalid_state, r.sku + " at " + r.from + " waits for a count (a short pick was reported there): " +
                                      "what it holds is in doubt, so nothing moves out of it before it is counted " +
                                      "(wmsctl count)");
  const StockRec from = stock_at(t, r.sku, r.from);
  if (from.on_hand - from.reserved < r.qty)
    refuse(Status::insufficient_stock, r.from + " holds " + std::to_string(from.on_hand) + " of " + r.sku + ", " +
                                           std::to_string(from.reserved) + " reserved for orders; cannot move " +
                                           std::to_string(r.qty) + " (available " +
                                           std::to_string(from.on_hand - from.reserved) + ")");
  adjust_stock(t, r.sku, r.from, -r.qty, 0);
  adjust_stock(t, r.sku, r.to, r.qty, 0);
  proto::MoveRep rep;
  rep.backorder_units_allocated = serve_backorders(t, r.sku, events);
  rep.from = stock_view(t, r.sku, r.from);
  rep.to = stock_view(t, r.sku, r.to);
  return Outcome::ok(rep, "moved " + std::to_string(r.qty) + " x " + r.sku + " from " + r.from + " to " + r.to +
                              (r.reason.empty() ? "" : ": " + r.reason));
}

Outcome do_adjust(Txn& t, const proto::AdjustReq& r, std::vector<PubEvent>& events) {
  check_sku_and_location(t, r.sku, r.location);
  if (r.reason.empty()) refuse(Status::invalid, "an adjustment needs a reason");
  if (r.delta == 0 || r.delta < -1'000'000'000 || r.delta > 1'000'000'000) refuse(Status::invalid, "delta must be a non-zero quantity");
  StockRec s = stock_at(t, r.sku, r.location);
  if (s.on_hand + r.delta < s.reserved)
    refuse(Status::insufficient_stock, "bin " + r.location + " holds " + std::to_string(s.on_hand) + " of " + r.sku + ", " +
                                           std::to_string(s.reserved) + " reserved; cannot remove " + std::to_string(-r.delta));
  adjust_stock(t, r.sku, r.location, r.delta, 0);
  if (r.delta > 0) serve_backorders(t, r.sku, events);
  return Outcome::ok(stock_view(t, r.sku, r.location),
                     "adjusted " + r.sku + " at " + r.location + " by " + std::to_string(r.delta) + ": " + r.reason);
}

// What a count found in a bin becomes its on-hand: the difference is written on or off (the audit trail keeps the
// count), and a count due after a short pick is cleared. Units reserved there are still on the shelf, waiting for
// their picks, so a count below them is refused: those tasks are picked or short-picked first.
Outcome do_stock_count(Txn& t, const proto::StockCountReq& r, std::vector<PubEvent>& events) {
  check_sku_and_location(t, r.sku, r.location);
  if (r.qty < 0 || r.qty > 1'000'000'000)
    refuse(Status::invalid, "counted quantity must be 0 to 1000000000, got " + std::to_string(r.qty));
  if (r.expected < -1 || r.expected > 1'000'000'000)
    refuse(Status::invalid,
           "expected on-hand must be 0 to 1000000000 (or left out), got " + std::to_string(r.expected));
  const StockRec s = stock_at(t, r.sku, r.location);
  // The count sheet's figure: a pick, receipt or move since it was printed makes the count stale.
  if (r.expected >= 0 && r.expected != s.on_hand)
    refuse(Status::conflict, r.sku + " at " + r.location + " holds " + std::to_string(s.on_hand) +
                                 " on the books now, not the " + std::to_string(r.expected) +
                                 " the count sheet showed: stock moved there since; count the bin again");
  proto::StockCountRep rep;
  const std::string key = store::key2(r.sku, r.location);
  rep.was_due = t.get(Table::counts_due, key).has_value();
  // Fewer found than orders hold there: orders without a task yet give their units up and are given stock
  // elsewhere (the bin marked due meanwhile, so it is skipped), else backordered; they may get units of this bin
  // back below, in confirmation order. Units held for tasks count as still on the shelf until picked.
  if (r.qty < s.reserved) {
    if (!rep.was_due) store::put_as(t, Table::counts_due, key, CountDue{});
    rehome_untasked_others(t, 0, r.sku, r.location, events);
    const std::int64_t held = stock_at(t, r.sku, r.location).reserved;
    if (r.qty < held)
      refuse(Status::insufficient_stock,
             std::to_string(held) + " x " + r.sku + " at " + r.location +
                 " are held for tasks not yet picked and count as still on the shelf; a count of " +
                 std::to_string(r.qty) + " is below that: pick or short-pick those tasks first (wmsctl tasks: " +
                 "open or claimed), then count again");
  }
  rep.before = s.on_hand;
  rep.delta = r.qty - s.on_hand;
  t.del(Table::counts_due, key);
  if (rep.delta != 0) adjust_stock(t, r.sku, r.location, rep.delta, 0);
  const StockRec now = stock_at(t, r.sku, r.location);
  if (now.on_hand > now.reserved) rep.backorder_units_allocated = serve_backorders(t, r.sku, events);
  rep.stock = stock_view(t, r.sku, r.location);
  return Outcome::ok(rep, "counted " + std::to_string(r.qty) + " x " + r.sku + " at " + r.location + " (was " +
                              std::to_string(s.on_hand) + ")" + (rep.was_due ? ", count due cleared" : "") +
                              (r.reason.empty() ? "" : ": " + r.reason));
}

Outcome do_allocate(Txn& t, std::vector<PubEvent>& events) {
  std::set<std::string> skus;
  t.scan(Table::backorders, "", [&](std::string_view k, std::string_view) {
    skus.insert(std::string(k.substr(0, k.find('\0'))));
    return true;
  });
  proto::AllocateRep rep;
  for (const auto& s : skus) rep.units += serve_backorders(t, s, events, &rep.lines);
  t.scan(Table::counts_due, "", [&](std::string_view, std::string_view) {
    ++rep.count_due_bins;
    return true;
  });
  return Outcome::ok(rep, "allocated " + std::to_string(rep.units) + " backordered units");
}

void add_user(Txn& t, const Ctx& ctx, const std::string& code, const std::string& name, const std::string& role,
              const std::string& pin) {
  const auto stored = store::get_as<User>(t, Table::users, code);
  User u = stored.value_or(User{});
  if (u.role == "admin" && role != "admin") {  // someone must be left to manage users, imports and backups
    bool other_admin = false;
    t.scan(Table::users, "", [&](std::string_view k, std::string_view v) {
      if (k != code && store::unpack<User>(v).role == "admin") other_admin = true;
      return !other_admin;
    });
    if (!other_admin)
      refuse(Status::invalid_state, "user " + code + " is the only admin: make another user admin first");
  }
  u.code = code;
  u.name = name.empty() ? (u.name.empty() ? code : u.name) : name;
  std::string hash;
  if (const auto* h = ctx.pin_hashes; h && h->count(pin_key(code, pin))) {
    hash = h->at(pin_key(code, pin));
  } else {
    ctx.keep_alive();  // the hash takes ~0.1 s
    hash = stored && check_pin(stored->pin_hash, pin) == PinCheck::match ? stored->pin_hash : hash_pin(pin);
  }
  // The same PIN (its stored hash kept, see pin_hashes_for) and the same role: a re-imported staff list or a new
  // name. Open sessions stay.
  const bool same = stored && stored->pin_hash == hash && stored->role == role;
  u.role = role;
  u.pin_hash = hash;
  u.failed_pins = 0;
  u.locked_until_ms = 0;
  store::put_as(t, Table::users, code, u);
  if (same) return;
  // A new PIN or role ends the user's open sessions, so an old token never keeps an old role or PIN.
  std::vector<std::string> ended;
  t.scan(Table::sessions, "", [&](std::string_view k, std::string_view v) {
    if (store::unpack<Session>(v).user == code) ended.emplace_back(k);
    return true;
  });
  for (const auto& k : ended) t.del(Table::sessions, k);
}

// Row errors come from two passes (each row's own fields, then the rows that parsed against what is stored); they
// are reported in file order.
void count_upsert(proto::ImportRep& rep, bool existed) {
  ++(existed ? rep.updated : rep.created);
}
// An upsert of `fresh` over `old` (nullopt: new): counted as created, updated or unchanged (same stored bytes).
template <class T>
void count_upsert(proto::ImportRep& rep, const std::optional<T>& old, const T& fresh) {
  if (!old) {
    ++rep.created;
    return;
  }
  msgpack::sbuffer a, b;
  msgpack::pack(a, *old);
  msgpack::pack(b, fresh);
  const bool same = a.size() == b.size() && std::equal(a.data(), a.data() + a.size(), b.data());
  ++(same ? rep.unchanged : rep.updated);
}

Outcome fail_import(proto::ImportRep rep) {
  std::stable_sort(rep.errors.begin(), rep.errors.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  Outcome o = Outcome::fail(Status::import_failed, std::to_string(rep.errors.size()) + " row error(s); nothing was imported");
  if (rep.errors.size() > 200) rep.errors.resize(200);
  msgpack::pack(o.body, rep);
  return o;
}

// A reference cell of an import row (SKU, location, account) and how to tell it names nothing stored.
struct RefCheck {
  const char* column;
  std::function<std::optional<std::string>(std::string_view)> unknown;  // the error, if the code is unknown
};

// Rows that failed their own checks are not in `parsed`; what they refer to is checked here too (where the cell
// holds a well-formed code), so one try reports a bad quantity and an unknown SKU of the same row.
template <class T, class Err>
void check_refs_of_failed_rows(const csv::Table& table, const std::vector<domain::Lined<T>>& parsed,
                               std::initializer_list<RefCheck> refs, Err&& err) {
  std::set<std::size_t> ok;
  for (const auto& row : parsed) ok.insert(row.line);
  for (const auto& row : table.rows) {
    if (ok.count(row.line)) continue;
    for (const auto& ref : refs) {
      auto col = table.column(ref.column);
      if (!col) continue;
      const std::string_view code = table.cell(row, *col);
      if (!domain::valid_code(code)) continue;  // its own error is reported already
      if (auto e = ref.unknown(code)) err(row.line, ref.column, std::move(*e));
    }
  }
}

Outcome do_import(Txn& t, const Ctx& ctx, const proto::ImportReq& r, std::vector<PubEvent>& events) {
  auto parsed = csv::parse(r.csv);
  proto::ImportRep rep;
  if (auto* pe = std::get_if<csv::ParseError>(&parsed)) {
    rep.errors.push_back({static_cast<std::uint32_t>(pe->line), "", pe->message});
    return fail_import(std::move(rep));
  }
  const auto& table = std::get<csv::Table>(parsed);
  auto& errs = rep.errors;
  auto err = [&](std::size_t line, const char* col, std::string msg) {
    errs.push_back({static_cast<std::uint32_t>(line), col, std::move(msg)});
  };
  // Rows the reader left out (too many cells) are errors; the other rows are still checked, so one try lists all.
  for (const auto& p : table.row_problems) err(p.line, "", p.message);
  std::set<std::string> seen;
  auto dup = [&](std::size_t line, const char* col, const std::string& key) {
    if (!seen.insert(key).second) err(line, col, std::string(col) + " '" + key + "' appears twice in the file");
  };
  // What stock and order rows refer to.
  auto unknown_sku = [&](std::string_view sku) -> std::optional<std::string> {
    if (find_product(t, sku)) return std::nullopt;
    return "sku '" + std::string(sku) + "' is not a known product";
  };
  auto unknown_location = [&](std::string_view loc) -> std::optional<std::string> {
    if (find_location(t, loc)) return std::nullopt;
    return "location '" + std::string(loc) + "' is not known";
  };
  if (r.kind == "products") {
    auto rows = parse_products(table, errs, [&](const std::string& sku) { return find_product(t, sku); });
    std::map<std::string, std::string> file_codes;  // barcode -> sku within the file
    std::map<std::string, const Product*> in_file;  // sku -> its row: a barcode it no longer lists is free to move
    for (const auto& [line, p] : rows) in_file.emplace(p.sku, &p);
    auto released = [&](const std::string& owner, const std::string& code) {
      auto it = in_file.find(owner);
      return it != in_file.end() &&
             std::find(it->second->barcodes.begin(), it->second->barcodes.end(), code) == it->second->barcodes.end();
    };
    for (const auto& [line, p] : rows) {
      dup(line, "sku", p.sku);
      for (const auto& b : p.barcodes) {
        auto owner = t.get(Table::barcodes, b);
        if (owner && *owner != p.sku && !released(std::string(*owner), b))
          err(line, "barcodes",
              "barcode " + b + " already belongs to " + std::string(*owner) + " (to move it, list " +
                  std::string(*owner) + " in the same file without it)");
        auto [it, fresh] = file_codes.emplace(b, p.sku);
        if (!fresh && it->second != p.sku) err(line, "barcodes", "barcode " + b + " is also given to " + it->second);
      }
    }
    if (!errs.empty()) return fail_import(std::move(rep));
    // Every row's old barcodes leave the index before any new ones enter it, so a code moved from one product to
    // another in this file ends up with its new owner whatever the row order.
    std::vector<std::optional<Product>> olds;
    for (const auto& [line, p] : rows) {
      olds.push_back(find_product(t, p.sku));
      if (olds.back())
        for (const auto& b : olds.back()->barcodes) t.del(Table::barcodes, b);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Product& p = rows[i].value;
      count_upsert(rep, olds[i], p);
      for (const auto& b : p.barcodes) t.put(Table::barcodes, b, p.sku);
      store::put_as(t, Table::products, p.sku, p);
    }
    rep.rows = static_cast<std::uint32_t>(rows.size());
  } else if (r.kind == "locations") {
    auto rows = parse_locations(table, errs, [&](const std::string& code) { return find_location(t, code); });
    std::map<std::string, std::string> file_codes;
    std::map<std::string, std::string> label_in_file;  // location -> its barcode in this file (a label may move)
    for (const auto& [line, l] : rows) label_in_file.emplace(l.code, l.barcode);
    for (const auto& [line, l] : rows) {
      dup(line, "code", l.code);
      auto owner = t.get(Table::loc_barcodes, l.barcode);
      const auto moved = owner ? label_in_file.find(std::string(*owner)) : label_in_file.end();
      if (owner && *owner != l.code && (moved == label_in_file.end() || moved->second == l.barcode))
        err(line, "barcode",
            "barcode " + l.barcode + " already belongs to location " + std::string(*owner) + " (to move it, give " +
                std::string(*owner) + " another barcode in the same file)");
      auto [it, fresh] = file_codes.emplace(l.barcode, l.code);
      if (!fresh && it->second != l.code) err(line, "barcode", "barcode " + l.barcode + " is also given to " + it->second);
    }
    // A kind that gives no stock to orders (staging, dock) cannot be given to a location holding reserved units:
    // their tasks would send pickers there. One scan of the stock, only when a row takes such a kind away.
    std::map<std::string, std::size_t> leaving;  // location -> line of the row that makes it not allocatable
    for (const auto& [line, l] : rows)
      if (auto old = find_location(t, l.code);
          old && domain::allocatable_kind(old->kind) && !domain::allocatable_kind(l.kind))
        leaving.emplace(l.code, line);
    std::set<std::string> opening;  // locations that become allocatable: their stock serves backorders
    for (const auto& [line, l] : rows)
      if (auto old = find_location(t, l.code);
          old && !domain::allocatable_kind(old->kind) && domain::allocatable_kind(l.kind))
        opening.insert(l.code);
    std::set<std::string> serve_skus;
    if (!leaving.empty() || !opening.empty()) {
      std::map<std::string, std::map<std::string, std::int64_t>> reserved;  // location -> SKU -> units reserved
      t.scan(Table::stock, "", [&](std::string_view k, std::string_view v) {
        const auto nul = k.find('\0');
        const std::string loc(k.substr(nul + 1));
        const auto rec = store::unpack<StockRec>(v);
        if (leaving.count(loc) && rec.reserved > 0) reserved[loc][std::string(k.substr(0, nul))] += rec.reserved;
        if (opening.count(loc) && rec.on_hand > rec.reserved) serve_skus.emplace(k.substr(0, nul));
        return true;
      });
      for (const auto& [loc, by_sku] : reserved) {
        std::string what;
        for (const auto& [sku, units] : by_sku) {
          if (what.size() > 120) {
            what += ", ...";
            break;
          }
          what += (what.empty() ? "" : ", ") + std::to_string(units) + " x " + sku;
        }
        err(leaving[loc], "kind",
            "location " + loc + " holds units reserved for orders (" + what +
                "): a staging lane or dock door gives no stock to orders, so pick or cancel those first");
      }
    }
    if (!errs.empty()) return fail_import(std::move(rep));
    // Old labels leave the index before new ones enter it (a label moved between two rows, in any order).
    std::vector<std::optional<Location>> olds;
    for (const auto& [line, l] : rows) {
      olds.push_back(find_location(t, l.code));
      if (olds.back()) t.del(Table::loc_barcodes, olds.back()->barcode);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Location& l = rows[i].value;
      count_upsert(rep, olds[i], l);
      t.put(Table::loc_barcodes, l.barcode, l.code);
      store::put_as(t, Table::locations, l.code, l);
    }
    for (const auto& sku : serve_skus) serve_backorders(t, sku, events);
    rep.rows = static_cast<std::uint32_t>(rows.size());
  } else if (r.kind == "stock") {
    auto rows = parse_stock(table, errs);
    check_refs_of_failed_rows(table, rows, {{"sku", unknown_sku}, {"location", unknown_location}}, err);
    for (const auto& [line, s] : rows) {
      dup(line, "location", s.sku + " at " + s.location);
      if (auto e = unknown_sku(s.sku)) err(line, "sku", std::move(*e));
      if (auto e = unknown_location(s.location))
        err(line, "location", std::move(*e));
      else if (auto cur = stock_at(t, s.sku, s.location); s.qty < cur.reserved)
        err(line, "qty", "qty " + std::to_string(s.qty) + " is below the " + std::to_string(cur.reserved) + " units reserved there");
    }
    if (!errs.empty()) return fail_import(std::move(rep));
    std::set<std::string> skus;
    // A stock file gives what is on the shelf, like a count: a bin waiting for a count is cleared by its row.
    for (const auto& [line, s] : rows) {
      adjust_stock(t, s.sku, s.location, s.qty - stock_at(t, s.sku, s.location).on_hand, 0);
      t.del(Table::counts_due, store::key2(s.sku, s.location));
      skus.insert(s.sku);
    }
    for (const auto& s : skus) serve_backorders(t, s, events);
    rep.rows = static_cast<std::uint32_t>(rows.size());
  } else if (r.kind == "accounts") {
    auto rows = parse_accounts(
        table, errs, [&](const std::string& code) { return store::get_as<Account>(t, Table::accounts, code); });
    for (const auto& [line, a] : rows) dup(line, "code", a.code);
    if (!errs.empty()) return fail_import(std::move(rep));
    for (const auto& [line, a] : rows) {
      count_upsert(rep, store::get_as<Account>(t, Table::accounts, a.code), a);
      store::put_as(t, Table::accounts, a.code, a);
    }
    rep.rows = static_cast<std::uint32_t>(rows.size());
  } else if (r.kind == "orders") {
    auto rows = parse_orders(table, errs);
    auto taken_ref = [&](std::string_view ref) -> std::optional<std::string> {
      if (!t.get(Table::order_refs, ref)) return std::nullopt;
      return "order '" + std::string(ref) + "' already exists";
    };
    auto unknown_account = [&](std::string_view code) -> std::optional<std::string> {
      if (t.get(Table::accounts, code)) return std::nullopt;
      return "account '" + std::string(code) + "' is not known";
    };
    check_refs_of_failed_rows(table, rows,
                              {{"order_ref", taken_ref}, {"account", unknown_account}, {"sku", unknown_sku}}, err);
    std::map<std::string, proto::OrderCreateReq> orders;
    std::vector<std::string> order_seq;
    for (const auto& [line, o] : rows) {
      if (auto e = taken_ref(o.ref)) err(line, "order_ref", std::move(*e));
      if (auto e = unknown_account(o.account)) err(line, "account", std::move(*e));
      if (auto e = unknown_sku(o.sku)) err(line, "sku", std::move(*e));
      auto [it, fresh] = orders.try_emplace(o.ref);
      if (fresh) {
        it->second.ref = o.ref;
        it->second.account = o.account;
        order_seq.push_back(o.ref);
      } else if (it->second.account != o.account) {
        err(line, "account", "order '" + o.ref + "' has rows for two accounts (" + it->second.account + ", " + o.account + ")");
      }
      it->second.lines.push_back({o.sku, o.qty});
    }
    if (!errs.empty()) return fail_import(std::move(rep));
    for (const auto& ref : order_seq) do_order_create(t, ctx, orders[ref], events);
    rep.rows = static_cast<std::uint32_t>(rows.size());
  } else if (r.kind == "users") {
    auto rows = parse_users(table, errs);
    for (const auto& [line, u] : rows) dup(line, "code", u.code);
    if (!errs.empty()) return fail_import(std::move(rep));
    for (const auto& [line, u] : rows) {
      count_upsert(rep, t.get(Table::users, u.code).has_value());
      add_user(t, ctx, u.code, u.name, u.role, u.pin);
    }
    rep.rows = static_cast<std::uint32_t>(rows.size());
  } else {
    refuse(Status::invalid, "import kind must be products, locations, stock, accounts, orders or users, got '" + r.kind + "'");
  }
  if (table.rows.empty()) refuse(Status::invalid, "the file has a header but no rows");
  return Outcome::ok(rep, "imported " + std::to_string(rep.rows) + " " + r.kind + " rows");
}

Outcome do_user_add(Txn& t, const Ctx& ctx, const proto::UserAddReq& r) {
  if (!valid_code(r.code)) refuse(Status::invalid, "user code must be 1-64 printable characters without spaces");
  if (!is_role(r.role)) refuse(Status::invalid, "role must be picker, forklift, manager or admin, got '" + r.role + "'");
  if (!valid_pin(r.pin)) refuse(Status::invalid, "PIN must be 4 to 12 digits");
  add_user(t, ctx, r.code, r.name, r.role, r.pin);
  return Outcome::ok(proto::Empty{}, "added user " + r.code + " as " + r.role);
}

Outcome mutate(Txn& t, const Ctx& ctx, std::string_view type, const msgpack::object& body, std::vector<PubEvent>& ev) {
  using namespace proto;
  if (type == ImportReq::k_type) return do_import(t, ctx, body_as<ImportReq>(body), ev);
  if (type == UserAddReq::k_type) return do_user_add(t, ctx, body_as<UserAddReq>(body));
  if (type == OrderCreateReq::k_type) return do_order_create(t, ctx, body_as<OrderCreateReq>(body), ev);
  if (type == OrderConfirmReq::k_type) return do_order_confirm(t, ctx, body_as<OrderConfirmReq>(body).ref, ev);
  if (type == OrderCancelReq::k_type) return do_order_cancel(t, body_as<OrderCancelReq>(body).ref, ev);
  if (type == AllocateReq::k_type) return do_allocate(t, ev);
  if (type == WaveCreateReq::k_type) return do_wave_create(t, ctx, body_as<WaveCreateReq>(body), ev);
  if (type == WaveReleaseReq::k_type) return do_wave_release(t, ctx, body_as<WaveReleaseReq>(body).wave, ev);
  if (type == TaskClaimReq::k_type) return do_task_claim(t, ctx, body_as<TaskClaimReq>(body).task, ev);
  if (type == TaskClaimNextReq::k_type) return do_task_claim_next(t, ctx, body_as<TaskClaimNextReq>(body), ev);
  if (type == TaskUnclaimReq::k_type) return do_task_unclaim(t, body_as<TaskUnclaimReq>(body), ev);
  if (type == PickConfirmReq::k_type) return do_pick_confirm(t, ctx, body_as<PickConfirmReq>(body), ev);
  if (type == PickShortReq::k_type) return do_pick_short(t, ctx, body_as<PickShortReq>(body), ev);
  if (type == DispatchReq::k_type) return do_dispatch(t, ctx, body_as<DispatchReq>(body).ref, ev);
  if (type == PackCloseReq::k_type) return do_pack_close(t, ctx, body_as<PackCloseReq>(body), ev);
  if (type == ReceiveReq::k_type) return do_receive(t, body_as<ReceiveReq>(body), ev);
  if (type == AdjustReq::k_type) return do_adjust(t, body_as<AdjustReq>(body), ev);
  if (type == MoveReq::k_type) return do_move(t, body_as<MoveReq>(body), ev);
  if (type == StockCountReq::k_type) return do_stock_count(t, body_as<StockCountReq>(body), ev);
  refuse(Status::unknown_type, "unknown mutation '" + std::string(type) + "'");
}

// ---- queries ----
// A master data listing (products, locations, accounts, users): records of `table` in key (code) order that start
// with r.prefix and come after r.after, each turned into its view; `more` when r.limit stopped it.
template <class Rec, class Rep, class View>
Rep list_master(const Txn& t, Table table, const proto::MasterListReq& r, std::vector<View> Rep::*rows,
                View (*view)(const Rec&)) {
  if (r.limit < 1 || r.limit > proto::k_max_list_items)
    refuse(Status::invalid,
           "limit must be 1 to " + std::to_string(proto::k_max_list_items) + ", got " + std::to_string(r.limit));
  Rep rep;
  auto& out = rep.*rows;
  t.scan(
      table, r.prefix,
      [&](std::string_view k, std::string_view v) {
        if (!r.after.empty() && k <= r.after) return true;  // the scan starts at `after` itself
        if (out.size() == r.limit) {
          rep.more = true;
          return false;
        }
        out.push_back(view(store::unpack<Rec>(v)));
        return true;
      },
      false, r.after);
  return rep;
}
proto::ProductView product_view(const Product& p) {
  return {p.sku,      p.description, p.barcodes,   p.uom,    p.units_per_case, p.units_per_pallet,
          p.weight_g, p.cost_minor,  p.list_minor, p.tax_bps};
}
proto::LocationView location_view(const Location& l) {
  return {l.code, l.warehouse, l.zone, l.aisle, l.bay, l.level, l.bin, l.walk_seq, l.kind, l.barcode};
}
proto::AccountView account_view(const Account& a) {
  return {a.code, a.name, a.price_tier, a.terms, a.mode};
}
proto::UserView user_view(const User& u) {
  return {u.code, u.name, u.role, u.failed_pins, u.locked_until_ms};
}

Outcome query(const Txn& t, const Ctx&, std::string_view type, const msgpack::object& body) {
  using namespace proto;
  auto all = [](const auto&) { return true; };
  if (type == PingReq::k_type) return Outcome::ok(PingRep{store::meta_u64(t, "event_seq")});
  if (type == SnapshotReq::k_type) {
    SnapshotRep rep;
    rep.seq = store::meta_u64(t, "event_seq");
    for (const auto& w : released_waves(t, "")) {
      std::uint32_t left = 0;
      for (auto id : w.tasks) {
        Task k = task_by_id(t, id);
        if (k.finished()) continue;
        ++left;
        rep.tasks.push_back(task_view(t, k));
      }
      rep.waves.push_back(wave_view(w, left));
    }
    return Outcome::ok(rep);
  }
  if (type == OrdersReq::k_type) {
    auto r = body_as<OrdersReq>(body);
    if (!r.status.empty() && r.status != "entered" && r.status != "confirmed" && r.status != "cancelled" &&
        r.status != "closed")
      refuse(Status::invalid, "status must be entered, confirmed, cancelled or closed, got '" + r.status + "'");
    OrdersRep rep;
    auto keep = [&](const Order& o) { return r.status.empty() || o.status == r.status; };
    for (const auto& o : scan_page<Order>(t, Table::orders, keep, r.after, r.limit, rep.more))
      rep.orders.push_back(order_view(o));
    return Outcome::ok(rep);
  }
  if (type == OrderShowReq::k_type) return Outcome::ok(order_view(order_by_ref(t, body_as<OrderShowReq>(body).ref)));
  if (type == PackContentsReq::k_type) {
    auto r = body_as<PackContentsReq>(body);
    if (r.ref.empty() && r.tote.empty()) refuse(Status::invalid, "pack.contents needs the order ref or the tote label");
    if (!r.tote.empty() && !is_tote_label(r.tote))
      refuse(Status::invalid, "'" + r.tote + "' is not a tote label (TOTE- and 1-12 letters or digits)");
    if (!r.ref.empty()) {
      Order o = order_by_ref(t, r.ref);
      if (!r.tote.empty() && !has(o.totes, r.tote))
        refuse(Status::not_found, r.tote + " holds nothing of order " + o.ref);
      return Outcome::ok(pack_contents(t, o, r.tote));
    }
    // The tote index names the last order that put goods into the tote; it holds them until dispatch.
    std::optional<Order> o;
    if (auto id = t.get(Table::totes, r.tote)) o = store::get_as<Order>(t, Table::orders, *id);
    if (!o || !has(o->totes, r.tote)) refuse(Status::not_found, r.tote + " holds no picked goods");
    return Outcome::ok(pack_contents(t, *o, r.tote));
  }
  if (type == WavesReq::k_type) {
    auto r = body_as<WavesReq>(body);
    WavesRep rep;
    for (const auto& w : scan_page<Wave>(t, Table::waves, all, r.after, r.limit, rep.more))
      rep.waves.push_back(wave_view(w, tasks_left(t, w.id)));
    return Outcome::ok(rep);
  }
  if (type == TasksReq::k_type) {
    auto r = body_as<TasksReq>(body);
    if (!r.status.empty() && r.status != "open" && r.status != "claimed" && r.status != "done" && r.status != "short" &&
        r.status != "cancelled")
      refuse(Status::invalid, "status must be open, claimed, done, short or cancelled, got '" + r.status + "'");
    if (r.wave) wave_by_id(t, r.wave);  // "no wave N" rather than an empty list
    TasksRep rep;
    auto keep = [&](const Task& k) { return (!r.wave || k.wave == r.wave) && (r.status.empty() || k.status == r.status); };
    for (const auto& k : scan_page<Task>(t, Table::tasks, keep, r.after, r.limit, rep.more))
      rep.tasks.push_back(task_view(t, k));
    return Outcome::ok(rep);
  }
  if (type == StockReq::k_type) {
    auto r = body_as<StockReq>(body);
    // A mistyped code is not "no stock": say it is unknown.
    if (!r.sku.empty() && !find_product(t, r.sku)) refuse(Status::not_found, "no product '" + r.sku + "'");
    if (!r.location.empty() && !find_location(t, r.location))
      refuse(Status::not_found, "no location '" + r.location + "'");
    StockRep rep;
    // With count_due, the (small) table of bins waiting for a count is walked instead of all stock.
    const Table table = r.count_due ? Table::counts_due : Table::stock;
    t.scan(table, r.sku.empty() ? std::string() : store::key2(r.sku, ""), [&](std::string_view k, std::string_view v) {
      auto sep = k.find('\0');
      auto sku = k.substr(0, sep), loc = k.substr(sep + 1);
      if (!r.location.empty() && loc != r.location) return true;
      if (rep.stock.size() == k_max_list_items) {
        rep.more = true;
        return false;
      }
      if (!r.count_due) {
        rep.stock.push_back(stock_view(t, sku, loc, store::unpack<StockRec>(v)));
        return true;
      }
      rep.stock.push_back(stock_view(t, sku, loc));
      const auto why = store::unpack<CountDue>(v);
      const auto& s = rep.stock.back();
      rep.due.push_back({s.sku, s.location, s.on_hand, s.reserved, why.reason, why.user, why.at_ms, why.exception});
      return true;
    });
    return Outcome::ok(rep);
  }
  if (type == ProductsReq::k_type)
    return Outcome::ok(
        list_master(t, Table::products, body_as<ProductsReq>(body), &ProductsRep::products, &product_view));
  if (type == LocationsReq::k_type)
    return Outcome::ok(
        list_master(t, Table::locations, body_as<LocationsReq>(body), &LocationsRep::locations, &location_view));
  if (type == AccountsReq::k_type)
    return Outcome::ok(
        list_master(t, Table::accounts, body_as<AccountsReq>(body), &AccountsRep::accounts, &account_view));
  if (type == UsersReq::k_type)
    return Outcome::ok(list_master(t, Table::users, body_as<UsersReq>(body), &UsersRep::users, &user_view));
  if (type == ExceptionsReq::k_type) {
    auto r = body_as<ExceptionsReq>(body);
    ExceptionsRep rep;
    rep.exceptions = scan_page<ExceptionView>(t, Table::exceptions, all, r.after, r.limit, rep.more);
    return Outcome::ok(rep);
  }
  if (type == InvoicesReq::k_type) {
    auto r = body_as<InvoicesReq>(body);
    InvoicesRep rep;
    rep.invoices = scan_page<InvoiceView>(t, Table::invoices, all, r.after, r.limit, rep.more);
    return Outcome::ok(rep);
  }
  if (type == InvoiceShowReq::k_type) {
    auto n = body_as<InvoiceShowReq>(body).number;
    auto inv = store::get_as<InvoiceView>(t, Table::invoices, store::be64(n));
    if (!inv && n > 0 && n <= store::meta_u64(t, "invoice_seq"))  // numbers are gapless but for a restore's skip
      refuse(Status::not_found, "invoice " + std::to_string(n) +
                                    " is not in this database: it was issued before a backup was restored (wmsctl "
                                    "audit --type restore)");
    if (!inv) refuse(Status::not_found, "no invoice " + std::to_string(n));
    return Outcome::ok(*inv);
  }
  if (type == AuditReq::k_type) {
    auto r = body_as<AuditReq>(body);
    if (r.limit == 0 || r.limit > k_max_list_items)
      refuse(Status::invalid, "audit limit must be 1 to " + std::to_string(k_max_list_items));
    if (!r.type.empty() && !is_audit_type(r.type))
      refuse(Status::invalid,
             "'" + r.type + "' is not a request type the audit trail records (" + audit_types_text() + ")");
    auto keep = [&](const AuditView& a) {
      return (r.type.empty() || a.type == r.type) && (r.user.empty() || a.user == r.user) &&
             (r.device.empty() || a.device == r.device) &&
             (r.logins || (a.type != "login" && a.type != "login.failed"));
    };
    // Filters look through the newest k_audit_scan records at most: the serving thread answers queries, and a
    // filter that matches nothing must not read a year of picks while scans wait.
    const std::size_t limit = std::min<std::size_t>(r.limit, k_max_list_items);
    AuditRep rep;
    std::size_t scanned = 0;
    t.scan(
        Table::audit, "",
        [&](std::string_view, std::string_view v) {
          if (++scanned > k_audit_scan) {
            rep.more = true;
            return false;
          }
          if (auto a = store::unpack<AuditView>(v); keep(a)) rep.entries.push_back(std::move(a));
          return rep.entries.size() < limit;
        },
        true);
    return Outcome::ok(std::move(rep));
  }
  refuse(Status::unknown_type, "unknown query '" + std::string(type) + "'");
}

}  // namespace

bool is_mutation(std::string_view type) {
  for (auto t : proto::k_mutation_types)
    if (t == type) return true;
  return false;
}

bool is_query(std::string_view type) {
  using namespace proto;
  for (auto t : {PingReq::k_type, SnapshotReq::k_type, OrdersReq::k_type, OrderShowReq::k_type, WavesReq::k_type,
                 TasksReq::k_type, StockReq::k_type, ExceptionsReq::k_type, InvoicesReq::k_type, InvoiceShowReq::k_type,
                 AuditReq::k_type, PackContentsReq::k_type, ProductsReq::k_type, LocationsReq::k_type,
                 AccountsReq::k_type, UsersReq::k_type, DevicesReq::k_type})
    if (t == type) return true;
  return false;
}

Outcome apply_mutation(Txn& txn, const Ctx& ctx, std::string_view type, const msgpack::object& body,
                       std::vector<PubEvent>& events) {
  try {
    return mutate(txn, ctx, type, body, events);
  } catch (const Refusal& r) {
    events.clear();
    return Outcome::fail(r.status, r.message);
  } catch (const msgpack::type_error&) {
    events.clear();
    return Outcome::fail(Status::internal, "a stored record could not be read");
  }
}

Outcome run_query(const Txn& txn, const Ctx& ctx, std::string_view type, const msgpack::object& body) {
  try {
    return query(txn, ctx, type, body);
  } catch (const Refusal& r) {
    return Outcome::fail(r.status, r.message);
  } catch (const msgpack::type_error&) {
    return Outcome::fail(Status::internal, "a stored record could not be read");
  }
}

std::map<std::string, std::uint32_t> tasks_held(const Txn& t) {
  std::map<std::string, std::uint32_t> held;
  for (const auto& w : released_waves(t, ""))
    for (auto id : w.tasks)
      if (Task k = task_by_id(t, id); !k.finished() && !k.claimed_by.empty()) ++held[k.claimed_by];
  return held;
}

// Fills the free_tasks index from the task records (a step of upgrade()); gives how many tasks went in.
std::size_t index_free_tasks(Txn& txn) {
  std::vector<Task> free;  // collected first: no writes under an open cursor
  txn.scan(Table::tasks, "", [&](std::string_view, std::string_view v) {
    try {
      if (auto k = store::unpack<Task>(v); !k.finished() && k.claimed_by.empty()) free.push_back(std::move(k));
    } catch (const std::exception&) {
      // an unreadable task cannot be claimed by any request either
    }
    return true;
  });
  for (const auto& k : free) txn.put(Table::free_tasks, free_task_key(k), {});
  return free.size();
}

// Fills the pallet label index from the tasks (data folders older than it). Where two tasks carry the same label
// (possible before), the older task keeps it.
std::size_t index_ssccs(Txn& txn) {
  std::vector<std::pair<std::string, std::uint64_t>> labels;  // collected first: no writes under an open cursor
  txn.scan(Table::tasks, "", [&](std::string_view, std::string_view v) {
    try {
      if (auto k = store::unpack<Task>(v); !k.sscc.empty()) labels.emplace_back(k.sscc, k.id);
    } catch (const std::exception&) {
      // an unreadable task is left out, as in index_free_tasks
    }
    return true;
  });
  std::size_t n = 0;
  for (const auto& [sscc, id] : labels)
    if (!txn.get(Table::ssccs, sscc)) {
      txn.put(Table::ssccs, sscc, store::be64(id));
      ++n;
    }
  return n;
}

std::string currency_problem(std::string_view code) {
  if (code.size() != 3 || !std::all_of(code.begin(), code.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
    return "must be three capital letters (ISO 4217), like EUR";
  // Amounts are kept in hundredths: currencies with no minor unit or with thousandths do not fit.
  static constexpr std::string_view other_decimals[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                                        "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF", "BHD",
                                                        "IQD", "JOD", "KWD", "LYD", "OMR", "TND", "CLF", "UYW"};
  for (auto c : other_decimals)
    if (c == code) return std::string(code) + " does not have 2 decimals; wmsd keeps amounts in hundredths";
  return {};
}

std::optional<std::string> site_currency(const Txn& txn) {
  if (auto stored = txn.get(Table::meta, k_currency_key)) return std::string(*stored);
  return std::nullopt;
}

std::optional<std::string> settle_currency(Txn& txn, const std::string& requested) {
  auto have = site_currency(txn);
  if (requested.empty() || requested == have) return have;
  if (auto bad = currency_problem(requested); !bad.empty()) throw std::runtime_error("--currency " + bad);
  bool invoiced = false;
  txn.scan(Table::invoices, "", [&](std::string_view, std::string_view) { return !(invoiced = true); });
  if (have && invoiced)
    throw std::runtime_error("this data folder has invoices in " + *have + "; --currency " + requested +
                             " would mix currencies on one site's invoices (start without --currency, or use a new "
                             "data folder)");
  txn.put(Table::meta, k_currency_key, requested);
  return requested;
}

std::string upgrade(Txn& txn) {
  // Each step has a mark in the meta table; a fresh data folder gets the marks at its first start.
  constexpr std::string_view k_indexed = "released_waves_indexed", k_split = "wave_left_split",
                             k_free = "free_tasks_indexed", k_ssccs = "ssccs_indexed";
  std::string free_done;
  if (!store::meta_u64(txn, k_free)) {
    if (auto n = index_free_tasks(txn)) free_done = "indexed " + std::to_string(n) + " unclaimed open task(s)";
    store::set_meta_u64(txn, k_free, 1);
  }
  if (!store::meta_u64(txn, k_ssccs)) {
    if (auto n = index_ssccs(txn))
      free_done += std::string(free_done.empty() ? "" : "; ") + "indexed " + std::to_string(n) + " pallet label(s)";
    store::set_meta_u64(txn, k_ssccs, 1);
  }
  const bool index = !store::meta_u64(txn, k_indexed), split = !store::meta_u64(txn, k_split);
  if (!index && !split) return free_done;
  std::vector<std::pair<std::string, Wave>> waves;  // collected first: no writes under an open cursor
  std::size_t unreadable = 0;
  txn.scan(Table::waves, "", [&](std::string_view k, std::string_view v) {
    // A record that cannot be read is left out (and named in the log) rather than keeping wmsd from starting:
    // the requests that read that wave fail as they did before.
    try {
      waves.emplace_back(std::string(k), store::unpack<Wave>(v));
    } catch (const std::exception&) {
      ++unreadable;
    }
    return true;
  });
  std::size_t released = 0;
  for (const auto& [key, w] : waves) {
    if (index && w.status == "released") txn.put(Table::released_waves, key, w.mode);
    if (split) {
      // Counted from the tasks, not copied from the record: folders older still have no count in it.
      std::uint32_t left = 0;
      for (auto id : w.tasks)
        if (auto k = store::get_as<Task>(txn, Table::tasks, store::be64(id)); k && !k->finished()) ++left;
      txn.put(Table::wave_left, key, store::be64(left));
    }
    released += w.status == "released";
  }
  store::set_meta_u64(txn, k_indexed, 1);
  store::set_meta_u64(txn, k_split, 1);
  if (waves.empty() && !unreadable) return free_done;
  std::string done = free_done;
  if (index)
    done += std::string(done.empty() ? "" : "; ") + "indexed " + std::to_string(released) + " released wave(s) of " +
            std::to_string(waves.size());
  if (split)
    done += std::string(done.empty() ? "" : "; ") + "counted the open tasks of " + std::to_string(waves.size()) +
            " wave(s) into wave_left";
  if (unreadable) done += "; " + std::to_string(unreadable) + " wave record(s) could not be read and were left out";
  return done;
}

void write_audit(Txn& txn, const Ctx& ctx, std::string_view type, std::string_view detail) {
  proto::AuditView a;
  a.seq = store::next_seq(txn, "audit_seq");
  a.at_ms = ctx.now_ms;
  a.user = ctx.user;
  a.device = ctx.device;
  a.type = std::string(type);
  a.detail = std::string(detail);
  store::put_as(txn, Table::audit, store::be64(a.seq), a);
}

std::string hash_pin(std::string_view pin) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory while hashing a PIN");
  return out;
}

std::string pin_key(std::string_view code, std::string_view pin) {
  std::string k(code);
  k += '\n';
  k += pin;
  return k;
}

bool sets_pins(std::string_view type, const msgpack::object& body) {
  if (type == proto::UserAddReq::k_type) return true;
  if (type != proto::ImportReq::k_type) return false;
  const auto* kind = proto::find_key(body, "kind");
  if (!kind) return false;
  // A string field decodes from msgpack bin as well as str: both count.
  if (kind->type == msgpack::type::STR) return std::string_view(kind->via.str.ptr, kind->via.str.size) == "users";
  if (kind->type == msgpack::type::BIN) return std::string_view(kind->via.bin.ptr, kind->via.bin.size) == "users";
  return false;
}

std::map<std::string, std::string> pin_hashes_for(std::string_view type, const msgpack::object& body,
                                                  const StoredHash& stored_hash, const std::function<bool()>& stop) {
  std::vector<std::pair<std::string, std::string>> pins;  // code, PIN
  try {
    if (type == proto::UserAddReq::k_type) {
      const auto r = body.as<proto::UserAddReq>();
      if (valid_pin(r.pin)) pins.emplace_back(r.code, r.pin);
    } else if (sets_pins(type, body)) {
      const auto r = body.as<proto::ImportReq>();
      const auto parsed = csv::parse(r.csv);
      const auto* table = std::get_if<csv::Table>(&parsed);
      if (!table || !table->row_problems.empty()) return {};
      domain::Errors errs;
      std::set<std::string> codes;
      for (const auto& [line, u] : domain::parse_users(*table, errs)) {
        if (!codes.insert(u.code).second) return {};
        pins.emplace_back(u.code, u.pin);
      }
      // A file that is refused anyway (a bad row, a code twice) is refused at once, without hashing a PIN.
      if (!errs.empty()) return {};
    }
  } catch (const std::exception&) {
    return {};  // a body that does not decode is refused when applied, with its reason
  }
  std::map<std::string, std::string> out;
  for (const auto& [code, pin] : pins) {
    if (stop && stop()) throw std::runtime_error("wmsd is stopping");
    auto k = pin_key(code, pin);
    if (out.count(k)) continue;
    const auto old = stored_hash ? stored_hash(code) : std::nullopt;
    out.emplace(std::move(k), old && check_pin(*old, pin) == PinCheck::match ? *old : hash_pin(pin));
  }
  return out;
}

PinCheck check_pin(const std::string& hash, std::string_view pin) {
  if (crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0) return PinCheck::match;
  // libsodium answers -1 (errno EINVAL) both for a PIN that does not match and for a hash it could not compute,
  // as when its memory (m=KiB in the hash string) cannot be had. Ask for that memory now: if it cannot be mapped,
  // the check was not done.
  const auto m = hash.find("$m=");
  if (m == std::string::npos) return PinCheck::mismatch;
  const std::size_t bytes = std::strtoull(hash.c_str() + m + 3, nullptr, 10) * 1024;
  void* probe = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return PinCheck::failed;
  ::munmap(probe, bytes);
  return PinCheck::mismatch;
}

std::string new_token() {
  unsigned char raw[24];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

}  // namespace wms::app
