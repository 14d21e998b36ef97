#pragma once
// The job store's schema: how a NemoDesk database is recognised, the migrations that build it version by
// version, and every SQL statement the store runs, by name. The schema itself is described in
// StoreSchema.cpp next to migration 1 and in docs/ARCHITECTURE.md ("Schema history").
#include <span>

#include "core/store/JobStore.h"

namespace nd::storeSchema {

// PRAGMA application_id of every NemoDesk database: "NDSK". A SQLite file with another id (or with tables
// and no id) belongs to some other program and is refused rather than migrated.
constexpr int applicationId = 0x4E44534B;

// The real history of the schema, oldest first; the last entry's version is JobStore::schemaVersion.
std::span<const StoreMigration> migrations();

// The columns of `jobs` in the order every statement below lists them. The value is the statement's
// parameter number in insertJob/updateJob, and value - 1 the result column of the job SELECTs.
enum class JobColumn {
    id = 1,
    arrayJobId,
    arrayTaskId,
    name,
    state,
    reason,
    held,
    priority,
    submitMs,
    startMs,
    endMs,
    exitCode,
    termSignal,
    message,
    retries,
    specJson,
    allocatedGpus,
    allocatedGpuMemMib,
    stdoutFile,
    stderrFile,
    shimPid,
    shimStartTicks,
    bootId,
    childPid,
    cpuTimeMs,
    peakRssKib,
    gpuSeconds,
    peakGpuMemMib,
    gpuEnergyJ,
    progressJson,
};
constexpr int jobColumnCount = static_cast<int>(JobColumn::progressJson);

// Named statements (each prepared once per connection).
namespace sql {
extern const char *const beginImmediate;  // the writer: takes the write lock before reading anything
extern const char *const beginRead;       // one snapshot for a query's page and its count
extern const char *const commit;
extern const char *const rollback;
extern const char *const insertJob;
extern const char *const updateJob;
extern const char *const deleteJobTags;
extern const char *const insertJobTag;
extern const char *const insertEvent;
extern const char *const selectJob;
extern const char *const selectActiveJobs;
extern const char *const selectStateIndex;
extern const char *const selectMaxJobId;
extern const char *const selectMaxEventSeq;
extern const char *const selectMinEventSeq;
extern const char *const selectEventsAfter;
extern const char *const pruneEvents;
// Benchmarks (schema 2), prepared on first use: stores opened with an older migration list lack the table.
extern const char *const insertBenchmark;
extern const char *const selectBenchmarks;
// The column list of the job SELECTs, for the queries JobQuerySql builds.
extern const char *const jobColumns;
}  // namespace sql

}  // namespace nd::storeSchema
