// JobStore: writing batches, reading jobs back field by field, every query filter and paging in both
// orders, the event log, and that a reopened file holds everything.
#include <gtest/gtest.h>

#include <QTemporaryDir>

#include <sys/resource.h>

#include <csignal>

#include "StoreTestUtil.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd {
namespace {

using test::openStore;
using test::storeEvent;
using test::storeJob;

// A job with every persisted field set to something other than its default.
Job everyFieldJob(qint64 id) {
    Job job = storeJob(id, JobState::completed);
    job.arrayJobId = id - 2;
    job.arrayTaskId = 2;
    JobSpec &spec = job.spec;
    spec.name = QStringLiteral("train ünïcode [1]");
    spec.argv = {QStringLiteral("python"), QStringLiteral("train.py"), QStringLiteral("--lr=3e-4")};
    spec.workdir = QStringLiteral("/home/me/project");
    spec.env = {{QStringLiteral("A"), QStringLiteral("1")},
                {QStringLiteral("B"), QStringLiteral("two words")}};
    spec.gpus = 2;
    spec.gpuMemMib = 20000;
    spec.cpus = 8;
    spec.memMib = 65536;
    spec.gpuIndices = {1, 3};
    spec.priority = -5;
    spec.timeLimitSec = 7200;
    spec.dependencies = {{Dependency::Kind::afterOk, 3, -1}, {Dependency::Kind::afterAny, 4, 2}};
    spec.array = parseArraySpec(QStringLiteral("0-4%2")).value();
    spec.hold = true;
    spec.maxRetries = 3;
    spec.tags = {QStringLiteral("exp,1"), QStringLiteral("baseline")};
    spec.stdoutPath = QStringLiteral("logs/%A_%a.out");
    spec.stderrPath = QStringLiteral("logs/%A_%a.err");
    spec.beginTimeMs = 1'700'000'000'000;
    job.reason = PendingReason::none;
    job.held = true;
    job.submitTimeMs = 1'700'000'000'001;
    job.startTimeMs = 1'700'000'000'500;
    job.endTimeMs = 1'700'000'100'000;
    job.exitCode = 3;
    job.termSignal = 9;
    job.message = QStringLiteral("killed: out of memory");
    job.allocatedGpus = {1, 3};
    job.allocatedGpuMemMib = 1234;
    job.process = ProcessIdentity{4242, 987654321, QStringLiteral("0b8f6c3e-1111-2222-3333-444455556666")};
    job.childPid = 4243;
    job.retries = 2;
    job.stdoutFile = QStringLiteral("/home/me/project/logs/10_2.out");
    job.stderrFile = QStringLiteral("/home/me/project/logs/10_2.err");
    job.accounting = JobAccounting{123456, 7890123, 12.75, 40960, 3456.5};
    return job;
}

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_store = openStore(path());
        ASSERT_TRUE(m_store);
    }
    QString path() const { return m_dir.filePath(QStringLiteral("jobs.db")); }

    void insert(std::vector<Job> jobs) {
        StoreBatch batch;
        batch.inserts = std::move(jobs);
        const VoidResult done = m_store->commit(batch);
        ASSERT_TRUE(done) << done.error().toStdString();
    }
    void update(const Job &job) {
        StoreBatch batch;
        batch.updates = {job};
        const VoidResult done = m_store->commit(batch);
        ASSERT_TRUE(done) << done.error().toStdString();
    }
    Job found(qint64 id) {
        const Result<std::optional<Job>> job = m_store->find(id);
        EXPECT_TRUE(job) << job.error().toStdString();
        EXPECT_TRUE(job && job->has_value()) << "no job " << id;
        return job && job->has_value() ? **job : Job{};
    }
    std::vector<qint64> ids(const JobQuery &query, qint64 *total = nullptr) {
        const Result<JobPage> page = m_store->query(query);
        EXPECT_TRUE(page) << page.error().toStdString();
        std::vector<qint64> result;
        if (!page)
            return result;
        for (const Job &job : page->jobs)
            result.push_back(job.id);
        if (total != nullptr)
            *total = page->total;
        return result;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<JobStore> m_store;
};

