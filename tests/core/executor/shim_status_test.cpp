// The status file between nemodesk-jobshim and readShimStatus, and the shim's own command line.
#include <QFile>
#include <QProcess>

#include "ExecutorTestSupport.h"

namespace nd::test {
namespace {

class ShimStatusTest : public ExecutorTest {
protected:
    QString writeStatus(const QByteArray &text) {
        QString file = path(QStringLiteral("job.status"));
        QFile out(file);
        EXPECT_TRUE(out.open(QIODevice::WriteOnly));
        out.write(text);
        return file;
    }
};

TEST_F(ShimStatusTest, EndRecordIsReadWithEveryField) {
    const Result<ShimStatus> status = readShimStatus(writeStatus(
        "child_pid=4242\nended=1\nexit_code=0\nsignal=15\nlaunch_error=a\\\\b\\nc\nterminated_by_request=1\n"
        "cpu_time_ms=1234\npeak_rss_kib=65536\nend_time_ms=1700000000123\n"));
    ASSERT_TRUE(status.ok()) << status.error().toStdString();
    EXPECT_EQ(status->childPid, 4242);
    EXPECT_TRUE(status->ended);
    EXPECT_EQ(status->exitCode, 0);
    EXPECT_EQ(status->termSignal, 15);
    EXPECT_EQ(status->launchError, QStringLiteral("a\\b\nc"));
    EXPECT_TRUE(status->terminatedByRequest);
    EXPECT_EQ(status->cpuTimeMs, 1234);
    EXPECT_EQ(status->peakRssKib, 65536);
    EXPECT_EQ(status->endTimeMs, 1700000000123);
}

TEST_F(ShimStatusTest, StartRecordHasThePidAndIsNotEnded) {
    const Result<ShimStatus> status = readShimStatus(writeStatus("child_pid=77\nended=0\n"));
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->childPid, 77);
    EXPECT_FALSE(status->ended);
    EXPECT_EQ(status->exitCode, -1);
}

TEST_F(ShimStatusTest, UnknownKeysAreIgnored) {
    const Result<ShimStatus> status =
        readShimStatus(writeStatus("ended=1\nexit_code=2\ngpu_something=abc\nfuture_key=\n"));
    ASSERT_TRUE(status.ok()) << status.error().toStdString();
    EXPECT_EQ(status->exitCode, 2);
}

TEST_F(ShimStatusTest, GarbageIsAnErrorNamingTheFile) {
    for (const QByteArray &garbage : {QByteArray("\x7f"
                                                 "ELF\x01\x02"),
                                      QByteArray("ended=yes\n"), QByteArray("exit_code=3\n"), QByteArray(""),
                                      QByteArray("=1\nended=1\n")}) {
        const QString file = writeStatus(garbage);
        const Result<ShimStatus> status = readShimStatus(file);
        ASSERT_FALSE(status.ok()) << garbage.toStdString();
        EXPECT_TRUE(status.error().contains(file)) << status.error().toStdString();
    }
    const QString missing = path(QStringLiteral("missing.status"));
    const Result<ShimStatus> status = readShimStatus(missing);
    ASSERT_FALSE(status.ok());
    EXPECT_TRUE(status.error().contains(missing));
}

TEST_F(ShimStatusTest, ShimRefusesABadCommandLineAndSaysSoInTheStatusFile) {
    const QString statusFile = path(QStringLiteral("bad.status"));
    QProcess shim;
    shim.start(
        QStringLiteral(NEMODESK_JOBSHIM_PATH),
        {QStringLiteral("--status"), statusFile, QStringLiteral("--stdout"), QStringLiteral("/dev/null"),
         QStringLiteral("--stderr"), QStringLiteral("/dev/null"), QStringLiteral("--grace"),
         QStringLiteral("soon"), QStringLiteral("--"), QStringLiteral("true")});
    ASSERT_TRUE(shim.waitForFinished(kJobTimeoutMs));
    EXPECT_EQ(shim.exitCode(), 2);
    EXPECT_TRUE(shim.readAllStandardError().contains("usage:"));
    const Result<ShimStatus> status = readShimStatus(statusFile);
    ASSERT_TRUE(status.ok()) << status.error().toStdString();
    EXPECT_TRUE(status->ended);
    EXPECT_TRUE(status->launchError.contains(QStringLiteral("--grace"))) << status->launchError.toStdString();

    QProcess noArguments;
    noArguments.start(QStringLiteral(NEMODESK_JOBSHIM_PATH), {});
    ASSERT_TRUE(noArguments.waitForFinished(kJobTimeoutMs));
    EXPECT_EQ(noArguments.exitCode(), 2);
}

}  // namespace
}  // namespace nd::test
