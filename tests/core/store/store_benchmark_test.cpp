// The job store's numbers for docs/benchmarks.md. Disabled: a benchmark, not a test. Run it with
//   nemodesk_store_tests --gtest_also_run_disabled_tests --gtest_filter='StoreBenchmark.*'
// (in a Release build, on the disk that will hold the data). It prints commits/s for single-job batches
// and the database size after inserting and finishing 100,000 jobs, with a breakdown by table and index.
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <cstdio>

#include "StoreTestUtil.h"

namespace nd {
namespace {

using test::openStore;

// A realistic job: a script run, logs in the data folder, one GPU.
Job benchmarkJob(qint64 id) {
    Job job;
    job.id = id;
    job.spec.name = QStringLiteral("sweep-lr");
    job.spec.argv = {QStringLiteral("python"), QStringLiteral("train.py"),
                     QStringLiteral("--lr=%1").arg(id % 97)};
    job.spec.workdir = QStringLiteral("/home/user/projects/llm-finetune");
    job.spec.gpus = 1;
    job.spec.timeLimitSec = 3600;
    job.state = JobState::pending;
    job.reason = PendingReason::resources;
    job.submitTimeMs = 1'750'000'000'000 + id * 37;
    job.stdoutFile = QStringLiteral("/home/user/.local/share/nemodesk/logs/jobs/%1.out").arg(id);
    job.stderrFile = job.stdoutFile;
    return job;
}

JobEventRecord eventFor(const Job &job, qint64 seq, const QString &type) {
    const QJsonObject payload{{QStringLiteral("seq"), seq},
                              {QStringLiteral("type"), type},
                              {QStringLiteral("job"), jobToJson(job)}};
    return JobEventRecord{seq, job.submitTimeMs, job.id, type,
                          QJsonDocument(payload).toJson(QJsonDocument::Compact)};
}

// The file's size once the WAL is checkpointed into it (the store checkpoints when it closes).
qint64 closedSize(std::unique_ptr<JobStore> *store, const QString &path) {
    store->reset();
    return QFileInfo(path).size();
}

void printBreakdown(const QString &path) {
    test::RawDb raw(path);
    const QString rows = raw.text(
        "SELECT group_concat(name || ' ' || (bytes / 1024) || ' KiB', ', ') FROM (SELECT name, sum(pgsize) "
        "AS "
        "bytes FROM dbstat GROUP BY name ORDER BY bytes DESC)");
    std::printf("  by table/index: %s\n", rows.isEmpty() ? "(dbstat not compiled in)" : qPrintable(rows));
}

// Commits one job (and its event) at a time, as single submits and starts arrive, in `dir`.
void singleJobCommits(const QTemporaryDir &dir, const char *where) {
    const QString path = dir.filePath(QStringLiteral("jobs.db"));
    std::unique_ptr<JobStore> store = openStore(path);
    ASSERT_TRUE(store);
    constexpr int kCommits = 2000;

    QElapsedTimer timer;
    timer.start();
    for (qint64 id = 1; id <= kCommits; ++id) {
        StoreBatch batch;
        batch.inserts = {benchmarkJob(id)};
        batch.events = {eventFor(batch.inserts[0], id, QStringLiteral("submitted"))};
        ASSERT_TRUE(store->commit(batch));
    }
    const double insertSeconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    timer.restart();
    for (qint64 id = 1; id <= kCommits; ++id) {
        Job job = benchmarkJob(id);
        job.state = JobState::running;
        job.startTimeMs = job.submitTimeMs + 5;
        StoreBatch batch;
        batch.updates = {job};
        batch.events = {eventFor(job, kCommits + id, QStringLiteral("started"))};
        ASSERT_TRUE(store->commit(batch));
    }
    const double updateSeconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    std::printf("%s: single-job submit commits (1 insert + 1 event): %.0f/s (%.3f ms each)\n", where,
                kCommits / insertSeconds, insertSeconds * 1000 / kCommits);
    std::printf("%s: single-job start commits (1 update + 1 event): %.0f/s (%.3f ms each)\n", where,
                kCommits / updateSeconds, updateSeconds * 1000 / kCommits);
}

TEST(StoreBenchmark, DISABLED_SingleJobCommitsPerSecond) {
    const QTemporaryDir onDisk;
    singleJobCommits(onDisk, "temporary folder (fsync per commit)");
    const std::unique_ptr<QTemporaryDir> inMemory = test::memoryTemporaryDir();
    singleJobCommits(*inMemory, "/dev/shm (no fsync cost: the store's own CPU time)");
}

// The size does not depend on the disk; /dev/shm only makes the 200,000 commits quicker.
TEST(StoreBenchmark, DISABLED_SizeOf100000FinishedJobs) {
    const std::unique_ptr<QTemporaryDir> dir = test::memoryTemporaryDir();
    const QString path = dir->filePath(QStringLiteral("jobs.db"));
    std::unique_ptr<JobStore> store = openStore(path);
    ASSERT_TRUE(store);
    constexpr qint64 kJobs = 100'000;
    constexpr qint64 kBatch = 1000;  // as the queue would write an array of 1,000 tasks
    qint64 seq = 0;

    QElapsedTimer timer;
    timer.start();
    for (qint64 first = 1; first <= kJobs; first += kBatch) {
        StoreBatch batch;
        for (qint64 id = first; id < first + kBatch; ++id) {
            batch.inserts.push_back(benchmarkJob(id));
            batch.events.push_back(eventFor(batch.inserts.back(), ++seq, QStringLiteral("submitted")));
        }
        ASSERT_TRUE(store->commit(batch));
    }
    // Start and finish: one commit per job for each, as the queue does.
    for (qint64 id = 1; id <= kJobs; ++id) {
        Job job = benchmarkJob(id);
        job.state = JobState::running;
        job.reason = PendingReason::none;
        job.startTimeMs = job.submitTimeMs + 20;
        job.allocatedGpus = {static_cast<int>(id % 2)};
        job.process = ProcessIdentity{100000 + id, 5'000'000 + id,
                                      QStringLiteral("6d1f0c55-8a1e-4b0e-9d2b-3f1c2e7a9b10")};
        job.childPid = 100001 + id;
        StoreBatch started;
        started.updates = {job};
        started.events = {eventFor(job, ++seq, QStringLiteral("started"))};
        ASSERT_TRUE(store->commit(started));

        job.state = JobState::completed;
        job.endTimeMs = job.startTimeMs + 60'000 + id % 1000;
        job.exitCode = 0;
        job.process = {};
        job.childPid = 0;
        job.accounting = JobAccounting{59'000 + id % 100, 2'000'000 + id % 5000, 60.02, 8000 + id % 64, 0};
        StoreBatch ended;
        ended.updates = {job};
        ended.events = {eventFor(job, ++seq, QStringLiteral("ended"))};
        ASSERT_TRUE(store->commit(ended));
    }
    const double seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    const qint64 withEvents = closedSize(&store, path);
    std::printf("100,000 jobs submitted (100 batches), started and finished (200,000 commits) in %.1f s\n",
                seconds);
    std::printf("size with all %lld events: %.1f MiB\n", static_cast<long long>(seq),
                static_cast<double>(withEvents) / (1024 * 1024));
    printBreakdown(path);

    store = openStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->pruneEvents(10'000));
    store.reset();
    {
        test::RawDb raw(path);
        raw.exec("VACUUM");
    }
    std::printf("size with the newest 10,000 events (after VACUUM): %.1f MiB\n",
                static_cast<double>(QFileInfo(path).size()) / (1024 * 1024));
    printBreakdown(path);
    {
        test::RawDb raw(path);
        raw.exec("DELETE FROM events; VACUUM");
    }
    std::printf("size of the jobs alone (no events, after VACUUM): %.1f MiB = %.0f bytes per job\n",
                static_cast<double>(QFileInfo(path).size()) / (1024 * 1024),
                static_cast<double>(QFileInfo(path).size()) / kJobs);
    printBreakdown(path);
}

}  // namespace
}  // namespace nd
