// The wire additions the terminal app relies on, against the real wmsd over tcp loopback: task views carry every
// product barcode and, for pallet waves, the drop location; pallet confirms need the drop scan (and a valid SSCC
// when sent); parcel confirms record a tote; the pack station lists an order by tote or ref and closes it once,
// idempotently by key; forklift drivers may not pack. Every refusal is checked to change nothing.
#include <catch2/catch.hpp>
#include <map>
#include <zmq.hpp>

#include "domain/records.hpp"
#include "harness.hpp"

using namespace wms;
using proto::Status;

namespace {

constexpr const char* k_case_gtin = "14006380010038";  // a second barcode given to SKU-2001 (case of 12)
constexpr const char* k_good_sscc = "040063801234567896";
constexpr const char* k_bad_sscc = "040063801234567890";  // check digit should be 6

// The demo site plus three confirmed orders, waved and released: SO-P1 (CITY, pallet: 50 x SKU-1001 from the
// bulk bin B01-01-1), SO-A (ACME, parcel: 3 x SKU-2001, 4 x SKU-2002), SO-B (BOLT, parcel: 2 x SKU-3001).
struct Site {
  test::TempDir dir;
  test::Wmsd server{dir.str() + "/data", {"--demo"}};
  std::unique_ptr<client::Connection> admin = test::login(server, "admin", "1234", "office-1");

  Site() {
    auto imp = admin->call(proto::ImportReq{
        "products",
        "sku,description,barcodes,uom,units_per_case,units_per_pallet,weight_kg,cost_price,list_price,tax_rate\n"
        "SKU-2001,\"Wood screw 4x40 Torx, box of 200\",4006380010031|" +
            std::string(k_case_gtin) + ",EA,12,480,0.700,3.30,6.80,20\n"});
    REQUIRE(imp.ok());
    REQUIRE(admin->call(proto::OrderCreateReq{"SO-P1", "CITY", {{"SKU-1001", 50}}}).ok());
    REQUIRE(admin->call(proto::OrderCreateReq{"SO-A", "ACME", {{"SKU-2001", 3}, {"SKU-2002", 4}}}).ok());
    REQUIRE(admin->call(proto::OrderCreateReq{"SO-B", "BOLT", {{"SKU-3001", 2}}}).ok());
    for (auto ref : {"SO-P1", "SO-A", "SO-B"}) {
      proto::OrderConfirmReq q;
      q.ref = ref;
      REQUIRE(admin->call(q).ok());
    }
    for (auto mode : {"parcel", "pallet"}) {
      auto w = admin->call(proto::WaveCreateReq{mode, 0});
      REQUIRE(w.ok());
      proto::WaveReleaseReq rel;
      rel.wave = w.as<proto::WaveView>().id;
      REQUIRE(admin->call(rel).ok());
    }
  }

  proto::TaskView task(const std::string& ref, const std::string& sku) {
    for (const auto& t : admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks)
      if (t.order_ref == ref && t.sku == sku) return t;
    FAIL("no task for " << ref << " " << sku);
    return {};
  }
  proto::StockView stock(const std::string& sku, const std::string& loc) {
    auto rows = admin->call(proto::StockReq{sku, loc}).as<proto::StockRep>().stock;
    REQUIRE(rows.size() == 1);
    return rows[0];
  }
  proto::OrderView order(const std::string& ref) {
    proto::OrderShowReq q;
    q.ref = ref;
    auto r = admin->call(q);
    REQUIRE(r.ok());
    return r.as<proto::OrderView>();
  }
  // Another CITY (pallet) order of SKU-1001 from the bulk bin, confirmed, in a pallet wave of its own, released.
  void release_pallet_order(const std::string& ref, std::int64_t qty) {
    REQUIRE(admin->call(proto::OrderCreateReq{ref, "CITY", {{"SKU-1001", qty}}}).ok());
    proto::OrderConfirmReq q;
    q.ref = ref;
    REQUIRE(admin->call(q).ok());
    auto w = admin->call(proto::WaveCreateReq{"pallet", 0});
    REQUIRE(w.ok());
    proto::WaveReleaseReq rel;
    rel.wave = w.as<proto::WaveView>().id;
    REQUIRE(admin->call(rel).ok());
  }
  std::size_t audit_count(const std::string& type) {
    std::size_t n = 0;
    for (const auto& a : admin->call(test::audit_all(10000)).as<proto::AuditRep>().entries) n += a.type == type;
    return n;
  }
};

proto::PickConfirmReq confirm(const proto::TaskView& t, std::int64_t qty) {
  return {t.id, t.location_barcode, t.gtin, qty};
}

// A pallet confirm with the drop scan at the task's lane and pallet label `sscc`.
proto::PickConfirmReq pallet_confirm(const proto::TaskView& t, std::int64_t qty, const std::string& sscc) {
  auto c = confirm(t, qty);
  c.drop_scan = t.drop_barcode;
  c.sscc = sscc;
  return c;
}

proto::PackCloseReq close_req(const std::string& ref, std::uint32_t cartons) {
  return {ref, cartons};
}

}  // namespace

TEST_CASE("task views carry every product barcode, and pallet tasks the staging lane they go to") {
  Site s;
  auto t = s.task("SO-A", "SKU-2001");
  CHECK(t.gtin == "04006380010031");
  CHECK(t.barcodes == std::vector<std::string>{"04006380010031", k_case_gtin});
  CHECK(t.mode == "parcel");
  CHECK(t.drop_location.empty());
  CHECK(t.drop_barcode.empty());
  CHECK(t.tote.empty());
  CHECK(t.sscc.empty());

  // The forklift sees the same in its snapshot (Clone pattern): the first staging lane by walk sequence.
  auto fork = test::login(s.server, "fork1", "3333", "truck-1");
  auto snap = fork->call(proto::SnapshotReq{}).as<proto::SnapshotRep>();
  const proto::TaskView* pallet = nullptr;
  for (const auto& v : snap.tasks)
    if (v.order_ref == "SO-P1") pallet = &v;
  REQUIRE(pallet);
  CHECK(pallet->mode == "pallet");
  CHECK(pallet->location == "B01-01-1");
  CHECK(pallet->drop_location == "STAGE-1");
  CHECK(pallet->drop_barcode == "LOC-STAGE-1");
  CHECK(pallet->barcodes == std::vector<std::string>{"04006380010000"});
  CHECK(pallet->sscc.empty());
}

