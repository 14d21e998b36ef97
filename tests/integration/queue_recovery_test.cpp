// The daemon killed with SIGKILL in the middle of work, then started again: every job is accounted for.
// Jobs that kept running are re-adopted and finish normally, a job that ended while no daemon ran gets the
// exit code its shim recorded, a job whose processes died with the "machine" becomes node_fail, and
// pending and held jobs stay as they were.
#include <gtest/gtest.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <csignal>

#include "DaemonHarness.h"

namespace nd::test {
namespace {

class QueueRecovery : public ::testing::Test {
protected:
    void SetUp() override {
        QString why;
        ASSERT_TRUE(daemon.start(&why)) << why.toStdString();
        token = daemon.token();
    }
    RawResponse post(const QByteArray &path, const QJsonObject &body) const {
        const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
        return daemon.send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                           "\r\nContent-Type: application/json\r\nContent-Length: " +
                           QByteArray::number(json.size()) + "\r\nConnection: close\r\n\r\n" + json);
    }
    qint64 submit(const QString &command, QJsonObject extra = {}) {
        extra.insert(QStringLiteral("argv"),
                     QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"), command});
        const RawResponse r = post("/api/jobs", extra);
        EXPECT_EQ(r.status, 201) << r.body.toStdString();
        return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("job_id")).toInteger();
    }
    QJsonObject job(qint64 id) const {
        return QJsonDocument::fromJson(daemon.get("/api/jobs/" + QByteArray::number(id), token).body)
            .object();
    }
    QString state(qint64 id) const { return job(id).value(QStringLiteral("state")).toString(); }
    bool waitFor(const std::function<bool()> &done, int timeoutMs = 30000) const {
        const QDeadlineTimer deadline(timeoutMs);
        while (!done()) {
            if (deadline.hasExpired())
                return false;
            QThread::msleep(50);
        }
        return true;
    }
    bool waitForState(qint64 id, const char *wanted, int timeoutMs = 30000) const {
        return waitFor([&] { return state(id) == QLatin1String(wanted); }, timeoutMs);
    }

    DaemonHarness daemon;
    QByteArray token;
};

TEST_F(QueueRecovery, LosesNothingWhenTheDaemonIsKilledMidRun) {
    const QString gate = daemon.paths().dataDir() + QStringLiteral("/gate");
    // Runs until the test opens the gate, so it is surely running across the restart. Bounded (60 s), so
    // that a failing run leaves no job behind polling for a gate in a deleted folder.
    const qint64 adopted =
        submit(QStringLiteral("for i in $(seq 1200); do [ -e %1 ] && break; sleep 0.05; done; echo survived")
                   .arg(gate),
               QJsonObject{{QStringLiteral("gpus"), 1}});
    const qint64 endsWhileDown =
        submit(QStringLiteral("sleep 0.5; exit 7"), QJsonObject{{QStringLiteral("gpus"), 1}});
    const qint64 lost = submit(QStringLiteral("sleep 1000"));
    const qint64 waits = submit(QStringLiteral("echo second"), QJsonObject{{QStringLiteral("gpus"), 2}});
    const qint64 held = submit(QStringLiteral("true"), QJsonObject{{QStringLiteral("hold"), true}});
    ASSERT_TRUE(waitForState(adopted, "running"));
    ASSERT_TRUE(waitForState(endsWhileDown, "running"));
    ASSERT_TRUE(waitFor([&] {
        return job(lost).value(QStringLiteral("child_pid")).toInteger() > 0 ||
               state(lost) == QLatin1String("running");
    }));
    ASSERT_TRUE(waitFor(
        [&] { return QFile(daemon.paths().jobsDir() + QStringLiteral("/%1/status").arg(lost)).size() > 0; }));
    const QJsonObject lostJob = job(lost);
    EXPECT_EQ(state(waits), QStringLiteral("pending"));

    daemon.killHard();
    // While no daemon runs: one job ends by itself, another loses its processes.
    const qint64 shim =
        lostJob.value(QStringLiteral("process")).toObject().value(QStringLiteral("pid")).toInteger();
    ASSERT_GT(shim, 0);
    QFile status(daemon.paths().jobsDir() + QStringLiteral("/%1/status").arg(lost));
    ASSERT_TRUE(status.open(QIODevice::ReadOnly));
    qint64 child = 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("child_pid="))
            child = line.mid(10).toLongLong();
    ::kill(static_cast<pid_t>(shim), SIGKILL);
    if (child > 0)
        ::kill(static_cast<pid_t>(-child), SIGKILL);
    QThread::msleep(1000);

    QString why;
    ASSERT_TRUE(daemon.start(&why)) << why.toStdString();
    token = daemon.token();
    EXPECT_EQ(state(endsWhileDown), QStringLiteral("failed"));
    EXPECT_EQ(job(endsWhileDown).value(QStringLiteral("exit_code")).toInt(), 7);
    ASSERT_TRUE(waitForState(lost, "node_fail"));
    EXPECT_EQ(state(adopted), QStringLiteral("running"));
    EXPECT_EQ(state(held), QStringLiteral("pending"));
    EXPECT_TRUE(job(held).value(QStringLiteral("held")).toBool());

    QFile(gate).open(QIODevice::WriteOnly);
    ASSERT_TRUE(waitForState(adopted, "completed"));
    ASSERT_TRUE(waitForState(waits, "completed"));
    QFile out(job(adopted).value(QStringLiteral("stdout_file")).toString());
    ASSERT_TRUE(out.open(QIODevice::ReadOnly));
    EXPECT_EQ(out.readAll(), QByteArray("survived\n"));
    EXPECT_EQ(state(held), QStringLiteral("pending"));
}

}  // namespace
}  // namespace nd::test
