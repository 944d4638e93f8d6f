// libFuzzer target for every decoder a client's bytes reach first: the request envelope and the body decoders
// of the mutations a device sends. It must never crash, hang or leak, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wms::proto;
  auto [req, err] = decode_request(std::string_view(reinterpret_cast<const char*>(data), size));
  if (req) {
    std::string e;
    (void)decode_body<PickConfirmReq>(req->body, &e);
    (void)decode_body<PickShortReq>(req->body, &e);
    (void)decode_body<OrderCreateReq>(req->body, &e);
    (void)decode_body<ImportReq>(req->body, &e);
    (void)decode_body<LoginReq>(req->body, &e);
  }
  std::string e;
  (void)decode_reply(std::string_view(reinterpret_cast<const char*>(data), size), &e);
  (void)decode_event(std::string_view(reinterpret_cast<const char*>(data), size), &e);
  return 0;
}