TEST_CASE("a pallet confirm needs the drop scan at the staging lane and a valid SSCC, and refusals change nothing") {
  Site s;
  auto fork = test::login(s.server, "fork1", "3333", "truck-1");
  auto t = s.task("SO-P1", "SKU-1001");
  REQUIRE(t.qty == 50);
  const auto before = s.stock("SKU-1001", "B01-01-1");
  CHECK(before.on_hand == 200);
  CHECK(before.reserved == 50);
  const auto events_before = s.admin->call(proto::PingReq{}).as<proto::PingRep>().seq;

  auto no_drop = fork->call(confirm(t, 50));
  CHECK(no_drop.status == Status::wrong_location);
  CHECK_THAT(no_drop.error, Catch::Contains("take the pallet to STAGE-1"));

  auto wrong = confirm(t, 50);
  wrong.drop_scan = "LOC-DOOR-1";
  auto wrong_drop = fork->call(wrong);
  CHECK(wrong_drop.status == Status::wrong_location);
  CHECK(wrong_drop.error == "take the pallet to STAGE-1, you scanned DOOR-1");

  wrong.drop_scan = "NOT-A-LOCATION";
  CHECK(fork->call(wrong).status == Status::unknown_barcode);

  auto bad_sscc = confirm(t, 50);
  bad_sscc.drop_scan = "LOC-STAGE-1";
  bad_sscc.sscc = k_bad_sscc;
  auto r = fork->call(bad_sscc);
  CHECK(r.status == Status::invalid);
  CHECK_THAT(r.error, Catch::Contains(k_bad_sscc));
  bad_sscc.sscc = "12345";
  CHECK(fork->call(bad_sscc).status == Status::invalid);

  auto with_tote = confirm(t, 50);
  with_tote.drop_scan = "LOC-STAGE-1";
  with_tote.tote = "TOTE-1";
  CHECK(fork->call(with_tote).status == Status::invalid);

  // Nothing moved: stock, task, order, events.
  const auto still = s.stock("SKU-1001", "B01-01-1");
  CHECK(still.on_hand == before.on_hand);
  CHECK(still.reserved == before.reserved);
  const auto unchanged = s.task("SO-P1", "SKU-1001");
  CHECK(unchanged.picked == 0);
  CHECK(unchanged.status == "open");
  CHECK(unchanged.claimed_by.empty());
  CHECK(unchanged.sscc.empty());
  CHECK(s.order("SO-P1").lines.at(0).picked == 0);
  CHECK(s.admin->call(proto::PingReq{}).as<proto::PingRep>().seq == events_before);

  auto right = confirm(t, 50);
  right.drop_scan = t.drop_barcode;
  right.sscc = k_good_sscc;
  auto ok = fork->call(right);
  REQUIRE(ok.ok());
  auto rep = ok.as<proto::PickRep>();
  CHECK(rep.task.status == "done");
  CHECK(rep.task.picked == 50);
  CHECK(rep.task.sscc == k_good_sscc);
  CHECK(rep.task.drop_location == "STAGE-1");
  CHECK(s.task("SO-P1", "SKU-1001").sscc == k_good_sscc);
  const auto after = s.stock("SKU-1001", "B01-01-1");
  CHECK(after.on_hand == 150);
  CHECK(after.reserved == 0);
  CHECK(s.order("SO-P1").lines.at(0).picked == 50);
}

TEST_CASE("a pallet short pick takes the units found to the lane under their label and refusals change nothing") {
  Site s;
  auto fork = test::login(s.server, "fork1", "3333", "truck-1");
  const auto t = s.task("SO-P1", "SKU-1001");
  const auto before = s.stock("SKU-1001", "B01-01-1");
  const auto events_before = s.admin->call(proto::PingReq{}).as<proto::PingRep>().seq;
  auto req = [&](std::int64_t found, const std::string& drop, const std::string& sscc) {
    proto::PickShortReq q{t.id, found, "damaged", ""};
    q.drop_scan = drop;
    q.sscc = sscc;
    return q;
  };
  // Units found make a pallet: without the lane scan, at the wrong lane, or with a bad label it is refused.
  auto no_drop = fork->call(req(30, "", ""));
  CHECK(no_drop.status == Status::wrong_location);
  CHECK_THAT(no_drop.error, Catch::Contains("take the pallet to STAGE-1"));
  CHECK(fork->call(req(30, "LOC-DOOR-1", "")).status == Status::wrong_location);
  CHECK(fork->call(req(30, "NOT-A-LOCATION", "")).status == Status::unknown_barcode);
  CHECK(fork->call(req(30, t.drop_barcode, k_bad_sscc)).status == Status::invalid);
  // Nothing found: no pallet, so no lane scan or label either.
  const auto none = fork->call(req(0, t.drop_barcode, ""));
  CHECK(none.status == Status::invalid);
  CHECK_THAT(none.error, Catch::Contains("nothing was found"));
  // A parcel task takes neither.
  const auto parcel = s.task("SO-A", "SKU-2001");
  proto::PickShortReq pq{parcel.id, 1, "damaged", ""};
  pq.drop_scan = "LOC-STAGE-1";
  auto picker = test::login(s.server, "picker1", "1111", "hh-1");
  CHECK(picker->call(pq).status == Status::invalid);
  // Nothing moved.
  CHECK(s.stock("SKU-1001", "B01-01-1").on_hand == before.on_hand);
  CHECK(s.stock("SKU-1001", "B01-01-1").reserved == before.reserved);
  CHECK(s.task("SO-P1", "SKU-1001").status == "open");
  CHECK(s.task("SO-A", "SKU-2001").status == "open");
  CHECK(s.admin->call(proto::PingReq{}).as<proto::PingRep>().seq == events_before);
  CHECK(s.stock("SKU-1001", "B01-01-1").count_due == false);

  // At the lane, under its label: the 30 are picked onto that pallet and the label is the task's.
  auto ok = fork->call(req(30, t.drop_barcode, k_good_sscc));
  REQUIRE(ok.ok());
  const auto rep = ok.as<proto::PickShortRep>();
  CHECK(rep.task.status == "short");
  CHECK(rep.task.picked == 30);
  CHECK(rep.task.sscc == k_good_sscc);
  CHECK(s.order("SO-P1").lines.at(0).picked == 30);
  CHECK(s.stock("SKU-1001", "B01-01-1").count_due);
  // The label is taken: another task cannot carry it.
  s.release_pallet_order("SO-P2", 5);
  const auto p2 = s.task("SO-P2", "SKU-1001");
  CHECK(fork->call(pallet_confirm(p2, 5, k_good_sscc)).status == Status::conflict);
}

