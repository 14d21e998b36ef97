#pragma once
// nemoctl's small framework: the command table, per-command option parsing with --help, exit codes,
// output helpers and synchronous calls to the daemon (a local event loop around ApiClient).
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "core/client/Endpoint.h"
#include "core/common/Result.h"
#include "core/paths/Paths.h"

namespace nd::cli {

// Exit codes, stable for scripts.
enum ExitCode : int {
    exitOk = 0,
    exitFailure = 1,        // the command could not do its job; the message says why
    exitUsage = 2,          // wrong command line
    exitAlreadyRunning = 3  // `nemoctl daemon` when one runs
};

struct Command {
    const char *name;
    const char *summary;
    int (*run)(const QStringList &args);  // args[0] is "nemoctl <name>"
};

const QList<Command> &commands();
int dispatch(const QStringList &arguments);

// Parses a command's options. Returns -1 to go on, or the exit code when done (--help printed: 0; an
// error printed: exitUsage).
int parseOrExit(QCommandLineParser &parser, const QStringList &args, const QString &usage,
                const QString &description);

void printOut(const QString &text);  // stdout, text as given
void printErr(const QString &text);  // stderr, "nemoctl: " + text + newline
QString toJsonText(const QJsonObject &object);

// GET or POST to the daemon, blocking until the answer or the timeout.
Result<QJsonDocument> requestSync(const Endpoint &endpoint, QByteArrayView method, const QString &path,
                                  int timeoutMs = 5000);

// The running daemon: its endpoint once /api/health answers. The error says what was found instead
// (no runtime file, a dead pid, no answer).
struct RunningDaemon {
    Endpoint endpoint;
    QJsonObject health;
};
Result<RunningDaemon> findRunningDaemon(const Paths &paths, int timeoutMs = 3000);

int runDaemon(const QStringList &args);
int runGpus(const QStringList &args);
int runEndpoint(const QStringList &args);
int runHealth(const QStringList &args);
int runStop(const QStringList &args);

}  // namespace nd::cli