TEST_F(StoreTest, AFreshStoreIsEmpty) {
    EXPECT_EQ(m_store->version(), JobStore::schemaVersion);
    EXPECT_EQ(m_store->path(), path());
    EXPECT_EQ(*m_store->maxJobId(), 0);
    EXPECT_EQ(*m_store->maxEventSeq(), 0);
    EXPECT_EQ(*m_store->minEventSeq(), 0);
    EXPECT_TRUE(m_store->loadActive()->empty());
    EXPECT_TRUE(m_store->loadStateIndex()->empty());
    EXPECT_FALSE(m_store->find(1)->has_value());
    EXPECT_TRUE(m_store->eventsAfter(0, 10)->empty());
    EXPECT_EQ(m_store->query(JobQuery{})->total, 0);
    EXPECT_TRUE(m_store->commit(StoreBatch{}));  // nothing to do is not an error
}

TEST_F(StoreTest, EveryJobFieldRoundTrips) {
    const Job full = everyFieldJob(10);
    Job plain = storeJob(11);  // defaults everywhere, stderr the same file as stdout
    Job emptyStderr = storeJob(12);
    emptyStderr.stderrFile.clear();
    Job script = storeJob(13, JobState::running);
    script.spec.argv.clear();
    script.spec.script = QStringLiteral("#!/bin/bash\n#SBATCH --gpus=1\necho \"hi\" > out\n");
    script.spec.name.clear();
    script.stdoutFile.clear();
    script.stderrFile = QStringLiteral("/only/stderr");
    script.expectedStartMs = 99;  // not persisted
    insert({full, plain, emptyStderr, script});

    test::expectSameJob(found(10), full);
    test::expectSameJob(found(11), plain);
    test::expectSameJob(found(12), emptyStderr);
    test::expectSameJob(found(13), script);
    EXPECT_EQ(found(13).expectedStartMs, 0);
}

// jobSpecToJson leaves out fields at their default, so the stored spec relies on these values. Changing a
// default needs a migration writing the old value into the rows that left it out (StoreRows.h).
TEST_F(StoreTest, JobSpecDefaultsArePartOfTheSchema) {
    const JobSpec defaults;
    EXPECT_EQ(defaults.cpus, 1);
    EXPECT_EQ(defaults.gpus, 0);
    EXPECT_EQ(defaults.gpuMemMib, 0);
    EXPECT_EQ(defaults.memMib, 0);
    EXPECT_EQ(defaults.priority, 0);
    EXPECT_EQ(defaults.timeLimitSec, 0);
    EXPECT_FALSE(defaults.hold);
    EXPECT_EQ(defaults.maxRetries, 0);
    EXPECT_EQ(defaults.beginTimeMs, 0);
    EXPECT_FALSE(defaults.array.has_value());
    EXPECT_TRUE(defaults.name.isEmpty() && defaults.argv.isEmpty() && defaults.script.isEmpty());
    EXPECT_TRUE(defaults.workdir.isEmpty() && defaults.env.isEmpty() && defaults.gpuIndices.isEmpty());
    EXPECT_TRUE(defaults.dependencies.isEmpty() && defaults.tags.isEmpty());
    EXPECT_TRUE(defaults.stdoutPath.isEmpty() && defaults.stderrPath.isEmpty());

    insert({storeJob(1)});
    test::RawDb raw(path());
    EXPECT_EQ(raw.text("SELECT spec_json FROM jobs WHERE id = 1"),
              QStringLiteral(R"({"argv":["true"],"workdir":"/tmp"})"));
}

TEST_F(StoreTest, UpdatesReplaceTheWholeRow) {
    insert({storeJob(1), storeJob(2)});
    Job running = storeJob(1, JobState::running);
    running.startTimeMs = 5000;
    running.allocatedGpus = {0};
    running.process = ProcessIdentity{100, 200, QStringLiteral("boot")};
    running.childPid = 101;
    update(running);
    test::expectSameJob(found(1), running);

    Job done = running;
    done.state = JobState::completed;
    done.endTimeMs = 9000;
    done.exitCode = 0;
    done.process = {};
    done.childPid = 0;
    done.accounting.cpuTimeMs = 42;
    update(done);
    test::expectSameJob(found(1), done);
    test::expectSameJob(found(2), storeJob(2));
}

