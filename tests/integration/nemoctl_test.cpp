// nemoctl's commands against a real daemon and without one, and the GUI's DaemonConnector starting one.
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>

#include "DaemonHarness.h"
#include "core/client/DaemonConnector.h"

namespace nd::test {
namespace {

QJsonObject jsonOf(const QByteArray &out) {
    return QJsonDocument::fromJson(out).object();
}

TEST(Nemoctl, VersionHelpAndUsageErrors) {
    DaemonHarness h;
    CommandResult r = h.nemoctl({QStringLiteral("--version")});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.out, "nemoctl " NEMODESK_VERSION "\n");

    r = h.nemoctl({QStringLiteral("frobnicate")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("unknown command 'frobnicate'")) << r.err.toStdString();

    r = h.nemoctl({});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("Usage: nemoctl")) << r.err.toStdString();

    for (const char *command : {"daemon", "gpus", "health", "endpoint", "stop"}) {
        r = h.nemoctl({QString::fromLatin1(command), QStringLiteral("--help")});
        EXPECT_EQ(r.exitCode, 0) << command;
        EXPECT_TRUE(r.out.contains(QByteArray("Usage: nemoctl ") + command)) << r.out.toStdString();
    }
    r = h.nemoctl({QStringLiteral("gpus"), QStringLiteral("--frob")});
    EXPECT_EQ(r.exitCode, 2);
    r = h.nemoctl({QStringLiteral("daemon"), QStringLiteral("--port"), QStringLiteral("http")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("--port")) << r.err.toStdString();
}

TEST(Nemoctl, WithoutADaemon) {
    DaemonHarness h;
    CommandResult r = h.nemoctl({QStringLiteral("endpoint")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("no daemon is running")) << r.err.toStdString();
    r = h.nemoctl({QStringLiteral("stop")});
    EXPECT_EQ(r.exitCode, 1);
    r = h.nemoctl({QStringLiteral("health")});
    EXPECT_EQ(r.exitCode, 1);

    // gpus reads them itself, and says so.
    r = h.nemoctl({QStringLiteral("gpus"), QStringLiteral("--json")});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains("no daemon is running; reading the GPUs directly")) << r.err.toStdString();
    const QJsonObject o = jsonOf(r.out);
    EXPECT_EQ(o.value(QStringLiteral("source")).toString(), QStringLiteral("fake"));
    EXPECT_EQ(o.value(QStringLiteral("gpus")).toArray().size(), 2);
    EXPECT_FALSE(QFile::exists(h.paths().runtimeFile()));  // and starts no daemon
}

TEST(Nemoctl, AgainstARunningDaemon) {
    DaemonHarness h;
    QString why;
    ASSERT_TRUE(h.start(&why)) << why.toStdString();

    CommandResult r = h.nemoctl({QStringLiteral("endpoint"), QStringLiteral("--json")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    QJsonObject o = jsonOf(r.out);
    EXPECT_EQ(o.value(QStringLiteral("url")).toString(), h.runtime().url);
    EXPECT_EQ(o.value(QStringLiteral("token_file")).toString(), h.paths().tokenFile());
    EXPECT_EQ(o.value(QStringLiteral("pid")).toInteger(), h.runtime().pid);

    r = h.nemoctl({QStringLiteral("endpoint"), QStringLiteral("--shell")});
    ASSERT_EQ(r.exitCode, 0);
    EXPECT_TRUE(r.out.contains("export NEMODESK_URL='" + h.runtime().url.toUtf8() + "'\n"))
        << r.out.toStdString();
    EXPECT_TRUE(r.out.contains("export NEMODESK_TOKEN='" + h.token() + "'\n"));

    r = h.nemoctl({QStringLiteral("gpus"), QStringLiteral("--json")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.err.isEmpty()) << r.err.toStdString();  // answered by the daemon
    o = jsonOf(r.out);
    EXPECT_EQ(o.value(QStringLiteral("gpus")).toArray().size(), 2);

    r = h.nemoctl({QStringLiteral("gpus")});
    ASSERT_EQ(r.exitCode, 0);
    EXPECT_TRUE(r.out.contains("synthetic GPU 1")) << r.out.toStdString();
    EXPECT_TRUE(r.out.contains("host:")) << r.out.toStdString();

    r = h.nemoctl({QStringLiteral("health"), QStringLiteral("--json")});
    ASSERT_EQ(r.exitCode, 0);
    EXPECT_EQ(jsonOf(r.out).value(QStringLiteral("pid")).toInteger(), h.runtime().pid);
    r = h.nemoctl({QStringLiteral("health")});
    EXPECT_TRUE(r.out.contains("telemetry:  fake, 2 GPUs")) << r.out.toStdString();

    r = h.nemoctl({QStringLiteral("stop")});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains("stopped the daemon (pid " + QByteArray::number(h.runtime().pid) + ")"));
    EXPECT_EQ(h.waitForExit(), 0);
    EXPECT_FALSE(QFile::exists(h.paths().runtimeFile()));
}

TEST(DaemonConnector, StartsADaemonWhenNoneRuns) {
    DaemonHarness h;
    // The connector passes its own environment on to the daemon it starts.
    const QByteArray oldHome = qgetenv("NEMODESK_HOME");
    const QByteArray oldFake = qgetenv("NEMODESK_FAKE_GPUS");
    qputenv("NEMODESK_HOME", h.paths().home().toUtf8());
    qputenv("NEMODESK_FAKE_GPUS", "1x8192");
    DaemonConnector connector(Paths::fromEnvironment(), nemoctlPath());
    connector.setStartTimeoutMs(30000);
    QSignalSpy connected(&connector, &DaemonConnector::connected);
    QSignalSpy failed(&connector, &DaemonConnector::failed);
    connector.connectToDaemon();
    EXPECT_TRUE(connected.wait(40000))
        << (failed.isEmpty() ? "" : failed.at(0).at(0).toString().toStdString());
    qputenv("NEMODESK_HOME", oldHome);
    qputenv("NEMODESK_FAKE_GPUS", oldFake);
    if (oldHome.isNull())
        qunsetenv("NEMODESK_HOME");
    if (oldFake.isNull())
        qunsetenv("NEMODESK_FAKE_GPUS");
    ASSERT_EQ(connected.count(), 1);
    const Endpoint endpoint = connected.at(0).at(0).value<Endpoint>();
    EXPECT_EQ(endpoint.token, h.token());

    // It is a real, detached daemon: ask it about itself, then stop it.
    CommandResult r = h.nemoctl({QStringLiteral("health"), QStringLiteral("--json")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(jsonOf(r.out)
                  .value(QStringLiteral("telemetry"))
                  .toObject()
                  .value(QStringLiteral("gpu_count"))
                  .toInt(),
              1);
    r = h.nemoctl({QStringLiteral("stop")});
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    // Its log has its start and its stop.
    QFile log(h.paths().daemonLogFile());
    ASSERT_TRUE(log.open(QIODevice::ReadOnly));
    const QByteArray text = log.readAll();
    EXPECT_TRUE(text.contains("listening on")) << text.toStdString();
    EXPECT_EQ(text.count("listening on"), 1);  // written once although stderr is the log too
}

}  // namespace
}  // namespace nd::test
