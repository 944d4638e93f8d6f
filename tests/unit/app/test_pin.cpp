// PIN checks: a wrong PIN is told apart from a check that could not be done (the slow hash needs 64 MiB), so a
// server short of memory never counts a right PIN as wrong and locks its user.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "app/service.hpp"
#include "wms/proto/messages.hpp"

using wms::app::check_pin;
using wms::app::PinCheck;

namespace {

// The process's virtual size in bytes (VmSize), to set an address-space limit just above it.
rlim_t virtual_size() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmSize:", 0) == 0) return static_cast<rlim_t>(std::stoull(line.substr(7))) * 1024;
  return 0;
}

}  // namespace

TEST_CASE("pin: a right PIN matches, a wrong one does not, and a check without memory is neither", "[pin]") {
  const std::string hash = wms::app::hash_pin("4711");
  CHECK(check_pin(hash, "4711") == PinCheck::match);
  CHECK(check_pin(hash, "4712") == PinCheck::mismatch);
  CHECK(check_pin(hash, "") == PinCheck::mismatch);
  // In a child with its address space capped 16 MiB above what it uses: the hash's 64 MiB cannot be had.
  const rlim_t now = virtual_size();
  REQUIRE(now > 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rlimit lim{now + (16u << 20), now + (16u << 20)};
    if (::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(10);
    const auto got = check_pin(hash, "4711");
    ::_exit(got == PinCheck::failed ? 0 : got == PinCheck::match ? 1 : 2);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // 2 would be the old fault: counted as a wrong PIN
}

namespace {
msgpack::object_handle packed(const auto& req) {
  msgpack::sbuffer b;
  msgpack::pack(b, req);
  return msgpack::unpack(b.data(), b.size());
}
}  // namespace

TEST_CASE("pin: the PINs a request sets are found and hashed before it is applied", "[pin]") {
  using wms::app::pin_hashes_for;
  using wms::app::pin_key;
  using wms::app::sets_pins;
  namespace proto = wms::proto;
  const auto add = packed(proto::UserAddReq{"ann", "Ann", "picker", "2468"});
  const auto users = packed(proto::ImportReq{"users",
                                             "code,role,pin\nbob,picker,1357\ncid,picker,12\nbob,picker,1357\n"
                                             "dan,boss,9999\n"});
  const auto products = packed(proto::ImportReq{"products", "sku,description\nX,y\n"});
  CHECK(sets_pins(proto::UserAddReq::k_type, add.get()));
  CHECK(sets_pins(proto::ImportReq::k_type, users.get()));
  CHECK_FALSE(sets_pins(proto::ImportReq::k_type, products.get()));
  CHECK_FALSE(sets_pins(proto::AdjustReq::k_type, add.get()));
  const auto nil = msgpack::object();  // not a map: nothing to find, refused later when applied
  CHECK_FALSE(sets_pins(proto::ImportReq::k_type, nil));
  CHECK(pin_hashes_for(proto::UserAddReq::k_type, nil).empty());

  const auto a = pin_hashes_for(proto::UserAddReq::k_type, add.get());
  REQUIRE(a.size() == 1);
  CHECK(check_pin(a.at(pin_key("ann", "2468")), "2468") == PinCheck::match);
  // A file that will be refused (a PIN of 2 digits, an unknown role, a code twice) gets no hash at all: it is
  // refused at once when applied.
  CHECK(pin_hashes_for(proto::ImportReq::k_type, users.get()).empty());
  const auto clean = packed(proto::ImportReq{"users", "code,role,pin\nbob,picker,1357\ncid,manager,1357\n"});
  const auto u = pin_hashes_for(proto::ImportReq::k_type, clean.get());
  REQUIRE(u.size() == 2);
  CHECK(check_pin(u.at(pin_key("bob", "1357")), "1357") == PinCheck::match);
  CHECK(u.at(pin_key("bob", "1357")) != u.at(pin_key("cid", "1357")));  // each its own salt
  CHECK(pin_hashes_for(proto::ImportReq::k_type, products.get()).empty());
}

TEST_CASE("pin: an import whose kind comes as msgpack bin sets PINs too (it decodes as the string)", "[pin]") {
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> pk(b);
  pk.pack_map(2);
  pk.pack(std::string("kind"));
  pk.pack_bin(5);
  pk.pack_bin_body("users", 5);
  pk.pack(std::string("csv"));
  pk.pack(std::string("code,role,pin\neve,picker,8642\n"));
  const auto h = msgpack::unpack(b.data(), b.size());
  CHECK(wms::app::sets_pins(wms::proto::ImportReq::k_type, h.get()));
  const auto hashes = wms::app::pin_hashes_for(wms::proto::ImportReq::k_type, h.get());
  REQUIRE(hashes.size() == 1);
  CHECK(check_pin(hashes.at(wms::app::pin_key("eve", "8642")), "8642") == PinCheck::match);
}