TEST_F(StoreTest, AFailedBatchLeavesNothingBehindAndSaysWhatFailed) {
    insert({storeJob(1)});
    StoreBatch batch;
    batch.inserts = {storeJob(2)};
    batch.updates = {storeJob(99)};
    batch.events = {storeEvent(1, 2)};
    VoidResult done = m_store->commit(batch);
    ASSERT_FALSE(done);
    EXPECT_TRUE(done.error().contains(path())) << done.error().toStdString();
    EXPECT_TRUE(done.error().contains(QStringLiteral("updating job 99"))) << done.error().toStdString();
    EXPECT_FALSE(m_store->find(2)->has_value());
    EXPECT_EQ(*m_store->maxEventSeq(), 0);

    batch = StoreBatch{};
    batch.inserts = {storeJob(3), storeJob(1)};  // 1 exists
    done = m_store->commit(batch);
    ASSERT_FALSE(done);
    EXPECT_TRUE(done.error().contains(QStringLiteral("saving new job 1 failed: there is already a job 1")))
        << done.error().toStdString();
    EXPECT_FALSE(m_store->find(3)->has_value());

    batch = StoreBatch{};
    batch.events = {storeEvent(5, 1), storeEvent(5, 1)};
    done = m_store->commit(batch);
    ASSERT_FALSE(done);
    EXPECT_TRUE(done.error().contains(QStringLiteral("there is already an event 5")))
        << done.error().toStdString();
    EXPECT_EQ(*m_store->maxEventSeq(), 0);

    // The store is still usable after each failure.
    insert({storeJob(4)});
    EXPECT_EQ(*m_store->maxJobId(), 4);
}

TEST_F(StoreTest, LoadActiveAndTheStateIndex) {
    Job task1 = storeJob(1, JobState::running);
    task1.arrayJobId = 1;
    task1.arrayTaskId = 0;
    Job task2 = storeJob(2, JobState::completed);
    task2.arrayJobId = 1;
    task2.arrayTaskId = 1;
    insert({storeJob(5, JobState::pending), task2, storeJob(3, JobState::failed), task1, storeJob(4)});

    const std::vector<Job> active = *m_store->loadActive();
    ASSERT_EQ(active.size(), 3u);
    EXPECT_EQ(active[0].id, 1);
    EXPECT_EQ(active[1].id, 4);
    EXPECT_EQ(active[2].id, 5);
    test::expectSameJob(active[0], task1);

    const std::vector<JobStateEntry> index = *m_store->loadStateIndex();
    ASSERT_EQ(index.size(), 5u);
    EXPECT_EQ(index[1].id, 2);
    EXPECT_EQ(index[1].arrayJobId, 1);
    EXPECT_EQ(index[1].arrayTaskId, 1);
    EXPECT_EQ(index[0].arrayTaskId, 0);
    EXPECT_EQ(index[2].arrayTaskId, -1);
    EXPECT_EQ(index[1].state, JobState::completed);
    EXPECT_EQ(index[2].state, JobState::failed);
    EXPECT_EQ(*m_store->maxJobId(), 5);
}

