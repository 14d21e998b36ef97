// JobStore::historyTotals (GET /api/history/totals): sums over every matching job, not a page; the same
// filters as query(); wall time only for jobs that started; tokens from the workers' last progress.
#include <gtest/gtest.h>

#include "StoreTestUtil.h"

namespace nd {
namespace {

using test::storeJob;

Job finished(qint64 id, JobState state, double gpuSeconds, qint64 completionTokens = 0) {
    Job job = storeJob(id, state);
    job.startTimeMs = id * 1000 + 100;
    job.endTimeMs = id * 1000 + 600;  // 500 ms of wall time each
    job.accounting.cpuTimeMs = 40;
    job.accounting.gpuSeconds = gpuSeconds;
    job.accounting.gpuEnergyJ = 2 * gpuSeconds;
    if (completionTokens > 0)
        job.progress = QJsonObject{{QStringLiteral("completion_tokens"), completionTokens},
                                   {QStringLiteral("prompt_tokens"), 10}};
    return job;
}

class HistoryTotalsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_store = test::openStore(m_dir.filePath(QStringLiteral("jobs.db")));
        ASSERT_TRUE(m_store);
        StoreBatch batch;
        for (qint64 id = 1; id <= 30; ++id)  // 30 completed model jobs: more than one page of 10
            batch.inserts.push_back(finished(id, JobState::completed, 1.5, 100));
        batch.inserts.push_back(finished(31, JobState::failed, 3));
        Job tagged = finished(32, JobState::failed, 0);
        tagged.spec.tags = {QStringLiteral("sweep")};
        batch.inserts.push_back(tagged);
        Job neverStarted = storeJob(33, JobState::cancelled);
        neverStarted.endTimeMs = 33'500;
        batch.inserts.push_back(neverStarted);
        batch.inserts.push_back(storeJob(34, JobState::pending));
        ASSERT_TRUE(m_store->commit(batch).ok());
    }

    HistoryTotals totals(const JobQuery &query) {
        Result<HistoryTotals> result = m_store->historyTotals(query);
        EXPECT_TRUE(result.ok()) << result.error().toStdString();
        return result.ok() ? result.value() : HistoryTotals{};
    }

    static JobQuery finishedJobs() {
        JobQuery query;
        query.states = {JobState::completed, JobState::failed, JobState::cancelled, JobState::timeout,
                        JobState::nodeFail};
        query.limit = 10;    // ignored: totals are over every match
        query.afterId = 20;  // ignored too
        return query;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<JobStore> m_store;
};

TEST_F(HistoryTotalsTest, SumsEveryMatchingJobNotAPage) {
    const HistoryTotals all = totals(finishedJobs());
    EXPECT_EQ(all.jobs, 33);
    EXPECT_DOUBLE_EQ(all.gpuSeconds, 30 * 1.5 + 3);
    EXPECT_DOUBLE_EQ(all.gpuEnergyJ, 2 * (30 * 1.5 + 3));
    EXPECT_EQ(all.cpuTimeMs, 32 * 40);
    EXPECT_EQ(all.wallMs, 32 * 500);  // the job cancelled before it started adds no wall time
    EXPECT_EQ(all.tokens, 30 * 100);
    EXPECT_EQ(all.promptTokens, 30 * 10);
    const QList<QPair<QString, qint64>> byState{
        {QStringLiteral("cancelled"), 1}, {QStringLiteral("completed"), 30}, {QStringLiteral("failed"), 2}};
    EXPECT_EQ(all.byState, byState);
}

TEST_F(HistoryTotalsTest, AppliesTheListFilters) {
    JobQuery failed = finishedJobs();
    failed.states = {JobState::failed};
    EXPECT_EQ(totals(failed).jobs, 2);
    EXPECT_DOUBLE_EQ(totals(failed).gpuSeconds, 3);

    JobQuery tagged = finishedJobs();
    tagged.tag = QStringLiteral("sweep");
    EXPECT_EQ(totals(tagged).jobs, 1);

    JobQuery named = finishedJobs();
    named.name = QStringLiteral("job1?");  // job10 … job19
    EXPECT_EQ(totals(named).jobs, 10);
    EXPECT_EQ(totals(named).tokens, 1000);

    JobQuery window = finishedJobs();
    window.endedAfterMs = 31'000;
    window.endedBeforeMs = 32'999;
    const HistoryTotals inWindow = totals(window);
    EXPECT_EQ(inWindow.jobs, 2);  // jobs 31 and 32
    EXPECT_EQ(inWindow.tokens, 0);
}

TEST_F(HistoryTotalsTest, NothingMatchingIsZeroNotAnError) {
    JobQuery none = finishedJobs();
    none.name = QStringLiteral("no-such-job");
    const HistoryTotals empty = totals(none);
    EXPECT_EQ(empty.jobs, 0);
    EXPECT_EQ(empty.wallMs, 0);
    EXPECT_TRUE(empty.byState.isEmpty());
}

TEST_F(HistoryTotalsTest, RefusesANegativeBound) {
    JobQuery bad = finishedJobs();
    bad.endedAfterMs = -1;
    const Result<HistoryTotals> result = m_store->historyTotals(bad);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().indexOf(QStringLiteral("ended_after")), -1) << result.error().toStdString();
}

}  // namespace
}  // namespace nd
