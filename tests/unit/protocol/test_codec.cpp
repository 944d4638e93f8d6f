// Unit tests for the wire codec: request/reply/event round trips, every way decode_request refuses
// untrusted bytes (with the right status, message and id), decode_body's field checks, and a fuzz-style loop
// that feeds random and mutated bytes to decode_request, which must never crash or throw.
#include <catch2/catch.hpp>

#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"
#include "wms/proto/wire.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

using namespace wms::proto;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void key(Packer& pk, std::string_view k) {
  pk.pack_str(static_cast<std::uint32_t>(k.size()));
  pk.pack_str_body(k.data(), static_cast<std::uint32_t>(k.size()));
}

// Packs a map of `n` entries written by `f`.
template <class F>
std::string map_of(std::uint32_t n, F&& f) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(n);
  f(pk);
  return std::string(buf.data(), buf.size());
}

RequestHeader header() {
  RequestHeader h;
  h.id = 77;
  h.type = "pick.confirm";
  h.dev = "dev-1";
  h.token = "tok-abc";
  h.key = "dev-1:5";
  return h;
}

PickConfirmReq pick_body() {
  PickConfirmReq b;
  b.task = 9;
  b.location_scan = "A-03-2";
  b.product_scan = "04006381333931";
  b.qty = 3;
  return b;
}

std::string valid_request() { return encode_request(header(), pick_body()); }

msgpack::object_handle unpack(const std::string& bytes) { return msgpack::unpack(bytes.data(), bytes.size()); }

}  // namespace

// ---- round trips ---------------------------------------------------------------------------------

TEST_CASE("codec: a request round-trips header and body", "[codec]") {
  const std::string bytes = valid_request();
  auto [req, err] = decode_request(bytes);
  INFO(err.message);
  REQUIRE(req.has_value());
  CHECK(req->h.v == k_protocol_version);
  CHECK(req->h.id == 77);
  CHECK(req->h.type == "pick.confirm");
  CHECK(req->h.dev == "dev-1");
  CHECK(req->h.token == "tok-abc");
  CHECK(req->h.key == "dev-1:5");
  std::string why;
  auto body = decode_body<PickConfirmReq>(req->body, &why);
  INFO(why);
  REQUIRE(body.has_value());
  CHECK(body->task == 9);
  CHECK(body->location_scan == "A-03-2");
  CHECK(body->product_scan == "04006381333931");
  CHECK(body->qty == 3);
}

TEST_CASE("codec: the decoded body stays valid after the decoded request is moved", "[codec]") {
  std::optional<DecodedRequest> kept;
  {
    auto [req, err] = decode_request(valid_request());
    REQUIRE(req.has_value());
    kept = std::move(req);
  }
  std::string why;
  auto body = decode_body<PickConfirmReq>(kept->body, &why);
  REQUIRE(body.has_value());
  CHECK(body->product_scan == "04006381333931");
}

TEST_CASE("codec: a request with an empty body and a large id round-trips", "[codec]") {
  RequestHeader h;
  h.id = UINT64_MAX;
  h.type = "ping";
  auto [req, err] = decode_request(encode_request(h, PingReq{}));
  REQUIRE(req.has_value());
  CHECK(req->h.id == UINT64_MAX);
  CHECK(req->h.type == "ping");
  CHECK(req->h.dev.empty());
  CHECK(req->body.type == msgpack::type::MAP);
  CHECK(req->body.via.map.size == 0);
  CHECK(decode_body<PingReq>(req->body, nullptr).has_value());
}

TEST_CASE("codec: a request without a body gets an empty map body", "[codec]") {
  const std::string bytes = map_of(3, [](Packer& pk) {
    key(pk, "v"); pk.pack(1u);
    key(pk, "id"); pk.pack(5u);
    key(pk, "type"); pk.pack(std::string("ping"));
  });
  auto [req, err] = decode_request(bytes);
  INFO(err.message);
  REQUIRE(req.has_value());
  CHECK(req->body.type == msgpack::type::MAP);
  CHECK(req->body.via.map.size == 0);
  CHECK(req->h.id == 5);
}