TEST_F(StoreTest, QueryFiltersByStateIdsNameAndTag) {
    std::vector<Job> jobs;
    for (qint64 id = 1; id <= 8; ++id)
        jobs.push_back(storeJob(id, id % 2 == 0 ? JobState::completed : JobState::pending));
    jobs[0].spec.name = QStringLiteral("train-a");
    jobs[1].spec.name = QStringLiteral("train-b");
    jobs[2].spec.name = QStringLiteral("eval");
    jobs[3].spec.name = QStringLiteral("train[1]");
    jobs[4].arrayJobId = 5;  // array 5: tasks 5, 6, 7
    jobs[5].arrayJobId = 5;
    jobs[6].arrayJobId = 5;
    jobs[0].spec.tags = {QStringLiteral("sweep"), QStringLiteral("a,b")};
    jobs[5].spec.tags = {QStringLiteral("sweep")};
    jobs[7].spec.tags = {QStringLiteral("sweeps"), QStringLiteral("%")};
    insert(jobs);

    JobQuery query;
    query.states = {JobState::pending};
    EXPECT_EQ(ids(query), (std::vector<qint64>{1, 3, 5, 7}));
    query.states = {JobState::completed, JobState::failed};
    EXPECT_EQ(ids(query), (std::vector<qint64>{2, 4, 6, 8}));

    query = JobQuery{};
    query.ids = {2, 5};
    EXPECT_EQ(ids(query), (std::vector<qint64>{2, 5, 6, 7})) << "an array job id matches its tasks";
    query.ids = {6, 100};
    EXPECT_EQ(ids(query), (std::vector<qint64>{6}));

    query = JobQuery{};
    query.name = QStringLiteral("eval");
    EXPECT_EQ(ids(query), (std::vector<qint64>{3}));
    query.name = QStringLiteral("train-*");
    EXPECT_EQ(ids(query), (std::vector<qint64>{1, 2}));
    query.name = QStringLiteral("train?a");
    EXPECT_EQ(ids(query), (std::vector<qint64>{1}));
    query.name = QStringLiteral("train[1]");
    EXPECT_EQ(ids(query), (std::vector<qint64>{4})) << "brackets are literal, exact name";
    query.name = QStringLiteral("train[1*");
    EXPECT_EQ(ids(query), (std::vector<qint64>{4})) << "brackets are literal in a pattern too";
    query.name = QStringLiteral("Train*");
    EXPECT_TRUE(ids(query).empty()) << "names are case-sensitive, as Slurm's";

    query = JobQuery{};
    query.tag = QStringLiteral("sweep");
    EXPECT_EQ(ids(query), (std::vector<qint64>{1, 6}));
    query.tag = QStringLiteral("a,b");
    EXPECT_EQ(ids(query), (std::vector<qint64>{1}));
    query.tag = QStringLiteral("%");
    EXPECT_EQ(ids(query), (std::vector<qint64>{8}));

    query = JobQuery{};
    query.states = {JobState::pending};
    query.tag = QStringLiteral("sweep");
    query.name = QStringLiteral("train*");
    EXPECT_EQ(ids(query), (std::vector<qint64>{1}));
}

TEST_F(StoreTest, QueryFiltersBySubmitAndEndTime) {
    std::vector<Job> jobs;
    for (qint64 id = 1; id <= 6; ++id) {
        Job job = storeJob(id, id <= 4 ? JobState::completed : JobState::running);
        job.endTimeMs = id <= 4 ? 10'000 + id * 100 : 0;
        jobs.push_back(job);
    }
    insert(jobs);

    JobQuery query;
    query.submittedAfterMs = 2000;
    query.submittedBeforeMs = 4000;
    EXPECT_EQ(ids(query), (std::vector<qint64>{2, 3, 4})) << "bounds are inclusive";
    query = JobQuery{};
    query.submittedAfterMs = 5000;
    EXPECT_EQ(ids(query), (std::vector<qint64>{5, 6}));
    query = JobQuery{};
    query.endedAfterMs = 10'200;
    EXPECT_EQ(ids(query), (std::vector<qint64>{2, 3, 4}));
    query = JobQuery{};
    query.endedBeforeMs = 10'300;
    EXPECT_EQ(ids(query), (std::vector<qint64>{1, 2, 3})) << "running jobs have not ended before anything";
    query.endedAfterMs = 10'300;
    EXPECT_EQ(ids(query), (std::vector<qint64>{3}));
}

TEST_F(StoreTest, KeysetPagingWalksEveryMatchInBothOrders) {
    std::vector<Job> jobs;
    for (qint64 id = 1; id <= 25; ++id)
        jobs.push_back(storeJob(id, id % 5 == 0 ? JobState::failed : JobState::completed));
    insert(jobs);

    for (const JobQuery::Order order : {JobQuery::Order::idAscending, JobQuery::Order::idDescending}) {
        JobQuery query;
        query.states = {JobState::completed};
        query.order = order;
        query.limit = 7;
        std::vector<qint64> seen;
        int pages = 0;
        for (;;) {
            const Result<JobPage> page = m_store->query(query);
            ASSERT_TRUE(page) << page.error().toStdString();
            EXPECT_EQ(page->total, 20) << "the total ignores paging";
            for (const Job &job : page->jobs)
                seen.push_back(job.id);
            ++pages;
            if (page->nextAfterId == 0)
                break;
            EXPECT_EQ(page->nextAfterId, page->jobs.back().id);
            query.afterId = page->nextAfterId;
        }
        EXPECT_EQ(pages, 3);
        std::vector<qint64> expected;
        for (qint64 id = 1; id <= 25; ++id) {
            if (id % 5 != 0)
                expected.push_back(id);
        }
        if (order == JobQuery::Order::idDescending)
            std::reverse(expected.begin(), expected.end());
        EXPECT_EQ(seen, expected);
    }

    JobQuery exact;
    exact.limit = 25;
    const Result<JobPage> page = m_store->query(exact);
    EXPECT_EQ(page->jobs.size(), 25u);
    EXPECT_EQ(page->nextAfterId, 0) << "a page that holds the last match says there is no more";
}

