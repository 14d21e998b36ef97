// StoreSchema: the migrations and named statements of the job store. Each migration runs in its own
// transaction together with the `PRAGMA user_version` that records it (JobStoreOpen.cpp), so a file is
// always exactly at one version. Adding version 2 is one more entry in kMigrations.
#include "core/store/StoreSchema.h"

namespace nd::storeSchema {

namespace {

// Version 1.
//
// jobs: one row per job (array tasks included). A column for every field that is filtered, sorted or
// read without the spec; the spec itself as jobSpecToJson's compact JSON, which leaves out every field
// that has its default, less name and priority, which have columns (StoreRows.cpp). Enumerations are stored
// by their API names ("pending", "resources"), so the file reads well in the sqlite3 shell and survives a
// reordering of the C++ enums. stderr_file is NULL when it is the same file as stdout_file, which is the
// common case and saves a path per row.
//
// job_tags: tags in a table of their own rather than a comma-joined column: a tag may hold any character
// (no LIKE escaping, no separator to forbid), the lookup is an index search instead of a scan of every
// row, and the many untagged jobs cost nothing.
//
// events: the job event log that /api/events replays; the queue prunes it (pruneEvents).
//
// Indexes: active jobs (the partial index stays as small as the queue however long the history grows),
// array tasks (partial: most jobs are not array tasks), end time (history) and name.
constexpr const char *kSchemaV1 = R"sql(
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    array_job_id INTEGER NOT NULL,
    array_task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    held INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    submit_ms INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    exit_code INTEGER NOT NULL,
    term_signal INTEGER NOT NULL,
    message TEXT NOT NULL,
    retries INTEGER NOT NULL,
    spec_json TEXT NOT NULL,
    allocated_gpus TEXT NOT NULL,
    allocated_gpu_mem_mib INTEGER NOT NULL,
    stdout_file TEXT NOT NULL,
    stderr_file TEXT,
    shim_pid INTEGER NOT NULL,
    shim_start_ticks INTEGER NOT NULL,
    boot_id TEXT NOT NULL,
    child_pid INTEGER NOT NULL,
    cpu_time_ms INTEGER NOT NULL,
    peak_rss_kib INTEGER NOT NULL,
    gpu_seconds REAL NOT NULL,
    peak_gpu_mem_mib INTEGER NOT NULL,
    gpu_energy_j REAL NOT NULL
);
CREATE INDEX jobs_active ON jobs (state) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_array ON jobs (array_job_id) WHERE array_job_id != 0;
CREATE INDEX jobs_end ON jobs (end_ms);
CREATE INDEX jobs_name ON jobs (name);

CREATE TABLE job_tags (
    tag TEXT NOT NULL,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, job_id)
) WITHOUT ROWID;
CREATE INDEX job_tags_job ON job_tags (job_id);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload BLOB NOT NULL
);
)sql";

// Version 2: benchmarks, one row per `nemoctl worker bench` result (POST /api/benchmarks). Generic: a
// column for each number that is filtered or sorted on, and the whole result as JSON (result_json), so a
// new measured key needs no migration. Numbers a result does not have are NULL (energy without NVML).
constexpr const char *kSchemaV2 = R"sql(
CREATE TABLE benchmarks (
    id INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    job_id INTEGER,
    model TEXT NOT NULL,
    model_path TEXT NOT NULL,
    device TEXT NOT NULL,
    prompt_tps REAL,
    decode_tps REAL,
    peak_memory_bytes INTEGER,
    energy_j_per_token REAL,
    result_json TEXT NOT NULL
);
CREATE INDEX benchmarks_model ON benchmarks (model, id);
)sql";

// Version 3: what a job's worker last reported (JobQueue::reportProgress: lines done, tokens/s, requests),
// kept with the job when it ends so history shows a workload's throughput.
constexpr const char *kSchemaV3 = R"sql(
ALTER TABLE jobs ADD COLUMN progress_json TEXT NOT NULL DEFAULT '{}';
)sql";

constexpr StoreMigration kMigrations[] = {
    {1, kSchemaV1},
    {2, kSchemaV2},
    {3, kSchemaV3},
};

static_assert(std::size(kMigrations) == JobStore::schemaVersion,
              "JobStore::schemaVersion must be the last migration's version");

}  // namespace

std::span<const StoreMigration> migrations() {
    return kMigrations;
}