TEST_CASE("codec: a reply round-trips id, status, error text and body", "[codec]") {
  PingRep rep;
  rep.seq = 42;
  std::string why;
  auto r = decode_reply(encode_reply(77, Status::ok, "", rep), &why);
  INFO(why);
  REQUIRE(r.has_value());
  CHECK(r->h.v == k_protocol_version);
  CHECK(r->h.id == 77);
  CHECK(r->h.status == Status::ok);
  CHECK(r->h.error.empty());
  auto body = decode_body<PingRep>(r->body, &why);
  REQUIRE(body.has_value());
  CHECK(body->seq == 42);

  auto e = decode_reply(encode_error_reply(8, Status::over_pick, "over-pick: 4 left"), &why);
  REQUIRE(e.has_value());
  CHECK(e->h.id == 8);
  CHECK(e->h.status == Status::over_pick);
  CHECK(e->h.error == "over-pick: 4 left");
  CHECK(e->body.type == msgpack::type::MAP);
  CHECK(e->body.via.map.size == 0);
}

TEST_CASE("codec: a reply with a nested body (invoice) round-trips", "[codec]") {
  DispatchRep rep;
  rep.invoice.number = 1001;
  rep.invoice.order_ref = "PO-1";
  rep.invoice.net_minor = 2385;
  rep.invoice.tax_minor = 477;
  rep.invoice.total_minor = 2862;
  rep.invoice.lines.push_back(InvoiceLineView{1, "SKU-1", "Widget", 3, 795, 2385, 2000, 477});
  rep.backordered = 2;
  std::string why;
  auto r = decode_reply(encode_reply(3, Status::ok, "", rep), &why);
  REQUIRE(r.has_value());
  auto body = decode_body<DispatchRep>(r->body, &why);
  INFO(why);
  REQUIRE(body.has_value());
  CHECK(body->invoice.number == 1001);
  CHECK(body->invoice.total_minor == 2862);
  REQUIRE(body->invoice.lines.size() == 1);
  CHECK(body->invoice.lines[0].sku == "SKU-1");
  CHECK(body->invoice.lines[0].tax_minor == 477);
  CHECK(body->backordered == 2);
}

TEST_CASE("codec: an event round-trips seq, type and body", "[codec]") {
  std::string why;
  auto ev = decode_event(encode_event(1234, "order.updated", OrderEvent{"PO-1", "closed"}), &why);
  INFO(why);
  REQUIRE(ev.has_value());
  CHECK(ev->v == k_protocol_version);
  CHECK(ev->seq == 1234);
  CHECK(ev->type == "order.updated");
  auto body = decode_body<OrderEvent>(ev->body, &why);
  REQUIRE(body.has_value());
  CHECK(body->ref == "PO-1");
  CHECK(body->status == "closed");
}

TEST_CASE("codec: replies and events that are not maps or miss fields are refused", "[codec]") {
  std::string why;
  CHECK_FALSE(decode_reply("\xc1", &why).has_value());
  CHECK_FALSE(why.empty());
  why.clear();
  CHECK_FALSE(decode_reply(std::string("\x92\x01\x02", 3), &why).has_value());
  CHECK(why == "reply must be a map");
  why.clear();
  CHECK_FALSE(decode_reply(map_of(1, [](Packer& pk) { key(pk, "v"); pk.pack(1u); }), &why).has_value());
  CHECK(contains(why, "missing"));
  why.clear();
  CHECK_FALSE(decode_event(std::string("\x01", 1), &why).has_value());
  CHECK(why == "event must be a map");
  why.clear();
  CHECK_FALSE(decode_event(map_of(1, [](Packer& pk) { key(pk, "v"); pk.pack(1u); }), &why).has_value());
  CHECK(contains(why, "missing"));
}

// ---- decode_request refusals ---------------------------------------------------------------------

