// nemoctl logs: a job's stdout or stderr, byte for byte; with -f, followed (GET …/log/follow, Server-Sent
// Events) until the job has ended and everything it wrote was printed.
#include <QEventLoop>
#include <QJsonObject>

#include <cstdio>

#include "Cli.h"
#include "CliTime.h"
#include "core/client/EventStream.h"
#include "core/jobs/JobState.h"

namespace nd::cli {

namespace {

const auto usageLine = QStringLiteral("nemoctl logs ID [-f] [--err] [--tail N]");
constexpr qint64 maxChunkBytes = 4 * 1024 * 1024;  // the API's largest read
constexpr qint64 firstTailBytes = 64 * 1024;

void writeBytes(const QByteArray &bytes) {
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fflush(stdout);
}

struct LogRead {
    qint64 nextOffset = 0;  // where following goes on
    bool jobEnded = false;  // and the whole file was read
};

QString logPath(const QString &ref, const QString &stream, qint64 offset, qint64 limit) {
    QString path = QStringLiteral("/api/jobs/%1/log?stream=%2&offset=%3").arg(ref, stream).arg(offset);
    if (limit > 0)
        path += QStringLiteral("&limit=%1").arg(limit);
    return path;
}

Result<HttpReply> readChunk(SyncHttp &http, const QString &path) {
    Result<HttpReply> reply = http.request("GET", path);
    if (reply.ok() && !reply->isSuccess())
        return Error{reply->errorMessage()};
    return reply;
}

bool endedState(const HttpReply &reply) {
    const std::optional<JobState> state = parseJobState(QString::fromUtf8(reply.header("x-job-state")));
    return state && isTerminal(*state);
}

// The whole file, in chunks, as it is now.
Result<LogRead> printAll(SyncHttp &http, const QString &ref, const QString &stream) {
    qint64 offset = 0;
    while (true) {
        const Result<HttpReply> reply = readChunk(http, logPath(ref, stream, offset, maxChunkBytes));
        if (!reply.ok())
            return Error{reply.error()};
        writeBytes(reply->body);
        offset = reply->header("x-log-offset").toLongLong() + reply->body.size();
        const qint64 size = reply->header("x-log-size").toLongLong();
        if (reply->body.isEmpty() || offset >= size)
            return LogRead{offset, endedState(reply.value()) && offset >= size};
    }
}

// The last `lines` lines: reads backwards from the end, twice as far each time, until it has enough.
Result<LogRead> printTail(SyncHttp &http, const QString &ref, const QString &stream, qint64 lines) {
    qint64 back = firstTailBytes;
    while (true) {
        const Result<HttpReply> reply = readChunk(http, logPath(ref, stream, -back, maxChunkBytes));
        if (!reply.ok())
            return Error{reply.error()};
        const QByteArray &bytes = reply->body;
        const qint64 start = reply->header("x-log-offset").toLongLong();
        const qint64 end = start + bytes.size();
        // Lines end in '\n'; a last line without one still counts.
        qsizetype cut = bytes.size();
        if (cut > 0 && bytes.endsWith('\n'))
            --cut;
        qint64 found = 0;
        while (found < lines && cut > 0) {
            const qsizetype nl = bytes.lastIndexOf('\n', cut - 1);
            if (nl < 0) {
                cut = -1;
                break;
            }
            ++found;
            cut = nl;
        }
        const bool enough = found >= lines && cut >= 0;
        if (enough || start == 0 || back >= maxChunkBytes) {
            if (lines > 0)
                writeBytes(enough ? bytes.sliced(cut + 1) : bytes);
            const qint64 size = reply->header("x-log-size").toLongLong();
            return LogRead{end, endedState(reply.value()) && end >= size};
        }
        back *= 2;
    }
}

// Follows the log from `offset` until the daemon says the job has ended.
int follow(const Paths &paths, const Endpoint &endpoint, const QString &ref, const QString &stream,
           qint64 offset) {
    QEventLoop loop;
    EventStream events(endpoint);
    const auto followPath = [&] {
        return QStringLiteral("/api/jobs/%1/log/follow?stream=%2&offset=%3").arg(ref, stream).arg(offset);
    };
    events.setPath(followPath());
    QObject::connect(
        &events, &EventStream::eventReceived, &loop, [&](const QString &type, const QJsonObject &data) {
            if (type == QLatin1StringView("log")) {
                const QByteArray bytes =
                    QByteArray::fromBase64(data.value(QStringLiteral("data")).toString().toLatin1());
                writeBytes(bytes);
                offset = data.value(QStringLiteral("offset")).toInteger() + bytes.size();
            } else if (type == QLatin1StringView("end")) {
                loop.quit();
            }
        });
    // A dropped stream resumes where the output stopped, not from the first offset again.
    QObject::connect(&events, &EventStream::disconnected, &loop, [&] {
        events.setPath(followPath());
        followRestartedDaemon(events, paths);
    });
    events.start();
    loop.exec();
    events.stop();
    return exitOk;
}

}  // namespace

int runLogs(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption followOption({QStringLiteral("f"), QStringLiteral("follow")},
                                          QStringLiteral("Keep printing what the job writes until it ends."));
    const QCommandLineOption err(QStringLiteral("err"), QStringLiteral("The stderr log instead of stdout."));
    const QCommandLineOption tail(QStringLiteral("tail"), QStringLiteral("Only the last N lines."),
                                  QStringLiteral("N"));
    parser.addOptions({followOption, err, tail});
    const int early =
        parseOrExit(parser, args, usageLine,
                    QStringLiteral("Prints a job's output log (ID: 12 or 12_3) exactly as written. "
                                   "With -f it follows the log and exits 0 once the job has ended."),
                    jobCommandRules(Positionals::allowed));
    if (early >= 0)
        return early;
    const QStringList refs = parser.positionalArguments();
    if (refs.size() != 1)
        return usageError(QStringLiteral("give exactly one job ID"), usageLine);
    const QString ref = refs.first();
    if (!isJobIdArgument(ref))
        return usageError(QStringLiteral("'%1' is not a job id (12, or 12_3 for an array task)").arg(ref),
                          usageLine);
    qint64 tailLines = -1;
    if (parser.isSet(tail)) {
        bool ok = false;
        tailLines = parser.value(tail).toLongLong(&ok);
        if (!ok || tailLines < 0)
            return usageError(
                QStringLiteral("--tail takes a number of lines, not '%1'").arg(parser.value(tail)),
                usageLine);
    }
    const QString stream = parser.isSet(err) ? QStringLiteral("stderr") : QStringLiteral("stdout");

    const Paths paths = Paths::fromEnvironment();
    const Result<Endpoint> endpoint = locateDaemon(paths);
    if (!endpoint.ok()) {
        printErr(endpoint.error());
        return exitFailure;
    }
    SyncHttp http(endpoint.value());
    const Result<LogRead> read =
        tailLines >= 0 ? printTail(http, ref, stream, tailLines) : printAll(http, ref, stream);
    if (!read.ok()) {
        printErr(read.error());
        return exitFailure;
    }
    if (!parser.isSet(followOption) || read->jobEnded)
        return exitOk;
    return follow(paths, endpoint.value(), ref, stream, read->nextOffset);
}

}  // namespace nd::cli
