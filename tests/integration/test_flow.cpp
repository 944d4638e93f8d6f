// End-to-end order-to-invoice flow against the real wmsd over tcp loopback: import, confirm, wave, release,
// pushed events, picks with wrong scans, short picks (re-allocated and backordered), dispatch, invoice, receipt.
#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <zmq.hpp>

#include "harness.hpp"
#include "wms/shared/csv.hpp"

using namespace wms;
using proto::Status;
using test::stock_at;

namespace {

proto::TaskView find_task(client::Connection& c, const std::string& order_ref, const std::string& sku,
                          const std::string& status = "") {
  auto tasks = c.call(proto::TasksReq{0, status}).as<proto::TasksRep>().tasks;
  for (const auto& t : tasks)
    if (t.order_ref == order_ref && t.sku == sku && !(t.status == "done" || t.status == "short" || t.status == "cancelled"))
      return t;
  FAIL("no open task for " << order_ref << " " << sku);
  return {};
}

proto::OrderView order(client::Connection& c, const std::string& ref) {
  proto::OrderShowReq q;
  q.ref = ref;
  auto r = c.call(q);
  REQUIRE(r.ok());
  return r.as<proto::OrderView>();
}

std::string gtin_of(client::Connection& c, const std::string& sku) {
  // The demo's products carry one GTIN each; a task view shows it, so does any task of that SKU.
  for (const auto& t : c.call(proto::TasksReq{}).as<proto::TasksRep>().tasks)
    if (t.sku == sku) return t.gtin;
  FAIL("no task shows sku " << sku);
  return {};
}

proto::PickConfirmReq confirm(const proto::TaskView& t, std::int64_t qty) {
  return {t.id, t.location_barcode, t.gtin, qty};
}

}  // namespace