TEST_CASE("codec: bytes that are not msgpack are a bad_request", "[codec][refuse]") {
  for (const std::string& bytes : {std::string("\xc1"), std::string(), std::string("\xc1\x80", 2)}) {
    auto [req, err] = decode_request(bytes);
    CHECK_FALSE(req.has_value());
    CHECK(err.status == Status::bad_request);
    CHECK_FALSE(err.message.empty());
    CHECK(err.id == 0);
  }
}

TEST_CASE("codec: a request of more than a million values is too_large before it is built", "[codec][refuse]") {
  // {v, id, type, dev, x: [arrays of 200,000 nils]}: each array within the per-array bound, the whole not.
  auto request = [](int arrays) {
    msgpack::sbuffer buf;
    Packer pk(buf);
    pk.pack_map(5);
    pk.pack(std::string("v"));
    pk.pack(k_protocol_version);
    pk.pack(std::string("id"));
    pk.pack(7);
    pk.pack(std::string("type"));
    pk.pack(std::string("ping"));
    pk.pack(std::string("dev"));
    pk.pack(std::string("hh-1"));
    pk.pack(std::string("x"));
    pk.pack_array(static_cast<std::uint32_t>(arrays));
    for (int a = 0; a < arrays; ++a) {
      pk.pack_array(200000);
      for (int i = 0; i < 200000; ++i) pk.pack_nil();
    }
    return std::string(buf.data(), buf.size());
  };
  auto [big, err] = decode_request(request(5));  // 1,000,000 nils and 16 more values
  CHECK_FALSE(big.has_value());
  CHECK(err.status == Status::too_large);
  CHECK(contains(err.message, "more than 1000000 values"));
  CHECK(err.id == 0);
  auto [fits, none] = decode_request(request(4));  // 800,000 nils: decoded (the unknown key is ignored)
  CHECK(fits.has_value());
  CHECK(fits->h.id == 7);
}

TEST_CASE("codec: every truncated prefix of a valid request is refused without crashing", "[codec][refuse]") {
  const std::string bytes = valid_request();
  REQUIRE(decode_request(bytes).first.has_value());
  int accepted = 0, wrong_status = 0;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto [req, err] = decode_request(std::string_view(bytes).substr(0, n));
    if (req) ++accepted;
    if (err.status != Status::bad_request || err.message.empty()) ++wrong_status;
  }
  CHECK(accepted == 0);
  CHECK(wrong_status == 0);
}

TEST_CASE("codec: a request that is not a map is a bad_request", "[codec][refuse]") {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(2);
  pk.pack(1u);
  pk.pack(2u);
  auto [req, err] = decode_request(std::string_view(buf.data(), buf.size()));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(err.message == "request must be a msgpack map");

  auto [req2, err2] = decode_request("\xa5hello");
  CHECK_FALSE(req2.has_value());
  CHECK(err2.status == Status::bad_request);
}

TEST_CASE("codec: another protocol version is unsupported_version naming both versions, id kept",
          "[codec][refuse]") {
  RequestHeader h = header();
  h.v = 7;
  h.id = 9;
  auto [req, err] = decode_request(encode_request(h, pick_body()));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::unsupported_version);
  CHECK(err.id == 9);
  CHECK(contains(err.message, "protocol " + std::to_string(k_protocol_version)));
  CHECK(contains(err.message, "7"));
  CHECK(err.message == "server speaks protocol 1, request has 7");  // PROTOCOL.md section 3

  h.v = 0;
  auto [req0, err0] = decode_request(encode_request(h, pick_body()));
  CHECK_FALSE(req0.has_value());
  CHECK(err0.status == Status::unsupported_version);
  CHECK(err0.id == 9);
}

TEST_CASE("codec: a request without v is a bad_request, id kept", "[codec][refuse]") {
  auto [req, err] = decode_request(map_of(2, [](Packer& pk) {
    key(pk, "id"); pk.pack(11u);
    key(pk, "type"); pk.pack(std::string("ping"));
  }));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(contains(err.message, "'v'"));
  CHECK(err.id == 11);

  auto [req2, err2] = decode_request(map_of(3, [](Packer& pk) {
    key(pk, "v"); pk.pack(std::string("1"));
    key(pk, "id"); pk.pack(11u);
    key(pk, "type"); pk.pack(std::string("ping"));
  }));
  CHECK_FALSE(req2.has_value());
  CHECK(err2.status == Status::bad_request);
}

