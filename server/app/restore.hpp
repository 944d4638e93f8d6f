// Restoring a backup into a data folder (wmsd --restore), with the invoice numbers issued after the backup kept
// out of reuse. A finance clerk has those invoices already (sent, exported): the restored database must never
// issue the same numbers again for other shipments.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace wms::app {

// What a database file says about itself, read without writing to it.
struct DbFacts {
  std::uint64_t schema = 0;
  std::uint64_t last_invoice = 0;  // the highest invoice number issued (0: none)
  std::uint64_t event_seq = 0;
  std::int64_t last_change_ms = 0;  // time of its newest audit record (0: none)
};
// Reads `file` in a child process, so a damaged file that makes LMDB fault cannot take the caller down. Throws
// std::runtime_error saying why the file cannot be read (not a database, damaged, another layout).
DbFacts read_db_facts(const std::string& file);

struct RestoreReport {
  DbFacts backup;
  std::uint64_t last_invoice_before = 0;  // the highest number issued before the restore (database or operator)
  std::string before_source;              // where that number came from, for the report
  std::uint64_t next_invoice = 0;         // the first number the restored database issues
  std::string kept_as;                    // the replaced database's new name ("" if the folder had none)
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