TEST_CASE("a parcel confirm records a valid tote, refuses a bad label, a second tote and another order's tote") {
  Site s;
  auto picker = test::login(s.server, "picker1", "1111", "hh-1");
  auto t = s.task("SO-A", "SKU-2001");
  const auto before = s.stock("SKU-2001", t.location);

  for (const char* bad : {"BOX-1", "TOTE-", "TOTE-1234567890123", "tote-1", "TOTE-1 2"}) {
    auto req = confirm(t, 1);
    req.tote = bad;
    auto r = picker->call(req);
    INFO("tote '" << bad << "'");
    CHECK(r.status == Status::invalid);
    CHECK_THAT(r.error, Catch::Contains("not a tote label"));
  }
  auto pallet_fields = confirm(t, 1);
  pallet_fields.drop_scan = "LOC-STAGE-1";
  CHECK(picker->call(pallet_fields).status == Status::invalid);
  CHECK(s.stock("SKU-2001", t.location).on_hand == before.on_hand);
  CHECK(s.task("SO-A", "SKU-2001").picked == 0);
  CHECK(s.task("SO-A", "SKU-2001").tote.empty());

  // The case barcode is as good as the unit barcode (every barcode of the product resolves).
  auto first = confirm(t, 1);
  first.product_scan = k_case_gtin;
  first.tote = "TOTE-A1";
  auto r1 = picker->call(first);
  REQUIRE(r1.ok());
  CHECK(r1.as<proto::PickRep>().task.tote == "TOTE-A1");
  CHECK(r1.as<proto::PickRep>().task.status == "claimed");

  auto other_tote = confirm(t, 2);
  other_tote.tote = "TOTE-A2";
  auto r2 = picker->call(other_tote);
  CHECK(r2.status == Status::conflict);
  CHECK_THAT(r2.error, Catch::Contains("task " + std::to_string(t.id) + " goes into TOTE-A1"));
  CHECK(s.task("SO-A", "SKU-2001").picked == 1);

  auto rest = picker->call(confirm(t, 2));  // no tote: the task keeps its tote
  REQUIRE(rest.ok());
  CHECK(rest.as<proto::PickRep>().task.tote == "TOTE-A1");
  CHECK(rest.as<proto::PickRep>().task.status == "done");

  auto t2 = s.task("SO-A", "SKU-2002");
  auto same_order = confirm(t2, 4);
  same_order.tote = "TOTE-A1";
  REQUIRE(picker->call(same_order).ok());

  // A tote holds one order until it is packed or dispatched.
  auto tb = s.task("SO-B", "SKU-3001");
  auto taken = confirm(tb, 2);
  taken.tote = "TOTE-A1";
  auto r3 = picker->call(taken);
  CHECK(r3.status == Status::conflict);
  CHECK_THAT(r3.error, Catch::Contains("TOTE-A1") && Catch::Contains("SO-A"));
  CHECK(s.order("SO-B").lines.at(0).picked == 0);
  taken.tote = "TOTE-B1";
  REQUIRE(picker->call(taken).ok());
  CHECK(s.task("SO-B", "SKU-3001").tote == "TOTE-B1");
}

TEST_CASE("a short pick puts the units found into a tote under the same rules, and the pack station finds them") {
  Site s;
  auto picker = test::login(s.server, "picker1", "1111", "hh-1");
  // SO-A's first line goes into TOTE-A1 by a normal pick.
  auto ta = s.task("SO-A", "SKU-2002");
  auto into_a1 = confirm(ta, 4);
  into_a1.tote = "TOTE-A1";
  REQUIRE(picker->call(into_a1).ok());

  // SO-B (2 x SKU-3001): 1 found. Refused, each changing nothing: no units but a tote, a bad label, a tote that
  // holds SO-A's unpacked goods.
  auto tb = s.task("SO-B", "SKU-3001");
  const auto before = s.stock("SKU-3001", tb.location);
  auto short_req = [&](std::int64_t found, std::string tote) {
    proto::PickShortReq r;
    r.task = tb.id;
    r.qty_found = found;
    r.reason = "damaged";
    r.tote = std::move(tote);
    return r;
  };
  auto none = picker->call(short_req(0, "TOTE-B1"));
  CHECK(none.status == Status::invalid);
  CHECK_THAT(none.error, Catch::Contains("nothing was found"));
  CHECK(picker->call(short_req(1, "BOX-1")).status == Status::invalid);
  auto held = picker->call(short_req(1, "TOTE-A1"));
  CHECK(held.status == Status::conflict);
  CHECK_THAT(held.error, Catch::Contains("SO-A"));
  CHECK(s.task("SO-B", "SKU-3001").status != "short");
  CHECK(s.task("SO-B", "SKU-3001").tote.empty());
  CHECK(s.stock("SKU-3001", tb.location).on_hand == before.on_hand);
  CHECK(s.order("SO-B").lines.at(0).picked == 0);

  // Accepted with an empty tote: the task, the order and the pack station know where the unit is.
  auto ok = picker->call(short_req(1, "TOTE-B1"));
  REQUIRE(ok.ok());
  CHECK(ok.as<proto::PickShortRep>().task.tote == "TOTE-B1");
  CHECK(s.order("SO-B").lines.at(0).picked == 1);
  auto pack = picker->call(proto::PackContentsReq{"", "TOTE-B1"});
  REQUIRE(pack.ok());
  const auto contents = pack.as<proto::PackContentsRep>();
  CHECK(contents.ref == "SO-B");
  REQUIRE(contents.lines.size() == 1);
  CHECK(contents.lines[0].picked == 1);

  // A pallet task takes no tote in a short pick either.
  auto fork = test::login(s.server, "fork1", "3333", "veh-1");
  auto tp = s.task("SO-P1", "SKU-1001");
  proto::PickShortReq pallet;
  pallet.task = tp.id;
  pallet.qty_found = 10;
  pallet.reason = "damaged";
  pallet.tote = "TOTE-P1";
  auto pr = fork->call(pallet);
  CHECK(pr.status == Status::invalid);
  CHECK_THAT(pr.error, Catch::Contains("totes are for parcels"));
  CHECK(s.task("SO-P1", "SKU-1001").picked == 0);
}

