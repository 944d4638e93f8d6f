// A device's durable outbox: every mutation the picker made (confirm, short, claim, pack) is appended here with
// its idempotency key before anything is sent, and marked done only when the server has answered it. It survives
// the app being killed (and, with fdatasync per append, a power cut), so a scan is never lost; the server applies
// each key once, so replaying is always safe. It must never reorder entries or hand out a key twice.
//
// Layout in the device folder: `epoch` (random id made when the folder is first used: keys stay unique if the
// folder is wiped and the counter starts again) and `outbox.log`, a sequence of records
// [u32 little-endian length][msgpack map]. A record torn by a crash mid-write is dropped at open.
#pragma once
#include <cstdint>
#include <deque>
#include <string>

namespace wms::client {

struct OutboxEntry {
  std::uint64_t seq = 0;
  std::string key;                  // "<device>:<epoch>:<seq>"
  std::string type;                 // request type
  std::string body;                 // packed msgpack body
  std::uint64_t tag = 0;            // the UI's correlation tag (0 after a restart)
};

class Outbox {
 public:
  // Opens (creating) `dir`/outbox.log; throws std::runtime_error with the path on I/O failure.
  Outbox(std::string dir, std::string device);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Appends a new entry durably and returns it (with its key).
  const OutboxEntry& add(std::string type, std::string body, std::uint64_t tag);
  // The oldest unanswered entry, or null.
  const OutboxEntry* front() const { return pending_.empty() ? nullptr : &pending_.front(); }
  // Marks the front entry answered (durably) and drops it.
  void pop_front();
  std::size_t size() const { return pending_.size(); }

 private:
  void append(const std::string& record);
  void rewrite();
  std::string dir_, device_, epoch_, path_;
  int fd_ = -1;
  std::uint64_t next_seq_ = 1;
  std::uint64_t done_records_ = 0;
  std::deque<OutboxEntry> pending_;
};

}  // namespace wms::client
