// Durable outbox of a device; see outbox.hpp.
#include "wms/shared/outbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

#include <msgpack.hpp>

#include "wms/proto/msgpack_map.hpp"

namespace wms::client {
namespace {

struct Record {
  std::string k;                    // "add" | "done" | "base" (keys up to seq were handed out)
  std::uint64_t seq = 0;
  std::string key, type, body;
  WMS_MSGPACK_MAP(k, seq, key, type, body)
};

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string frame(const Record& r) {
  msgpack::sbuffer b;
  msgpack::pack(b, r);
  std::string out(4, '\0');
  const auto n = static_cast<std::uint32_t>(b.size());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.append(b.data(), b.size());
  return out;
}

}  // namespace

Outbox::Outbox(std::string dir, std::string device) : dir_(std::move(dir)), device_(std::move(device)) {
  ::mkdir(dir_.c_str(), 0700);
  const std::string epoch_path = dir_ + "/epoch";
  path_ = dir_ + "/outbox.log";
  const std::string data = read_all(path_);
  epoch_ = read_all(epoch_path);
  // No log (first use, or a crash inside rewrite()): a fresh epoch keeps keys from an earlier life unique.
  if (epoch_.empty() || data.size() < 4) {
    std::random_device rd;
    std::ostringstream os;
    os << std::hex << rd() << rd();
    epoch_ = os.str();
    std::ofstream out(epoch_path, std::ios::binary | std::ios::trunc);
    out << epoch_;
    if (!out) throw io_error("cannot write", epoch_path);
  }
  std::size_t pos = 0, good = 0;
  while (pos + 4 <= data.size()) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    if (pos + 4 + n > data.size()) break;  // torn tail
    Record r;
    try {
      auto h = msgpack::unpack(data.data() + pos + 4, n);
      h.get().convert(r);
    } catch (const std::exception&) {
      break;  // a damaged record ends what we can trust
    }
    pos += 4 + n;
    good = pos;
    if (r.k == "add") {
      pending_.push_back(OutboxEntry{r.seq, r.key, r.type, r.body, 0});
      next_seq_ = std::max(next_seq_, r.seq + 1);
    } else if (r.k == "base") {
      next_seq_ = std::max(next_seq_, r.seq + 1);
    } else if (r.k == "done") {
      ++done_records_;
      // Entries are answered strictly in order, so a done always names the oldest pending entry.
      if (!pending_.empty() && pending_.front().seq == r.seq) pending_.pop_front();
    }
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw io_error("cannot open", path_);
  if (::ftruncate(fd_, static_cast<off_t>(good)) != 0) throw io_error("cannot truncate", path_);
  if (::lseek(fd_, 0, SEEK_END) < 0) throw io_error("cannot seek", path_);
  if (good == 0 || (pending_.empty() && done_records_ > 0)) rewrite();
}

Outbox::~Outbox() {
  if (fd_ >= 0) ::close(fd_);
}

void Outbox::append(const std::string& record) {
  std::size_t off = 0;
  while (off < record.size()) {
    const ssize_t w = ::write(fd_, record.data() + off, record.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot write", path_);
    }
    off += static_cast<std::size_t>(w);
  }
  if (::fdatasync(fd_) != 0) throw io_error("cannot sync", path_);
}

// Everything answered: start the log afresh so it never grows without bound. The first record remembers the
// last sequence handed out, so a key is never issued twice. (A crash between truncate and append leaves an
// empty log; the epoch is then replaced so the restarted counter still makes new keys.)
void Outbox::rewrite() {
  if (::ftruncate(fd_, 0) != 0) throw io_error("cannot truncate", path_);
  if (::lseek(fd_, 0, SEEK_SET) < 0) throw io_error("cannot seek", path_);
  append(frame(Record{"base", next_seq_ - 1, {}, {}, {}}));
  done_records_ = 0;
}

const OutboxEntry& Outbox::add(std::string type, std::string body, std::uint64_t tag) {
  OutboxEntry e;
  e.seq = next_seq_++;
  e.key = device_ + ":" + epoch_ + ":" + std::to_string(e.seq);
  e.type = std::move(type);
  e.body = std::move(body);
  e.tag = tag;
  append(frame(Record{"add", e.seq, e.key, e.type, e.body}));
  pending_.push_back(std::move(e));
  return pending_.back();
}

void Outbox::pop_front() {
  if (pending_.empty()) return;
  append(frame(Record{"done", pending_.front().seq, {}, {}, {}}));
  pending_.pop_front();
  ++done_records_;
  if (pending_.empty() && done_records_ >= 256) rewrite();
}

}  // namespace wms::client
