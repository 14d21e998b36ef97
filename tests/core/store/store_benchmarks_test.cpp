// Schema 2: the benchmarks table. A schema-1 file migrates to 2 keeping its jobs; results are stored with
// their key numbers in columns (NULL when absent) and read back newest first, by model, with a limit.
#include <gtest/gtest.h>

#include <QJsonObject>
#include <QTemporaryDir>

#include "StoreTestUtil.h"
#include "core/store/StoreSchema.h"

namespace nd {
namespace {

using test::openStore;
using test::RawDb;
using test::storeJob;

QJsonObject result(const char *model, double decodeTps) {
    return QJsonObject{
        {QStringLiteral("model"), QString::fromUtf8(model)},
        {QStringLiteral("model_path"), QStringLiteral("/m/%1.gguf").arg(QString::fromUtf8(model))},
        {QStringLiteral("device"), QStringLiteral("cpu")},
        {QStringLiteral("prompt_tps"), 100.5},
        {QStringLiteral("decode_tps"), decodeTps},
        {QStringLiteral("peak_memory_bytes"), 123456789.0},
        {QStringLiteral("job_id"), 7}};
}

TEST(StoreBenchmarks, ASchema1FileMigratesAndKeepsItsJobs) {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("jobs.db"));
    {
        const std::unique_ptr<JobStore> current = openStore(path);
        ASSERT_TRUE(current);
        StoreBatch batch;
        batch.inserts = {storeJob(1)};
        ASSERT_TRUE(current->commit(batch));
    }
    {
        // Back to what schema 1 wrote: the same job, without what later versions added.
        RawDb raw(path);
        raw.exec(
            "ALTER TABLE jobs DROP COLUMN progress_json; DROP TABLE benchmarks; PRAGMA user_version = 1;");
    }
    const std::unique_ptr<JobStore> store = openStore(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(store->version(), JobStore::schemaVersion);
    test::expectSameJob(**store->find(1), storeJob(1));
    const Result<qint64> id = store->addBenchmark(result("tiny", 50), 1000);
    ASSERT_TRUE(id) << id.error().toStdString();
    RawDb raw(path);
    EXPECT_EQ(raw.integer("PRAGMA user_version"), JobStore::schemaVersion);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'benchmarks_model'"), 1);
    EXPECT_EQ(raw.text("SELECT progress_json FROM jobs WHERE id = 1"), QStringLiteral("{}"));
}

TEST(StoreBenchmarks, ResultsAreKeptWholeAndListedNewestFirstByModel) {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("jobs.db"));
    const std::unique_ptr<JobStore> store = openStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->addBenchmark(result("a", 10), 1000));
    ASSERT_TRUE(store->addBenchmark(result("b", 20), 2000));
    QJsonObject noEnergy = result("a", 30);
    noEnergy.insert(QStringLiteral("extra"), QStringLiteral("kept"));
    ASSERT_TRUE(store->addBenchmark(noEnergy, 3000));
    EXPECT_FALSE(store->addBenchmark(QJsonObject{{QStringLiteral("decode_tps"), 1}}, 1))
        << "model is required";

    const Result<std::vector<QJsonObject>> all = store->benchmarks({}, 10);
    ASSERT_TRUE(all) << all.error().toStdString();
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[0].value(QStringLiteral("decode_tps")).toDouble(), 30);
    EXPECT_EQ((*all)[0].value(QStringLiteral("extra")).toString(), QStringLiteral("kept"));
    EXPECT_EQ((*all)[0].value(QStringLiteral("time_ms")).toInteger(), 3000);
    EXPECT_GT((*all)[0].value(QStringLiteral("id")).toInteger(), 0);

    const Result<std::vector<QJsonObject>> onlyA = store->benchmarks(QStringLiteral("a"), 1);
    ASSERT_TRUE(onlyA);
    ASSERT_EQ(onlyA->size(), 1u);
    EXPECT_EQ((*onlyA)[0].value(QStringLiteral("decode_tps")).toDouble(), 30);

    RawDb raw(path);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM benchmarks WHERE energy_j_per_token IS NULL"), 3);
    EXPECT_EQ(raw.integer("SELECT job_id FROM benchmarks WHERE model = 'b'"), 7);
}

}  // namespace
}  // namespace nd
