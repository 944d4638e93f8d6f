// Envelope encoding/decoding. The decoder is the server's first line of defence: everything a client
// sends passes through unpack_bounded and the checks below before any handler sees it.
#include "wms/proto/codec.hpp"

namespace wms::proto {
namespace {

// Element bounds for one message: generous for a 10k-line import reply, far below what could exhaust memory.
const msgpack::unpack_limit k_limits(/*array*/ 200000, /*map*/ 4096, /*str*/ k_max_request_bytes,
                                     /*bin*/ k_max_request_bytes, /*ext*/ 1024, /*depth*/ 16);

bool read_uint(const msgpack::object& map, std::string_view name, std::uint64_t& out) {
  const auto* o = find_key(map, name);
  if (!o || o->type != msgpack::type::POSITIVE_INTEGER) return false;
  out = o->via.u64;
  return true;
}

// Absent strings read as empty; present ones must be strings within the bound.
bool read_str(const msgpack::object& map, std::string_view name, std::string& out, std::string* error) {
  const auto* o = find_key(map, name);
  if (!o || o->type == msgpack::type::NIL) return true;
  if (o->type != msgpack::type::STR) {
    *error = "field '" + std::string(name) + "' must be a string";
    return false;
  }
  if (o->via.str.size > k_max_string_bytes) {
    *error = "field '" + std::string(name) + "' is longer than " + std::to_string(k_max_string_bytes) + " bytes";
    return false;
  }
  out.assign(o->via.str.ptr, o->via.str.size);
  return true;
}

const msgpack::object k_empty_map = [] {
  msgpack::object o;
  o.type = msgpack::type::MAP;
  o.via.map.size = 0;
  o.via.map.ptr = nullptr;
  return o;
}();

bool read_body(const msgpack::object& map, msgpack::object& body, std::string* error) {
  const auto* o = find_key(map, "body");
  if (!o || o->type == msgpack::type::NIL) {
    body = k_empty_map;
    return true;
  }
  if (o->type != msgpack::type::MAP) {
    *error = "body must be a map";
    return false;
  }
  body = *o;
  return true;
}

}  // namespace

const msgpack::object* find_key(const msgpack::object& obj, std::string_view name) {
  if (obj.type != msgpack::type::MAP) return nullptr;
  for (std::uint32_t i = 0; i < obj.via.map.size; ++i) {
    const auto& kv = obj.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == name)
      return &kv.val;
  }
  return nullptr;
}

bool has_key(const msgpack::object& obj, std::string_view name) {
  return find_key(obj, name) != nullptr;
}

std::optional<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string* error) {
  if (bytes.size() > k_max_request_bytes) {
    if (error) *error = "message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                        std::to_string(k_max_request_bytes);
    return std::nullopt;
  }
  try {
    std::size_t off = 0;
    auto handle = msgpack::unpack(bytes.data(), bytes.size(), off, nullptr, nullptr, k_limits);
    if (off != bytes.size()) {
      if (error) *error = "trailing bytes after the message";
      return std::nullopt;
    }
    return handle;
  } catch (const std::exception& e) {
    if (error) *error = std::string("not a valid msgpack message: ") + e.what();
    return std::nullopt;
  }
}

// Counts the values of a message without building any, and stops past k_max_request_values: a request of
// millions of one-byte nils would otherwise become millions of 24-byte objects (25 times its size) at once.
struct ValueCounter : msgpack::null_visitor {
  std::size_t n = 0;
  bool one() { return ++n <= k_max_request_values; }
  bool visit_nil() { return one(); }
  bool visit_boolean(bool) { return one(); }
  bool visit_positive_integer(std::uint64_t) { return one(); }
  bool visit_negative_integer(std::int64_t) { return one(); }
  bool visit_float32(float) { return one(); }
  bool visit_float64(double) { return one(); }
  bool visit_str(const char*, std::uint32_t) { return one(); }
  bool visit_bin(const char*, std::uint32_t) { return one(); }
  bool visit_ext(const char*, std::uint32_t) { return one(); }
  bool start_array(std::uint32_t) { return one(); }
  bool start_map(std::uint32_t) { return one(); }
};

std::pair<std::optional<DecodedRequest>, DecodeError> decode_request(std::string_view bytes) {
  DecodeError err;
  if (bytes.size() > k_max_request_bytes) {
    err.status = Status::too_large;
    err.message = "request of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                  std::to_string(k_max_request_bytes);
    return {std::nullopt, err};
  }
  {
    ValueCounter count;
    std::size_t off = 0;
    try {
      msgpack::parse(bytes.data(), bytes.size(), off, count);
    } catch (const std::exception&) {  // malformed: the unpack below says how
    }
    if (count.n > k_max_request_values) {
      err.status = Status::too_large;
      err.message = "request holds more than " + std::to_string(k_max_request_values) + " values";
      return {std::nullopt, err};
    }
  }
  auto handle = unpack_bounded(bytes, &err.message);
  if (!handle) return {std::nullopt, err};
  const msgpack::object& root = handle->get();
  if (root.type != msgpack::type::MAP) {
    err.message = "request must be a msgpack map";
    return {std::nullopt, err};
  }
  DecodedRequest r;
  read_uint(root, "id", r.h.id);
  err.id = r.h.id;
  std::uint64_t v = 0;
  if (!read_uint(root, "v", v)) {
    err.message = "missing protocol version 'v'";
    return {std::nullopt, err};
  }
  if (v != k_protocol_version) {
    err.status = Status::unsupported_version;
    err.message = "server speaks protocol " + std::to_string(k_protocol_version) + ", request has " + std::to_string(v);
    return {std::nullopt, err};
  }
  r.h.v = static_cast<std::uint32_t>(v);
  if (!find_key(root, "id")) {
    err.message = "missing request id 'id'";
    return {std::nullopt, err};
  }
  if (!read_str(root, "type", r.h.type, &err.message) || !read_str(root, "dev", r.h.dev, &err.message) ||
      !read_str(root, "token", r.h.token, &err.message) || !read_str(root, "key", r.h.key, &err.message) ||
      !read_body(root, r.body, &err.message)) {
    return {std::nullopt, err};
  }
  if (r.h.type.empty()) {
    err.message = "missing message type 'type'";
    return {std::nullopt, err};
  }
  r.handle = std::move(*handle);
  return {std::move(r), err};
}

