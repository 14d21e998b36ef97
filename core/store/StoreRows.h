#pragma once
// StoreRows: a Job to the parameters of insertJob/updateJob and back from a row of a job SELECT
// (column order: storeSchema::JobColumn). Name and priority live in their own columns, so the stored
// spec JSON leaves them out; jobSpecToJson already leaves out every field that has its default.
//
// That makes JobSpec's defaults part of the schema: a row read back gets today's default for every field
// it does not name. Changing a default therefore needs a migration that writes the old value into the rows
// that relied on it (store_test pins the v1 defaults so that such a change cannot pass unnoticed).
#include <QByteArray>

#include "core/common/Result.h"
#include "core/jobs/Job.h"

struct sqlite3_stmt;

namespace nd::storeRows {

// Returns SQLITE_OK or the first binding error.
int bindJob(sqlite3_stmt *statement, const Job &job);
Result<Job> readJob(sqlite3_stmt *statement);

QByteArray compactSpecJson(const JobSpec &spec);
// The spec back from compactSpecJson's text, without name and priority (the caller sets those).
Result<JobSpec> specFromCompactJson(const QByteArray &json);

}  // namespace nd::storeRows
