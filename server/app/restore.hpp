// Restoring a backup into a data folder (wmsd --restore), with the invoice numbers issued after the backup kept
// out of reuse. A finance clerk has those invoices already (sent, exported): the restored database must never
// issue the same numbers again for other shipments.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace wms::app {

// Far above any real site, far below where a sequence would wrap: --last-invoice is refused above it.
inline constexpr std::uint64_t k_max_invoice_number = 1'000'000'000'000ull;

// What a database file says about itself, read without writing to it.
struct DbFacts {
  std::uint64_t schema = 0;
  std::uint64_t last_invoice = 0;  // the highest invoice number issued (0: none)
  std::uint64_t event_seq = 0;
  std::int64_t last_change_ms = 0;  // time of its newest audit record (0: none)
  // The last order, wave, task, exception and confirmation numbers given (k_id_sequences, in that order).
  std::uint64_t ids[5] = {};
};
// Numbers a device or a person may still hold after a restore (a pick of task 17 waiting in an outbox): the
// restored database goes on after the replaced one's, so an old number never names a new record.
inline constexpr const char* k_id_sequences[5] = {"order_seq", "wave_seq", "task_seq", "exception_seq", "confirm_seq"};
// Reads `file` in a child process, so a damaged file that makes LMDB fault cannot take the caller down. Throws
// std::runtime_error saying why the file cannot be read (not a database, damaged, another layout).
// `whole`: also read every record of every table and the idempotency log's tail as wmsd does at start (a backup
// to restore); otherwise only the counters (the database being replaced, of any layout).
DbFacts read_db_facts(const std::string& file, bool whole);

struct RestoreReport {
  DbFacts backup;
  std::uint64_t last_invoice_before = 0;  // the highest number issued before the restore (database or operator)
  std::string before_source;              // where that number came from, for the report
  std::uint64_t next_invoice = 0;         // the first number the restored database issues
  std::string kept_as;                    // the replaced database's new name ("" if the folder had none)
  std::string note;                       // said to the operator besides the audit line ("" if nothing)
  std::string audit;                      // the line written to the restored database's audit trail
};

// Puts `backup` in place of `data_dir`/data.mdb. The caller holds the data folder's wmsd lock.
// - The backup must be a database of this layout; it is copied, never changed.
// - The highest invoice number issued so far comes from the replaced database, or from `last_invoice` (the
//   operator's, from the accounting) when that cannot be read or the folder has none; the higher one wins. Without
//   either the restore is refused. The restored database issues the next number after it.
// - The replaced database stays in the folder as data.mdb.replaced-<UTC time>; data.mdb is never missing, even
//   if the machine stops half-way.
// - An audit record of type "restore" says what was restored and which invoice numbers were skipped.
// Throws std::runtime_error with the reason; the folder is then as it was.
RestoreReport restore_backup(const std::string& data_dir, const std::string& backup,
                             std::optional<std::uint64_t> last_invoice, std::int64_t now_ms);

}  // namespace wms::app