std::optional<DecodedReply> decode_reply(std::string_view bytes, std::string* error) {
  auto handle = unpack_bounded(bytes, error);
  if (!handle) return std::nullopt;
  const auto& root = handle->get();
  if (root.type != msgpack::type::MAP) {
    if (error) *error = "reply must be a map";
    return std::nullopt;
  }
  DecodedReply r;
  std::uint64_t v = 0, status = 0;
  std::string e;
  if (!read_uint(root, "v", v) || !read_uint(root, "id", r.h.id) || !read_uint(root, "status", status) ||
      !read_str(root, "error", r.h.error, &e) || !read_body(root, r.body, &e)) {
    if (error) *error = e.empty() ? "reply is missing v, id or status" : e;
    return std::nullopt;
  }
  r.h.v = static_cast<std::uint32_t>(v);
  r.h.status = static_cast<Status>(status);
  r.handle = std::move(*handle);
  return r;
}

std::optional<DecodedEvent> decode_event(std::string_view bytes, std::string* error) {
  auto handle = unpack_bounded(bytes, error);
  if (!handle) return std::nullopt;
  const auto& root = handle->get();
  if (root.type != msgpack::type::MAP) {
    if (error) *error = "event must be a map";
    return std::nullopt;
  }
  DecodedEvent ev;
  std::uint64_t v = 0;
  std::string e;
  if (!read_uint(root, "v", v) || !read_uint(root, "seq", ev.seq) || !read_str(root, "type", ev.type, &e) ||
      !read_body(root, ev.body, &e)) {
    if (error) *error = e.empty() ? "event is missing v or seq" : e;
    return std::nullopt;
  }
  ev.v = static_cast<std::uint32_t>(v);
  ev.handle = std::move(*handle);
  return ev;
}

namespace {
void pack_str(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}
void append_body(msgpack::sbuffer& out, const msgpack::sbuffer& body) {
  if (body.size() == 0) {
    msgpack::packer<msgpack::sbuffer> pk(out);
    pk.pack_map(0);
  } else {
    out.write(body.data(), body.size());
  }
}
}  // namespace

std::string encode_request_raw(const RequestHeader& h, const msgpack::sbuffer& body) {
  msgpack::sbuffer out;
  msgpack::packer<msgpack::sbuffer> pk(out);
  pk.pack_map(7);
  pack_str(pk, "v"); pk.pack(h.v);
  pack_str(pk, "id"); pk.pack(h.id);
  pack_str(pk, "type"); pack_str(pk, h.type);
  pack_str(pk, "dev"); pack_str(pk, h.dev);
  pack_str(pk, "token"); pack_str(pk, h.token);
  pack_str(pk, "key"); pack_str(pk, h.key);
  pack_str(pk, "body");
  append_body(out, body);
  return std::string(out.data(), out.size());
}

std::string encode_reply_raw(std::uint64_t id, Status status, std::string_view error, const msgpack::sbuffer& body) {
  // A refusal may quote what it refuses (a scan, a ref): past k_max_error_bytes it is cut, at a character
  // boundary, so that every client can read the reply (envelope strings are read up to k_max_string_bytes).
  std::string cut;
  if (error.size() > k_max_error_bytes) {
    std::size_t n = k_max_error_bytes - 3;
    while (n > 0 && (static_cast<unsigned char>(error[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
    cut.assign(error.substr(0, n)).append("...");
    error = cut;
  }
  msgpack::sbuffer out;
  msgpack::packer<msgpack::sbuffer> pk(out);
  pk.pack_map(5);
  pack_str(pk, "v"); pk.pack(k_protocol_version);
  pack_str(pk, "id"); pk.pack(id);
  pack_str(pk, "status"); pk.pack(static_cast<std::uint32_t>(status));
  pack_str(pk, "error"); pack_str(pk, error);
  pack_str(pk, "body");
  append_body(out, body);
  return std::string(out.data(), out.size());
}

std::string encode_error_reply(std::uint64_t id, Status status, std::string_view error) {
  return encode_reply_raw(id, status, error, msgpack::sbuffer{});
}

std::string encode_event_raw(std::uint64_t seq, std::string_view type, const msgpack::sbuffer& body) {
  msgpack::sbuffer out;
  msgpack::packer<msgpack::sbuffer> pk(out);
  pk.pack_map(4);
  pack_str(pk, "v"); pk.pack(k_protocol_version);
  pack_str(pk, "seq"); pk.pack(seq);
  pack_str(pk, "type"); pack_str(pk, type);
  pack_str(pk, "body");
  append_body(out, body);
  return std::string(out.data(), out.size());
}

}  // namespace wms::proto