TEST_F(StoreTest, QueryRefusesBadArguments) {
    JobQuery query;
    query.limit = 0;
    Result<JobPage> page = m_store->query(query);
    ASSERT_FALSE(page);
    EXPECT_TRUE(page.error().contains(QStringLiteral("limit must be between 1 and 10000")))
        << page.error().toStdString();
    query.limit = 10001;
    EXPECT_FALSE(m_store->query(query));
    query.limit = 10;
    query.endedAfterMs = -1;
    page = m_store->query(query);
    ASSERT_FALSE(page);
    EXPECT_TRUE(page.error().contains(QStringLiteral("ended_after"))) << page.error().toStdString();
}

TEST_F(StoreTest, TagsFollowUpdates) {
    Job job = storeJob(1);
    job.spec.tags = {QStringLiteral("old")};
    insert({job});
    job.spec.tags = {QStringLiteral("new"), QStringLiteral("new")};  // a repeated tag is stored once
    update(job);
    JobQuery query;
    query.tag = QStringLiteral("old");
    EXPECT_TRUE(ids(query).empty());
    query.tag = QStringLiteral("new");
    EXPECT_EQ(ids(query), (std::vector<qint64>{1}));
    EXPECT_EQ(found(1).spec.tags, job.spec.tags);
}

TEST_F(StoreTest, EventsAfterMinAndPrune) {
    insert({storeJob(1)});
    StoreBatch batch;
    for (qint64 seq = 1; seq <= 10; ++seq)
        batch.events.push_back(
            storeEvent(seq, 1, seq == 1 ? QStringLiteral("submitted") : QStringLiteral("updated")));
    batch.events[3].payload = QByteArray("\0\x01\xff binary", 10);
    batch.events[4].payload.clear();
    ASSERT_TRUE(m_store->commit(batch));

    const std::vector<JobEventRecord> first = *m_store->eventsAfter(0, 3);
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[0].seq, 1);
    EXPECT_EQ(first[0].timeMs, 10);
    EXPECT_EQ(first[0].jobId, 1);
    EXPECT_EQ(first[0].type, QStringLiteral("submitted"));
    EXPECT_EQ(first[0].payload, QByteArray(R"({"seq":1})"));
    const std::vector<JobEventRecord> rest = *m_store->eventsAfter(3, 100);
    ASSERT_EQ(rest.size(), 7u);
    EXPECT_EQ(rest[0].seq, 4);
    EXPECT_EQ(rest[0].payload, QByteArray("\0\x01\xff binary", 10));
    EXPECT_TRUE(rest[1].payload.isEmpty());
    EXPECT_EQ(rest.back().seq, 10);
    EXPECT_TRUE(m_store->eventsAfter(10, 5)->empty());
    EXPECT_FALSE(m_store->eventsAfter(0, 0));
    EXPECT_EQ(*m_store->minEventSeq(), 1);
    EXPECT_EQ(*m_store->maxEventSeq(), 10);

    ASSERT_TRUE(m_store->pruneEvents(20));  // fewer than that: nothing goes
    EXPECT_EQ(*m_store->minEventSeq(), 1);
    ASSERT_TRUE(m_store->pruneEvents(4));
    EXPECT_EQ(*m_store->minEventSeq(), 7);
    EXPECT_EQ(m_store->eventsAfter(0, 100)->size(), 4u);
    ASSERT_TRUE(m_store->pruneEvents(0));
    EXPECT_EQ(*m_store->minEventSeq(), 0);
    EXPECT_EQ(*m_store->maxEventSeq(), 0);
    EXPECT_FALSE(m_store->pruneEvents(-1));
}

