// PIN checks: a wrong PIN is told apart from a check that could not be done (the slow hash needs 64 MiB), so a
// server short of memory never counts a right PIN as wrong and locks its user.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "app/service.hpp"

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
