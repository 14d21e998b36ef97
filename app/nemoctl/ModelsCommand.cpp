// nemoctl models: the daemon's model library (docs/api.md, "Models"). `add DIR` and `remove DIR` change
// the folders it scans (kept by the daemon across restarts); `list` shows the models it found, with
// their facts or, for a file that cannot be read, the reason.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include "Cli.h"
#include "JobFormat.h"
#include "WorkerCommands.h"
#include "gpu/model/model_info.h"

namespace nd::cli {

namespace {

const QString kUsage = QStringLiteral("nemoctl models add DIR | remove DIR | list [--json] | rescan");

// The daemon's answer to one request, or the error printed (exitFailure).
int call(QByteArrayView method, const QString &path, const QJsonObject &body, QJsonObject *answer) {
    const Result<Endpoint> endpoint = locateDaemon(Paths::fromEnvironment());
    if (!endpoint) {
        printErr(endpoint.error());
        return exitFailure;
    }
    SyncHttp http(*endpoint);
    Result<QJsonObject> reply = callJson(http, method, path, body);
    if (!reply) {
        printErr(reply.error());
        return exitFailure;
    }
    *answer = std::move(reply).value();
    return -1;
}

QString sizeText(const QJsonValue &bytes) {
    return QString::fromStdString(model_format_bytes(static_cast<uint64_t>(bytes.toDouble())));
}

QString table(const QJsonObject &library) {
    QList<QStringList> rows{{QStringLiteral("NAME"), QStringLiteral("ARCH"), QStringLiteral("PARAMS"),
                             QStringLiteral("TYPES"), QStringLiteral("SIZE"), QStringLiteral("PATH")}};
    QStringList notes;
    for (const QJsonValue &v : library.value(QStringLiteral("models")).toArray()) {
        const QJsonObject m = v.toObject();
        const QString name = m.value(QStringLiteral("name")).toString();
        const QString path = m.value(QStringLiteral("path")).toString();
        if (m.contains(QStringLiteral("error"))) {
            rows.append({name, QStringLiteral("-"), QStringLiteral("-"), QStringLiteral("(unreadable)"),
                         sizeText(m.value(QStringLiteral("size_bytes"))), path});
            notes << QStringLiteral("%1: %2").arg(path, m.value(QStringLiteral("error")).toString());
            continue;
        }
        rows.append({name, m.value(QStringLiteral("architecture")).toString(),
                     m.value(QStringLiteral("params")).toString(),
                     m.value(QStringLiteral("type_mix")).toString(),
                     sizeText(m.value(QStringLiteral("size_bytes"))), path});
        if (m.contains(QStringLiteral("shadowed_by")))
            notes << QStringLiteral("%1: the name '%2' belongs to %3; use the path")
                         .arg(path, name, m.value(QStringLiteral("shadowed_by")).toString());
    }
    QString out = rows.size() > 1 ? formatTable(rows, {Align::left, Align::left, Align::right, Align::left,
                                                       Align::right, Align::left})
                                  : QStringLiteral("no models found\n");
    for (const QString &n : notes)
        out += n + u'\n';
    QStringList folders;
    for (const QJsonValue &v : library.value(QStringLiteral("folders")).toArray()) {
        const QJsonObject f = v.toObject();
        folders << f.value(QStringLiteral("path")).toString() + (f.value(QStringLiteral("exists")).toBool()
                                                                     ? QString()
                                                                     : QStringLiteral(" (missing)"));
    }
    out += QStringLiteral("folders: %1%2\n")
               .arg(folders.isEmpty() ? QStringLiteral("none (nemoctl models add DIR)")
                                      : folders.join(QStringLiteral(", ")),
                    library.value(QStringLiteral("scanning")).toBool() ? QStringLiteral(" (scanning…)")
                                                                       : QString());
    return out;
}

}  // namespace

int runModels(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption json(
        QStringLiteral("json"),
        QStringLiteral("list: print the daemon's JSON ({folders, models, scanning})."));
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("add, remove, list or rescan"));
    const int early = parseOrExit(
        parser, args, kUsage,
        QStringLiteral("The daemon's model library: GGUF files in model folders, scanned recursively (split "
                       "models once, through their first shard). add/remove change the folders (a relative "
                       "DIR is taken from the current folder); list shows name, architecture, parameters, "
                       "tensor types, size and path, and why a file cannot be read."),
        ParseRules{Positionals::allowed, HelpOption::dashHAndLong, SingleDash::longOption});
    if (early >= 0)
        return early;
    const QStringList pos = parser.positionalArguments();
    const QString action = pos.value(0);
    QJsonObject answer;
    if (action == QLatin1String("add") || action == QLatin1String("remove")) {
        if (pos.size() != 2)
            return usageError(QStringLiteral("models %1 takes one folder").arg(action), kUsage);
        // The daemon wants an absolute path; the user's shell meant one relative to here.
        const QString dir = QDir::cleanPath(QFileInfo(pos.at(1)).absoluteFilePath());
        const int rc = call(action == QLatin1String("add") ? "POST" : "DELETE",
                            QStringLiteral("/api/models/folders"), {{QStringLiteral("path"), dir}}, &answer);
        if (rc >= 0)
            return rc;
        printOut(QStringLiteral("%1 %2\n").arg(
            action == QLatin1String("add") ? QStringLiteral("added") : QStringLiteral("removed"), dir));
        return exitOk;
    }
    if (action == QLatin1String("rescan")) {
        if (const int rc = call("POST", QStringLiteral("/api/models/rescan"), {}, &answer); rc >= 0)
            return rc;
        return exitOk;
    }
    if (action == QLatin1String("list") || action.isEmpty()) {
        if (pos.size() > 1)
            return usageError(QStringLiteral("unexpected argument '%1'").arg(pos.at(1)), kUsage);
        if (const int rc = call("GET", QStringLiteral("/api/models"), {}, &answer); rc >= 0)
            return rc;
        printOut(parser.isSet(json) ? toJsonText(answer) : table(answer));
        return exitOk;
    }
    return usageError(QStringLiteral("unknown action '%1' (add, remove, list, rescan)").arg(action), kUsage);
}

}  // namespace nd::cli
