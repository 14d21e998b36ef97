#pragma once
// nemoctl's small framework: the command table, per-command option parsing with --help, exit codes,
// output helpers and synchronous calls to the daemon (SyncHttp, a blocking keep-alive connection).
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "core/client/Endpoint.h"
#include "core/common/Result.h"
#include "core/paths/Paths.h"

#include "SyncHttp.h"

namespace nd {
class EventStream;
}

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

enum class Positionals {
    forbidden = 1,   // any positional argument is a usage error
    allowed,         // the command checks them (ids); options may come before or after them
    restAfterFirst,  // everything from the first positional on is positional (SCRIPT ARGS…, -- PROG ARGS…)
};
enum class HelpOption {
    dashHAndLong = 1,  // -h and --help
    longOnly,          // --help only: the command's -h means something else (squeue's --noheader)
};
enum class SingleDash {
    longOption = 1,  // "-abc" is --abc (the daemon-side commands)
    shortOptions,    // "-abc" is -a -b -c and "-G2" is -G 2, as in Slurm's tools (the job commands)
};
struct ParseRules {
    Positionals positionals = Positionals::forbidden;
    HelpOption help = HelpOption::dashHAndLong;
    SingleDash singleDash = SingleDash::longOption;
};
// The job commands' rules: short options as Slurm's tools read them.
constexpr ParseRules jobCommandRules(Positionals positionals, HelpOption help = HelpOption::dashHAndLong) {
    return ParseRules{positionals, help, SingleDash::shortOptions};
}

// Parses a command's options. Returns -1 to go on, or the exit code when done (--help printed: 0; an
// error printed: exitUsage).
int parseOrExit(QCommandLineParser &parser, const QStringList &args, const QString &usage,
                const QString &description, ParseRules rules = {});
// "unexpected argument …"/usage message and exitUsage, for checks a command makes after parsing.
int usageError(const QString &message, const QString &usageLine);

void printOut(const QString &text);  // stdout, text as given
void printErr(const QString &text);  // stderr, "nemoctl: " + text + newline
QString toJsonText(const QJsonObject &object);

// One request to the daemon on a new connection, blocking until the answer or the timeout; an empty JSON
// object is sent as the body of a POST. Errors: "daemon not reachable at …", "401 unauthorized: …".
Result<QJsonDocument> requestSync(const Endpoint &endpoint, QByteArrayView method, const QString &path,
                                  int timeoutMs = 5000);

// The daemon for a job command, found the lean way: the runtime file names a live process. No
// /api/health round trip: the request that follows tells whether it answers. Errors as
// findRunningDaemon's, with the hint to start one.
Result<Endpoint> locateDaemon(const Paths &paths);

// For an event stream that dropped: a restarted daemon listens elsewhere, maybe with another token, so
// the stream's next attempt goes where the runtime file now says (nothing changes while none runs).
void followRestartedDaemon(EventStream &stream, const Paths &paths);

// A request on `http`, with `body` as JSON for any method but GET; the answer's JSON object, or an error:
// the daemon's message for a 4xx ("job 12 is completed: only pending jobs can be held"), or why no answer
// came.
Result<QJsonObject> callJson(SyncHttp &http, QByteArrayView method, const QString &pathAndQuery,
                             const QJsonObject &body = {});
// Percent-encodes a query value (a glob, a comma list, a tag).
QString queryValue(const QString &value);

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
int runSubmit(const QStringList &args);
int runQueue(const QStringList &args);
int runShow(const QStringList &args);
int runCancel(const QStringList &args);
int runHold(const QStringList &args);
int runRelease(const QStringList &args);
int runRequeue(const QStringList &args);
int runUpdate(const QStringList &args);
int runLogs(const QStringList &args);
int runHistory(const QStringList &args);
int runWait(const QStringList &args);
// Model files, tokenizers and chat templates (local: no daemon).
int runInfo(const QStringList &args);
int runTokenize(const QStringList &args);
int runDetokenize(const QStringList &args);
int runTemplate(const QStringList &args);
// Inference on the CPU/GPU engine (local: no daemon).
int runEval(const QStringList &args);
int runRun(const QStringList &args);
int runBench(const QStringList &args);

}  // namespace nd::cli