TEST_CASE("the pack station lists an order by tote or by ref and closes it once, also when the close is retried") {
  Site s;
  auto picker = test::login(s.server, "picker1", "1111", "hh-1");
  for (auto [ref, sku, tote] : {std::tuple{"SO-A", "SKU-2001", "TOTE-A1"}, std::tuple{"SO-A", "SKU-2002", "TOTE-A1"},
                                std::tuple{"SO-B", "SKU-3001", "TOTE-B1"}}) {
    auto t = s.task(ref, sku);
    auto req = confirm(t, t.qty);
    req.tote = tote;
    REQUIRE(picker->call(req).ok());
  }

  auto by_tote = picker->call(proto::PackContentsReq{"", "TOTE-A1"});
  REQUIRE(by_tote.ok());
  auto a = by_tote.as<proto::PackContentsRep>();
  CHECK(a.ref == "SO-A");
  CHECK(a.account == "ACME");
  CHECK(a.tote == "TOTE-A1");
  CHECK(a.totes == std::vector<std::string>{"TOTE-A1"});
  CHECK(a.packed_ms == 0);
  REQUIRE(a.lines.size() == 2);
  CHECK(a.lines[0].sku == "SKU-2001");
  CHECK(a.lines[0].picked == 3);
  CHECK(a.lines[0].barcodes == std::vector<std::string>{"04006380010031", k_case_gtin});
  CHECK_FALSE(a.lines[0].description.empty());
  CHECK_FALSE(a.lines[0].packed);
  CHECK(a.lines[1].sku == "SKU-2002");
  CHECK(a.lines[1].picked == 4);

  auto by_ref = picker->call(proto::PackContentsReq{"SO-B", ""});
  REQUIRE(by_ref.ok());
  auto b = by_ref.as<proto::PackContentsRep>();
  CHECK(b.tote == "TOTE-B1");
  REQUIRE(b.lines.size() == 1);
  CHECK(b.lines[0].picked == 2);
  CHECK(picker->call(proto::PackContentsReq{"SO-A", "TOTE-A1"}).ok());

  CHECK(picker->call(proto::PackContentsReq{}).status == Status::invalid);
  CHECK(picker->call(proto::PackContentsReq{"", "TOTE-ZZ"}).status == Status::not_found);
  CHECK(picker->call(proto::PackContentsReq{"", "bin 4"}).status == Status::invalid);
  CHECK(picker->call(proto::PackContentsReq{"SO-NOPE", ""}).status == Status::not_found);
  CHECK(picker->call(proto::PackContentsReq{"SO-A", "TOTE-B1"}).status == Status::not_found);

  // Refused closes change nothing.
  CHECK(picker->call(close_req("SO-A", 0)).status == Status::invalid);
  CHECK(picker->call(close_req("SO-NOPE", 1)).status == Status::not_found);
  REQUIRE(s.admin->call(proto::OrderCreateReq{"SO-N", "DIYS", {{"SKU-4001", 1}}}).ok());
  CHECK(picker->call(close_req("SO-N", 1)).status == Status::invalid_state);  // entered, nothing picked
  CHECK(s.order("SO-A").packed_ms == 0);
  CHECK(s.audit_count("pack.close") == 0);

  zmq::context_t zctx;
  zmq::socket_t sub(zctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "order");
  sub.connect(s.server.pub_endpoint());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // slow joiner

  const std::string key = picker->next_key();
  auto first = picker->call_with_key(close_req("SO-A", 2), key);
  REQUIRE(first.ok());
  auto closed = first.as<proto::PackContentsRep>();
  CHECK(closed.cartons == 2);
  CHECK(closed.packed_ms > 0);
  REQUIRE(closed.lines.size() == 2);
  CHECK(closed.lines[0].packed);

  bool saw_event = false;
  for (int i = 0; i < 10 && !saw_event; ++i) {
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(2000)) != 1) break;
    zmq::message_t topic, payload;
    REQUIRE(sub.recv(topic));
    REQUIRE(sub.recv(payload));
    std::string err;
    auto ev = proto::decode_event(payload.to_string_view(), &err);
    REQUIRE(ev);
    if (ev->type == "order.updated" && ev->body.as<proto::OrderEvent>().ref == "SO-A") {
      saw_event = true;
      CHECK(ev->body.as<proto::OrderEvent>().status == "confirmed");
    }
  }
  CHECK(saw_event);

  // The retry answers the stored reply and applies nothing again; a new key is refused.
  const auto seq = s.admin->call(proto::PingReq{}).as<proto::PingRep>().seq;
  auto again = picker->call_with_key(close_req("SO-A", 2), key);
  REQUIRE(again.ok());
  CHECK(again.as<proto::PackContentsRep>().packed_ms == closed.packed_ms);
  CHECK(s.admin->call(proto::PingReq{}).as<proto::PingRep>().seq == seq);
  CHECK(s.audit_count("pack.close") == 1);
  auto twice = picker->call(close_req("SO-A", 3));
  CHECK(twice.status == Status::invalid_state);
  CHECK_THAT(twice.error, Catch::Contains("already packed"));

  auto shown = s.order("SO-A");
  CHECK(shown.packed_ms == closed.packed_ms);
  CHECK(shown.cartons == 2);
  CHECK(picker->call(proto::PackContentsReq{"", "TOTE-A1"}).as<proto::PackContentsRep>().lines.at(0).packed);

  // Dispatch empties the order's totes.
  proto::DispatchReq d;
  d.ref = "SO-A";
  REQUIRE(s.admin->call(d).ok());
  CHECK(picker->call(proto::PackContentsReq{"", "TOTE-A1"}).status == Status::not_found);
  auto done = s.order("SO-A");
  CHECK(done.status == "closed");
  CHECK(done.cartons == 2);  // a closed order keeps its packing on record
  CHECK(picker->call(close_req("SO-A", 1)).status == Status::invalid_state);
}