TEST_CASE("an order travels from import to invoice, with wrong scans refused and short picks handled") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");

  // Orders come from CSV, plus one made over the protocol for the re-allocation case.
  auto imp = admin->call(proto::ImportReq{"orders", test::read_text(WMS_ASSETS_DIR "/demo/orders.csv")});
  REQUIRE(imp.ok());
  CHECK(imp.as<proto::ImportRep>().rows == 13);
  REQUIRE(admin->call(proto::OrderCreateReq{"SO-T1", "ACME", {{"SKU-1001", 30}}}).ok());
  // Before confirmation an order has no price to show (not 0.00).
  const auto entered = test::run(server.wmsctl("order show SO-1001"));
  CHECK_THAT(entered.output, Catch::Contains("status: entered") &&
                                 Catch::Contains("prices and tax are set when the order is confirmed") &&
                                 !Catch::Contains("0.00"));
  for (auto ref : {"SO-1001", "SO-1002", "SO-1003", "SO-1004", "SO-1005", "SO-T1"}) {
    proto::OrderConfirmReq q;
    q.ref = ref;
    auto r = admin->call(q);
    REQUIRE(r.ok());
  }
  // Confirmation locks prices at the account's tier (ACME is gold: 5 % off list 7.95 -> 7.55).
  auto so1001 = order(*admin, "SO-1001");
  CHECK(so1001.status == "confirmed");
  CHECK(so1001.lines[0].price_minor == 755);
  CHECK_THAT(test::run(server.wmsctl("order show SO-1001")).output, Catch::Contains("7.55"));
  CHECK(so1001.lines[0].allocated == 4);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").reserved == 34);
  // SO-1003 asks 60 of SKU-1003 with 50 on the pick face: the rest comes from nowhere else -> backorder.
  auto so1003 = order(*admin, "SO-1003");
  CHECK(so1003.lines[2].allocated + so1003.lines[2].backordered == 60);

  // Events: subscribe before the release; every task arrives by push with gap-free sequence numbers.
  zmq::context_t zctx;
  zmq::socket_t sub(zctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "task");
  sub.set(zmq::sockopt::subscribe, "wave");
  sub.connect(server.pub_endpoint());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // slow joiner: let the subscription reach the PUB

  auto wave = admin->call(proto::WaveCreateReq{"parcel", 0});
  REQUIRE(wave.ok());
  auto wv = wave.as<proto::WaveView>();
  CHECK(wv.status == "planned");
  proto::WaveReleaseReq rel;
  rel.wave = wv.id;
  REQUIRE(admin->call(rel).ok());
  auto again = admin->call(rel);
  CHECK(again.status == Status::invalid_state);

  std::vector<proto::TaskView> pushed;
  std::uint64_t last_seq = 0;
  bool wave_released = false;
  while (!wave_released) {
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    REQUIRE(zmq::poll(&item, 1, std::chrono::milliseconds(5000)) == 1);
    zmq::message_t topic, payload;
    REQUIRE(sub.recv(topic));
    REQUIRE(sub.recv(payload));
    std::string err;
    auto ev = proto::decode_event(payload.to_string_view(), &err);
    REQUIRE(ev);
    if (last_seq) CHECK(ev->seq == last_seq + 1);
    last_seq = ev->seq;
    if (ev->type == "task.released") pushed.push_back(ev->body.as<proto::TaskView>());
    if (ev->type == "wave.released") wave_released = true;
  }
  CHECK(pushed.size() == wv.tasks);
  for (std::size_t i = 1; i < pushed.size(); ++i) CHECK(pushed[i - 1].walk_seq <= pushed[i].walk_seq);

  // A late joiner gets a snapshot valid at a sequence number (Clone pattern).
  auto snap = admin->call(proto::SnapshotReq{}).as<proto::SnapshotRep>();
  CHECK(snap.seq >= last_seq);
  CHECK(snap.tasks.size() == wv.tasks);

  auto picker = test::login(server, "picker1", "1111", "hh-1");
  auto picker2 = test::login(server, "picker2", "2222", "hh-2");
  auto t1 = find_task(*picker, "SO-1001", "SKU-1001");
  CHECK(t1.location == "A01-01-A");
  REQUIRE(picker->call(proto::TaskClaimReq{t1.id}).ok());
  CHECK(picker2->call(proto::TaskClaimReq{t1.id}).status == Status::conflict);

  const auto before = stock_at(*admin, "SKU-1001", "A01-01-A");
  {  // wrong scans
    auto wrong_loc = picker->call(proto::PickConfirmReq{t1.id, "LOC-A01-01-B", t1.gtin, 4});
    CHECK(wrong_loc.status == Status::wrong_location);
    CHECK_THAT(wrong_loc.error, Catch::Contains("A01-01-B") && Catch::Contains("A01-01-A"));
    CHECK(picker->call(proto::PickConfirmReq{t1.id, "NOT-A-BIN", t1.gtin, 4}).status == Status::unknown_barcode);
    auto wrong_prod = picker->call(proto::PickConfirmReq{t1.id, t1.location_barcode, gtin_of(*admin, "SKU-1002"), 4});
    CHECK(wrong_prod.status == Status::wrong_product);
    CHECK(picker->call(proto::PickConfirmReq{t1.id, t1.location_barcode, "12345", 4}).status == Status::unknown_barcode);
    auto over = picker->call(confirm(t1, 5));
    CHECK(over.status == Status::over_pick);
    CHECK(picker->call(confirm(t1, 0)).status == Status::invalid);
    CHECK(picker->call(confirm(t1, -3)).status == Status::invalid);
    CHECK(picker2->call(confirm(t1, 4)).status == Status::conflict);
  }
  // None of the refused scans changed anything.
  auto unchanged = stock_at(*admin, "SKU-1001", "A01-01-A");
  CHECK(unchanged.on_hand == before.on_hand);
  CHECK(unchanged.reserved == before.reserved);
  CHECK(order(*admin, "SO-1001").lines[0].picked == 0);

  auto ok = picker->call(confirm(t1, 4));
  REQUIRE(ok.ok());
  auto pr = ok.as<proto::PickRep>();
  CHECK(pr.task.status == "done");
  CHECK(pr.task.picked == 4);
  auto after = stock_at(*admin, "SKU-1001", "A01-01-A");
  CHECK(after.on_hand == before.on_hand - 4);
  CHECK(after.reserved == before.reserved - 4);

  // Short pick with stock elsewhere: re-allocated to new tasks in the same wave, exception raised.
  auto t_short = find_task(*picker, "SO-T1", "SKU-1001");
  auto sr = picker->call(proto::PickShortReq{t_short.id, 10, "damaged", ""});
  REQUIRE(sr.ok());
  auto srep = sr.as<proto::PickShortRep>();
  CHECK(srep.outcome == "reallocated");
  CHECK(srep.backordered == 0);
  REQUIRE(srep.new_tasks.size() == 2);
  CHECK(srep.new_tasks[0].location == "A02-01-B");  // the other pick face first
  CHECK(srep.new_tasks[0].qty == 12);
  CHECK(srep.new_tasks[1].location == "B01-01-1");  // then bulk
  CHECK(srep.new_tasks[1].qty == 8);
  CHECK(srep.new_tasks[0].wave == wv.id);
  for (const auto& n : srep.new_tasks) {  // the picker who reported the short fetches the rest
    CHECK(n.claimed_by == srep.task.claimed_by);
    CHECK(n.status == "claimed");
  }
  CHECK(srep.task.status == "short");
  // The 20 missing units were written off the damaged bin; the 10 found are picked.
  auto bin = stock_at(*admin, "SKU-1001", "A01-01-A");
  CHECK(bin.on_hand == after.on_hand - 10 - 20);
  CHECK(bin.reserved == 0);
  auto t1order = order(*admin, "SO-T1");
  CHECK(t1order.lines[0].picked == 10);
  CHECK(t1order.lines[0].allocated == 20);

  // Short pick with no stock elsewhere: backordered.
  auto t2 = find_task(*picker, "SO-1001", "SKU-1002");
  auto sr2 = picker->call(proto::PickShortReq{t2.id, 2, "empty", ""});
  REQUIRE(sr2.ok());
  CHECK(sr2.as<proto::PickShortRep>().outcome == "backordered");
  CHECK(sr2.as<proto::PickShortRep>().backordered == 4);
  CHECK(picker->call(proto::PickShortReq{t2.id, 0, "empty", ""}).status == Status::invalid_state);
  auto t3 = find_task(*picker, "SO-1001", "SKU-3001");
  CHECK(picker->call(proto::PickShortReq{t3.id, 1, "lost in space", ""}).status == Status::invalid);
  REQUIRE(picker->call(confirm(t3, 2)).ok());

  auto excs = admin->call(proto::ExceptionsReq{}).as<proto::ExceptionsRep>().exceptions;
  REQUIRE(excs.size() == 2);
  CHECK(excs[0].order_ref == "SO-T1");
  CHECK(excs[0].qty_missing == 20);
  CHECK(excs[0].user == "picker1");
  CHECK(excs[0].device == "hh-1");
  CHECK(excs[1].outcome == "backordered");

  // Dispatch: the invoice holds exactly what shipped, at the locked prices, with tax and due date.
  proto::DispatchReq d;
  d.ref = "SO-1001";
  auto dr = admin->call(d);
  REQUIRE(dr.ok());
  auto disp = dr.as<proto::DispatchRep>();
  const auto& inv = disp.invoice;
  CHECK(inv.number == 1);
  REQUIRE(inv.lines.size() == 3);
  CHECK(inv.lines[0].qty == 4);
  CHECK(inv.lines[0].unit_price_minor == 755);
  CHECK(inv.lines[1].qty == 2);
  CHECK(inv.lines[1].unit_price_minor == 428);
  CHECK(inv.lines[2].qty == 2);
  CHECK(inv.lines[2].unit_price_minor == 280);
  CHECK(inv.net_minor == 4436);
  CHECK(inv.tax_minor == 887);
  CHECK(inv.total_minor == 5323);
  CHECK(inv.terms == "net30");
  CHECK(inv.due_date > inv.issue_date);
  CHECK(inv.account == "ACME");
  CHECK(inv.account_name ==
        "Acme Building Supplies Ltd");  // the customer's name, as it was when the invoice was issued
  CHECK(inv.currency == "EUR");         // the site currency of a folder started without --currency
  CHECK(disp.backordered == 4);
  // Part shipped: the order stays confirmed (the backorder ships later) and says how much has gone.
  auto part = order(*admin, "SO-1001");
  CHECK(part.status == "confirmed");
  CHECK(part.shipped_units == 8);
  CHECK(part.ordered_units == 12);
  CHECK_THAT(test::run(server.wmsctl("order show SO-1001")).output, Catch::Contains("shipped: 8 of 12 units so far"));
  // What the finance clerk reads in wmsctl: money in major units, under plain names; --json keeps minor units.
  const auto shown = test::run(server.wmsctl("invoice show 1"));
  REQUIRE(shown.status == 0);
  CHECK_THAT(shown.output, Catch::Contains("total: 53.23") && Catch::Contains("net: 44.36") && Catch::Contains("tax: 8.87"));
  CHECK_THAT(shown.output, Catch::Contains("currency: EUR") && Catch::Contains("Acme Building Supplies Ltd"));
  CHECK_THAT(shown.output, !Catch::Contains("_minor"));
  CHECK_THAT(test::run(server.wmsctl("--json invoice show 1")).output, Catch::Contains("\"total_minor\":5323"));
  // The audit trail reads with UTC times (this year's, not epoch milliseconds); --json keeps at_ms.
  const auto audit_text = test::run(server.wmsctl("audit --limit 3"));
  REQUIRE(audit_text.status == 0);
  char year[8];
  const std::time_t now = std::time(nullptr);
  std::strftime(year, sizeof year, "%Y-", std::gmtime(&now));
  CHECK_THAT(audit_text.output, Catch::Contains("at (UTC)"));
  CHECK_THAT(audit_text.output, Catch::Matches("(.|\n)*\n[0-9]+ +" + std::string(year) +
                                               "[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} (.|\n)*"));
  CHECK_THAT(audit_text.output, !Catch::Contains("_ms"));
  CHECK_THAT(test::run(server.wmsctl("--json audit --limit 3")).output, Catch::Contains("\"at_ms\":"));
  auto shipped = order(*admin, "SO-1001");
  CHECK(shipped.status == "confirmed");  // 4 units still on backorder
  CHECK(shipped.lines[1].shipped == 2);
  CHECK(shipped.lines[1].backordered == 4);
  CHECK(admin->call(d).status == Status::invalid_state);  // nothing picked any more

  // A receipt into the bin the picker reported empty: its units are on the books, but the bin gives no order
  // anything until someone counts it.
  auto rc = admin->call(proto::ReceiveReq{"SKU-1002", "A01-01-B", 10, "PO-77"});
  REQUIRE(rc.ok());
  CHECK(rc.as<proto::ReceiveRep>().backorder_units_allocated == 0);
  CHECK(rc.as<proto::ReceiveRep>().stock.count_due);
  CHECK_THAT(rc.as<proto::ReceiveRep>().note, Catch::Contains("waits for a count"));
  CHECK(order(*admin, "SO-1001").lines[1].backordered == 4);
  // The manager's list of bins to count names it; the count (the 10 received, found there) clears it, and the
  // waiting backorder is served first; the next wave picks it up.
  const auto due = test::run(server.wmsctl("stock --count-due"));
  REQUIRE(due.status == 0);
  CHECK_THAT(due.output, Catch::Contains("SKU-1002") && Catch::Contains("A01-01-B") && Catch::Contains("reported_by"));
  CHECK_THAT(due.output, Catch::Contains("empty") && Catch::Contains("damaged") && Catch::Contains("picker1"));
  CHECK_THAT(due.output, Catch::Contains("A01-01-A"));   // SKU-1001's bin, short-picked as damaged
  CHECK_THAT(due.output, !Catch::Contains("SKU-3001"));  // picked in full
  const auto counted = test::run(server.wmsctl("count --sku SKU-1002 --location A01-01-B --qty 10 --reason PO-77"));
  REQUIRE(counted.status == 0);
  CHECK_THAT(counted.output, Catch::Contains("count due after a short pick: cleared") &&
                                 Catch::Contains("backorder units allocated: 4"));
  CHECK_THAT(test::run(server.wmsctl("stock --count-due --sku SKU-1002")).output, Catch::Contains("(none)"));
  CHECK(order(*admin, "SO-1001").lines[1].allocated == 4);
  CHECK(order(*admin, "SO-1001").lines[1].backordered == 0);
  auto w2 = admin->call(proto::WaveCreateReq{"parcel", 0});
  REQUIRE(w2.ok());
  CHECK(w2.as<proto::WaveView>().tasks >= 1);

  // Partial dispatch of SO-T1: 10 picked ship. The 20 re-allocated but unpicked leave their tasks (cancelled)
  // and are reserved again at once, for the order's next wave, not left on backorder beside available stock.
  auto reserved_1001 = [&] {
    std::int64_t n = 0;
    for (const auto& st : admin->call(proto::StockReq{"SKU-1001", ""}).as<proto::StockRep>().stock) n += st.reserved;
    return n;
  };
  const std::int64_t reserved_before = reserved_1001();
  d.ref = "SO-T1";
  auto dr2 = admin->call(d);
  REQUIRE(dr2.ok());
  CHECK(dr2.as<proto::DispatchRep>().invoice.number == 2);  // gapless
  CHECK(dr2.as<proto::DispatchRep>().invoice.lines.at(0).qty == 10);
  CHECK(dr2.as<proto::DispatchRep>().backordered == 0);
  CHECK(stock_at(*admin, "SKU-1001", "A02-01-B").reserved == 12);
  CHECK(reserved_1001() == reserved_before);
  CHECK(order(*admin, "SO-T1").lines.at(0).allocated == 20);
  CHECK(order(*admin, "SO-T1").lines.at(0).backordered == 0);
  std::size_t cancelled = 0;
  for (const auto& t : admin->call(proto::TasksReq{wv.id, ""}).as<proto::TasksRep>().tasks)
    if (t.order_ref == "SO-T1" && t.picked == 0) cancelled += t.status == "cancelled";
  CHECK(cancelled == 2);  // the two tasks of the short pick (12 and 8)
  // The customer drops the 20 on backorder: the order is closed, not void, as 10 units shipped and were invoiced.
  const auto dropped = test::run(server.wmsctl("order cancel SO-T1"));
  CHECK(dropped.status == 0);
  CHECK_THAT(dropped.output, Catch::Contains("status: closed"));
  auto so_t1 = order(*admin, "SO-T1");
  CHECK(so_t1.status == "closed");
  CHECK(so_t1.shipped_units == 10);
  CHECK(so_t1.lines.at(0).backordered == 0);
  CHECK(stock_at(*admin, "SKU-1001", "A02-01-B").reserved == 0);  // the cancel released the 20 again
  CHECK(reserved_1001() == reserved_before - 20);

  // Every mutation left an audit record naming who and which device.
  auto audit = admin->call(test::audit_all(500)).as<proto::AuditRep>().entries;
  bool saw_pick = false, saw_invoice = false;
  for (const auto& a : audit) {
    if (a.type == "pick.confirm" && a.user == "picker1" && a.device == "hh-1") saw_pick = true;
    // Money in the audit trail reads like money, as on the invoice.
    if (a.type == "dispatch" && a.detail.find("invoice 1 total 53.23 due ") != std::string::npos) saw_invoice = true;
    if (a.type == "order.cancel")
      CHECK(a.detail == "closed order SO-T1: 10 units shipped and invoiced, the other 20 cancelled");
  }
  CHECK(saw_pick);
  CHECK(saw_invoice);

  // Orders of another delivery mode wait for their own wave.
  auto pw = admin->call(proto::WaveCreateReq{"pallet", 0});
  REQUIRE(pw.ok());
  CHECK(pw.as<proto::WaveView>().mode == "pallet");
  CHECK(admin->call(proto::WaveCreateReq{"pallet", 0}).status == Status::invalid_state);
  CHECK(admin->call(proto::WaveCreateReq{"drone", 0}).status == Status::invalid);
}

