// nemoctl daemon: runs the daemon in this process until it is told to stop.
#include <QCoreApplication>
#include <QProcessEnvironment>

#include "Cli.h"
#include "core/daemon/Daemon.h"

namespace nd::cli {

int runDaemon(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption foreground(
        QStringLiteral("foreground"),
        QStringLiteral("Run in the foreground (the default; kept for scripts)."));
    const QCommandLineOption port(
        QStringLiteral("port"),
        QStringLiteral("Listen on this port of 127.0.0.1 (0: a free one). Overrides "
                       "daemon.port in settings.json."),
        QStringLiteral("N"));
    const QCommandLineOption startFresh(
        QStringLiteral("start-fresh"),
        QStringLiteral("When settings.json or the job database cannot be used (does not parse, holds a "
                       "wrong value, is corrupt, another program's or from a newer NemoDesk), rename it to "
                       "<file>.broken-<time> and start with the defaults or a new database. Nothing is "
                       "deleted; without this flag the daemon refuses to start and says what it found."));
    parser.addOption(foreground);
    parser.addOption(port);
    parser.addOption(startFresh);
    const int early = parseOrExit(
        parser, args, QStringLiteral("nemoctl daemon [--foreground] [--port N] [--start-fresh]"),
        QStringLiteral(
            "Runs the NemoDesk daemon: the authenticated HTTP API on 127.0.0.1, GPU and host "
            "telemetry. One per user; the GUI starts it when none runs. Stops on SIGTERM, SIGINT or "
            "'nemoctl stop'. Exit codes: 0 stopped cleanly, 1 could not start, 3 one already runs."));
    if (early >= 0)
        return early;

    Daemon::Options options;
    options.paths = Paths::fromEnvironment();
    options.fakeGpuSpec =
        QProcessEnvironment::systemEnvironment().value(QStringLiteral("NEMODESK_FAKE_GPUS"));
    if (parser.isSet(startFresh))
        options.unusableFiles = Daemon::UnusableFiles::moveAside;
    if (parser.isSet(port)) {
        bool ok = false;
        const int n = parser.value(port).toInt(&ok);
        if (!ok || n < 0 || n > 65535) {
            printErr(
                QStringLiteral("--port must be a number from 0 to 65535, not '%1'").arg(parser.value(port)));
            return exitUsage;
        }
        options.port = n;
    }

    Daemon daemon(options);
    const Daemon::StartResult started = daemon.start();
    switch (started.kind) {
        case Daemon::StartResult::Kind::started:
            break;
        case Daemon::StartResult::Kind::alreadyRunning:
            printErr(started.message);
            return exitAlreadyRunning;
        case Daemon::StartResult::Kind::failed:
            if (!started.logged)
                printErr(started.message);
            return exitFailure;
    }
    QObject::connect(&daemon, &Daemon::finished, QCoreApplication::instance(), &QCoreApplication::quit,
                     Qt::QueuedConnection);
    QCoreApplication::exec();
    return daemon.exitCode() == 0 ? exitOk : exitFailure;
}

}  // namespace nd::cli