TEST_CASE("a forklift driver may not use the pack station, a picker does the whole pick and pack flow") {
  Site s;
  auto fork = test::login(s.server, "fork1", "3333", "truck-1");
  auto picker = test::login(s.server, "picker1", "1111", "hh-1");
  auto contents = fork->call(proto::PackContentsReq{"SO-B", ""});
  CHECK(contents.status == Status::forbidden);
  auto closing = fork->call(close_req("SO-B", 1));
  CHECK(closing.status == Status::forbidden);
  CHECK_THAT(closing.error, Catch::Contains("forklift") && Catch::Contains("pack.close"));

  // A picker: tasks, snapshot, claim, confirm into a tote, pack contents, pack close. None of it is refused.
  CHECK(picker->call(proto::TasksReq{}).ok());
  CHECK(picker->call(proto::SnapshotReq{}).ok());
  auto t = s.task("SO-B", "SKU-3001");
  REQUIRE(picker->call(proto::TaskClaimReq{t.id}).ok());
  auto req = confirm(t, 2);
  req.tote = "TOTE-7";
  REQUIRE(picker->call(req).ok());
  REQUIRE(picker->call(proto::PackContentsReq{"", "TOTE-7"}).ok());
  REQUIRE(picker->call(close_req("SO-B", 1)).ok());
  CHECK(s.order("SO-B").cartons == 1);
  CHECK(s.stock("SKU-3001", t.location).reserved == 0);
}

TEST_CASE("task.claim_next hands each device the next free tasks in walk order - never the same task twice") {
  Site site;
  auto hh1 = test::login(site.server, "picker1", "1111", "hh-1");
  auto hh2 = test::login(site.server, "picker2", "2222", "hh-2");
  auto fork = test::login(site.server, "fork1", "3333", "veh-1");
  auto claimed_by = [&] {
    std::map<std::uint64_t, std::string> m;
    for (const auto& t : site.admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks) m[t.id] = t.claimed_by;
    return m;
  };
  const auto before = claimed_by();

  // Bad requests are refused and claim nothing.
  proto::TaskClaimNextReq bad;
  bad.mode = "crate";
  CHECK(hh1->call(bad).status == Status::invalid);
  bad.mode = "parcel";
  bad.count = 0;
  CHECK(hh1->call(bad).status == Status::invalid);
  bad.count = proto::k_max_claim_next + 1;
  CHECK(hh1->call(bad).status == Status::invalid);
  // Each role asks for its own work only.
  proto::TaskClaimNextReq wrong_work;
  wrong_work.mode = "pallet";
  CHECK(hh1->call(wrong_work).status == Status::forbidden);
  wrong_work.mode = "parcel";
  CHECK(fork->call(wrong_work).status == Status::forbidden);
  CHECK(claimed_by() == before);

  // hh-1 asks for 2 parcel tasks: the two lowest walk sequences, claimed by it. A retry with the same key gets
  // the same two, and claims nothing more.
  proto::TaskClaimNextReq two;
  two.mode = "parcel";
  two.count = 2;
  const std::string key = hh1->next_key();
  auto r1 = hh1->call_with_key(two, key);
  REQUIRE(r1.ok());
  const auto got1 = r1.as<proto::TaskClaimNextRep>().tasks;
  REQUIRE(got1.size() == 2);
  CHECK(got1[0].walk_seq <= got1[1].walk_seq);
  for (const auto& t : got1) {
    CHECK(t.claimed_by == "hh-1");
    CHECK(t.mode == "parcel");
  }
  auto again = hh1->call_with_key(two, key);
  REQUIRE(again.ok());
  const auto got_again = again.as<proto::TaskClaimNextRep>().tasks;
  REQUIRE(got_again.size() == 2);
  CHECK(got_again[0].id == got1[0].id);
  CHECK(got_again[1].id == got1[1].id);

  auto claim_next = [](client::Connection& c, const std::string& mode, std::uint32_t count) {
    proto::TaskClaimNextReq r;
    r.mode = mode;
    r.count = count;
    auto rep = c.call(r);
    REQUIRE(rep.ok());
    return rep.as<proto::TaskClaimNextRep>().tasks;
  };
  // hh-2 asks for 5: it gets the one parcel task left, none of hh-1's. Then nothing is left.
  const auto got2 = claim_next(*hh2, "parcel", 5);
  REQUIRE(got2.size() == 1);
  CHECK(got2[0].id != got1[0].id);
  CHECK(got2[0].id != got1[1].id);
  CHECK(got2[0].claimed_by == "hh-2");
  CHECK(claim_next(*hh2, "parcel", 5).empty());

  // The forklift asks for pallet work and gets the pallet task.
  const auto got4 = claim_next(*fork, "pallet", 3);
  REQUIRE(got4.size() == 1);
  CHECK(got4[0].order_ref == "SO-P1");

  // On the server: exactly these claims.
  const auto after = claimed_by();
  CHECK(after.at(got1[0].id) == "hh-1");
  CHECK(after.at(got1[1].id) == "hh-1");
  CHECK(after.at(got2[0].id) == "hh-2");
  CHECK(after.at(got4[0].id) == "veh-1");
  CHECK(after.size() == 4);
}

TEST_CASE("task.claim_next gives the preferred wave first, then the oldest wave, each in walk order") {
  Site site;  // parcel wave: SO-A at walk 40 and 50, SO-B at walk 60
  REQUIRE(site.admin->call(proto::OrderCreateReq{"SO-C", "ACME", {{"SKU-1002", 2}}}).ok());  // walk 20
  proto::OrderConfirmReq q;
  q.ref = "SO-C";
  REQUIRE(site.admin->call(q).ok());
  auto w = site.admin->call(proto::WaveCreateReq{"parcel", 0});
  REQUIRE(w.ok());
  const auto newer = w.as<proto::WaveView>().id;
  proto::WaveReleaseReq rel;
  rel.wave = newer;
  REQUIRE(site.admin->call(rel).ok());
  auto hh1 = test::login(site.server, "picker1", "1111", "hh-1");
  auto hh2 = test::login(site.server, "picker2", "2222", "hh-2");
  auto claim_next = [](client::Connection& c, std::uint32_t count, std::uint64_t wave,
                       std::vector<std::uint64_t> skip = {}) {
    proto::TaskClaimNextReq r;
    r.mode = "parcel";
    r.count = count;
    r.wave = wave;
    r.skip = std::move(skip);
    auto rep = c.call(r);
    REQUIRE(rep.ok());
    std::vector<std::string> got;
    for (const auto& t : rep.as<proto::TaskClaimNextRep>().tasks) got.push_back(t.order_ref + " " + t.sku);
    return got;
  };
  using V = std::vector<std::string>;
  // No preference: the older wave first, although the newer one has the lowest walk sequence; a task the device
  // asks to skip (one taken off it) is passed over.
  const auto first = site.task("SO-A", "SKU-2001").id;
  CHECK(claim_next(*hh1, 1, 0, {first}) == V{"SO-A SKU-2002"});
  // The preferred wave first.
  CHECK(claim_next(*hh2, 1, newer) == V{"SO-C SKU-1002"});
  // What is left, in walk order; the preferred wave has nothing left, so the older one follows.
  CHECK(claim_next(*hh2, 5, newer) == V{"SO-A SKU-2001", "SO-B SKU-3001"});
  CHECK(claim_next(*hh1, 5, 0).empty());
  proto::TaskClaimNextReq too_many;
  too_many.mode = "parcel";
  too_many.skip.assign(proto::k_max_claim_skip + 1, 1);
  CHECK(hh1->call(too_many).status == Status::invalid);
}

