// nemoctl stop: asks the daemon to exit and waits until it has.
#include <QDeadlineTimer>
#include <QJsonObject>
#include <QThread>

#include "Cli.h"
#include "core/daemon/RuntimeFile.h"

namespace nd::cli {

int runStop(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption timeout(
        QStringLiteral("timeout-ms"),
        QStringLiteral("How long to wait for the daemon to exit (default 10000)."), QStringLiteral("MS"),
        QStringLiteral("10000"));
    parser.addOption(timeout);
    const int early =
        parseOrExit(parser, args, QStringLiteral("nemoctl stop [--timeout-ms MS]"),
                    QStringLiteral("Asks the running daemon to exit (POST /api/shutdown) and waits "
                                   "until its process has gone. Exit code 1 when no daemon runs or "
                                   "it did not exit in time."));
    if (early >= 0)
        return early;
    bool ok = false;
    const int timeoutMs = parser.value(timeout).toInt(&ok);
    if (!ok || timeoutMs < 0) {
        printErr(QStringLiteral("--timeout-ms must be a number of milliseconds, not '%1'")
                     .arg(parser.value(timeout)));
        return exitUsage;
    }

    const Result<RunningDaemon> daemon = findRunningDaemon(Paths::fromEnvironment());
    if (!daemon.ok()) {
        printErr(daemon.error());
        return exitFailure;
    }
    const qint64 pid = daemon->endpoint.pid;
    const Result<QJsonDocument> reply =
        requestSync(daemon->endpoint, "POST", QStringLiteral("/api/shutdown"));
    if (!reply.ok()) {
        printErr(QStringLiteral("asking the daemon (pid %1) to stop failed: %2").arg(pid).arg(reply.error()));
        return exitFailure;
    }
    // Wait for the process itself: only then are its lock and port free for a new daemon.
    const QDeadlineTimer deadline(timeoutMs);
    while (processIsAlive(pid)) {
        if (deadline.hasExpired()) {
            printErr(QStringLiteral("the daemon (pid %1) accepted the request but has not exited after %2 ms")
                         .arg(pid)
                         .arg(timeoutMs));
            return exitFailure;
        }
        QThread::msleep(20);
    }
    printOut(QStringLiteral("stopped the daemon (pid %1)\n").arg(pid));
    return exitOk;
}

}  // namespace nd::cli