TEST_F(StoreTest, AReopenedStoreHoldsEverything) {
    const Job full = everyFieldJob(10);
    StoreBatch batch;
    batch.inserts = {storeJob(9), full};
    batch.events = {storeEvent(1, 9), storeEvent(2, 10)};
    ASSERT_TRUE(m_store->commit(batch));
    m_store.reset();

    m_store = openStore(path());
    ASSERT_TRUE(m_store);
    test::expectSameJob(found(10), full);
    test::expectSameJob(found(9), storeJob(9));
    EXPECT_EQ(*m_store->maxJobId(), 10);
    EXPECT_EQ(*m_store->maxEventSeq(), 2);
    EXPECT_EQ(m_store->eventsAfter(0, 10)->size(), 2u);
    JobQuery query;
    query.tag = QStringLiteral("baseline");
    EXPECT_EQ(ids(query), (std::vector<qint64>{10}));
}

TEST_F(StoreTest, AReaderReadsButDoesNotWrite) {
    insert({storeJob(1)});
    const std::unique_ptr<JobStore> reader = openStore(path(), JobStore::Mode::readOnly);
    ASSERT_TRUE(reader);
    test::expectSameJob(**reader->find(1), storeJob(1));
    insert({storeJob(2)});
    EXPECT_EQ(*reader->maxJobId(), 2) << "a reader sees each commit";

    StoreBatch batch;
    batch.inserts = {storeJob(3)};
    const VoidResult done = reader->commit(batch);
    ASSERT_FALSE(done);
    EXPECT_TRUE(done.error().contains(QStringLiteral("read-only"))) << done.error().toStdString();
    EXPECT_FALSE(reader->pruneEvents(1));
}

TEST_F(StoreTest, ARowTheStoreCannotReadIsAnErrorNamingIt) {
    insert({storeJob(1), storeJob(2)});
    {
        test::RawDb raw(path());
        raw.exec("UPDATE jobs SET state = 'exploded' WHERE id = 2");
        raw.exec("UPDATE jobs SET spec_json = '{\"gpus\":\"many\"}' WHERE id = 1");
    }
    Result<std::optional<Job>> job = m_store->find(2);
    ASSERT_FALSE(job);
    EXPECT_TRUE(job.error().contains(path()) && job.error().contains(QStringLiteral("job 2")) &&
                job.error().contains(QStringLiteral("exploded")))
        << job.error().toStdString();
    job = m_store->find(1);
    ASSERT_FALSE(job);
    EXPECT_TRUE(job.error().contains(QStringLiteral("gpus"))) << job.error().toStdString();
    EXPECT_FALSE(m_store->loadStateIndex());
}

// A write that finds no room (here: the file size limit, which fails writes the way a full disk does) is
// an error naming the file; nothing of the batch is kept and the store goes on working once there is room.
TEST_F(StoreTest, AFullDiskIsAnErrorNotACrash) {
    insert({storeJob(1)});
    Job big = storeJob(2);
    big.message = QString(qsizetype{4} * 1024 * 1024, u'x');

    struct rlimit previous {};
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &previous), 0);
    const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = previous;
    limited.rlim_cur = rlim_t{1024} * 1024;
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
    StoreBatch batch;
    batch.inserts = {big};
    const VoidResult done = m_store->commit(batch);
    setrlimit(RLIMIT_FSIZE, &previous);
    std::signal(SIGXFSZ, previousHandler);

    ASSERT_FALSE(done);
    EXPECT_TRUE(done.error().contains(path())) << done.error().toStdString();
    EXPECT_TRUE(done.error().contains(QStringLiteral("free some disk space"))) << done.error().toStdString();
    EXPECT_FALSE(m_store->find(2)->has_value());
    insert({storeJob(3)});
    m_store.reset();
    m_store = openStore(path());
    ASSERT_TRUE(m_store);
    EXPECT_FALSE(m_store->find(2)->has_value());
    EXPECT_TRUE(m_store->find(3)->has_value());
}

}  // namespace
}  // namespace nd
