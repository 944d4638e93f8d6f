// The single source of truth for the wire: protocol version, size bounds, status codes and the
// envelope layout. Every other header in protocol/ describes message bodies only; this one must never
// depend on anything but the standard library.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wms::proto {

// Bumped on any incompatible change. A peer speaking another version gets Status::unsupported_version
// and a message saying which version the server speaks (the app shows a screen for it).
inline constexpr std::uint32_t k_protocol_version = 1;

// Bounds. A request above k_max_request_bytes gets Status::too_large; ZeroMQ itself drops anything over
// k_hard_max_message_bytes (ZMQ_MAXMSGSIZE) so a hostile peer cannot make the server allocate without limit.
inline constexpr std::size_t k_max_request_bytes = 16u << 20;      // CSV imports travel in one request
inline constexpr std::size_t k_hard_max_message_bytes = 32u << 20;
// Device ids of wmsctl runs start so ("wmsctl-HOST-PID"): each run signs in and out, so a stored session of such a
// device (in a backup it took) belongs to a run that is over.
inline constexpr std::string_view k_cli_device_prefix = "wmsctl-";
inline constexpr std::size_t k_max_request_values = 1'000'000;     // msgpack values in one request (any nesting)
inline constexpr std::size_t k_max_error_bytes = 1024;             // a reply's error text (longer is cut, "...")
inline constexpr std::size_t k_max_string_bytes = 4096;            // each envelope string (type, dev, token, key)
inline constexpr std::size_t k_max_list_items = 10000;             // order lines per order, list results
inline constexpr std::uint32_t k_heartbeat_ms = 1000;              // server PUB heartbeat period
inline constexpr int k_liveness = 3;                               // Paranoid Pirate: missed beats = offline

// Envelope (msgpack map, keys by name; unknown keys are ignored):
//   request  {v:uint, id:uint64, type:str, dev:str, token:str, key:str, body:map}
//            id    - chosen by the client, echoed in the reply (matches replies to requests)
//            dev   - device id; a session token is bound to the device it was issued to
//            key   - idempotency key "<dev>:<device sequence>", required on every mutation. The server
//                    stores the first answer under the key in the same LMDB transaction as the change,
//                    so a retry (timeout, reconnect, server restart) gets that answer and never applies twice.
//   reply    {v:uint, id:uint64, status:uint, error:str, body:map}
//   event    PUB frames [topic, payload], payload {v:uint, seq:uint64, type:str, body:map}
//            seq is server-wide, persisted and gap-free; topic "hb" carries {seq} every k_heartbeat_ms.

// Closed set of outcomes; values travel on the wire unchanged, so only append.
enum class Status : std::uint16_t {
  ok = 0,
  bad_request = 1,          // malformed msgpack, missing or mistyped field
  unsupported_version = 2,
  too_large = 3,
  unknown_type = 4,
  unauthenticated = 5,      // no/expired token, or token of another device
  forbidden = 6,            // the role may not do this
  locked = 7,               // too many wrong PINs
  not_found = 8,
  conflict = 9,             // task claimed by another device, idempotency key reused for another request
  invalid = 10,             // a value breaks a rule (negative quantity, unknown mode, ...)
  wrong_location = 11,
  wrong_product = 12,
  over_pick = 13,
  insufficient_stock = 14,
  invalid_state = 15,       // e.g. releasing a wave twice, dispatching nothing
  import_failed = 16,       // body carries per-row errors; nothing was imported
  internal = 17,
  busy = 18,
  unknown_barcode = 19,
};

constexpr std::string_view to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::bad_request: return "bad_request";
    case Status::unsupported_version: return "unsupported_version";
    case Status::too_large: return "too_large";
    case Status::unknown_type: return "unknown_type";
    case Status::unauthenticated: return "unauthenticated";
    case Status::forbidden: return "forbidden";
    case Status::locked: return "locked";
    case Status::not_found: return "not_found";
    case Status::conflict: return "conflict";
    case Status::invalid: return "invalid";
    case Status::wrong_location: return "wrong_location";
    case Status::wrong_product: return "wrong_product";
    case Status::over_pick: return "over_pick";
    case Status::insufficient_stock: return "insufficient_stock";
    case Status::invalid_state: return "invalid_state";
    case Status::import_failed: return "import_failed";
    case Status::internal: return "internal";
    case Status::busy: return "busy";
    case Status::unknown_barcode: return "unknown_barcode";
  }
  return "unknown_status";
}

}  // namespace wms::proto