// A short pick holds the bin back until it is counted; with no other location the order waits on backorder. A newer
// order must not take the counted units ahead of it.
TEST_CASE("an order confirmed later does not take units ahead of an older backorder") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  // SKU-3001: 65 units, all in A02-01-B.
  const auto tasks = test::release_order(*admin, *admin, "SO-S1", "SKU-3001", 5);
  REQUIRE(tasks.size() == 1);
  REQUIRE(picker->call(proto::TaskClaimReq{tasks[0].id}).ok());
  auto sr = picker->call(proto::PickShortReq{tasks[0].id, 2, "not_found", ""});
  REQUIRE(sr.ok());
  CHECK(sr.as<proto::PickShortRep>().outcome == "backordered");
  CHECK(order(*admin, "SO-S1").lines.at(0).backordered == 3);
  const auto bin = stock_at(*admin, "SKU-3001", "A02-01-B");
  CHECK(bin.on_hand == 60);  // 2 picked, 3 written off
  CHECK(bin.reserved == 0);
  CHECK(bin.count_due);
  // The newer order finds the bin waiting for its count: it waits too, behind SO-S1.
  test::confirm_order(*admin, "SO-S2", "SKU-3001", 4);
  CHECK(order(*admin, "SO-S2").lines.at(0).backordered == 4);
  CHECK(stock_at(*admin, "SKU-3001", "A02-01-B").reserved == 0);
  // The count finds 58 (2 more gone): SO-S1's 3 are served first, then SO-S2 gets its 4.
  auto counted = admin->call(proto::StockCountReq{"SKU-3001", "A02-01-B", 58, "after short pick"});
  REQUIRE(counted.ok());
  CHECK(counted.as<proto::StockCountRep>().before == 60);
  CHECK(counted.as<proto::StockCountRep>().delta == -2);
  CHECK(counted.as<proto::StockCountRep>().was_due);
  CHECK(counted.as<proto::StockCountRep>().backorder_units_allocated == 7);
  CHECK_FALSE(counted.as<proto::StockCountRep>().stock.count_due);
  CHECK(counted.as<proto::StockCountRep>().stock.on_hand == 58);
  CHECK(order(*admin, "SO-S1").lines.at(0).backordered == 0);
  CHECK(order(*admin, "SO-S1").lines.at(0).allocated == 3);
  CHECK(order(*admin, "SO-S2").lines.at(0).allocated == 4);
  CHECK(stock_at(*admin, "SKU-3001", "A02-01-B").reserved == 7);
}

TEST_CASE("cancelling an order releases its reservations and cancels its open tasks") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  REQUIRE(admin->call(proto::OrderCreateReq{"SO-C1", "BOLT", {{"SKU-2001", 5}, {"SKU-2002", 7}}}).ok());
  proto::OrderConfirmReq q;
  q.ref = "SO-C1";
  REQUIRE(admin->call(q).ok());
  CHECK(stock_at(*admin, "SKU-2001", "A01-02-B").reserved == 5);
  REQUIRE(admin->call(proto::WaveCreateReq{"parcel", 0}).ok());
  proto::OrderCancelReq c;
  c.ref = "SO-C1";
  REQUIRE(admin->call(c).ok());
  CHECK(stock_at(*admin, "SKU-2001", "A01-02-B").reserved == 0);
  for (const auto& t : admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks) CHECK(t.status == "cancelled");
  CHECK(admin->call(c).status == Status::invalid_state);
  CHECK(admin->call(q).status == Status::invalid_state);

  // Units a cancelled order held serve another order's backorder at once, in confirmation order.
  REQUIRE(admin->call(proto::OrderCreateReq{"SO-C2", "BOLT", {{"SKU-2001", 60}}}).ok());
  REQUIRE(admin->call(proto::OrderCreateReq{"SO-C3", "BOLT", {{"SKU-2001", 10}}}).ok());
  REQUIRE(admin->call(proto::OrderCreateReq{"SO-C4", "BOLT", {{"SKU-2001", 5}}}).ok());
  for (const char* ref : {"SO-C2", "SO-C3", "SO-C4"}) {
    q.ref = ref;
    REQUIRE(admin->call(q).ok());
  }
  // 67 on hand: SO-C2 takes 60, SO-C3 gets 7 and waits for 3, SO-C4 waits for all 5.
  CHECK(order(*admin, "SO-C3").lines.at(0).backordered == 3);
  CHECK(order(*admin, "SO-C4").lines.at(0).backordered == 5);
  c.ref = "SO-C2";
  REQUIRE(admin->call(c).ok());
  CHECK(order(*admin, "SO-C3").lines.at(0).backordered == 0);
  CHECK(order(*admin, "SO-C3").lines.at(0).allocated == 10);
  CHECK(order(*admin, "SO-C4").lines.at(0).backordered == 0);
  CHECK(order(*admin, "SO-C4").lines.at(0).allocated == 5);
  auto q_audit = test::audit_all(1);
  q_audit.type = "order.cancel";
  const auto said = admin->call(q_audit).as<proto::AuditRep>().entries;
  REQUIRE(said.size() == 1);
  CHECK(said[0].detail == "cancelled order SO-C2; 8 units it held now serve other orders' backorders");
  const auto a = stock_at(*admin, "SKU-2001", "A01-02-B"), b = stock_at(*admin, "SKU-2001", "A03-01-A");
  CHECK(a.reserved + b.reserved == 15);
  CHECK(a.reserved <= a.on_hand);
  CHECK(b.reserved <= b.on_hand);
}

