// nemoctl health: is the daemon up, which version, which telemetry source.
#include <QJsonObject>

#include "Cli.h"

namespace nd::cli {

int runHealth(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the daemon's answer as JSON."));
    parser.addOption(json);
    const int early =
        parseOrExit(parser, args, QStringLiteral("nemoctl health [--json]"),
                    QStringLiteral("Asks the running daemon how it is. Exit code 1 when no daemon "
                                   "runs or it does not answer."));
    if (early >= 0)
        return early;

    const Result<RunningDaemon> daemon = findRunningDaemon(Paths::fromEnvironment());
    if (!daemon.ok()) {
        printErr(daemon.error());
        return exitFailure;
    }
    const QJsonObject &h = daemon->health;
    if (parser.isSet(json)) {
        printOut(toJsonText(h));
        return exitOk;
    }
    const QJsonObject t = h.value(QStringLiteral("telemetry")).toObject();
    const int gpuCount = t.value(QStringLiteral("gpu_count")).toInt();
    printOut(QStringLiteral("daemon:     %1 (pid %2, version %3, API %4)\n"
                            "url:        %5\n"
                            "uptime:     %6 s\n"
                            "telemetry:  %7, %8 GPU%9, every %10 ms — %11\n"
                            "log:        %12\n")
                 .arg(h.value(QStringLiteral("status")).toString())
                 .arg(h.value(QStringLiteral("pid")).toInteger())
                 .arg(h.value(QStringLiteral("version")).toString())
                 .arg(h.value(QStringLiteral("api_version")).toInt())
                 .arg(daemon->endpoint.baseUrl.toString())
                 .arg(h.value(QStringLiteral("uptime_s")).toDouble(), 0, 'f', 1)
                 .arg(t.value(QStringLiteral("source")).toString())
                 .arg(gpuCount)
                 .arg(gpuCount == 1 ? QString() : QStringLiteral("s"))
                 .arg(t.value(QStringLiteral("interval_ms")).toInt())
                 .arg(t.value(QStringLiteral("message")).toString(),
                      h.value(QStringLiteral("log_file")).toString()));
    return exitOk;
}

}  // namespace nd::cli
