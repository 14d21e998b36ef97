// Crash consistency: a child process opens the store and commits batches in a loop, writing the number of
// each acknowledged batch to a pipe; the parent SIGKILLs it at a random moment and reopens the file. Every
// acknowledged batch must be there, and no batch only in part. Twenty rounds on the same file, so each
// round also starts from the previous crash's leftovers (a hot WAL file).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>

#include "StoreTestUtil.h"

namespace nd {
namespace {

using test::openStore;
using test::storeEvent;
using test::storeJob;

constexpr int kRounds = 20;

// Batches differ in size (1 to 25 jobs) so that some commits are long enough to be killed half-way.
int jobsInBatch(qint64 batchNumber) {
    return 1 + static_cast<int>((batchNumber * 7919) % 25);
}

// The child: continues after the last batch on file; each batch inserts its jobs and events and completes
// the previous batch's jobs. Never returns.
[[noreturn]] void commitUntilKilled(const QString &path, int ackFd) {
    Result<std::unique_ptr<JobStore>> opened = JobStore::open(path);
    if (!opened)
        _exit(2);
    const std::unique_ptr<JobStore> store = std::move(opened).value();
    qint64 nextId = *store->maxJobId() + 1;
    const Result<std::optional<Job>> last = store->find(nextId - 1);
    qint64 batchNumber = last && last->has_value() ? (*last)->arrayJobId + 1 : 1;
    Result<std::vector<Job>> active = store->loadActive();
    if (!last || !active)
        _exit(2);
    std::vector<Job> previous = std::move(active).value();
    for (;; ++batchNumber) {
        StoreBatch batch;
        for (int i = 0; i < jobsInBatch(batchNumber); ++i) {
            Job job = storeJob(nextId);
            job.arrayJobId = batchNumber;  // which batch wrote it (loadStateIndex reads it back cheaply)
            batch.inserts.push_back(job);
            batch.events.push_back(storeEvent(nextId, nextId));
            ++nextId;
        }
        for (Job job : previous) {
            job.state = JobState::completed;
            job.reason = PendingReason::none;
            batch.updates.push_back(job);
        }
        if (!store->commit(batch))
            _exit(3);
        if (write(ackFd, &batchNumber, sizeof batchNumber) != sizeof batchNumber)
            _exit(4);
        previous = batch.inserts;
    }
}

// What the file holds after a crash; failures name the batch.
void expectWholeBatches(const QString &path, qint64 lastAcknowledged) {
    const std::unique_ptr<JobStore> store = openStore(path);
    ASSERT_TRUE(store);
    const Result<std::vector<JobStateEntry>> entries = store->loadStateIndex();
    ASSERT_TRUE(entries) << entries.error().toStdString();
    std::map<qint64, std::vector<JobStateEntry>> byBatch;
    qint64 expectedId = 1;
    for (const JobStateEntry &entry : *entries) {
        ASSERT_EQ(entry.id, expectedId++) << "job ids have a gap";
        byBatch[entry.arrayJobId].push_back(entry);
    }
    const qint64 lastBatch = byBatch.empty() ? 0 : byBatch.rbegin()->first;
    EXPECT_GE(lastBatch, lastAcknowledged) << "an acknowledged batch is missing";
    EXPECT_EQ(static_cast<qint64>(byBatch.size()), lastBatch) << "batches are missing in between";
    for (const auto &[batchNumber, jobs] : byBatch) {
        ASSERT_EQ(static_cast<int>(jobs.size()), jobsInBatch(batchNumber))
            << "batch " << batchNumber << " is partial";
        const JobState expected = batchNumber == lastBatch ? JobState::pending : JobState::completed;
        for (const JobStateEntry &job : jobs)
            ASSERT_EQ(jobStateName(job.state), jobStateName(expected))
                << "job " << job.id << " of batch " << batchNumber;
    }
    // The newest batch's jobs read back whole.
    const Result<std::optional<Job>> newest = store->find(expectedId - 1);
    ASSERT_TRUE(newest && newest->has_value());
    test::expectSameJob(**newest, [&] {
        Job job = storeJob(expectedId - 1);
        job.arrayJobId = lastBatch;
        return job;
    }());
    EXPECT_EQ(*store->maxEventSeq(), expectedId - 1) << "events and jobs are committed together";
    EXPECT_EQ(*store->minEventSeq(), expectedId > 1 ? 1 : 0);
}

TEST(StoreCrashTest, AKilledWriterLosesNoAcknowledgedBatchAndLeavesNoPartialOne) {
    const std::unique_ptr<QTemporaryDir> dir = test::memoryTemporaryDir();
    ASSERT_TRUE(dir->isValid());
    const QString path = dir->filePath(QStringLiteral("jobs.db"));
    const unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 random(seed);

    qint64 lastAcknowledged = 0;
    for (int round = 0; round < kRounds; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const pid_t child = fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            close(fds[0]);
            commitUntilKilled(path, fds[1]);
        }
        close(fds[1]);

        // Let it commit a random number of batches, then kill it a random few microseconds later: at
        // that moment it is as likely to be inside a commit as between two.
        const int acksBeforeKill = std::uniform_int_distribution<int>(1, 10)(random);
        int acks = 0;
        qint64 batchNumber = 0;
        while (acks < acksBeforeKill &&
               read(fds[0], &batchNumber, sizeof batchNumber) == sizeof batchNumber) {
            lastAcknowledged = batchNumber;
            ++acks;
        }
        usleep(std::uniform_int_distribution<unsigned>(0, 3000)(random));
        kill(child, SIGKILL);
        // Acknowledgements written before the kill are still in the pipe.
        while (read(fds[0], &batchNumber, sizeof batchNumber) == sizeof batchNumber)
            lastAcknowledged = batchNumber;
        close(fds[0]);
        int status = 0;
        ASSERT_EQ(waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the child stopped by itself (exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
            << ")";
        ASSERT_EQ(acks, acksBeforeKill) << "the child died before acknowledging enough batches";

        expectWholeBatches(path, lastAcknowledged);
        if (::testing::Test::HasFatalFailure())
            return;
    }
}

}  // namespace
}  // namespace nd
