// nemoctl endpoint: where the running daemon listens and where its token is, for curl and scripts.
#include <QJsonObject>

#include "Cli.h"

namespace nd::cli {

namespace {

// Single quotes keep everything literal in POSIX shells; a quote inside becomes '\''.
QString shellQuote(const QString &value) {
    QString quoted = value;
    quoted.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + quoted + u'\'';
}

}  // namespace

int runEndpoint(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print JSON (url, token_file, pid, version, "
                                                 "runtime_file)."));
    const QCommandLineOption shell(
        QStringLiteral("shell"), QStringLiteral("Print 'export NEMODESK_URL=…' and 'export NEMODESK_TOKEN=…' "
                                                "for eval \"$(nemoctl endpoint --shell)\"."));
    parser.addOption(json);
    parser.addOption(shell);
    const int early =
        parseOrExit(parser, args, QStringLiteral("nemoctl endpoint [--json | --shell]"),
                    QStringLiteral("Prints the running daemon's URL and token file. Exit code 1 when "
                                   "no daemon runs."));
    if (early >= 0)
        return early;
    if (parser.isSet(json) && parser.isSet(shell)) {
        printErr(QStringLiteral("--json and --shell exclude each other"));
        return exitUsage;
    }

    const Paths paths = Paths::fromEnvironment();
    const Result<RunningDaemon> daemon = findRunningDaemon(paths);
    if (!daemon.ok()) {
        printErr(daemon.error() + QStringLiteral("; start one with 'nemoctl daemon'"));
        return exitFailure;
    }
    const Endpoint &e = daemon->endpoint;
    const QString url = e.baseUrl.toString();
    if (parser.isSet(shell)) {
        printOut(QStringLiteral("export NEMODESK_URL=%1\nexport NEMODESK_TOKEN=%2\n")
                     .arg(shellQuote(url), shellQuote(QString::fromLatin1(e.token))));
    } else if (parser.isSet(json)) {
        printOut(toJsonText(QJsonObject{
            {QStringLiteral("url"), url},
            {QStringLiteral("token_file"), e.tokenFile},
            {QStringLiteral("pid"), e.pid},
            {QStringLiteral("version"), e.version},
            {QStringLiteral("runtime_file"), paths.runtimeFile()},
        }));
    } else {
        printOut(QStringLiteral("url:          %1\ntoken file:   %2\npid:          %3\nversion:      %4\n")
                     .arg(url, e.tokenFile)
                     .arg(e.pid)
                     .arg(e.version));
    }
    return exitOk;
}

}  // namespace nd::cli