TEST_CASE("codec: a request without an id is a bad_request naming 'id'", "[codec][refuse]") {
  auto [req, err] = decode_request(map_of(2, [](Packer& pk) {
    key(pk, "v"); pk.pack(1u);
    key(pk, "type"); pk.pack(std::string("ping"));
  }));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(contains(err.message, "'id'"));
}

// PROTOCOL.md section 2: the id key must be present, but "a present but non-integer `id` is read as 0".
TEST_CASE("codec: a present but non-integer id is read as 0, as PROTOCOL.md documents", "[codec]") {
  auto with_id = [](auto pack_id) {
    return map_of(3, [&](Packer& pk) {
      key(pk, "v"); pk.pack(1u);
      key(pk, "id"); pack_id(pk);
      key(pk, "type"); pk.pack(std::string("ping"));
    });
  };
  auto [a, ea] = decode_request(with_id([](Packer& pk) { pk.pack(std::string("12")); }));
  INFO(ea.message);
  REQUIRE(a.has_value());
  CHECK(a->h.id == 0);
  auto [c, ec] = decode_request(with_id([](Packer& pk) { pk.pack_nil(); }));
  INFO(ec.message);
  REQUIRE(c.has_value());
  CHECK(c->h.id == 0);
}

TEST_CASE("codec: a request without a type, or with an empty one, is a bad_request naming 'type'",
          "[codec][refuse]") {
  auto [req, err] = decode_request(map_of(2, [](Packer& pk) {
    key(pk, "v"); pk.pack(1u);
    key(pk, "id"); pk.pack(3u);
  }));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(contains(err.message, "'type'"));
  CHECK(err.id == 3);

  RequestHeader h = header();
  h.type = "";
  auto [req2, err2] = decode_request(encode_request(h, pick_body()));
  CHECK_FALSE(req2.has_value());
  CHECK(contains(err2.message, "'type'"));

  auto [req3, err3] = decode_request(map_of(3, [](Packer& pk) {
    key(pk, "v"); pk.pack(1u);
    key(pk, "id"); pk.pack(3u);
    key(pk, "type"); pk.pack(42u);
  }));
  CHECK_FALSE(req3.has_value());
  CHECK(err3.status == Status::bad_request);
  CHECK(contains(err3.message, "'type'"));
}

TEST_CASE("codec: a request over k_max_request_bytes is too_large, one at the limit is accepted", "[codec][refuse]") {
  std::string huge(k_max_request_bytes + 1, '\0');
  auto [req, err] = decode_request(huge);
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::too_large);
  CHECK(err.id == 0);
  CHECK(contains(err.message, std::to_string(k_max_request_bytes + 1)));

  // An import whose encoded request is exactly k_max_request_bytes long.
  RequestHeader h = header();
  h.type = "import";
  ImportReq body;
  body.kind = "stock";
  body.csv = std::string(k_max_request_bytes - 200, 'x');
  const std::size_t overhead = encode_request(h, body).size() - body.csv.size();
  body.csv.resize(k_max_request_bytes - overhead, 'x');
  const std::string at_limit = encode_request(h, body);
  REQUIRE(at_limit.size() == k_max_request_bytes);
  auto [ok, err2] = decode_request(at_limit);
  INFO(err2.message);
  REQUIRE(ok.has_value());
  auto imp = decode_body<ImportReq>(ok->body, nullptr);
  REQUIRE(imp.has_value());
  CHECK(imp->csv.size() == body.csv.size());

  body.csv.push_back('x');
  auto [over, err3] = decode_request(encode_request(h, body));
  CHECK_FALSE(over.has_value());
  CHECK(err3.status == Status::too_large);
}

