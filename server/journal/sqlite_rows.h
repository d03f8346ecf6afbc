// Shared by the two halves of SqliteJournal (queue and ledger): the schema and how a job row is
// read. Not part of the journal's interface.
#ifndef POWERVIEW_SERVER_JOURNAL_SQLITE_ROWS_H_
#define POWERVIEW_SERVER_JOURNAL_SQLITE_ROWS_H_

#include <cstdint>

#include "absl/time/time.h"
#include "server/common/sqlite.h"
#include "server/journal/job.h"

namespace powerview::journal::internal {

inline constexpr char kJobColumns[] =
    "id, kind, path, company, size, source, state, attempts, last_error, outcome, created_us, "
    "updated_us, next_attempt_us, batch_id";

inline int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// Reads the columns of kJobColumns, in that order, from the current row of `s`.
Job ReadJob(const SqliteStatement& s);

}  // namespace powerview::journal::internal

#endif  // POWERVIEW_SERVER_JOURNAL_SQLITE_ROWS_H_