TEST_CASE(
    "a short pick holds its bin back from orders until it is counted and a bin reported empty is written off whole") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  // SKU-1001: 40 in A01-01-A (walked first), 12 in A02-01-B, 200 in bulk.
  REQUIRE(stock_at(*admin, "SKU-1001", "A01-01-A").on_hand == 40);
  auto tasks = test::release_order(*admin, *admin, "SO-NF", "SKU-1001", 5);
  REQUIRE(tasks.size() == 1);
  REQUIRE(tasks[0].location == "A01-01-A");
  REQUIRE(picker->call(proto::TaskClaimReq{tasks[0].id}).ok());
  // Not found: the 3 missing units are written off, the other 35 stay on the books, but the bin waits for a count.
  auto nf = picker->call(proto::PickShortReq{tasks[0].id, 2, "not_found", ""});
  REQUIRE(nf.ok());
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").on_hand == 35);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").count_due);
  // Until then the next order is given stock elsewhere.
  test::confirm_order(*admin, "SO-BLK", "SKU-1001", 2);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").reserved == 0);
  CHECK(stock_at(*admin, "SKU-1001", "A02-01-B").reserved == 5);  // SO-NF's missing 3 were sent there too
  // Counts that make no sense change nothing; a picker may not count from the office's command.
  CHECK(admin->call(proto::StockCountReq{"SKU-1001", "A01-01-A", -1, ""}).status == Status::invalid);
  CHECK(admin->call(proto::StockCountReq{"SKU-1001", "NOWHERE", 3, ""}).status == Status::not_found);
  CHECK(admin->call(proto::StockCountReq{"NOPE", "A01-01-A", 3, ""}).status == Status::not_found);
  CHECK(picker->call(proto::StockCountReq{"SKU-1001", "A01-01-A", 35, ""}).status == Status::forbidden);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").count_due);
  // Nothing moves out of it either: its units are in doubt.
  const auto mv = admin->call(proto::MoveReq{"SKU-1001", "A01-01-A", "B01-01-1", 10, "replenish"});
  CHECK(mv.status == Status::invalid_state);
  CHECK_THAT(mv.error, Catch::Contains("waits for a count"));
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").on_hand == 35);
  // `allocate` says why units on the books are not given out.
  const auto alloc = test::run(server.wmsctl("allocate"));
  REQUIRE(alloc.status == 0);
  CHECK_THAT(alloc.output, Catch::Contains("1 bin waits for a count"));
  // A count against a sheet that no longer matches the books is refused.
  proto::StockCountReq stale{"SKU-1001", "A01-01-A", 35, ""};
  stale.expected = 40;
  CHECK(admin->call(stale).status == Status::conflict);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").count_due);
  // The count finds the 35: nothing written on or off, and the bin serves orders again.
  auto c1 = admin->call(proto::StockCountReq{"SKU-1001", "A01-01-A", 35, "", 35});
  REQUIRE(c1.ok());
  CHECK(c1.as<proto::StockCountRep>().delta == 0);
  CHECK(c1.as<proto::StockCountRep>().was_due);
  CHECK_FALSE(stock_at(*admin, "SKU-1001", "A01-01-A").count_due);

  tasks = test::release_order(*admin, *admin, "SO-EM", "SKU-1001", 5);
  REQUIRE(tasks.size() == 2);  // SO-BLK joins this wave
  const auto em_task = std::find_if(tasks.begin(), tasks.end(), [](const auto& t) { return t.order_ref == "SO-EM"; });
  REQUIRE(em_task != tasks.end());
  REQUIRE(em_task->location == "A01-01-A");
  // Two more orders hold units of the bin: SO-HELD 4 with a task in a released wave, SO-UNW 3 not in a wave yet.
  const auto held_tasks = test::release_order(*admin, *admin, "SO-HELD", "SKU-1001", 4);
  REQUIRE(held_tasks.size() == 1);
  REQUIRE(held_tasks[0].location == "A01-01-A");
  test::confirm_order(*admin, "SO-UNW", "SKU-1001", 3);
  REQUIRE(stock_at(*admin, "SKU-1001", "A01-01-A").reserved == 12);
  REQUIRE(picker->call(proto::TaskClaimReq{em_task->id}).ok());
  auto em = picker->call(proto::PickShortReq{em_task->id, 1, "empty", ""});
  REQUIRE(em.ok());
  CHECK(em.as<proto::PickShortRep>().outcome == "reallocated");  // from A02-01-B
  // SO-UNW's 3 (no task yet) are reserved elsewhere at once, so no wave sends a picker to the empty bin for them.
  CHECK(order(*admin, "SO-UNW").lines.at(0).allocated == 3);
  CHECK(order(*admin, "SO-UNW").lines.at(0).backordered == 0);
  // 1 picked, 4 missing, and the 26 the bin was counted with beyond the 4 held for SO-HELD's task: gone.
  const auto bin = stock_at(*admin, "SKU-1001", "A01-01-A");
  CHECK(bin.on_hand == 4);
  CHECK(bin.reserved == 4);
  CHECK(bin.available == 0);
  CHECK(bin.count_due);
  auto excs = admin->call(proto::ExceptionsReq{}).as<proto::ExceptionsRep>().exceptions;
  REQUIRE(excs.size() == 2);
  CHECK(excs[0].qty_missing == 3);
  CHECK(excs[0].qty_cleared == 0);
  CHECK(excs[1].qty_missing == 4);
  CHECK(excs[1].qty_cleared == 26);
  CHECK_THAT(test::run(server.wmsctl("exceptions")).output, Catch::Contains("qty_cleared"));
  // A count below what SO-HELD's task still holds there is refused (its units count as on the shelf until picked).
  const auto low = admin->call(proto::StockCountReq{"SKU-1001", "A01-01-A", 3, ""});
  CHECK(low.status == Status::insufficient_stock);
  CHECK_THAT(low.error, Catch::Contains("held for tasks not yet picked"));
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").on_hand == 4);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").count_due);
  // SO-HELD is cancelled: its 4 units are free again on the books, yet the emptied bin still gives no order anything.
  proto::OrderCancelReq cancel;
  cancel.ref = "SO-HELD";
  REQUIRE(admin->call(cancel).ok());
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").available == 4);
  test::confirm_order(*admin, "SO-NEXT", "SKU-1001", 2);
  CHECK(stock_at(*admin, "SKU-1001", "A01-01-A").reserved == 0);
  // The count finds it empty indeed: the 4 are written off and the bin is clear (and empty).
  auto c2 = admin->call(proto::StockCountReq{"SKU-1001", "A01-01-A", 0, "recount"});
  REQUIRE(c2.ok());
  CHECK(c2.as<proto::StockCountRep>().delta == -4);
  const auto after = stock_at(*admin, "SKU-1001", "A01-01-A");
  CHECK(after.on_hand == 0);
  CHECK_FALSE(after.count_due);
  auto q_audit = test::audit_all(5);
  q_audit.type = "stock.count";
  const auto said = admin->call(q_audit).as<proto::AuditRep>().entries;
  REQUIRE(said.size() == 2);
  CHECK(said[0].detail == "counted 0 x SKU-1001 at A01-01-A (was 4), count due cleared: recount");
}

TEST_CASE("a count below what orders without a task hold moves them off the bin and below a task's units is refused") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  // SKU-3001: 65, all in A02-01-B. SO-T holds 10 for a task, SO-U 30 without one.
  const auto tasks = test::release_order(*admin, *admin, "SO-T", "SKU-3001", 10);
  REQUIRE(tasks.size() == 1);
  test::confirm_order(*admin, "SO-U", "SKU-3001", 30);
  REQUIRE(stock_at(*admin, "SKU-3001", "A02-01-B").reserved == 40);
  // Only 5 found: below SO-T's task, refused, nothing changed.
  const auto low = admin->call(proto::StockCountReq{"SKU-3001", "A02-01-B", 5, ""});
  CHECK(low.status == Status::insufficient_stock);
  CHECK_THAT(low.error, Catch::Contains("10 x SKU-3001 at A02-01-B are held for tasks not yet picked"));
  CHECK(stock_at(*admin, "SKU-3001", "A02-01-B").reserved == 40);
  CHECK(order(*admin, "SO-U").lines.at(0).allocated == 30);
  // 25 found: SO-U gives its 30 up (no other bin has any), then gets what is left after SO-T's 10, in turn.
  const auto c = admin->call(proto::StockCountReq{"SKU-3001", "A02-01-B", 25, "cycle count"});
  REQUIRE(c.ok());
  CHECK(c.as<proto::StockCountRep>().delta == -40);
  CHECK(c.as<proto::StockCountRep>().backorder_units_allocated == 15);
  const auto bin = stock_at(*admin, "SKU-3001", "A02-01-B");
  CHECK(bin.on_hand == 25);
  CHECK(bin.reserved == 25);
  CHECK_FALSE(bin.count_due);
  CHECK(order(*admin, "SO-U").lines.at(0).allocated == 15);
  CHECK(order(*admin, "SO-U").lines.at(0).backordered == 15);
  CHECK(order(*admin, "SO-T").lines.at(0).allocated == 10);
}

TEST_CASE("a stock import row sets a bin waiting for a count like a count and clears it") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  const auto tasks = test::release_order(*admin, *admin, "SO-IM", "SKU-3001", 5);  // SKU-3001: all in A02-01-B
  REQUIRE(tasks.size() == 1);
  REQUIRE(picker->call(proto::PickShortReq{tasks[0].id, 2, "not_found", ""}).ok());
  REQUIRE(stock_at(*admin, "SKU-3001", "A02-01-B").count_due);
  REQUIRE(order(*admin, "SO-IM").lines.at(0).backordered == 3);
  REQUIRE(admin->call(proto::ImportReq{"stock", "sku,location,qty\nSKU-3001,A02-01-B,58\n"}).ok());
  const auto bin = stock_at(*admin, "SKU-3001", "A02-01-B");
  CHECK(bin.on_hand == 58);
  CHECK_FALSE(bin.count_due);
  CHECK(bin.reserved == 3);  // the waiting backorder is served from it at once
  CHECK(order(*admin, "SO-IM").lines.at(0).backordered == 0);
}

