// Readers in other threads, each with its own read-only JobStore, query without pause while the writer
// commits 2,000 batches of 3 jobs + 3 events. WAL mode gives every read one committed snapshot: a reader
// never sees part of a batch, never blocks the writer, and no SQLITE_BUSY reaches anyone.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "StoreTestUtil.h"

namespace nd {
namespace {

using test::openStore;
using test::storeEvent;
using test::storeJob;

constexpr qint64 kBatches = 2000;
constexpr qint64 kJobsPerBatch = 3;
constexpr int kReaders = 2;

// Collects what the reader threads found wrong, to report on the test's own thread.
class Problems {
public:
    void add(const QString &problem) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        if (m_problems.size() < 20)
            m_problems.append(problem);
    }
    QStringList all() const {
        const std::lock_guard<std::mutex> lock(m_mutex);
        return m_problems;
    }

private:
    mutable std::mutex m_mutex;
    QStringList m_problems;
};

// One reader's loop: every snapshot it sees must hold whole batches only, and never fewer than before.
void readUntilDone(const QString &path, const std::atomic<bool> &writerDone, Problems *problems,
                   std::atomic<int> *reads) {
    Result<std::unique_ptr<JobStore>> opened = JobStore::open(path, JobStore::Mode::readOnly);
    if (!opened) {
        problems->add(opened.error());
        return;
    }
    const std::unique_ptr<JobStore> store = std::move(opened).value();
    qint64 lastTotal = 0;
    qint64 lastSeq = 0;
    int round = 0;
    // One more round after the writer finished, so the last snapshot is checked against the final count.
    for (bool last = false; !last; ++round) {
        last = writerDone.load();
        JobQuery query;
        query.order = round % 2 == 0 ? JobQuery::Order::idDescending : JobQuery::Order::idAscending;
        query.limit = 7;
        const Result<JobPage> page = store->query(query);
        JobQuery pendingQuery;
        pendingQuery.states = {JobState::pending};
        const Result<JobPage> pending = store->query(pendingQuery);
        const Result<qint64> maxSeq = store->maxEventSeq();
        const Result<qint64> maxId = store->maxJobId();
        const Result<std::vector<JobEventRecord>> events = store->eventsAfter(lastSeq, 50);
        for (const QString &error :
             {page.error(), pending.error(), maxSeq.error(), maxId.error(), events.error()}) {
            if (!error.isEmpty()) {
                problems->add(error);
                return;
            }
        }
        if (page->total % kJobsPerBatch != 0 || *maxSeq % kJobsPerBatch != 0 || *maxId % kJobsPerBatch != 0)
            problems->add(QStringLiteral("partial batch seen: %1 jobs, event %2, job id %3")
                              .arg(page->total)
                              .arg(*maxSeq)
                              .arg(*maxId));
        if (pending->total != 0 && pending->total != kJobsPerBatch)
            problems->add(
                QStringLiteral("%1 pending jobs: half a batch's inserts and updates").arg(pending->total));
        if (page->total < lastTotal)
            problems->add(
                QStringLiteral("went back in time: %1 jobs after %2").arg(page->total).arg(lastTotal));
        if (page->total > 0 && page->jobs.size() != std::min<size_t>(7, static_cast<size_t>(page->total)))
            problems->add(
                QStringLiteral("a page of %1 for a total of %2").arg(page->jobs.size()).arg(page->total));
        for (const JobEventRecord &event : *events) {
            if (event.seq != lastSeq + 1)
                problems->add(QStringLiteral("event %1 after %2").arg(event.seq).arg(lastSeq));
            lastSeq = event.seq;
        }
        lastTotal = page->total;
        reads->fetch_add(1);
    }
    if (lastTotal != kBatches * kJobsPerBatch)
        problems->add(QStringLiteral("the last read saw %1 jobs").arg(lastTotal));
}

TEST(StoreConcurrencyTest, ReadersNeverSeeAPartialBatch) {
    const std::unique_ptr<QTemporaryDir> dir = test::memoryTemporaryDir();
    ASSERT_TRUE(dir->isValid());
    const QString path = dir->filePath(QStringLiteral("jobs.db"));
    const std::unique_ptr<JobStore> writer = openStore(path);
    ASSERT_TRUE(writer);

    std::atomic<bool> writerDone{false};
    std::atomic<int> reads{0};
    Problems problems;
    std::vector<std::thread> readers;
    readers.reserve(kReaders);
    for (int i = 0; i < kReaders; ++i)
        readers.emplace_back(readUntilDone, path, std::cref(writerDone), &problems, &reads);

    QString writeError;
    for (qint64 batchNumber = 0; batchNumber < kBatches && writeError.isEmpty(); ++batchNumber) {
        StoreBatch batch;
        for (qint64 i = 1; i <= kJobsPerBatch; ++i) {
            const qint64 id = batchNumber * kJobsPerBatch + i;
            batch.inserts.push_back(storeJob(id));
            batch.events.push_back(storeEvent(id, id));
        }
        // The batch before this one completes in the same commit: in every snapshot exactly the newest
        // batch is pending, so a reader would notice an update without its inserts or the reverse.
        if (batchNumber > 0) {
            for (qint64 i = 1; i <= kJobsPerBatch; ++i)
                batch.updates.push_back(storeJob((batchNumber - 1) * kJobsPerBatch + i, JobState::completed));
        }
        if (const VoidResult done = writer->commit(batch); !done)
            writeError = done.error();
    }
    writerDone.store(true);
    for (std::thread &reader : readers)
        reader.join();

    EXPECT_TRUE(writeError.isEmpty()) << writeError.toStdString();
    EXPECT_TRUE(problems.all().isEmpty()) << problems.all().join(u'\n').toStdString();
    EXPECT_GT(reads.load(), kReaders);
}

}  // namespace
}  // namespace nd
