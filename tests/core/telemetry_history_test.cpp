// TelemetryHistory and its route: downsampling math, tier choice, pruning, persistence across a restart,
// an unusable telemetry.db moved aside, and GET /api/telemetry/history.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <sqlite3.h>

#include "core/daemon/TelemetryRoutes.h"
#include "core/store/JobStore.h"
#include "core/telemetry/TelemetryHistory.h"
#include "core/telemetry/TelemetrySnapshot.h"

namespace nd {
namespace {

constexpr qint64 s = 1000;
constexpr qint64 h = 3600 * s;
constexpr qint64 t0 = 1'700'000'400'000;  // a whole multiple of 10 min

TelemetryHistory::Options optionsIn(const QTemporaryDir &dir) {
    TelemetryHistory::Options o;
    o.file = dir.filePath(QStringLiteral("telemetry.db"));
    return o;
}

std::unique_ptr<TelemetryHistory> openIn(const QTemporaryDir &dir, QString *notice = nullptr) {
    Result<std::unique_ptr<TelemetryHistory>> opened = TelemetryHistory::open(optionsIn(dir), notice);
    EXPECT_TRUE(opened.ok()) << qPrintable(opened.error());
    return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST(TelemetryTier, ChoosesTheFinestTierThatHoldsTheStartWithinThePointBudget) {
    const auto tiers = TelemetryHistory::defaultTiers();
    const qint64 now = t0;
    // 5 min and 1 h: the 10 s tier as it is (30 and 360 points).
    EXPECT_EQ(chooseTelemetryTier(tiers, now - 5 * 60 * s, now, now, 1000).tier, 0);
    EXPECT_EQ(chooseTelemetryTier(tiers, now - 5 * 60 * s, now, now, 1000).stepMs, 10 * s);
    EXPECT_EQ(chooseTelemetryTier(tiers, now - h, now, now, 1000).stepMs, 10 * s);
    // 24 h: still the 10 s tier (kept 48 h), re-bucketed to stay under 1000 points.
    const TelemetryTierChoice day = chooseTelemetryTier(tiers, now - 24 * h, now, now, 1000);
    EXPECT_EQ(day.tier, 0);
    EXPECT_EQ(day.stepMs % (10 * s), 0);
    EXPECT_LE(24 * h / day.stepMs + 1, 1000);
    // 7 days: past 48 h, so the 1 min tier.
    const TelemetryTierChoice week = chooseTelemetryTier(tiers, now - 7 * 24 * h, now, now, 1000);
    EXPECT_EQ(week.tier, 1);
    EXPECT_EQ(week.stepMs % (60 * s), 0);
    EXPECT_LE(7 * 24 * h / week.stepMs + 1, 1000);
    // 30 days ago: only the 10 min tier holds it; older than every tier: the coarsest.
    EXPECT_EQ(chooseTelemetryTier(tiers, now - 30 * 24 * h, now, now, 1000).tier, 2);
    EXPECT_EQ(chooseTelemetryTier(tiers, now - 400 * 24 * h, now, now, 1000).tier, 2);
    // A step asked for is rounded up to the tier's.
    EXPECT_EQ(chooseTelemetryTier(tiers, now - h, now, now, 1000, 25 * s).stepMs, 30 * s);
}

TEST(TelemetryHistory, AveragesAndMaximaPerBucketAndCoarserSteps) {
    QTemporaryDir dir;
    auto history = openIn(dir);
    ASSERT_TRUE(history);
    // 1 s samples for 30 s: values 0..29 for "a", a constant 5 for "b".
    for (int i = 0; i < 30; ++i)
        history->add(t0 + i * s, {{QStringLiteral("a"), double(i)}, {QStringLiteral("b"), 5.0}});
    const Result<TelemetryHistory::Answer> answer = history->query(t0, t0 + 30 * s, t0 + 30 * s);
    ASSERT_TRUE(answer.ok()) << qPrintable(answer.error());
    EXPECT_EQ(answer->choice.stepMs, 10 * s);
    const auto &a = answer->series.at(QStringLiteral("a"));
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].startMs, t0);
    EXPECT_DOUBLE_EQ(a[0].avg, 4.5);  // 0..9
    EXPECT_DOUBLE_EQ(a[0].max, 9);
    EXPECT_DOUBLE_EQ(a[0].sum, 45);
    EXPECT_DOUBLE_EQ(a[2].avg, 24.5);
    EXPECT_DOUBLE_EQ(answer->series.at(QStringLiteral("b"))[1].avg, 5);
    // Re-bucketed at 30 s: one point, the average weighted by samples.
    const Result<TelemetryHistory::Answer> coarse = history->query(t0, t0 + 30 * s, t0 + 30 * s, 30 * s);
    ASSERT_TRUE(coarse.ok());
    ASSERT_EQ(coarse->series.at(QStringLiteral("a")).size(), 1u);
    EXPECT_DOUBLE_EQ(coarse->series.at(QStringLiteral("a"))[0].avg, 14.5);
    EXPECT_DOUBLE_EQ(coarse->series.at(QStringLiteral("a"))[0].max, 29);
}

TEST(TelemetryHistory, ABucketSplitAcrossFlushesAndARestartStillAddsUp) {
    QTemporaryDir dir;
    {
        auto history = openIn(dir);
        history->add(t0 + 1 * s, {{QStringLiteral("x"), 2.0}});
        ASSERT_TRUE(history->flush(t0 + 2 * s).ok());
        EXPECT_EQ(history->pendingCount(), 0);  // memory holds only what came since the last flush
        history->add(t0 + 3 * s, {{QStringLiteral("x"), 4.0}});
        history->addMarker(t0 + 3 * s, 7, QStringLiteral("start"));
    }  // closing flushes the rest
    auto history = openIn(dir);
    history->add(t0 + 5 * s, {{QStringLiteral("x"), 9.0}});
    const Result<TelemetryHistory::Answer> answer = history->query(t0, t0 + 10 * s, t0 + 10 * s);
    ASSERT_TRUE(answer.ok());
    const auto &x = answer->series.at(QStringLiteral("x"));
    ASSERT_EQ(x.size(), 1u);
    EXPECT_DOUBLE_EQ(x[0].avg, 5);
    EXPECT_DOUBLE_EQ(x[0].max, 9);
    ASSERT_EQ(answer->markers.size(), 1u);
    EXPECT_EQ(answer->markers[0].jobId, 7);
    EXPECT_EQ(answer->markers[0].kind, QStringLiteral("start"));
}

TEST(TelemetryHistory, PrunesEachTierByItsAge) {
    QTemporaryDir dir;
    TelemetryHistory::Options o = optionsIn(dir);
    o.tiers = {{1 * s, 10 * s}, {5 * s, 60 * s}};
    o.pruneIntervalMs = 0;
    auto history = std::move(TelemetryHistory::open(o)).value();
    for (int i = 0; i < 30; ++i)
        history->add(t0 + i * s, {{QStringLiteral("v"), 1.0}});
    history->addMarker(t0, 1, QStringLiteral("start"));
    ASSERT_TRUE(history->flush(t0 + 30 * s).ok());
    // The fine tier keeps the last 10 s only; asked for the whole 30 s, the coarse tier answers.
    const auto fine = history->query(t0 + 25 * s, t0 + 30 * s, t0 + 30 * s);
    ASSERT_TRUE(fine.ok());
    EXPECT_EQ(fine->choice.tier, 0);
    EXPECT_EQ(fine->series.at(QStringLiteral("v")).size(), 5u);
    const auto fineOld = history->query(t0, t0 + 30 * s, t0 + 30 * s, 1 * s);
    EXPECT_EQ(fineOld->choice.tier, 1);
    EXPECT_EQ(fineOld->series.at(QStringLiteral("v")).size(), 6u);
    // 2 minutes later even the coarse tier and the marker are gone.
    ASSERT_TRUE(history->flush(t0 + 120 * s).ok());
    const auto gone = history->query(t0, t0 + 30 * s, t0 + 120 * s);
    EXPECT_TRUE(gone->series.empty());
    EXPECT_TRUE(gone->markers.empty());
}

TEST(TelemetryHistory, AForeignOrDamagedFileIsMovedAsideAndANewOneStarted) {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("telemetry.db"));
    {
        QFile junk(file);
        ASSERT_TRUE(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(8192, 'x'));
    }
    QString notice;
    auto history = openIn(dir, &notice);
    ASSERT_TRUE(history);
    EXPECT_TRUE(notice.contains(QStringLiteral("kept as"))) << qPrintable(notice);
    const QStringList kept = QDir(dir.path()).entryList({QStringLiteral("telemetry.db.broken-*")});
    ASSERT_EQ(kept.size(), 1);
    EXPECT_EQ(QFile(dir.filePath(kept[0])).size(), 8192);  // never deleted
    history->add(t0, {{QStringLiteral("v"), 1.0}});
    EXPECT_TRUE(history->query(t0, t0 + s, t0 + s).ok());
    history.reset();
    // Our own file opens again without a notice.
    QString again;
    EXPECT_TRUE(openIn(dir, &again));
    EXPECT_TRUE(again.isEmpty()) << qPrintable(again);
}

