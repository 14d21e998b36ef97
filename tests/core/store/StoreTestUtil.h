#pragma once
// Helpers shared by the job store tests: jobs and events to store, opening a store with the error shown
// on failure, comparing every persisted field of a job, and raw SQLite access to inspect or tamper with a
// file the way another program (or an older NemoDesk) would.
#include <gtest/gtest.h>
#include <QJsonObject>

#include <QFileInfo>
#include <QString>
#include <QTemporaryDir>

#include <sqlite3.h>

#include <memory>

#include "core/store/JobStore.h"

namespace nd::test {

// A temporary folder in memory (/dev/shm) where there is one, else in the usual place. For tests that
// commit thousands of batches: they test the store's atomicity, not the disk's fsync latency (which is
// milliseconds on a busy disk), and a killed process loses nothing that is in the page cache anyway.
inline std::unique_ptr<QTemporaryDir> memoryTemporaryDir() {
    const QString shm = QStringLiteral("/dev/shm");
    if (QFileInfo(shm).isDir() && QFileInfo(shm).isWritable())
        return std::make_unique<QTemporaryDir>(shm + QStringLiteral("/nemodesk-store-XXXXXX"));
    return std::make_unique<QTemporaryDir>();
}

// A plain pending job: `true` in /tmp, submitted at id × 1000 ms.
inline Job storeJob(qint64 id, JobState state = JobState::pending) {
    Job job;
    job.id = id;
    job.spec.name = QStringLiteral("job%1").arg(id);
    job.spec.argv = {QStringLiteral("true")};
    job.spec.workdir = QStringLiteral("/tmp");
    job.state = state;
    job.reason = state == JobState::pending ? PendingReason::resources : PendingReason::none;
    job.submitTimeMs = id * 1000;
    job.stdoutFile = QStringLiteral("/data/logs/jobs/%1.out").arg(id);
    job.stderrFile = job.stdoutFile;
    if (isTerminal(state))
        job.progress = QJsonObject{{QStringLiteral("done"), id}};  // what a workload reported last
    return job;
}

inline JobEventRecord storeEvent(qint64 seq, qint64 jobId,
                                 const QString &type = QStringLiteral("submitted")) {
    return JobEventRecord{seq, seq * 10, jobId, type, QStringLiteral(R"({"seq":%1})").arg(seq).toUtf8()};
}

// The store, or nullptr after recording the error as a test failure.
inline std::unique_ptr<JobStore> openStore(const QString &path,
                                           JobStore::Mode mode = JobStore::Mode::readWrite) {
    Result<std::unique_ptr<JobStore>> store = JobStore::open(path, mode);
    if (!store) {
        ADD_FAILURE() << "opening " << path.toStdString() << ": " << store.error().toStdString();
        return nullptr;
    }
    return std::move(store).value();
}

// Every field the store persists (expectedStartMs is the scheduler's estimate and is not).
inline void expectSameJob(const Job &actual, const Job &expected) {
    SCOPED_TRACE(QStringLiteral("job %1").arg(expected.id).toStdString());
    EXPECT_EQ(actual.id, expected.id);
    EXPECT_EQ(actual.arrayJobId, expected.arrayJobId);
    EXPECT_EQ(actual.arrayTaskId, expected.arrayTaskId);
    EXPECT_TRUE(actual.spec == expected.spec) << "spec differs";
    EXPECT_EQ(actual.state, expected.state);
    EXPECT_EQ(actual.reason, expected.reason);
    EXPECT_EQ(actual.held, expected.held);
    EXPECT_EQ(actual.submitTimeMs, expected.submitTimeMs);
    EXPECT_EQ(actual.startTimeMs, expected.startTimeMs);
    EXPECT_EQ(actual.endTimeMs, expected.endTimeMs);
    EXPECT_EQ(actual.exitCode, expected.exitCode);
    EXPECT_EQ(actual.termSignal, expected.termSignal);
    EXPECT_EQ(actual.message, expected.message);
    EXPECT_EQ(actual.allocatedGpus, expected.allocatedGpus);
    EXPECT_EQ(actual.allocatedGpuMemMib, expected.allocatedGpuMemMib);
    EXPECT_TRUE(actual.process == expected.process) << "process identity differs";
    EXPECT_EQ(actual.childPid, expected.childPid);
    EXPECT_EQ(actual.retries, expected.retries);
    EXPECT_EQ(actual.progress, expected.progress);
    EXPECT_EQ(actual.stdoutFile, expected.stdoutFile);
    EXPECT_EQ(actual.stderrFile, expected.stderrFile);
    EXPECT_TRUE(actual.accounting == expected.accounting) << "accounting differs";
}

// A second connection to the file through the plain C API, for what the store's interface does not show.
class RawDb {
public:
    explicit RawDb(const QString &path) {
        if (sqlite3_open_v2(path.toUtf8().constData(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK)
            ADD_FAILURE() << "raw open of " << path.toStdString() << ": " << sqlite3_errmsg(m_db);
        sqlite3_busy_timeout(m_db, 5000);
    }
    ~RawDb() { sqlite3_close_v2(m_db); }
    RawDb(const RawDb &) = delete;
    RawDb &operator=(const RawDb &) = delete;

    // Runs SQL whose rows do not matter; records a failure on error.
    void exec(const char *sql) {
        char *error = nullptr;
        if (sqlite3_exec(m_db, sql, nullptr, nullptr, &error) != SQLITE_OK)
            ADD_FAILURE() << sql << ": " << (error != nullptr ? error : "?");
        sqlite3_free(error);
    }
    // The first column of the first row as text ("" when there is no row).
    QString text(const char *sql) {
        sqlite3_stmt *statement = nullptr;
        QString result;
        if (sqlite3_prepare_v2(m_db, sql, -1, &statement, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(m_db);
        } else if (sqlite3_step(statement) == SQLITE_ROW) {
            result = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(statement, 0)));
        }
        sqlite3_finalize(statement);
        return result;
    }
    qint64 integer(const char *sql) { return text(sql).toLongLong(); }

private:
    sqlite3 *m_db = nullptr;
};

}  // namespace nd::test
