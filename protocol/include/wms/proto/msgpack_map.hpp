// WMS_MSGPACK_MAP(field, ...): a struct travels and is stored as a msgpack map keyed by its field names, exactly
// as msgpack-cxx's MSGPACK_DEFINE_MAP writes it (packing is msgpack-cxx's own). Only reading differs: msgpack-cxx
// copies every key of the map into a std::string inside a std::map before it looks the fields up, which made
// decoding records the largest CPU cost of a pick on the server. Here the map's entries are walked once and each
// key is compared in place with the field names, starting after the field matched last (records are written in
// field order, so that is usually the first comparison).
// Same rules as msgpack-cxx: the object must be a map with string keys (else msgpack::type_error), a missing field
// keeps its default, an unknown key is ignored, a value of the wrong type throws msgpack::type_error, and of a key
// that appears twice only the first value counts (later copies are not even converted).
#pragma once
#include <msgpack.hpp>

#include <bitset>
#include <cstring>
#include <string_view>
#include <tuple>
#include <utility>

#ifndef MSGPACK_DEFINE_MAP_IMPL
#error "msgpack-cxx no longer defines MSGPACK_DEFINE_MAP_IMPL: see wms/proto/msgpack_map.hpp"
#endif

namespace wms::proto::detail {

template <class... Args>
class MapFields {
  static_assert(sizeof...(Args) % 2 == 0, "name, field pairs");
  static constexpr std::size_t k_fields = sizeof...(Args) / 2;

 public:
  explicit MapFields(Args&... a) : t_(a...) {}

  void unpack(const msgpack::object& o) {
    if (o.type != msgpack::type::MAP) throw msgpack::type_error();
    std::size_t next = 0;  // where the search for the next key starts
    std::bitset<k_fields> seen;
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) throw msgpack::type_error();
      const std::string_view key(kv.key.via.str.ptr, kv.key.via.str.size);
      for (std::size_t n = 0; n < k_fields; ++n) {
        const std::size_t f = (next + n) % k_fields;
        if (convert_if(f, key, kv.val, seen[f], std::make_index_sequence<k_fields>{})) {
          seen[f] = true;
          next = f + 1;
          break;
        }
      }
    }
  }

 private:
  template <std::size_t... I>
  // Whether `key` is the name of field f; converts the value into it unless that field was read already.
  bool convert_if(std::size_t f, std::string_view key, const msgpack::object& v, bool already,
                  std::index_sequence<I...>) {
    bool hit = false;
    ((I == f && (hit = matches(std::get<2 * I>(t_), key)) && !already ? (v.convert(std::get<2 * I + 1>(t_)), 0) : 0),
     ...);
    return hit;
  }
  template <std::size_t N>
  static bool matches(const char (&name)[N], std::string_view key) {
    return key.size() == N - 1 && std::memcmp(name, key.data(), N - 1) == 0;
  }

  std::tuple<Args&...> t_;
};

template <class... Args>
MapFields<Args...> map_fields(Args&... a) {
  return MapFields<Args...>(a...);
}

}  // namespace wms::proto::detail

#define WMS_MSGPACK_MAP(...)                                                                        \
  template <typename Packer>                                                                        \
  void msgpack_pack(Packer& msgpack_pk) const {                                                     \
    msgpack::type::make_define_map MSGPACK_DEFINE_MAP_IMPL(__VA_ARGS__).msgpack_pack(msgpack_pk);   \
  }                                                                                                 \
  void msgpack_unpack(msgpack::object const& msgpack_o) {                                           \
    ::wms::proto::detail::map_fields MSGPACK_DEFINE_MAP_IMPL(__VA_ARGS__).unpack(msgpack_o);        \
  }                                                                                                 \
  template <typename MSGPACK_OBJECT>                                                                \
  void msgpack_object(MSGPACK_OBJECT* msgpack_o, msgpack::zone& msgpack_z) const {                  \
    msgpack::type::make_define_map MSGPACK_DEFINE_MAP_IMPL(__VA_ARGS__).msgpack_object(msgpack_o, msgpack_z); \
  }