TEST_CASE("stock adjustments need a reason and can never take a bin below what is reserved") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  REQUIRE(admin->call(proto::OrderCreateReq{"SO-A1", "BOLT", {{"SKU-2001", 50}}}).ok());
  proto::OrderConfirmReq q;
  q.ref = "SO-A1";
  REQUIRE(admin->call(q).ok());
  auto s = stock_at(*admin, "SKU-2001", "A01-02-B");  // 55 on hand, 50 reserved
  CHECK(s.on_hand == 55);
  CHECK(s.reserved == 50);
  auto too_much = admin->call(proto::AdjustReq{"SKU-2001", "A01-02-B", -6, "count"});
  CHECK(too_much.status == Status::insufficient_stock);
  CHECK(admin->call(proto::AdjustReq{"SKU-2001", "A01-02-B", -5, ""}).status == Status::invalid);
  CHECK(admin->call(proto::AdjustReq{"SKU-2001", "NOWHERE", 5, "count"}).status == Status::not_found);
  CHECK(admin->call(proto::AdjustReq{"NOPE", "A01-02-B", 5, "count"}).status == Status::not_found);
  CHECK(admin->call(proto::ReceiveReq{"SKU-2001", "A01-02-B", -5, ""}).status == Status::invalid);
  CHECK(stock_at(*admin, "SKU-2001", "A01-02-B").on_hand == 55);
  REQUIRE(admin->call(proto::AdjustReq{"SKU-2001", "A01-02-B", -5, "cycle count"}).ok());
  auto after = stock_at(*admin, "SKU-2001", "A01-02-B");
  CHECK(after.on_hand == 50);
  CHECK(after.available == 0);
}

// A finance clerk sends a price list with only sku, description and list_price: barcodes, weights and the tax rate
// stay as they were (an invoice at 0 % tax, or a product pickers can no longer scan, would be the alternative).
TEST_CASE("an import updates only the columns its file has") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  REQUIRE(admin
              ->call(proto::ImportReq{"products",
                                      "sku,description,list_price,barcodes,weight_kg,cost_price,tax_rate\n"
                                      "SKU-9001,Full row,10.00,4006381333931,1.250,7.00,7.5\n"})
              .ok());
  auto priced = admin->call(proto::ImportReq{"products", "sku,description,list_price\nSKU-9001,Price update,11.00\n"});
  REQUIRE(priced.ok());
  CHECK(priced.as<proto::ImportRep>().updated == 1);
  CHECK(priced.as<proto::ImportRep>().created == 0);
  proto::ProductsReq q;
  q.prefix = "SKU-9001";
  auto ps = admin->call(q).as<proto::ProductsRep>().products;
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].description == "Price update");
  CHECK(ps[0].list_minor == 1100);
  CHECK(ps[0].barcodes == std::vector<std::string>{"04006381333931"});
  CHECK(ps[0].weight_g == 1250);
  CHECK(ps[0].cost_minor == 700);
  CHECK(ps[0].tax_bps == 750);
  // A spreadsheet's empty cells keep the stored values too (an empty tax_rate must not bill at 0 %), and a file of
  // updates needs no description column.
  auto blanks = admin->call(proto::ImportReq{"products", "sku,list_price,tax_rate,cost_price\nSKU-9001,12.00,,\n"});
  REQUIRE(blanks.ok());
  ps = admin->call(q).as<proto::ProductsRep>().products;
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].list_minor == 1200);
  CHECK(ps[0].tax_bps == 750);
  CHECK(ps[0].cost_minor == 700);
  CHECK(ps[0].description == "Price update");
  // The same file naming a product that does not exist yet is refused, saying which row is new.
  auto typo = admin->call(proto::ImportReq{"products", "sku,list_price\nSKU-9001,12.00\nSKU-90O1,3.00\n"});
  REQUIRE(typo.status == Status::import_failed);
  CHECK_THAT(typo.as<proto::ImportRep>().errors.at(0).message,
             Catch::Contains("'SKU-90O1' on line 3 is new") && Catch::Contains("description"));
  CHECK(admin->call(q).as<proto::ProductsRep>().products.at(0).list_minor == 1200);  // nothing applied
  // wmsctl says how many rows made new records and how many changed existing ones.
  const std::string csv = dir.str() + "/prices.csv";
  {
    std::ofstream f(csv);
    f << "sku,description,list_price\nSKU-9001,,13.00\nSKU-9003,Brand new,2.00\n";
  }
  auto out = test::run(server.wmsctl("import products " + csv));
  CHECK(out.status == 0);
  CHECK_THAT(out.output, Catch::Contains("imported 2 row(s) of products: 1 new, 1 updated, 0 unchanged"));
  // The same file again changes nothing, and says so.
  CHECK_THAT(test::run(server.wmsctl("import products " + csv)).output,
             Catch::Contains("imported 2 row(s) of products: 0 new, 0 updated, 2 unchanged"));
  // A GTIN moves from one product to another in one file, whichever row comes first; '-' leaves a product none.
  for (const std::string file :
       {"sku,barcodes\nSKU-9003,4006381333931\nSKU-9001,-\n", "sku,barcodes\nSKU-9003,-\nSKU-9001,4006381333931\n"}) {
    INFO(file);
    auto moved = admin->call(proto::ImportReq{"products", file});
    REQUIRE(moved.ok());
    CHECK(moved.as<proto::ImportRep>().updated == 2);
  }
  q.prefix = "SKU-900";
  ps = admin->call(q).as<proto::ProductsRep>().products;
  REQUIRE(ps.size() == 2);
  CHECK(ps[0].barcodes == std::vector<std::string>{"04006381333931"});  // SKU-9001 has it back
  CHECK(ps[1].barcodes.empty());
  // The index follows: another product may not take it, and the refusal says how to move it.
  auto taken2 = admin->call(proto::ImportReq{"products", "sku,barcodes\nSKU-9003,4006381333931\n"});
  REQUIRE(taken2.status == Status::import_failed);
  CHECK_THAT(taken2.as<proto::ImportRep>().errors.at(0).message,
             Catch::Contains("already belongs to SKU-9001 (to move it, list SKU-9001 in the same file without it)"));
  q.prefix = "SKU-9001";
  // The barcode index was kept with the record: the code still belongs to SKU-9001.
  auto taken = admin->call(
      proto::ImportReq{"products", "sku,description,list_price,barcodes\nSKU-9002,Other,1.00,4006381333931\n"});
  CHECK(taken.status == Status::import_failed);
  CHECK_THAT(taken.as<proto::ImportRep>().errors.at(0).message, Catch::Contains("already belongs to SKU-9001"));
  // Locations likewise: a file without a barcode column keeps the location's barcode (and its index entry).
  REQUIRE(admin->call(proto::ImportReq{"locations", "code,walk_seq,kind,zone,barcode\nZ9-01,900,bulk,Z9,LBL-Z9-01\n"})
              .ok());
  auto moved_loc = admin->call(proto::ImportReq{"locations", "code,walk_seq,kind,barcode\nZ9-01,901,bulk,\n"});
  REQUIRE(moved_loc.ok());
  CHECK(moved_loc.as<proto::ImportRep>().updated == 1);
  proto::LocationsReq lq;
  lq.prefix = "Z9-01";
  auto ls = admin->call(lq).as<proto::LocationsRep>().locations;
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].barcode == "LBL-Z9-01");
  CHECK(ls[0].walk_seq == 901);
  auto loc_taken = admin->call(proto::ImportReq{"locations", "code,walk_seq,kind,barcode\nZ9-02,902,bulk,LBL-Z9-01\n"});
  CHECK(loc_taken.status == Status::import_failed);
  CHECK_THAT(loc_taken.as<proto::ImportRep>().errors.at(0).message,
             Catch::Contains("already belongs to location Z9-01"));
  // A label moves to a new location when its old one gets another in the same file.
  auto relabel = admin->call(proto::ImportReq{
      "locations", "code,walk_seq,kind,barcode\nZ9-02,902,bulk,LBL-Z9-01\nZ9-01,901,bulk,LBL-Z9-01B\n"});
  REQUIRE(relabel.ok());
  CHECK(relabel.as<proto::ImportRep>().created == 1);
  CHECK(relabel.as<proto::ImportRep>().updated == 1);
  lq.prefix = "Z9-0";
  ls = admin->call(lq).as<proto::LocationsRep>().locations;
  REQUIRE(ls.size() == 2);
  CHECK(ls[0].barcode == "LBL-Z9-01B");
  CHECK(ls[1].barcode == "LBL-Z9-01");
  // The scan index follows the labels: a third location cannot take either.
  for (const std::string label : {"LBL-Z9-01", "LBL-Z9-01B"})
    CHECK(admin->call(proto::ImportReq{"locations", "code,walk_seq,kind,barcode\nZ9-03,903,bulk," + label + "\n"})
              .status == Status::import_failed);

  REQUIRE(
      admin->call(proto::ImportReq{"accounts", "code,name,price_tier,terms,delivery\nZETA,Zeta,gold,prepay,pallet\n"})
          .ok());
  auto renamed = admin->call(proto::ImportReq{"accounts", "code,name,terms\nZETA,Zeta Renamed,\nZETA2,New,net14\n"});
  REQUIRE(renamed.ok());
  CHECK(renamed.as<proto::ImportRep>().created == 1);
  CHECK(renamed.as<proto::ImportRep>().updated == 1);
  auto users = admin->call(proto::ImportReq{"users", "code,role,pin\npicker1,picker,1111\nnewbie,picker,4321\n"});
  REQUIRE(users.ok());
  CHECK(users.as<proto::ImportRep>().created == 1);
  CHECK(users.as<proto::ImportRep>().updated == 1);
  proto::AccountsReq aq;
  aq.prefix = "ZETA";
  auto as = admin->call(aq).as<proto::AccountsRep>().accounts;
  REQUIRE(as.size() == 2);  // ZETA, ZETA2
  CHECK(as[0].name == "Zeta Renamed");
  CHECK(as[0].price_tier == "gold");
  CHECK(as[0].terms == "prepay");
  CHECK(as[0].mode == "pallet");
}

