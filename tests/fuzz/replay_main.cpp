// Without clang's libFuzzer, the fuzz target still runs in CI: this driver feeds it valid requests of every
// kind and a deterministic stream of mutations of them (byte flips, truncations, insertions), plus any files
// given on the command line (a crash reproducer from a libFuzzer run, say).
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
void feed(const std::string& s) { LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
}  // namespace

int main(int argc, char** argv) {
  using namespace wms::proto;
  RequestHeader h;
  h.id = 1;
  h.dev = "hh-1";
  h.key = "hh-1:1";
  std::vector<std::string> seeds;
  h.type = "pick.confirm";
  seeds.push_back(encode_request(h, PickConfirmReq{7, "LOC-A01-01-A", "04006380010000", 2}));
  h.type = "pick.short";
  seeds.push_back(encode_request(h, PickShortReq{7, 1, "damaged", ""}));
  h.type = "order.create";
  seeds.push_back(encode_request(h, OrderCreateReq{"SO-1", "ACME", {{"SKU-1", 3}, {"SKU-2", 4}}}));
  h.type = "import";
  seeds.push_back(encode_request(h, ImportReq{"stock", "sku,location,qty\nA,B,1\n"}));
  seeds.push_back(encode_reply(1, Status::ok, "", PingRep{5}));
  seeds.push_back(encode_event(3, "task.updated", TaskView{}));
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    feed(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  }
  std::mt19937 rng(20261123);
  std::size_t runs = 0;
  for (const auto& seed : seeds) {
    feed(seed);
    for (int i = 0; i < 20000; ++i, ++runs) {
      std::string m = seed;
      switch (rng() % 4) {
        case 0: m[rng() % m.size()] = static_cast<char>(rng()); break;
        case 1: m.resize(rng() % m.size()); break;
        case 2: m.insert(rng() % m.size(), 1, static_cast<char>(rng())); break;
        default:
          for (int k = 0; k < 8; ++k) m[rng() % m.size()] = static_cast<char>(rng());
      }
      feed(m);
    }
  }
  std::cout << "fuzz replay: " << runs << " mutated inputs decoded without a crash\n";
  return 0;
}