TEST_CASE("a manager frees the tasks a broken handheld holds: the next device gets them, what was picked stays") {
  Site site;
  auto hh1 = test::login(site.server, "picker1", "1111", "hh-1");
  auto hh2 = test::login(site.server, "picker2", "2222", "hh-2");
  auto tasks = [&] {
    std::map<std::uint64_t, proto::TaskView> m;
    for (const auto& t : site.admin->call(proto::TasksReq{}).as<proto::TasksRep>().tasks) m[t.id] = t;
    return m;
  };
  auto claim_next = [](client::Connection& c, std::uint32_t count) {
    proto::TaskClaimNextReq r;
    r.mode = "parcel";
    r.count = count;
    auto rep = c.call(r);
    REQUIRE(rep.ok());
    return rep.as<proto::TaskClaimNextRep>().tasks;
  };
  // hh-1 holds the three parcel tasks and picks 1 of SO-A's 3 x SKU-2001, then breaks.
  REQUIRE(claim_next(*hh1, 5).size() == 3);
  const auto screws = site.task("SO-A", "SKU-2001");
  REQUIRE(hh1->call(confirm(screws, 1)).ok());
  CHECK(claim_next(*hh2, 5).empty());
  const auto before = tasks();

  // Refused, changing nothing: a picker may not do it; neither or both of task and device; an unknown task or
  // device; a task nobody holds; a finished task.
  auto unclaim = [](std::uint64_t task, std::string device) {
    proto::TaskUnclaimReq r;
    r.task = task;
    r.device = std::move(device);
    return r;
  };
  CHECK(hh2->call(unclaim(0, "hh-1")).status == Status::forbidden);
  CHECK(site.admin->call(unclaim(0, "")).status == Status::invalid);
  CHECK(site.admin->call(unclaim(screws.id, "hh-1")).status == Status::invalid);
  CHECK(site.admin->call(unclaim(999999, "")).status == Status::not_found);
  auto none = site.admin->call(unclaim(0, "hh-9"));
  CHECK(none.status == Status::not_found);
  CHECK_THAT(none.error, Catch::Contains("device hh-9 holds no open task"));
  const auto pallet = site.task("SO-P1", "SKU-1001");
  auto free_one = site.admin->call(unclaim(pallet.id, ""));
  CHECK(free_one.status == Status::invalid_state);
  CHECK_THAT(free_one.error, Catch::Contains("not claimed by any device"));
  const auto bolts = site.task("SO-B", "SKU-3001");
  REQUIRE(hh1->call(confirm(bolts, 2)).ok());  // done
  CHECK(site.admin->call(unclaim(bolts.id, "")).status == Status::invalid_state);
  auto after_refusals = tasks();
  after_refusals.at(bolts.id) = before.at(bolts.id);  // the pick, not a refusal, changed that one
  CHECK(after_refusals.size() == before.size());
  for (const auto& [id, t] : before) {
    CHECK(after_refusals.at(id).claimed_by == t.claimed_by);
    CHECK(after_refusals.at(id).status == t.status);
  }
  CHECK(site.audit_count("task.unclaim") == 0);

  // The manager sees which device holds what, and when each was last heard from.
  auto devices = [&] {
    std::map<std::string, proto::DeviceView> m;
    for (const auto& d : site.admin->call(proto::DevicesReq{}).as<proto::DevicesRep>().devices) m[d.device] = d;
    return m;
  };
  auto seen = devices();
  REQUIRE(seen.count("hh-1"));
  CHECK(seen.at("hh-1").user == "picker1");
  CHECK(seen.at("hh-1").tasks_held == 2);
  CHECK(seen.at("hh-1").last_seen_ms > 0);
  CHECK(seen.at("hh-1").idle_s >= 0);
  CHECK(seen.at("hh-2").tasks_held == 0);
  CHECK(hh2->call(proto::DevicesReq{}).status == Status::forbidden);
  CHECK_THAT(test::run(site.server.wmsctl("devices")).output, Catch::Contains("hh-1") && Catch::Contains("picker1"));
  // Each wmsctl run is a device of its own that signs out at the end: listed only with --all.
  auto wmsctl_rows = [](const std::string& out) {
    std::size_t n = 0;
    for (auto at = out.find("\nwmsctl-"); at != std::string::npos; at = out.find("\nwmsctl-", at + 1)) ++n;
    return n;
  };
  CHECK(test::run(site.server.wmsctl("stock --sku TYPO")).status == 1);      // a refused run signs out too
  CHECK(wmsctl_rows(test::run(site.server.wmsctl("devices")).output) == 1);  // the run that asks, signed in
  const auto all = test::run(site.server.wmsctl("devices --all")).output;
  CHECK(wmsctl_rows(all) >= 3);
  CHECK_THAT(all, Catch::Contains("hh-1"));
  // A handheld that signs out holding no task leaves the default list too.
  {
    auto hh9 = test::login(site.server, "picker2", "2222", "hh-9");
    REQUIRE(hh9->call(proto::PingReq{}).ok());
    CHECK(devices().count("hh-9") == 1);
    REQUIRE(hh9->call(proto::LogoutReq{}).ok());
    CHECK(devices().count("hh-9") == 0);
    proto::DevicesReq every;
    every.all = true;
    bool listed = false;
    for (const auto& d : site.admin->call(every).as<proto::DevicesRep>().devices)
      if (d.device == "hh-9") listed = d.signed_out;
    CHECK(listed);
  }
  // So does one whose session a new PIN ended (it made no logout request).
  {
    proto::UserAddReq temp;
    temp.code = "temp1";
    temp.role = "picker";
    temp.pin = "5151";
    REQUIRE(site.admin->call(temp).ok());
    auto hh8 = test::login(site.server, "temp1", "5151", "hh-8");
    REQUIRE(hh8->call(proto::PingReq{}).ok());
    CHECK(devices().count("hh-8") == 1);
    temp.pin = "5152";
    REQUIRE(site.admin->call(temp).ok());
    CHECK(devices().count("hh-8") == 0);
  }
  // The audit trail leaves sign-ins out unless asked, and filters by type, user and device.
  const auto trail = test::run(site.server.wmsctl("audit --limit 20")).output;
  CHECK_THAT(trail, !Catch::Contains(" login ") && Catch::Contains("pick.confirm"));
  CHECK_THAT(test::run(site.server.wmsctl("audit --logins --limit 5")).output, Catch::Contains("login"));
  proto::AuditReq by;
  by.type = "pick.confirm";
  by.device = "hh-1";
  const auto picks = site.admin->call(by).as<proto::AuditRep>().entries;
  REQUIRE(!picks.empty());
  for (const auto& a : picks) CHECK((a.type == "pick.confirm" && a.device == "hh-1" && a.user == "picker1"));
  by.user = "picker2";
  CHECK(site.admin->call(by).as<proto::AuditRep>().entries.empty());

  // The shift manager frees what hh-1 still holds, from wmsctl.
  const auto out = test::run(site.server.wmsctl("--user manager task unclaim --device hh-1", "2468"));
  CHECK(out.status == 0);
  CHECK_THAT(out.output, Catch::Contains("released 2 task(s)"));
  const auto freed = tasks();
  CHECK(freed.at(screws.id).claimed_by.empty());
  CHECK(freed.at(screws.id).status == "open");
  CHECK(freed.at(screws.id).picked == 1);  // what was picked stays picked
  CHECK(freed.at(bolts.id).status == "done");
  CHECK(site.audit_count("task.unclaim") == 1);
  CHECK(devices().at("hh-1").tasks_held == 0);

  // hh-2 asks for work and gets both; it picks the 2 screws left, and the order line has all 3.
  const auto got = claim_next(*hh2, 5);
  REQUIRE(got.size() == 2);
  for (const auto& t : got) CHECK(t.claimed_by == "hh-2");
  CHECK(hh2->call(confirm(screws, 3)).status != Status::ok);  // 1 of the 3 is already picked
  REQUIRE(hh2->call(confirm(screws, 2)).ok());
  for (const auto& l : site.order("SO-A").lines)
    if (l.sku == "SKU-2001") CHECK(l.picked == 3);
  // hh-1 comes back: the task is no longer its, so its old claim does not let it pick there.
  const auto washers = site.task("SO-A", "SKU-2002");
  CHECK(hh1->call(confirm(washers, 1)).status == Status::conflict);
  CHECK(site.admin->call(unclaim(0, "hh-1")).status == Status::not_found);
}