// Goods received into a staging lane wait there for putaway: they serve no order until moved into a pick face or
// bulk location, and a move never takes units reserved for orders.
TEST_CASE("a receipt into a staging lane serves backorders only once moved") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  // SKU-1001: 40 + 12 in pick faces, 200 in bulk. An order for 257 leaves 5 on backorder.
  test::confirm_order(*admin, "SO-MV", "SKU-1001", 257);
  CHECK(order(*admin, "SO-MV").lines.at(0).backordered == 5);

  auto rc = admin->call(proto::ReceiveReq{"SKU-1001", "STAGE-1", 8, "PO-77"});
  REQUIRE(rc.ok());
  CHECK(rc.as<proto::ReceiveRep>().backorder_units_allocated == 0);
  CHECK_THAT(rc.as<proto::ReceiveRep>().note,
             Catch::Contains("received into STAGE-1 (a staging location) serve no order"));
  CHECK(order(*admin, "SO-MV").lines.at(0).backordered == 5);

  // Refusals change nothing.
  CHECK(admin->call(proto::MoveReq{"SKU-1001", "STAGE-1", "STAGE-1", 1, ""}).status == Status::invalid);
  CHECK(admin->call(proto::MoveReq{"SKU-1001", "STAGE-1", "A01-01-A", 0, ""}).status == Status::invalid);
  CHECK(admin->call(proto::MoveReq{"SKU-1001", "STAGE-1", "A01-01-A", -3, ""}).status == Status::invalid);
  CHECK(admin->call(proto::MoveReq{"SKU-1001", "STAGE-1", "NOWHERE", 1, ""}).status == Status::not_found);
  CHECK(admin->call(proto::MoveReq{"SKU-0000", "STAGE-1", "A01-01-A", 1, ""}).status == Status::not_found);
  auto too_many = admin->call(proto::MoveReq{"SKU-1001", "STAGE-1", "A01-01-A", 9, ""});
  CHECK(too_many.status == Status::insufficient_stock);
  CHECK_THAT(too_many.error, Catch::Contains("available 8"));
  // A01-01-A's 40 units are all reserved for SO-MV: none of them may move.
  auto reserved = admin->call(proto::MoveReq{"SKU-1001", "A01-01-A", "STAGE-1", 1, ""});
  CHECK(reserved.status == Status::insufficient_stock);
  CHECK_THAT(reserved.error, Catch::Contains("40 reserved for orders"));
  auto role = picker->call(proto::MoveReq{"SKU-1001", "STAGE-1", "A01-01-A", 1, ""});
  CHECK(role.status == Status::forbidden);
  CHECK(stock_at(*admin, "SKU-1001", "STAGE-1").on_hand == 8);

  // Putaway of 6 into the pick face: 5 serve the backorder, 1 stays available there.
  const auto moved =
      test::run(server.wmsctl("move --sku SKU-1001 --from STAGE-1 --to A01-01-A --qty 6 --reason putaway"));
  CHECK(moved.status == 0);
  CHECK_THAT(moved.output, Catch::Contains("backorder units allocated: 5"));
  CHECK(order(*admin, "SO-MV").lines.at(0).backordered == 0);
  auto stage = stock_at(*admin, "SKU-1001", "STAGE-1");
  CHECK(stage.on_hand == 2);
  auto face = stock_at(*admin, "SKU-1001", "A01-01-A");
  CHECK(face.on_hand == 46);
  CHECK(face.reserved == 45);
  CHECK_THAT(test::run(server.wmsctl("audit --type move")).output,
             Catch::Contains("moved 6 x SKU-1001 from STAGE-1 to A01-01-A: putaway"));

  // A location holding reserved units cannot become a staging lane or a dock door by import: the file is refused
  // on that row's kind, and nothing of it is applied.
  const std::string to_staging = "code,kind\nA01-01-B,bulk\nA01-01-A,staging\n";
  auto kind = admin->call(proto::ImportReq{"locations", to_staging});
  REQUIRE(kind.status == Status::import_failed);
  const auto kind_errors = kind.as<proto::ImportRep>().errors;
  REQUIRE(kind_errors.size() == 1);
  CHECK(kind_errors[0].line == 3);
  CHECK(kind_errors[0].column == "kind");
  CHECK_THAT(kind_errors[0].message, Catch::Contains("holds units reserved for orders (45 x SKU-1001)"));
  const auto locs = admin->call(proto::LocationsReq{}).as<proto::LocationsRep>().locations;
  for (const auto& l : locs) {
    if (l.code == "A01-01-A") CHECK(l.kind == "pick");
    if (l.code == "A01-01-B") CHECK(l.kind == "pick");
  }
  // A staging lane that becomes bulk gives its stock to waiting backorders at once: the 2 units left in STAGE-1.
  test::confirm_order(*admin, "SO-MV2", "SKU-1001", 3);
  CHECK(order(*admin, "SO-MV2").lines.at(0).backordered == 2);  // the 1 unit free in A01-01-A is taken
  REQUIRE(admin->call(proto::ImportReq{"locations", "code,kind\nSTAGE-1,bulk\n"}).ok());
  CHECK(order(*admin, "SO-MV2").lines.at(0).backordered == 0);
  CHECK(stock_at(*admin, "SKU-1001", "STAGE-1").reserved == 2);
}

// An IT person exports the master data, edits it in a spreadsheet and loads it back: the export has the import's
// columns and units, so an unedited export changes nothing and an edited cell changes just that.
TEST_CASE("master data exports as import files that load back unchanged") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  // Cells that need quoting, several barcodes, fractional weight, tax and prices.
  REQUIRE(admin
              ->call(proto::ImportReq{
                  "products",
                  "sku,description,barcodes,uom,units_per_case,units_per_pallet,weight_kg,"
                  "cost_price,list_price,tax_rate\n"
                  "ZX-1,\"Bolt, M8 \"\"heavy\"\"\",4006381333931|96385074,BOX,12,480,0.125,0.07,1.99,7.5\n"})
              .ok());
  for (const std::string kind : {"products", "locations", "accounts"}) {
    INFO(kind);
    const auto before = test::run(server.wmsctl("--json " + kind + " --limit 10000"));
    REQUIRE(before.status == 0);
    const auto exported = test::run(server.wmsctl(kind + " --csv"));
    REQUIRE(exported.status == 0);
    const std::string file = dir.str() + "/" + kind + ".csv";
    {
      std::ofstream f(file);
      f << exported.output;
    }
    const auto loaded = test::run(server.wmsctl("import " + kind + " " + file));
    CHECK(loaded.status == 0);
    CHECK_THAT(loaded.output, Catch::Contains(": 0 new, "));
    const auto after = test::run(server.wmsctl("--json " + kind + " --limit 10000"));
    CHECK(after.output == before.output);
  }
  const auto zx = test::run(server.wmsctl("products --csv --prefix ZX-"));
  CHECK(zx.output ==
        "sku,description,barcodes,uom,units_per_case,units_per_pallet,weight_kg,cost_price,list_price,tax_rate\n"
        "ZX-1,\"Bolt, M8 \"\"heavy\"\"\",04006381333931|00000096385074,BOX,12,480,0.125,0.07,1.99,7.50\n");
  // --csv fetches every row, page by page; it takes no --limit and is not JSON.
  CHECK(test::run(server.wmsctl("products --csv --limit 5")).status == 2);
  CHECK(test::run(server.wmsctl("--json products --csv")).status == 2);
  CHECK_THAT(test::run(WMSCTL_PATH " --help").output, !Catch::Contains("--csv --csv"));
  CHECK(test::run(server.wmsctl("products --limit 20000")).status == 2);
  // A refused export writes no half file.
  const auto refused = test::run("(WMS_PIN=1111 " WMSCTL_PATH " --server " + server.endpoint() +
                                 " --user picker1 products --csv 2>/dev/null)");  // stdout only
  CHECK(refused.status == 1);
  CHECK(refused.output.empty());
  CHECK(test::run(server.wmsctl("backup ''")).status == 2);
}