TEST(TelemetryHistory, AnotherProgramsSqliteFileIsMovedAsideWithItsData) {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("telemetry.db"));
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(QFile::encodeName(file).constData(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "CREATE TABLE theirs(x); INSERT INTO theirs VALUES(1);", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
    QString notice;
    auto history = openIn(dir, &notice);
    ASSERT_TRUE(history);
    EXPECT_TRUE(notice.contains(QStringLiteral("another program"))) << qPrintable(notice);
    const QStringList kept = QDir(dir.path()).entryList({QStringLiteral("telemetry.db.broken-*")});
    ASSERT_EQ(kept.size(), 1);
    ASSERT_EQ(sqlite3_open(QFile::encodeName(dir.filePath(kept[0])).constData(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "SELECT x FROM theirs", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

TEST(TelemetryRoutes, AnswersAWindowWithSeriesStepAndMarkers) {
    QTemporaryDir dir;
    TelemetryRoutes::Options o;
    o.history = optionsIn(dir);
    qint64 now = t0;
    o.clockMs = [&now] { return now; };
    Result<TelemetryRoutes *> created = TelemetryRoutes::create(o, nullptr, nullptr, nullptr);
    ASSERT_TRUE(created.ok()) << qPrintable(created.error());
    std::unique_ptr<TelemetryRoutes> routes(created.value());
    for (int i = 0; i < 20; ++i) {
        TelemetrySnapshot snapshot;
        snapshot.time_ms = t0 + i * s;
        GpuSample gpu;
        gpu.index = 1;
        gpu.memory_used_mib = 1000;
        gpu.utilization_gpu_pct = 50;
        snapshot.gpus.push_back(gpu);
        snapshot.host.time_ms = snapshot.time_ms;
        snapshot.host.cpu_pct = 10;
        routes->onSample(snapshot);
    }
    now = t0 + 20 * s;
    HttpRequest request;
    request.method = "GET";
    request.path = "/api/telemetry/history";
    request.query = "window=5m";
    const HttpResponse response = routes->history(request);
    ASSERT_EQ(response.status, 200) << response.body.constData();
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    EXPECT_EQ(body.value(QStringLiteral("step_ms")).toInteger(), 10 * s);
    const QJsonObject series = body.value(QStringLiteral("series")).toObject();
    const QJsonArray util = series.value(QStringLiteral("gpu.1.util_pct")).toArray();
    ASSERT_EQ(util.size(), 2);
    EXPECT_EQ(util[0].toArray()[0].toInteger(), t0);
    EXPECT_DOUBLE_EQ(util[0].toArray()[1].toDouble(), 50);
    EXPECT_TRUE(series.contains(QStringLiteral("host.cpu_pct")));
    EXPECT_TRUE(series.contains(QStringLiteral("gpu.1.mem_used_mib")));
    EXPECT_FALSE(series.contains(QStringLiteral("gpu.1.power_w")));  // not reported: no made-up 0
    request.query = "window=3w";
    EXPECT_EQ(routes->history(request).status, 400);
    request.query = "from=10&to=5";
    EXPECT_EQ(routes->history(request).status, 400);
    request.query = "";
    EXPECT_EQ(routes->history(request).status, 400);
}

TEST(TelemetryRoutes, RecordsJobMarkersFinishedJobsAndTokensPerSecond) {
    QTemporaryDir dir;
    TelemetryRoutes::Options o;
    o.history = optionsIn(dir);
    qint64 now = t0;
    o.clockMs = [&now] { return now; };
    std::unique_ptr<TelemetryRoutes> routes(TelemetryRoutes::create(o, nullptr, nullptr, nullptr).value());
    const auto event = [](qint64 time, qint64 id, const char *type) {
        JobEventRecord record;
        record.timeMs = time;
        record.jobId = id;
        record.type = QString::fromLatin1(type);
        return record;
    };
    const auto sample = [&](qint64 time) {
        TelemetrySnapshot snapshot;
        snapshot.time_ms = time;
        routes->onSample(snapshot);
    };
    routes->onJobEvent(event(t0 + 1 * s, 5, "started"));
    routes->onProgress(5, QJsonObject{{QStringLiteral("tokens_per_s"), 40.0}});
    routes->onJobEvent(event(t0 + 1 * s, 6, "started"));
    routes->onProgress(6, QJsonObject{{QStringLiteral("tokens_per_s"), 2.5}});
    sample(t0 + 2 * s);
    routes->onJobEvent(event(t0 + 3 * s, 5, "ended"));
    routes->onJobEvent(event(t0 + 3 * s, 9, "cancelled"));  // never started: no marker, not finished
    sample(t0 + 4 * s);
    now = t0 + 5 * s;
    const auto answer = routes->store().query(t0, t0 + 10 * s, now);
    ASSERT_TRUE(answer.ok());
    const auto &tokens = answer->series.at(QStringLiteral("jobs.tokens_per_s"));
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_DOUBLE_EQ(tokens[0].max, 42.5);        // both running
    EXPECT_DOUBLE_EQ(tokens[0].sum, 42.5 + 2.5);  // then job 6 alone
    EXPECT_DOUBLE_EQ(answer->series.at(QStringLiteral("jobs.finished"))[0].sum, 1);
    ASSERT_EQ(answer->markers.size(), 3u);
    EXPECT_EQ(answer->markers[2].jobId, 5);
    EXPECT_EQ(answer->markers[2].kind, QStringLiteral("end"));
}

}  // namespace
}  // namespace nd