// A wave record as the oldest releases wrote it: the same map without its "left" count.
std::string without_left(std::string_view record) {
  auto h = msgpack::unpack(record.data(), record.size());
  const auto& m = h.get();
  REQUIRE(m.type == msgpack::type::MAP);
  auto is_left = [](const msgpack::object_kv& kv) {
    return kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == "left";
  };
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < m.via.map.size; ++i) n += !is_left(m.via.map.ptr[i]);
  REQUIRE(n + 1 == m.via.map.size);
  msgpack::sbuffer out;
  msgpack::packer<msgpack::sbuffer> pk(out);
  pk.pack_map(n);
  for (std::uint32_t i = 0; i < m.via.map.size; ++i)
    if (!is_left(m.via.map.ptr[i])) {
      pk.pack(m.via.map.ptr[i].key);
      pk.pack(m.via.map.ptr[i].val);
    }
  return std::string(out.data(), out.size());
}

TEST_CASE(
    "a data folder from before the released-waves index, wave_left and the free-task index gets them at start: "
    "picks, claim_next and snapshots work on") {
  Site site;
  // One parcel task is picked before the "upgrade", so its wave has 2 of 3 tasks left.
  {
    auto hh0 = test::login(site.server, "picker2", "2222", "hh-0");
    auto b = hh0->call(confirm(site.task("SO-B", "SKU-3001"), 2));
    REQUIRE(b.ok());
    CHECK(b.as<proto::PickRep>().wave_tasks_left == 2);
  }
  site.admin.reset();
  REQUIRE(site.server.stop() == 0);
  const std::string data = site.dir.str() + "/data";
  CHECK(test::table_entries(data, store::Table::released_waves) == 2);  // kept up by the two releases
  CHECK(test::table_entries(data, store::Table::wave_left) == 2);
  CHECK(test::table_entries(data, store::Table::free_tasks) == 3);  // the picked task left it
  {
    // What an old wmsd left: released wave records with no count in them, no index, no wave_left, no marks.
    store::Env env(data);
    store::Txn t(env, store::Txn::Mode::write);
    for (auto table : {store::Table::released_waves, store::Table::wave_left, store::Table::free_tasks}) {
      std::vector<std::string> keys;
      t.scan(table, "", [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      });
      for (const auto& k : keys) t.del(table, k);
    }
    std::vector<std::pair<std::string, std::string>> waves;
    t.scan(store::Table::waves, "", [&](std::string_view k, std::string_view v) {
      waves.emplace_back(k, without_left(v));
      return true;
    });
    REQUIRE(waves.size() == 2);
    for (const auto& [k, v] : waves) t.put(store::Table::waves, k, v);
    REQUIRE(t.del(store::Table::meta, "released_waves_indexed"));
    REQUIRE(t.del(store::Table::meta, "wave_left_split"));
    REQUIRE(t.del(store::Table::meta, "free_tasks_indexed"));
    t.commit();
  }
  site.server.restart();
  CHECK(test::read_text(site.server.log_path())
            .find("indexed 3 unclaimed open task(s); indexed 2 released wave(s) of 2; counted the open tasks of 2 "
                  "wave(s) into wave_left") != std::string::npos);
  CHECK(test::table_entries(data, store::Table::free_tasks) == 3);
  site.admin = test::login(site.server, "admin", "1234", "office-1");
  auto left = [&](const std::string& mode) {
    for (const auto& w : site.admin->call(proto::WavesReq{}).as<proto::WavesRep>().waves)
      if (w.mode == mode) return std::make_pair(w.status, w.tasks_left);
    FAIL("no " << mode << " wave");
    return std::make_pair(std::string(), 0u);
  };
  CHECK(left("parcel") == std::make_pair(std::string("released"), 2u));  // counted from the tasks
  CHECK(left("pallet") == std::make_pair(std::string("released"), 1u));
  auto fork = test::login(site.server, "fork1", "3333", "veh-1");
  const auto snap = fork->call(proto::SnapshotReq{}).as<proto::SnapshotRep>();
  CHECK(snap.waves.size() == 2);
  CHECK(snap.tasks.size() == 3);
  auto hh = test::login(site.server, "picker1", "1111", "hh-1");
  proto::TaskClaimNextReq r;
  r.mode = "parcel";
  r.count = 5;
  auto rep = hh->call(r);
  REQUIRE(rep.ok());
  CHECK(rep.as<proto::TaskClaimNextRep>().tasks.size() == 2);
  CHECK(test::table_entries(data, store::Table::free_tasks) == 1);  // the pallet task is still free

  // The counts go on from what the upgrade counted: one more parcel task finished, then the pallet wave's only one.
  auto a = hh->call(confirm(site.task("SO-A", "SKU-2001"), 3));
  REQUIRE(a.ok());
  CHECK(a.as<proto::PickRep>().wave_tasks_left == 1);
  const auto p = site.task("SO-P1", "SKU-1001");
  auto pallet = confirm(p, 50);
  pallet.drop_scan = p.drop_barcode;
  auto f = fork->call(pallet);
  REQUIRE(f.ok());
  CHECK(f.as<proto::PickRep>().wave_tasks_left == 0);
  CHECK(left("parcel") == std::make_pair(std::string("released"), 1u));
  CHECK(left("pallet") == std::make_pair(std::string("done"), 0u));
  CHECK(fork->call(proto::SnapshotReq{}).as<proto::SnapshotRep>().waves.size() == 1);
}

