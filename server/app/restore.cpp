#include "app/restore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "app/service.hpp"
#include "store/lmdb.hpp"
#include "wms/proto/messages.hpp"

namespace wms::app {
namespace {

namespace fs = std::filesystem;
using store::Table;

std::string utc_text(std::int64_t ms, const char* format) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// Where the full read leaves its sum of every byte, so the compiler keeps the reads.
volatile std::uint64_t g_read_sum = 0;

// The facts, read in this process (the child of read_db_facts).
DbFacts read_here(const std::string& file, bool whole) {
  store::Env env(file, store::Env::ReadOnlyFile{});
  if (!env.has(Table::meta)) throw std::runtime_error("it is not a wms database (no meta table)");
  store::Txn t(env, store::Txn::Mode::read);
  DbFacts f;
  f.schema = store::meta_u64(t, "schema");
  if (whole && f.schema != store::k_schema_version)
    throw std::runtime_error("it has layout version " + std::to_string(f.schema) + ", this wmsd reads version " +
                             std::to_string(store::k_schema_version));
  if (whole) {  // every page of every table, and what wmsd reads at start
    // Every byte of every value: large values sit on overflow pages that a walk of the tree alone never reads.
    std::uint64_t sum = 0;
    for (int i = 0; i < static_cast<int>(Table::count_); ++i)
      t.scan(static_cast<Table>(i), "", [&](std::string_view k, std::string_view v) {
        for (const char c : k) sum += static_cast<unsigned char>(c);
        for (const char c : v) sum += static_cast<unsigned char>(c);
        return true;
      });
    g_read_sum = sum;
    store::IdemStore idem;
    idem.load(t);
  }
  f.last_invoice = store::meta_u64(t, "invoice_seq");
  f.event_seq = store::meta_u64(t, "event_seq");
  for (std::size_t i = 0; i < std::size(k_id_sequences); ++i) f.ids[i] = store::meta_u64(t, k_id_sequences[i]);
  t.scan(
      Table::audit, "",
      [&](std::string_view, std::string_view v) {
        f.last_change_ms = store::unpack<proto::AuditView>(v).at_ms;
        return false;
      },
      true);
  return f;
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// Copies `from` to a new file `to` and makes it durable.
void copy_durably(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw std::runtime_error("cannot read " + from + ": " + std::strerror(errno));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (out < 0) {
    const int e = errno;
    ::close(in);
    throw std::runtime_error("cannot create " + to + ": " + std::strerror(e));
  }
  std::string error;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "reading " + from + ": " + std::strerror(errno);
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      const ssize_t w = ::write(out, buf + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error = "writing " + to + ": " + std::strerror(errno);
        break;
      }
      off += w;
    }
    if (!error.empty()) break;
  }
  if (error.empty() && ::fsync(out) != 0) error = "fsync of " + to + ": " + std::strerror(errno);
  ::close(in);
  ::close(out);
  if (!error.empty()) {
    ::unlink(to.c_str());
    throw std::runtime_error(error);
  }
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open folder " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("fsync of folder " + dir + ": " + std::strerror(errno));
}

// Runs fn in a child process and returns what it returned; its exception's text, or the signal that ended it (LMDB
// faults on some damaged files), is thrown here as std::runtime_error. The caller goes on whatever the file holds.
std::string in_child(const std::function<std::string()>& fn) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {  // the child: "ok <result>" or "error <why>", then _exit (no destructors of the parent's objects)
    ::close(p[0]);
    std::string out;
    try {
      out = "ok " + fn();
    } catch (const std::exception& e) {
      out = std::string("error ") + e.what();
    }
    write_all(p[1], out);
    ::_exit(0);
  }
  ::close(p[1]);
  std::string got;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    throw std::runtime_error(std::string("the file is damaged: reading it crashed the reader (") +
                             ::strsignal(WTERMSIG(status)) + ")");
  if (got.rfind("error ", 0) == 0) throw std::runtime_error(got.substr(6));
  // No answer: the child ended another way (a sanitizer catches the fault and exits, for one).
  if (got.rfind("ok ", 0) != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("reading it ended without an answer (exit status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "; the file is damaged)");
  return got.substr(3);
}

}  // namespace

