// SettingsFile and SettingsRoutes: PUT /api/settings merges into the user's file without losing unknown
// or unset keys, validates like start-up, keeps a .bak, and applies live keys.
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include "core/daemon/SettingsRoutes.h"
#include "core/settings/SettingsFile.h"

namespace nd {
namespace {

QByteArray readAll(const QString &file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString &file, const QByteArray &bytes) {
    QFile f(file);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QJsonObject object(const char *json) {
    return QJsonDocument::fromJson(json).object();
}

TEST(SettingsFile, EveryKeyRoundTripsThroughJson) {
    Settings s;
    s.daemonPort = 4711;
    s.telemetryIntervalMs = 250;
    s.queueCpus = 6;
    s.queueMemMib = 2048;
    s.queueKillGraceSec = 3;
    s.queueBackfill = false;
    s.modelFolders = {QStringLiteral("/data/gguf")};
    s.modelKeepAliveSec = 60;
    s.modelServerSlots = 2;
    s.modelServerCtx = 4096;
    const QByteArray text = QJsonDocument(settingsToJson(s)).toJson();
    const Result<Settings> back = Settings::parse(text, QStringLiteral("f"));
    ASSERT_TRUE(back.ok()) << back.error().toStdString();
    EXPECT_TRUE(changedSettingsKeys(s, back.value()).isEmpty());
    EXPECT_EQ(changedSettingsKeys(Settings{}, s), settingsKeys());  // every key differs from its default
}

TEST(SettingsFile, MergeKeepsUnknownAndUnsetKeysAndNullRemoves) {
    const QJsonObject root =
        object(R"({"daemon":{"port":4711,"future":1},"ui":{"theme":"dark"},"queue":{"cpus":4}})");
    const Result<QJsonObject> merged =
        mergeSettingsPatch(root, object(R"({"telemetry":{"interval_ms":500},"queue":{"cpus":null}})"));
    ASSERT_TRUE(merged.ok()) << merged.error().toStdString();
    EXPECT_EQ(merged.value(), object(R"({"daemon":{"port":4711,"future":1},"ui":{"theme":"dark"},)"
                                     R"("telemetry":{"interval_ms":500}})"));
    EXPECT_FALSE(mergeSettingsPatch(root, object(R"({"queue":3})")).ok());
}

TEST(SettingsFile, WriteKeepsTheBackup) {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("settings.json"));
    ASSERT_TRUE(writeSettingsFile(file, object(R"({"daemon":{"port":1}})")).ok());
    EXPECT_FALSE(QFile::exists(file + QStringLiteral(".bak")));  // nothing to keep the first time
    ASSERT_TRUE(writeSettingsFile(file, object(R"({"daemon":{"port":2}})")).ok());
    ASSERT_TRUE(writeSettingsFile(file, object(R"({"daemon":{"port":3}})")).ok());
    EXPECT_EQ(Settings::load(file)->daemonPort, 3);
    EXPECT_EQ(Settings::load(file + QStringLiteral(".bak"))->daemonPort, 2);
}

class SettingsRoutesTest : public ::testing::Test {
protected:
    HttpResponse call(const QByteArray &method, const QByteArray &body = {}) {
        HttpRequest request;
        request.method = method;
        request.path = request.target = "/api/settings";
        request.body = body;
        return router.route(request);
    }
    static QJsonObject json(const HttpResponse &r) { return QJsonDocument::fromJson(r.body).object(); }

    QTemporaryDir dir;
    QString file = dir.filePath(QStringLiteral("settings.json"));
    Router router;
};

TEST_F(SettingsRoutesTest, GetShowsEffectiveFileAndLiveKeys) {
    writeAll(file, R"({"queue":{"cpus":4},"mine":true})");
    SettingsRoutes routes(file, Settings::load(file).value());
    routes.setLive(QStringLiteral("telemetry.interval_ms"), [](const Settings &) {});
    routes.registerOn(router);
    const HttpResponse r = call("GET");
    ASSERT_EQ(r.status, 200);
    const QJsonObject body = json(r);
    EXPECT_EQ(body[u"settings"][u"queue"][u"cpus"].toInt(), 4);
    EXPECT_EQ(body[u"settings"][u"telemetry"][u"interval_ms"].toInt(), 1000);  // the default filled in
    EXPECT_EQ(body[u"file"].toObject(), object(R"({"queue":{"cpus":4},"mine":true})"));
    EXPECT_EQ(body[u"live"].toArray(), QJsonArray{QStringLiteral("telemetry.interval_ms")});
    EXPECT_TRUE(body[u"restart_needed"].toArray().isEmpty());
}

TEST_F(SettingsRoutesTest, BadValueIs400NamingTheKeyAndTheFileIsUntouched) {
    const QByteArray before = R"({"queue":{"cpus":4}})";
    writeAll(file, before);
    SettingsRoutes routes(file, Settings::load(file).value());
    routes.registerOn(router);
    const HttpResponse r = call("PUT", R"({"telemetry":{"interval_ms":5}})");
    ASSERT_EQ(r.status, 400);
    const QJsonObject error = json(r)[u"error"].toObject();
    EXPECT_EQ(error[u"code"].toString(), QStringLiteral("invalid_settings"));
    EXPECT_EQ(error[u"key"].toString(), QStringLiteral("telemetry.interval_ms"));
    EXPECT_TRUE(error[u"message"].toString().contains(QStringLiteral("telemetry.interval_ms")));
    EXPECT_EQ(readAll(file), before);
    EXPECT_FALSE(QFile::exists(file + QStringLiteral(".bak")));
    EXPECT_EQ(call("PUT", "[1]").status, 400);
}

TEST_F(SettingsRoutesTest, GoodValueIsWrittenAppliedLiveOrMarkedForRestart) {
    writeAll(file, R"({"ui":{"x":1}})");
    SettingsRoutes routes(file, Settings::load(file).value());
    int appliedInterval = 0;
    routes.setLive(QStringLiteral("telemetry.interval_ms"),
                   [&](const Settings &s) { appliedInterval = s.telemetryIntervalMs; });
    routes.registerOn(router);
    const HttpResponse r = call("PUT", R"({"telemetry":{"interval_ms":500},"daemon":{"port":4711}})");
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    EXPECT_EQ(appliedInterval, 500);
    const QJsonObject body = json(r);
    EXPECT_EQ(body[u"applied"].toArray(), QJsonArray{QStringLiteral("telemetry.interval_ms")});
    EXPECT_EQ(body[u"restart_needed"].toArray(), QJsonArray{QStringLiteral("daemon.port")});
    EXPECT_EQ(QJsonDocument::fromJson(readAll(file)).object(),
              object(R"({"ui":{"x":1},"telemetry":{"interval_ms":500},"daemon":{"port":4711}})"));
    EXPECT_EQ(QJsonDocument::fromJson(readAll(file + QStringLiteral(".bak"))).object(),
              object(R"({"ui":{"x":1}})"));
    EXPECT_EQ(routes.current().telemetryIntervalMs, 500);

    // Setting the port back to what the daemon runs with: no restart needed any more.
    const HttpResponse back = call("PUT", R"({"daemon":{"port":null}})");
    ASSERT_EQ(back.status, 200);
    EXPECT_TRUE(json(back)[u"restart_needed"].toArray().isEmpty());
    EXPECT_TRUE(json(back)[u"applied"].toArray().isEmpty());
}

}  // namespace
}  // namespace nd