namespace sql {

const char *const beginImmediate = "BEGIN IMMEDIATE";
const char *const beginRead = "BEGIN DEFERRED";
const char *const commit = "COMMIT";
const char *const rollback = "ROLLBACK";

const char *const jobColumns =
    "id, array_job_id, array_task_id, name, state, reason, held, priority, submit_ms, start_ms, end_ms, "
    "exit_code, term_signal, message, retries, spec_json, allocated_gpus, allocated_gpu_mem_mib, "
    "stdout_file, "
    "stderr_file, shim_pid, shim_start_ticks, boot_id, child_pid, cpu_time_ms, peak_rss_kib, gpu_seconds, "
    "peak_gpu_mem_mib, gpu_energy_j, progress_json";

const char *const insertJob =
    "INSERT INTO jobs (id, array_job_id, array_task_id, name, state, reason, held, priority, submit_ms, "
    "start_ms, end_ms, exit_code, term_signal, message, retries, spec_json, allocated_gpus, "
    "allocated_gpu_mem_mib, stdout_file, stderr_file, shim_pid, shim_start_ticks, boot_id, child_pid, "
    "cpu_time_ms, peak_rss_kib, gpu_seconds, peak_gpu_mem_mib, gpu_energy_j, progress_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
    "?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)";

const char *const updateJob =
    "UPDATE jobs SET array_job_id = ?2, array_task_id = ?3, name = ?4, state = ?5, reason = ?6, held = ?7, "
    "priority = ?8, submit_ms = ?9, start_ms = ?10, end_ms = ?11, exit_code = ?12, term_signal = ?13, "
    "message = ?14, retries = ?15, spec_json = ?16, allocated_gpus = ?17, allocated_gpu_mem_mib = ?18, "
    "stdout_file = ?19, stderr_file = ?20, shim_pid = ?21, shim_start_ticks = ?22, boot_id = ?23, "
    "child_pid = ?24, cpu_time_ms = ?25, peak_rss_kib = ?26, gpu_seconds = ?27, peak_gpu_mem_mib = ?28, "
    "gpu_energy_j = ?29, progress_json = ?30 WHERE id = ?1";

const char *const deleteJobTags = "DELETE FROM job_tags WHERE job_id = ?1";
const char *const insertJobTag = "INSERT OR IGNORE INTO job_tags (tag, job_id) VALUES (?1, ?2)";
const char *const insertEvent =
    "INSERT INTO events (seq, time_ms, job_id, type, payload) VALUES (?1, ?2, ?3, ?4, ?5)";

// The column lists are spelled out (not built from jobColumns) so that each statement reads whole here.
const char *const selectJob =
    "SELECT id, array_job_id, array_task_id, name, state, reason, held, priority, submit_ms, start_ms, "
    "end_ms, "
    "exit_code, term_signal, message, retries, spec_json, allocated_gpus, allocated_gpu_mem_mib, "
    "stdout_file, "
    "stderr_file, shim_pid, shim_start_ticks, boot_id, child_pid, cpu_time_ms, peak_rss_kib, gpu_seconds, "
    "peak_gpu_mem_mib, gpu_energy_j, progress_json FROM jobs WHERE id = ?1";
// The WHERE clause is the jobs_active index's own, so that the planner can use that partial index.
const char *const selectActiveJobs =
    "SELECT id, array_job_id, array_task_id, name, state, reason, held, priority, submit_ms, start_ms, "
    "end_ms, "
    "exit_code, term_signal, message, retries, spec_json, allocated_gpus, allocated_gpu_mem_mib, "
    "stdout_file, "
    "stderr_file, shim_pid, shim_start_ticks, boot_id, child_pid, cpu_time_ms, peak_rss_kib, gpu_seconds, "
    "peak_gpu_mem_mib, gpu_energy_j, progress_json FROM jobs WHERE state IN ('pending', 'running') ORDER BY "
    "id";
const char *const selectStateIndex = "SELECT id, array_job_id, array_task_id, state FROM jobs ORDER BY id";
const char *const selectMaxJobId = "SELECT coalesce(max(id), 0) FROM jobs";
const char *const selectMaxEventSeq = "SELECT coalesce(max(seq), 0) FROM events";
const char *const selectMinEventSeq = "SELECT coalesce(min(seq), 0) FROM events";
const char *const selectEventsAfter =
    "SELECT seq, time_ms, job_id, type, payload FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2";
// Keeps the newest ?1 events: deletes from the (?1 + 1)-th newest down; nothing when there are fewer.
const char *const pruneEvents =
    "DELETE FROM events WHERE seq <= (SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?1)";

const char *const insertBenchmark =
    "INSERT INTO benchmarks (time_ms, job_id, model, model_path, device, prompt_tps, decode_tps, "
    "peak_memory_bytes, energy_j_per_token, result_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
// Newest first; ?1 = '' for every model.
const char *const selectBenchmarks =
    "SELECT id, time_ms, result_json FROM benchmarks WHERE ?1 = '' OR model = ?1 ORDER BY id DESC LIMIT ?2";

}  // namespace sql

}  // namespace nd::storeSchema