TEST_CASE("master data is listed in code order, by prefix and page, and users only to an admin") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto manager = test::login(server, "manager", "2468", "office-2");
  REQUIRE(admin
              ->call(proto::ImportReq{"products",
                                      "sku,description,barcodes,list_price,tax_rate\n"
                                      "ZZ-2,Second,,1.00,20\n"
                                      "ZZ-1,First,4006381333931,12.50,7\n"
                                      "ZZ-3,Third,,0.99,0\n"})
              .ok());
  auto products = [&](std::string prefix, std::string after, std::uint32_t limit) {
    proto::ProductsReq q;
    q.prefix = std::move(prefix);
    q.after = std::move(after);
    q.limit = limit;
    auto r = manager->call(q);
    REQUIRE(r.ok());
    return r.as<proto::ProductsRep>();
  };
  // In code order whatever the import order; every field as imported, money in minor units.
  auto page1 = products("ZZ-", "", 2);
  REQUIRE(page1.products.size() == 2);
  CHECK(page1.more);
  CHECK(page1.products[0].sku == "ZZ-1");
  CHECK(page1.products[0].barcodes == std::vector<std::string>{"04006381333931"});
  CHECK(page1.products[0].list_minor == 1250);
  CHECK(page1.products[0].tax_bps == 700);
  CHECK(page1.products[1].sku == "ZZ-2");
  auto page2 = products("ZZ-", "ZZ-2", 2);
  REQUIRE(page2.products.size() == 1);
  CHECK(page2.products[0].sku == "ZZ-3");
  CHECK_FALSE(page2.more);
  CHECK(products("ZZ-", "", 3).products.size() == 3);
  CHECK_FALSE(products("ZZ-", "", 3).more);
  CHECK(products("NOPE", "", 10).products.empty());
  const auto all = products("", "", 10000).products;
  CHECK(all.size() == 3 + 12);  // the demo's twelve and the three above
  CHECK(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.sku < b.sku; }));
  proto::ProductsReq bad;
  bad.limit = 0;
  CHECK(manager->call(bad).status == Status::invalid);
  bad.limit = proto::k_max_list_items + 1;
  CHECK(manager->call(bad).status == Status::invalid);

  // Locations and accounts for the office; users for an admin only, never with a PIN hash.
  proto::LocationsReq lq;
  lq.prefix = "A01-01";
  auto locs = manager->call(lq).as<proto::LocationsRep>().locations;
  REQUIRE(locs.size() == 2);
  CHECK(locs[0].code == "A01-01-A");
  CHECK(locs[0].kind == "pick");
  CHECK(locs[0].barcode == "LOC-A01-01-A");
  auto accounts = manager->call(proto::AccountsReq{}).as<proto::AccountsRep>().accounts;
  REQUIRE(accounts.size() == 4);
  CHECK(accounts[3].code == "DIYS");
  CHECK(accounts[3].terms == "prepay");
  CHECK(manager->call(proto::UsersReq{}).status == Status::forbidden);
  // A refusal under --json is JSON too.
  const auto refused = test::run(server.wmsctl("--user manager --json users", "2468"));
  CHECK(refused.status == 1);
  CHECK_THAT(refused.output,
             Catch::Contains("{\"status\":\"forbidden\",\"error\":\"role manager may not do 'users' (admin only)\""));
  // Listing filters are checked, not silently matched against nothing.
  // By the server (any client) and by wmsctl before it asks (usage, exit 2).
  const auto bogus = admin->call(proto::TasksReq{0, "bogus"});
  CHECK(bogus.status == Status::invalid);
  CHECK(bogus.error == "status must be open, claimed, done, short or cancelled, got 'bogus'");
  CHECK(test::run(server.wmsctl("tasks --status bogus")).status == 2);
  CHECK(test::run(server.wmsctl("orders --status bogus")).status == 2);
  // So are codes that do not exist: a mistyped SKU must not look like a product with no stock.
  const auto nope = test::run(server.wmsctl("stock --sku NOPE"));
  CHECK(nope.status == 1);
  CHECK_THAT(nope.output, Catch::Contains("not_found: no product 'NOPE'"));
  CHECK_THAT(test::run(server.wmsctl("stock --location NOWHERE")).output, Catch::Contains("no location 'NOWHERE'"));
  CHECK_THAT(test::run(server.wmsctl("tasks --wave 999")).output, Catch::Contains("no wave 999"));
  CHECK(test::run(server.wmsctl("stock --sku SKU-1001")).status == 0);
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  CHECK(picker->call(proto::ProductsReq{}).status == Status::forbidden);
  auto users = admin->call(proto::UsersReq{});
  REQUIRE(users.ok());
  CHECK(users.as<proto::UsersRep>().users.size() == 5);
  const auto users_json = test::run(server.wmsctl("--json users")).output;
  CHECK_THAT(users_json,
             Catch::Contains("\"code\":\"picker2\"") && !Catch::Contains("argon2") && !Catch::Contains("pin_hash"));

  // wmsctl prints them as tables and says how to see the next page.
  auto out = test::run(server.wmsctl("products --prefix ZZ- --limit 2"));
  CHECK(out.status == 0);
  CHECK_THAT(out.output, Catch::Contains("ZZ-1") && Catch::Contains("12.50") && Catch::Contains("04006381333931") &&
                             Catch::Contains("(more: add --after ZZ-2)") && !Catch::Contains("ZZ-3"));
  CHECK_THAT(test::run(server.wmsctl("users")).output, Catch::Contains("picker1") && Catch::Contains("forklift"));
  // Columns line up in characters: a description with "ü" (two bytes) does not push its row's columns right.
  REQUIRE(admin
              ->call(proto::ImportReq{"products",
                                      "sku,description,list_price\nYY-1,M\xc3\xbcller bolt,1.00\n"
                                      "YY-2,Mxller bolt,1.00\n"})
              .ok());
  const auto aligned = test::run(server.wmsctl("products --prefix YY-")).output;
  auto column_of_ea = [&](const std::string& sku) {  // the character column where the row's uom starts
    const auto row = aligned.substr(aligned.find(sku));
    return wms::csv::utf8_chars(row.substr(0, row.find("EA")));
  };
  CHECK(column_of_ea("YY-1") == column_of_ea("YY-2"));
  // The only admin cannot be turned into something else: nobody could manage users or imports afterwards.
  const auto demote = test::run(server.wmsctl("user add admin --role picker --new-pin 1234"));
  CHECK(demote.status == 1);
  CHECK_THAT(demote.output, Catch::Contains("user admin is the only admin: make another user admin first"));
  CHECK(admin->call(proto::UsersReq{}).ok());  // still an admin
  // Resetting a PIN says what it did.
  const auto reset = test::run(server.wmsctl("user add picker2 --role picker --new-pin 2222"));
  CHECK(reset.status == 0);
  CHECK_THAT(reset.output, Catch::Contains("user picker2 is a picker; PIN set, lock cleared, its open sessions ended"));
  CHECK_THAT(test::run(server.wmsctl("--json accounts --prefix CITY")).output,
             Catch::Contains("\"code\":\"CITY\"") && Catch::Contains("\"mode\":\"pallet\""));

  // `--json order confirm --all` prints one JSON array of the answers (a script parses it whole).
  REQUIRE(admin
              ->call(proto::ImportReq{"orders",
                                      "order_ref,account,sku,qty\nSO-J1,ACME,SKU-1001,1\nSO-J2,ACME,SKU-1002,1\n"})
              .ok());
  const auto confirmed = test::run(server.wmsctl("--json order confirm --all"));
  REQUIRE(confirmed.status == 0);
  CHECK(confirmed.output.front() == '[');
  CHECK(confirmed.output.substr(confirmed.output.size() - 2) == "]\n");
  CHECK(std::count(confirmed.output.begin(), confirmed.output.end(), '\n') == 1);
  CHECK_THAT(confirmed.output,
             Catch::Contains("},{") && Catch::Contains("\"ref\":\"SO-J1\"") && Catch::Contains("\"ref\":\"SO-J2\""));
  CHECK(test::run(server.wmsctl("--json order confirm --all")).output == "[]\n");
  CHECK(test::run(server.wmsctl("order confirm --all --json")).output == "[]\n");  // global options after it too
  // Without --json it says so when there is nothing to confirm, rather than printing nothing.
  const auto none = test::run(server.wmsctl("order confirm --all"));
  CHECK(none.status == 0);
  CHECK_THAT(none.output, Catch::Contains("no entered orders to confirm"));
  CHECK(test::run(server.wmsctl("order confirm --all SO-1001")).status == 2);  // one or the other
}

