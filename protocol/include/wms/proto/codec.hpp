// Encoding and decoding of the envelope (see wire.hpp) and of message bodies. Decoding never throws and
// never trusts the input: sizes, nesting depth, types and required fields are checked here, at the boundary.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <msgpack.hpp>

#include "wms/proto/wire.hpp"

namespace wms::proto {

struct RequestHeader {
  std::uint32_t v = k_protocol_version;
  std::uint64_t id = 0;
  std::string type;
  std::string dev;
  std::string token;
  std::string key;
};

// A decoded message keeps the msgpack zone alive (handle) because `body` points into it.
struct DecodedRequest {
  RequestHeader h;
  msgpack::object_handle handle;
  msgpack::object body;
};

struct ReplyHeader {
  std::uint32_t v = k_protocol_version;
  std::uint64_t id = 0;
  Status status = Status::ok;
  std::string error;
};

struct DecodedReply {
  ReplyHeader h;
  msgpack::object_handle handle;
  msgpack::object body;
};

struct DecodedEvent {
  std::uint32_t v = 0;
  std::uint64_t seq = 0;
  std::string type;
  msgpack::object_handle handle;
  msgpack::object body;
};

// Why a request could not be decoded; `id` is set when the envelope got far enough to carry one.
struct DecodeError {
  Status status = Status::bad_request;
  std::string message;
  std::uint64_t id = 0;
};

// Parses untrusted bytes into an object, bounded in size, element counts and depth.
std::optional<msgpack::object_handle> unpack_bounded(std::string_view bytes, std::string* error);

// Returns the request or why not. Checks: map shape, v present and equal to k_protocol_version,
// id, type, and the envelope strings within k_max_string_bytes; body a map (absent = empty map).
std::pair<std::optional<DecodedRequest>, DecodeError> decode_request(std::string_view bytes);
std::optional<DecodedReply> decode_reply(std::string_view bytes, std::string* error);
std::optional<DecodedEvent> decode_event(std::string_view bytes, std::string* error);

std::string encode_request_raw(const RequestHeader& h, const msgpack::sbuffer& body);
std::string encode_reply_raw(std::uint64_t id, Status status, std::string_view error, const msgpack::sbuffer& body);
std::string encode_event_raw(std::uint64_t seq, std::string_view type, const msgpack::sbuffer& body);

template <class T>
msgpack::sbuffer pack_body(const T& body) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, body);
  return buf;
}

template <class T>
std::string encode_request(const RequestHeader& h, const T& body) {
  return encode_request_raw(h, pack_body(body));
}
template <class T>
std::string encode_reply(std::uint64_t id, Status status, std::string_view error, const T& body) {
  return encode_reply_raw(id, status, error, pack_body(body));
}
std::string encode_error_reply(std::uint64_t id, Status status, std::string_view error);
template <class T>
std::string encode_event(std::uint64_t seq, std::string_view type, const T& body) {
  return encode_event_raw(seq, type, pack_body(body));
}

// The value under the string key `name` in the map `obj` (the first, if repeated); nullptr if `obj` is not a map
// or has no such key.
const msgpack::object* find_key(const msgpack::object& obj, std::string_view name);
// True if the map `obj` has a key equal to `name`.
bool has_key(const msgpack::object& obj, std::string_view name);

// Converts a body into T: it must be a map holding every name in T::k_required (when T declares any),
// with values of the right types. On failure returns nullopt and says which field is at fault.
template <class T>
std::optional<T> decode_body(const msgpack::object& obj, std::string* error) {
  if (obj.type != msgpack::type::MAP) {
    if (error) *error = "body must be a map";
    return std::nullopt;
  }
  if constexpr (requires { T::k_required; }) {
    for (std::string_view name : T::k_required) {
      if (!has_key(obj, name)) {
        if (error) *error = "missing required field '" + std::string(name) + "'";
        return std::nullopt;
      }
    }
  }
  try {
    T value;
    obj.convert(value);
    return value;
  } catch (const std::exception& e) {
    if (error) *error = std::string("a field has the wrong type (") + e.what() + ")";
    return std::nullopt;
  }
}

}  // namespace wms::proto