TEST_CASE("a pallet label names one pallet: another task cannot take it, also after a restart of an older folder") {
  Site s;
  s.release_pallet_order("SO-P2", 20);
  auto fork = test::login(s.server, "fork1", "3333", "truck-1");
  auto pallet = [&](const proto::TaskView& t, std::int64_t qty, const char* sscc) {
    return fork->call(pallet_confirm(t, qty, sscc));
  };
  // SO-P1's pallet in two confirms under the same label.
  const auto p1 = s.task("SO-P1", "SKU-1001");
  REQUIRE(pallet(p1, 20, k_good_sscc).ok());
  REQUIRE(pallet(p1, 30, k_good_sscc).ok());
  CHECK(s.task("SO-P1", "SKU-1001").status == "done");

  const auto p2 = s.task("SO-P2", "SKU-1001");
  const auto before = s.stock("SKU-1001", p2.location);
  const auto again = pallet(p2, 20, k_good_sscc);
  CHECK(again.status == Status::conflict);
  CHECK_THAT(again.error, Catch::Contains("pallet label " + std::string(k_good_sscc) + " is already on task " +
                                          std::to_string(p1.id) + " of SO-P1"));
  CHECK(s.task("SO-P2", "SKU-1001").picked == 0);
  CHECK(s.stock("SKU-1001", p2.location).on_hand == before.on_hand);

  // A data folder from before the label index: the index is filled at start and holds the label as before.
  s.admin.reset();
  fork.reset();
  REQUIRE(s.server.stop() == 0);
  const std::string data = s.dir.str() + "/data";
  CHECK(test::table_entries(data, store::Table::ssccs) == 1);
  {
    store::Env env(data);
    store::Txn t(env, store::Txn::Mode::write);
    REQUIRE(t.del(store::Table::ssccs, k_good_sscc));
    REQUIRE(t.del(store::Table::meta, "ssccs_indexed"));
    t.commit();
  }
  s.server.restart();
  CHECK_THAT(test::read_text(s.server.log_path()), Catch::Contains("indexed 1 pallet label(s)"));
  s.admin = test::login(s.server, "admin", "1234", "office-1");
  fork = test::login(s.server, "fork1", "3333", "truck-1");
  CHECK(pallet(p2, 20, k_good_sscc).status == Status::conflict);
  const auto fresh = pallet(p2, 20, "040063801234567902");
  REQUIRE(fresh.ok());
  CHECK(fresh.as<proto::PickRep>().task.sscc == "040063801234567902");
}

TEST_CASE("a pallet task of an older folder half picked under a label another task also carries can be finished") {
  Site s;
  s.release_pallet_order("SO-P2", 20);
  auto fork = test::login(s.server, "fork1", "3333", "truck-1");
  auto pallet = [&](const proto::TaskView& t, std::int64_t qty, const char* sscc) {
    return fork->call(pallet_confirm(t, qty, sscc));
  };
  const auto p1 = s.task("SO-P1", "SKU-1001");
  const auto p2 = s.task("SO-P2", "SKU-1001");
  REQUIRE(p1.id < p2.id);
  REQUIRE(pallet(p1, 50, k_good_sscc).ok());
  REQUIRE(pallet(p2, 10, "040063801234567902").ok());
  s.admin.reset();
  fork.reset();
  REQUIRE(s.server.stop() == 0);
  const std::string data = s.dir.str() + "/data";
  {  // as an older wmsd could leave it: no label index, and SO-P2's half-picked pallet under SO-P1's label
    store::Env env(data);
    store::Txn t(env, store::Txn::Mode::write);
    auto k = *store::get_as<wms::domain::Task>(t, store::Table::tasks, store::be64(p2.id));
    k.sscc = k_good_sscc;
    store::put_as(t, store::Table::tasks, store::be64(p2.id), k);
    REQUIRE(t.del(store::Table::ssccs, k_good_sscc));
    REQUIRE(t.del(store::Table::ssccs, "040063801234567902"));
    REQUIRE(t.del(store::Table::meta, "ssccs_indexed"));
    t.commit();
  }
  s.server.restart();
  s.admin = test::login(s.server, "admin", "1234", "office-1");
  fork = test::login(s.server, "fork1", "3333", "truck-1");
  CHECK(pallet(p2, 5, "040063801234567902").status == Status::conflict);  // not the task's label
  const auto rest = pallet(p2, 10, k_good_sscc);
  REQUIRE(rest.ok());
  CHECK(rest.as<proto::PickRep>().task.status == "done");
}
