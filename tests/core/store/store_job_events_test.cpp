// JobEventReader: one job's events from the store, oldest first, over a read-only connection, and their
// JSON for GET /api/jobs/{id}/events.
#include <gtest/gtest.h>

#include <QJsonObject>

#include "StoreTestUtil.h"
#include "core/store/JobEvents.h"

namespace nd {
namespace {

JobEventRecord eventWithState(qint64 seq, qint64 jobId, const QString &type, const QString &state) {
    JobEventRecord event = test::storeEvent(seq, jobId, type);
    event.payload = QStringLiteral(R"({"seq":%1,"type":"%2","job":{"id":%3,"state":"%4"}})")
                        .arg(seq)
                        .arg(type)
                        .arg(jobId)
                        .arg(state)
                        .toUtf8();
    return event;
}

TEST(StoreJobEvents, OnlyThatJobsEventsOldestFirst) {
    const std::unique_ptr<QTemporaryDir> dir = test::memoryTemporaryDir();
    const QString path = dir->filePath(QStringLiteral("nemodesk.db"));
    std::unique_ptr<JobStore> store = test::openStore(path);
    ASSERT_TRUE(store);
    StoreBatch batch;
    batch.inserts = {test::storeJob(1), test::storeJob(2)};
    batch.events = {eventWithState(1, 1, QStringLiteral("submitted"), QStringLiteral("pending")),
                    eventWithState(2, 2, QStringLiteral("submitted"), QStringLiteral("pending")),
                    eventWithState(3, 1, QStringLiteral("started"), QStringLiteral("running")),
                    eventWithState(4, 2, QStringLiteral("cancelled"), QStringLiteral("cancelled")),
                    eventWithState(5, 1, QStringLiteral("ended"), QStringLiteral("completed"))};
    ASSERT_TRUE(store->commit(batch));

    Result<std::unique_ptr<JobEventReader>> reader = JobEventReader::open(path);
    ASSERT_TRUE(reader) << reader.error().toStdString();
    const Result<std::vector<JobEventRecord>> events = reader.value()->eventsOf(1, 100);
    ASSERT_TRUE(events) << events.error().toStdString();
    ASSERT_EQ(events->size(), 3u);
    EXPECT_EQ(events->at(0).seq, 1);
    EXPECT_EQ(events->at(1).type, QStringLiteral("started"));
    EXPECT_EQ(events->at(2).timeMs, 50);

    const QJsonArray json = jobEventsToJson(events.value());
    ASSERT_EQ(json.size(), 3);
    const QJsonObject last = json.at(2).toObject();
    EXPECT_EQ(last.value(QStringLiteral("seq")).toInteger(), 5);
    EXPECT_EQ(last.value(QStringLiteral("type")).toString(), QStringLiteral("ended"));
    EXPECT_EQ(last.value(QStringLiteral("time_ms")).toInteger(), 50);
    EXPECT_EQ(last.value(QStringLiteral("state")).toString(), QStringLiteral("completed"));

    // Events committed after the reader opened are seen (WAL: each read is a fresh snapshot).
    StoreBatch later;
    later.events = {eventWithState(6, 1, QStringLiteral("requeued"), QStringLiteral("pending"))};
    ASSERT_TRUE(store->commit(later));
    EXPECT_EQ(reader.value()->eventsOf(1, 100)->size(), 4u);
    EXPECT_EQ(reader.value()->eventsOf(1, 2)->size(), 2u);
    EXPECT_TRUE(reader.value()->eventsOf(3, 100)->empty());
}

TEST(StoreJobEvents, ABadLimitOrAMissingFileIsAnErrorNamingIt) {
    const std::unique_ptr<QTemporaryDir> dir = test::memoryTemporaryDir();
    const QString path = dir->filePath(QStringLiteral("nemodesk.db"));
    const Result<std::unique_ptr<JobEventReader>> missing = JobEventReader::open(path);
    ASSERT_FALSE(missing);
    EXPECT_TRUE(missing.error().contains(path)) << missing.error().toStdString();

    ASSERT_TRUE(test::openStore(path));
    Result<std::unique_ptr<JobEventReader>> reader = JobEventReader::open(path);
    ASSERT_TRUE(reader) << reader.error().toStdString();
    const Result<std::vector<JobEventRecord>> bad = reader.value()->eventsOf(1, 0);
    ASSERT_FALSE(bad);
    EXPECT_TRUE(bad.error().contains(QStringLiteral("limit"))) << bad.error().toStdString();
}

}  // namespace
}  // namespace nd