TEST_CASE("orders and invoices are listed in pages and order confirm --all confirms every entered order") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto manager = test::login(server, "manager", "2468", "office-2");
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  // Two invoices first (orders 1 and 2), then more entered orders than one list page holds.
  const auto inv1 = test::ship_order(*admin, *manager, *picker, "SO-P1");
  const auto inv2 = test::ship_order(*admin, *manager, *picker, "SO-P2");
  const std::size_t many = proto::k_max_list_items + 25;
  std::string csv = "order_ref,account,sku,qty\n";
  for (std::size_t i = 0; i < many; ++i) csv += "BULK-" + std::to_string(i) + ",ACME,SKU-1002,1\n";
  REQUIRE(admin->call(proto::ImportReq{"orders", csv}).ok());

  // Pages in id order: `after` the last id seen, `more` while the limit stopped the list.
  auto page = [&](std::string status, std::uint64_t after, std::uint32_t limit) {
    auto r = manager->call(proto::OrdersReq{std::move(status), after, limit});
    REQUIRE(r.ok());
    return r.as<proto::OrdersRep>();
  };
  const auto first = page("", 0, 3);
  REQUIRE(first.orders.size() == 3);
  CHECK(first.more);
  CHECK(first.orders[0].ref == "SO-P1");
  CHECK(first.orders[2].ref == "BULK-0");
  const auto next = page("", first.orders.back().id, 2);
  REQUIRE(next.orders.size() == 2);
  CHECK(next.orders[0].ref == "BULK-1");
  const auto entered = page("entered", 0, static_cast<std::uint32_t>(proto::k_max_list_items));
  CHECK(entered.orders.size() == proto::k_max_list_items);
  CHECK(entered.more);  // a list never stops silently at its limit
  const auto tail = page("entered", entered.orders.back().id, 100);
  CHECK(tail.orders.size() == 25);
  CHECK_FALSE(tail.more);
  for (std::uint32_t bad : {0u, static_cast<std::uint32_t>(proto::k_max_list_items + 1)})
    CHECK(manager->call(proto::OrdersReq{"", 0, bad}).status == Status::invalid);
  const auto listed = test::run(server.wmsctl("orders --limit 2"));
  CHECK(listed.status == 0);
  CHECK_THAT(listed.output, Catch::Contains("SO-P2") && Catch::Contains("(more: add --after 2)"));
  CHECK_THAT(test::run(server.wmsctl("orders --after 2 --limit 1")).output, Catch::Contains("BULK-0"));

  // Invoices the same way: a finance clerk reaches every number.
  auto invs = admin->call(proto::InvoicesReq{0, 1}).as<proto::InvoicesRep>();
  REQUIRE(invs.invoices.size() == 1);
  CHECK(invs.invoices[0].number == inv1.number);
  CHECK(invs.more);
  invs = admin->call(proto::InvoicesReq{inv1.number, 1}).as<proto::InvoicesRep>();
  REQUIRE(invs.invoices.size() == 1);
  CHECK(invs.invoices[0].number == inv2.number);
  CHECK_FALSE(invs.more);
  CHECK_THAT(test::run(server.wmsctl("invoices --limit 1")).output,
             Catch::Contains("(more: add --after " + std::to_string(inv1.number) + ")"));
  CHECK_THAT(test::run(server.wmsctl("invoices --after " + std::to_string(inv1.number))).output,
             Catch::Contains("SO-P2") && !Catch::Contains("SO-P1") && !Catch::Contains("(more"));

  // Stock rows too: past the limit the list says so.
  std::string products = "sku,description,list_price\n", stock = "sku,location,qty\n";
  for (std::size_t i = 0; i <= proto::k_max_list_items; ++i) {
    products += "ZS-" + std::to_string(i) + ",Stock row test,1.00\n";
    stock += "ZS-" + std::to_string(i) + ",A01-02-A,1\n";
  }
  REQUIRE(admin->call(proto::ImportReq{"products", products}).ok());
  REQUIRE(admin->call(proto::ImportReq{"stock", stock}).ok());
  const auto all_stock = manager->call(proto::StockReq{"", ""}).as<proto::StockRep>();
  CHECK(all_stock.stock.size() == proto::k_max_list_items);
  CHECK(all_stock.more);
  CHECK_FALSE(manager->call(proto::StockReq{"ZS-7", ""}).as<proto::StockRep>().more);
  CHECK_THAT(test::run(server.wmsctl("stock")).output, Catch::Contains("narrow it with --sku or --location"));

  // --all takes every page: no entered order is left behind, each confirmed once.
  const auto all = test::run(server.wmsctl("order confirm --all"));
  INFO(all.output.substr(0, 300));
  CHECK(all.status == 0);
  CHECK(std::count(all.output.begin(), all.output.end(), '\n') == static_cast<long>(many));
  CHECK(page("entered", 0, 10).orders.empty());
  std::size_t confirmed = 0;
  for (std::uint64_t after = 0;;) {
    const auto p = page("confirmed", after, static_cast<std::uint32_t>(proto::k_max_list_items));
    confirmed += p.orders.size();
    if (!p.more) break;
    after = p.orders.back().id;
  }
  CHECK(confirmed == many);  // SO-P1 and SO-P2 shipped whole: closed
}

TEST_CASE("an order worth more than the money limit is refused at confirmation and nothing changes") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  REQUIRE(admin->call(proto::ImportReq{"products", "sku,description,list_price,tax_rate\nBIG,Big item,99999.99,20\n"})
              .ok());
  REQUIRE(admin->call(proto::ImportReq{"stock", "sku,location,qty\nBIG,A01-01-A,1000000000\n"}).ok());
  REQUIRE(admin
              ->call(proto::ImportReq{"orders",
                                      "order_ref,account,sku,qty\nSO-BIG,BOLT,BIG,1000000000\n"
                                      "SO-OK,BOLT,BIG,1000\n"})
              .ok());
  proto::OrderConfirmReq c;
  c.ref = "SO-BIG";
  auto r = admin->call(c);
  CHECK(r.status == Status::invalid);
  CHECK_THAT(r.error, Catch::Contains("SO-BIG is worth more than 10000000000000.00"));
  CHECK(order(*admin, "SO-BIG").status == "entered");
  CHECK(stock_at(*admin, "BIG", "A01-01-A").reserved == 0);
  c.ref = "SO-OK";  // 1000 x 99,999.99 + 20 %: well within the limit
  REQUIRE(admin->call(c).ok());
  CHECK(stock_at(*admin, "BIG", "A01-01-A").reserved == 1000);
}

TEST_CASE("wms-shift works a shift where every task is short-picked - parcel into totes and pallets to the lane") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  const auto r = test::run("WMS_PIN=2468 " WMS_SHIFT_PATH " --server " + server.endpoint() + " --events " +
                           server.pub_endpoint() + " --short-rate 1 --wrong-rate 0.3 --orders 6");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, !Catch::Contains("stopped:"));
  CHECK_THAT(r.output, Catch::Contains("[fork1] SHORT at") &&
                           (Catch::Contains("[picker1] SHORT at") || Catch::Contains("[picker2] SHORT at")));
  CHECK_THAT(r.output, Catch::Contains("shift over"));
  // Every short pick left its bin waiting for a count.
  auto admin = test::login(server, "admin", "1234", "office-1");
  const auto due = admin->call(proto::StockReq{"", "", true}).as<proto::StockRep>().due;
  CHECK_FALSE(due.empty());
}

TEST_CASE("a short pick re-allocates the order being picked before orders that hold units in the bin without a task") {
  test::TempDir dir;
  test::Wmsd server(dir.str() + "/data", {"--demo"});
  auto admin = test::login(server, "admin", "1234", "office-1");
  auto picker = test::login(server, "picker1", "1111", "hh-1");
  // SKU-3001: 65 in A02-01-B; 5 more arrive in A03-01-A.
  REQUIRE(admin->call(proto::ReceiveReq{"SKU-3001", "A03-01-A", 5, "PO-R2"}).ok());
  const auto tasks = test::release_order(*admin, *admin, "SO-EARLY", "SKU-3001", 60);
  REQUIRE(tasks.size() == 1);
  REQUIRE(tasks[0].location == "A02-01-B");
  test::confirm_order(*admin, "SO-LATE", "SKU-3001", 5);  // A02-01-B's last 5, no task yet
  REQUIRE(stock_at(*admin, "SKU-3001", "A02-01-B").reserved == 65);
  const auto sh = picker->call(proto::PickShortReq{tasks[0].id, 55, "damaged", ""});
  REQUIRE(sh.ok());
  // SO-EARLY's picker stands at the bin: its 5 missing come from A03-01-A; SO-LATE finds nothing left and waits.
  CHECK(sh.as<proto::PickShortRep>().outcome == "reallocated");
  CHECK(order(*admin, "SO-EARLY").lines.at(0).backordered == 0);
  CHECK(order(*admin, "SO-LATE").lines.at(0).backordered == 5);
  CHECK(order(*admin, "SO-LATE").lines.at(0).allocated == 0);
  CHECK(stock_at(*admin, "SKU-3001", "A02-01-B").reserved == 0);
  CHECK(stock_at(*admin, "SKU-3001", "A03-01-A").reserved == 5);
}