DbFacts read_db_facts(const std::string& file, bool whole) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw std::runtime_error("cannot read " + file + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(file + " is not a file");
  if (st.st_size < 8192)
    throw std::runtime_error("it is empty or too short to be a database (" + std::to_string(st.st_size) + " bytes)");
  const std::string got = in_child([&] {
    const DbFacts f = read_here(file, whole);
    std::string out = std::to_string(f.schema) + " " + std::to_string(f.last_invoice) + " " +
                      std::to_string(f.event_seq) + " " + std::to_string(f.last_change_ms);
    for (const auto id : f.ids) out += " " + std::to_string(id);
    return out;
  });
  std::istringstream in(got);
  DbFacts f;
  bool ok = static_cast<bool>(in >> f.schema >> f.last_invoice >> f.event_seq >> f.last_change_ms);
  for (auto& id : f.ids) ok = ok && static_cast<bool>(in >> id);
  if (!ok) throw std::runtime_error("reading it gave no answer");
  return f;
}

RestoreReport restore_backup(const std::string& data_dir, const std::string& backup,
                             std::optional<std::uint64_t> last_invoice, std::int64_t now_ms) {
  RestoreReport r;
  std::error_code ec;
  // Work folders of a restore stopped half-way (the caller holds the lock: no other restore runs), unless the
  // backup itself was put in one.
  const std::string backup_path = fs::weakly_canonical(fs::absolute(backup), ec).string();
  for (const auto& e : fs::directory_iterator(data_dir, ec)) {
    const std::string dir = fs::weakly_canonical(e.path(), ec).string();
    if (e.path().filename().string().rfind("restore.", 0) == 0 && e.is_directory(ec) &&
        backup_path.rfind(dir + "/", 0) != 0)
      fs::remove_all(e.path(), ec);
  }
  // The backup is copied first and the copy is what is checked and restored: the file read is the file used.
  std::string work_template = data_dir + "/restore.XXXXXX";
  if (!::mkdtemp(work_template.data()))
    throw std::runtime_error("cannot create a work folder in " + data_dir + ": " + std::strerror(errno));
  const std::string work = work_template;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{work};
  try {
    copy_durably(backup, work + "/data.mdb");
    r.backup = read_db_facts(work + "/data.mdb", true);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot restore " + backup + ": " + e.what());
  }
  const std::string current = data_dir + "/data.mdb";
  const bool has_current = fs::exists(current, ec);
  if (last_invoice && *last_invoice < r.backup.last_invoice)
    throw std::runtime_error("--last-invoice " + std::to_string(*last_invoice) +
                             " is below the backup's own last invoice " + std::to_string(r.backup.last_invoice) +
                             ": give the highest number issued so far");
  std::optional<DbFacts> old;
  std::string unreadable;
  if (has_current) {
    try {
      old = read_db_facts(current, false);
      r.last_invoice_before = old->last_invoice;
      r.before_source = "as the replaced database says";
    } catch (const std::exception& e) {
      unreadable = e.what();
    }
  }
  if (last_invoice && old && *last_invoice < old->last_invoice)
    r.note = "--last-invoice " + std::to_string(*last_invoice) + " is below the " + std::to_string(old->last_invoice) +
             " the replaced database issued: " + std::to_string(old->last_invoice) + " counts";
  if (last_invoice && (!old || *last_invoice > old->last_invoice)) {
    r.last_invoice_before = *last_invoice;
    r.before_source = "as --last-invoice says";
  }
  if (!old && !last_invoice) {
    const std::string why = has_current ? "the database in " + data_dir + " cannot be read (" + unreadable + ")"
                                        : data_dir + " holds no database";
    throw std::runtime_error(
        "cannot tell which invoice numbers were issued after the backup: " + why +
        ". Give --last-invoice N, the highest invoice number already issued (from your accounting export or the "
        "last invoice sent; 0 if there was none), so the restored server does not issue those numbers again");
  }
  const std::uint64_t last = std::max(r.last_invoice_before, r.backup.last_invoice);
  if (last >= k_max_invoice_number)
    throw std::runtime_error("the last invoice number " + std::to_string(last) + " is not plausible (above " +
                             std::to_string(k_max_invoice_number) + ")");
  r.next_invoice = last + 1;

  // Prepare the restored database beside the current one, then swap it in.
  {
    // The restored file belongs to whoever owns the one it replaces (or the folder): a restore run as root for a
    // service that runs as its own user must leave a database that service can open.
    struct stat owner {};
    if (::stat(has_current ? current.c_str() : data_dir.c_str(), &owner) == 0 &&
        (owner.st_uid != ::geteuid() || owner.st_gid != ::getegid()) &&
        ::chown((work + "/data.mdb").c_str(), owner.st_uid, owner.st_gid) != 0)
      throw std::runtime_error("cannot give the restored database the owner of " + (has_current ? current : data_dir) +
                               ": " + std::strerror(errno));
    if (has_current) {
      r.kept_as = "data.mdb.replaced-" + utc_text(now_ms, "%Y%m%dT%H%M%SZ");
      for (int n = 2; fs::exists(data_dir + "/" + r.kept_as, ec); ++n)  // a second restore within the second
        r.kept_as = "data.mdb.replaced-" + utc_text(now_ms, "%Y%m%dT%H%M%SZ") + "-" + std::to_string(n);
    }
    // The counters and the audit record, in a child too: a damage the full read did not find must not take wmsd
    // down half-way.
    auto prepare = [&] {
      store::Env env(work);
      store::Txn t(env, store::Txn::Mode::write);
      std::ostringstream a;
      a << "restored backup " << fs::absolute(backup).lexically_normal().string();
      if (r.backup.last_change_ms) a << " (its last change " << utc_text(r.backup.last_change_ms, "%F %T UTC") << ")";
      a << ", events up to " << r.backup.event_seq << ", invoices up to " << r.backup.last_invoice;
      if (last > r.backup.last_invoice) {
        store::set_meta_u64(t, "invoice_seq", last);
        a << "; invoice numbers " << r.backup.last_invoice + 1;
        if (last > r.backup.last_invoice + 1) a << "-" << last;
        a << " were issued after the backup (" << r.before_source << ") and are not in this database";
      }
      a << "; the next invoice is " << r.next_invoice;
      bool ids_moved = false;
      for (std::size_t i = 0; old && i < std::size(k_id_sequences); ++i)
        if (old->ids[i] > store::meta_u64(t, k_id_sequences[i])) {
          store::set_meta_u64(t, k_id_sequences[i], old->ids[i]);
          ids_moved = true;
        }
      if (ids_moved) a << "; order, wave, task and exception numbers go on after the replaced database's";
      if (has_current) a << "; the replaced database is kept as " << r.kept_as;
      // The sessions of wmsctl runs (the `wmsctl backup` that took the file is one) belong to runs that are over:
      // they would be listed as signed-in devices for a day.
      std::vector<std::string> ended;
      t.scan(store::Table::sessions, "", [&](std::string_view k, std::string_view v) {
        if (store::unpack<domain::Session>(v).device.starts_with(proto::k_cli_device_prefix)) ended.emplace_back(k);
        return true;
      });
      for (const auto& k : ended) t.del(store::Table::sessions, k);
      Ctx ctx{"wmsd", "admin", "wmsd-local", now_ms, {}};
      write_audit(t, ctx, proto::k_restore_audit_type, a.str());
      t.commit();
      return a.str();
    };
    try {
      r.audit = in_child(prepare);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot restore " + backup + ": " + e.what());
    }
    fs::remove(work + "/lock.mdb", ec);
    if (has_current) {
      // A second name for the current database first: data.mdb exists at every moment, and the rename below
      // replaces it in one step.
      const std::string kept = data_dir + "/" + r.kept_as;
      if (::link(current.c_str(), kept.c_str()) != 0)
        throw std::runtime_error("cannot keep the current database as " + kept + ": " + std::strerror(errno));
    }
    if (::rename((work + "/data.mdb").c_str(), current.c_str()) != 0) {
      const int e = errno;
      if (has_current) ::unlink((data_dir + "/" + r.kept_as).c_str());
      throw std::runtime_error("cannot put the restored database in place: " + std::string(std::strerror(e)));
    }
    fs::remove(data_dir + "/lock.mdb", ec);  // the replaced database's reader table
  }
  try {  // the restore is done (the rename is atomic); only its durability across a power cut is in question
    sync_dir(data_dir);
  } catch (const std::exception& e) {
    r.note += (r.note.empty() ? "" : "; ") + std::string(e.what()) + ": run sync before starting wmsd";
  }
  return r;
}

}  // namespace wms::app