TEST_CASE("codec: a header string over k_max_string_bytes is refused naming the field", "[codec][refuse]") {
  for (const char* field : {"type", "dev", "token", "key"}) {
    RequestHeader h = header();
    std::string& s = std::string_view(field) == "type"  ? h.type
                     : std::string_view(field) == "dev" ? h.dev
                     : std::string_view(field) == "token" ? h.token
                                                          : h.key;
    s = std::string(k_max_string_bytes, 'a');
    INFO("field " << field);
    CHECK(decode_request(encode_request(h, pick_body())).first.has_value());
    s.push_back('a');
    auto [req, err] = decode_request(encode_request(h, pick_body()));
    CHECK_FALSE(req.has_value());
    CHECK(err.status == Status::bad_request);
    CHECK(contains(err.message, std::string("'") + field + "'"));
    CHECK(contains(err.message, std::to_string(k_max_string_bytes)));
    CHECK(err.id == 77);
  }
}

TEST_CASE("codec: a deeply nested body (depth 100) is refused, modest nesting is fine", "[codec][refuse]") {
  auto nested = [](int depth) {
    return map_of(4, [&](Packer& pk) {
      key(pk, "v"); pk.pack(1u);
      key(pk, "id"); pk.pack(1u);
      key(pk, "type"); pk.pack(std::string("ping"));
      key(pk, "body");
      pk.pack_map(1);
      key(pk, "x");
      for (int i = 0; i < depth; ++i) pk.pack_array(1);
      pk.pack(0u);
    });
  };
  auto [deep, err] = decode_request(nested(100));
  CHECK_FALSE(deep.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(err.id == 0);
  CHECK_FALSE(err.message.empty());

  auto [deeper, err2] = decode_request(nested(100000));
  CHECK_FALSE(deeper.has_value());
  CHECK(err2.status == Status::bad_request);

  auto [fine, err3] = decode_request(nested(8));
  INFO(err3.message);
  CHECK(fine.has_value());
}

TEST_CASE("codec: trailing bytes after a valid request are refused", "[codec][refuse]") {
  auto [req, err] = decode_request(valid_request() + std::string(1, '\0'));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(contains(err.message, "trailing"));
  auto [req2, err2] = decode_request(valid_request() + valid_request());
  CHECK_FALSE(req2.has_value());
}

TEST_CASE("codec: a body that is not a map is a bad_request", "[codec][refuse]") {
  auto [req, err] = decode_request(map_of(4, [](Packer& pk) {
    key(pk, "v"); pk.pack(1u);
    key(pk, "id"); pk.pack(2u);
    key(pk, "type"); pk.pack(std::string("ping"));
    key(pk, "body"); pk.pack(5u);
  }));
  CHECK_FALSE(req.has_value());
  CHECK(err.status == Status::bad_request);
  CHECK(err.message == "body must be a map");
  CHECK(err.id == 2);
}

TEST_CASE("codec: unknown envelope keys are ignored", "[codec]") {
  auto [req, err] = decode_request(map_of(4, [](Packer& pk) {
    key(pk, "v"); pk.pack(1u);
    key(pk, "future"); pk.pack(std::string("field"));
    key(pk, "id"); pk.pack(2u);
    key(pk, "type"); pk.pack(std::string("ping"));
  }));
  INFO(err.message);
  CHECK(req.has_value());
}

// ---- decode_body ---------------------------------------------------------------------------------

TEST_CASE("codec: decode_body names a missing required field", "[codec][body]") {
  const std::string bytes = map_of(3, [](Packer& pk) {
    key(pk, "task"); pk.pack(9u);
    key(pk, "location_scan"); pk.pack(std::string("A"));
    key(pk, "product_scan"); pk.pack(std::string("B"));
  });
  auto h = unpack(bytes);
  std::string why;
  CHECK_FALSE(decode_body<PickConfirmReq>(h.get(), &why).has_value());
  CHECK(why == "missing required field 'qty'");
  CHECK_FALSE(decode_body<PickConfirmReq>(h.get(), nullptr).has_value());

  auto empty = unpack(map_of(0, [](Packer&) {}));
  CHECK_FALSE(decode_body<LoginReq>(empty.get(), &why).has_value());
  CHECK(why == "missing required field 'user'");
  CHECK(decode_body<TasksReq>(empty.get(), &why).has_value());  // no required fields
}

TEST_CASE("codec: decode_body refuses a field of the wrong type", "[codec][body]") {
  const std::string bytes = map_of(4, [](Packer& pk) {
    key(pk, "task"); pk.pack(9u);
    key(pk, "location_scan"); pk.pack(std::string("A"));
    key(pk, "product_scan"); pk.pack(std::string("B"));
    key(pk, "qty"); pk.pack(std::string("three"));
  });
  auto h = unpack(bytes);
  std::string why;
  CHECK_FALSE(decode_body<PickConfirmReq>(h.get(), &why).has_value());
  CHECK(contains(why, "wrong type"));

  const std::string lines = map_of(3, [](Packer& pk) {
    key(pk, "ref"); pk.pack(std::string("PO"));
    key(pk, "account"); pk.pack(std::string("A"));
    key(pk, "lines"); pk.pack(std::string("not a list"));
  });
  auto h2 = unpack(lines);
  CHECK_FALSE(decode_body<OrderCreateReq>(h2.get(), &why).has_value());
  CHECK(contains(why, "wrong type"));
}

TEST_CASE("codec: decode_body refuses a body that is not a map", "[codec][body]") {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(0);
  auto h = msgpack::unpack(buf.data(), buf.size());
  std::string why;
  CHECK_FALSE(decode_body<PingReq>(h.get(), &why).has_value());
  CHECK(why == "body must be a map");
}

TEST_CASE("codec: decode_body ignores unknown extra fields", "[codec][body]") {
  const std::string bytes = map_of(6, [](Packer& pk) {
    key(pk, "colour"); pk.pack(std::string("red"));
    key(pk, "task"); pk.pack(9u);
    key(pk, "location_scan"); pk.pack(std::string("A"));
    key(pk, "product_scan"); pk.pack(std::string("B"));
    key(pk, "qty"); pk.pack(2);
    key(pk, "extra"); pk.pack_array(2); pk.pack(1u); pk.pack_nil();
  });
  auto h = unpack(bytes);
  std::string why;
  auto body = decode_body<PickConfirmReq>(h.get(), &why);
  INFO(why);
  REQUIRE(body.has_value());
  CHECK(body->task == 9);
  CHECK(body->location_scan == "A");
  CHECK(body->product_scan == "B");
  CHECK(body->qty == 2);
}

// ---- fuzz ----------------------------------------------------------------------------------------

TEST_CASE("codec: random bytes and mutated requests never crash or throw decode_request", "[codec][fuzz]") {
  std::mt19937 rng(0xC0DEC);
  auto byte = [&] { return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)); };
  auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  int throws = 0, accepted = 0, bad = 0;
  auto feed = [&](std::string_view bytes) {
    try {
      auto [req, err] = decode_request(bytes);
      if (req) {
        ++accepted;
        if (req->h.v != k_protocol_version || req->h.type.empty() || req->body.type != msgpack::type::MAP) ++bad;
        std::string why;
        (void)decode_body<PickConfirmReq>(req->body, &why);
        (void)decode_body<OrderCreateReq>(req->body, &why);
      } else if (err.message.empty()) {
        ++bad;
      }
    } catch (...) {
      ++throws;
    }
  };
  for (int i = 0; i < 20000; ++i) {
    std::string s(below(64), '\0');
    for (auto& c : s) c = byte();
    if (!s.empty() && i % 2 == 0) s[0] = static_cast<char>(0x80 | below(16));  // often a fixmap: go deeper
    feed(s);
  }
  const std::string valid = valid_request();
  for (int i = 0; i < 20000; ++i) {
    std::string s = valid;
    const std::size_t flips = 1 + below(4);
    for (std::size_t f = 0; f < flips; ++f) s[below(s.size())] = byte();
    if (i % 5 == 0) s.resize(below(s.size() + 1));
    feed(s);
  }
  CHECK(throws == 0);
  CHECK(bad == 0);
  CHECK(accepted > 0);  // some single-byte mutations (e.g. in string contents) stay valid
}
