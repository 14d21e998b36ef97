// Settings: defaults, valid values, and errors that say what and where.
#include <gtest/gtest.h>

#include <QFile>
#include <QTemporaryDir>

#include "core/settings/Settings.h"

namespace nd {
namespace {

TEST(Settings, MissingFileGivesDefaults) {
    const Result<Settings> s = Settings::load(QStringLiteral("/nonexistent/settings.json"));
    ASSERT_TRUE(s.ok()) << s.error().toStdString();
    EXPECT_EQ(s->daemonPort, 0);
    EXPECT_EQ(s->telemetryIntervalMs, 1000);
}

TEST(Settings, EmptyFileAndEmptyObjectGiveDefaults) {
    EXPECT_EQ(Settings::parse("", QStringLiteral("f"))->telemetryIntervalMs, 1000);
    EXPECT_EQ(Settings::parse("  \n", QStringLiteral("f"))->daemonPort, 0);
    EXPECT_EQ(Settings::parse("{}", QStringLiteral("f"))->telemetryIntervalMs, 1000);
}

TEST(Settings, ReadsValuesAndIgnoresUnknownKeys) {
    const Result<Settings> s = Settings::parse(
        R"({"daemon":{"port":4711,"future":true},"telemetry":{"interval_ms":250},"ui":{"theme":"dark"}})",
        QStringLiteral("f"));
    ASSERT_TRUE(s.ok()) << s.error().toStdString();
    EXPECT_EQ(s->daemonPort, 4711);
    EXPECT_EQ(s->telemetryIntervalMs, 250);
}

TEST(Settings, LoadsFromAFile) {
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("settings.json")));
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(R"({"telemetry":{"interval_ms":500}})");
    f.close();
    const Result<Settings> s = Settings::load(f.fileName());
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->telemetryIntervalMs, 500);
}

TEST(Settings, CorruptJsonNamesFileLineAndColumn) {
    const Result<Settings> s =
        Settings::parse("{\n  \"daemon\": {\n    \"port\": 12,,\n  }\n}", QStringLiteral("/c/settings.json"));
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(s.error().contains(QStringLiteral("/c/settings.json"))) << s.error().toStdString();
    EXPECT_TRUE(s.error().contains(QStringLiteral("line 3"))) << s.error().toStdString();
}

TEST(Settings, WrongTypesAndRangesAreErrors) {
    const struct {
        const char *json;
        const char *mentions;
    } cases[] = {
        {R"({"daemon":{"port":"4711"}})", "daemon.port"},
        {R"({"daemon":{"port":70000}})", "daemon.port"},
        {R"({"daemon":{"port":-1}})", "daemon.port"},
        {R"({"daemon":{"port":12.5}})", "daemon.port"},
        {R"({"telemetry":{"interval_ms":10}})", "telemetry.interval_ms"},
        {R"({"telemetry":{"interval_ms":null}})", "telemetry.interval_ms"},
        {R"({"daemon":[1,2]})", "\"daemon\" must be an object"},
        {R"([1,2,3])", "top level"},
    };
    for (const auto &c : cases) {
        const Result<Settings> s = Settings::parse(c.json, QStringLiteral("/c/settings.json"));
        ASSERT_FALSE(s.ok()) << c.json;
        EXPECT_TRUE(s.error().contains(QString::fromUtf8(c.mentions))) << s.error().toStdString();
        EXPECT_TRUE(s.error().contains(QStringLiteral("/c/settings.json")));
    }
}

TEST(Settings, ALoadErrorLeavesTheFileAlone) {
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("settings.json")));
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("{ broken");
    f.close();
    EXPECT_FALSE(Settings::load(f.fileName()).ok());
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), "{ broken");
}

}  // namespace
}  // namespace nd
