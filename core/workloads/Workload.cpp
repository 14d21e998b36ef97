// workloadCommand: a workload object to the worker's command line.
#include "core/workloads/Workload.h"

#include <QDir>
#include <QJsonArray>

#include <cmath>

namespace nd {

namespace {

struct Flag {
    const char *key;   // JSON key
    const char *flag;  // worker option
    enum Type { integer, number, text, boolean } type;
};

// Options every worker takes (the engine's), then each kind's own.
const QList<Flag> &engineFlags() {
    static const QList<Flag> flags{{"device", "--device", Flag::text},
                                   {"ctx", "--ctx", Flag::integer},
                                   {"gpu_layers", "--gpu-layers", Flag::integer},
                                   {"threads", "--threads", Flag::integer},
                                   {"batch", "--batch", Flag::integer},
                                   {"kv_type", "--kv-type", Flag::text}};
    return flags;
}

const QList<Flag> &kindFlags(WorkloadKind kind) {
    static const QList<Flag> batch{{"max_tokens", "--max-tokens", Flag::integer},
                                   {"temperature", "--temperature", Flag::number},
                                   {"top_p", "--top-p", Flag::number},
                                   {"top_k", "--top-k", Flag::integer},
                                   {"seed", "--seed", Flag::integer},
                                   {"reasoning", "--think", Flag::boolean},
                                   {"parallel", "--parallel", Flag::integer}};
    static const QList<Flag> benchmark{{"prompt_tokens", "--prompt", Flag::integer},
                                       {"gen_tokens", "--gen", Flag::integer},
                                       {"reps", "--reps", Flag::integer}};
    static const QList<Flag> server{{"slots", "--slots", Flag::integer},
                                    {"idle_exit_s", "--idle-exit", Flag::integer}};
    switch (kind) {
        case WorkloadKind::batch:
            return batch;
        case WorkloadKind::benchmark:
            return benchmark;
        case WorkloadKind::server:
            break;
    }
    return server;
}

// The value as the worker's option text, or an error naming the key.
Result<QString> flagValue(const Flag &flag, const QJsonValue &value) {
    const QString key = QString::fromLatin1(flag.key);
    switch (flag.type) {
        case Flag::integer: {
            const double d = value.toDouble(-1);
            // Range first: casting a double beyond qint64 is undefined.
            if (!value.isDouble() || d < 0 || d > 1e15 || d != std::floor(d))
                return Error{QStringLiteral("workload.%1 must be a whole number >= 0").arg(key)};
            return QString::number(static_cast<qint64>(d));
        }
        case Flag::number:
            if (!value.isDouble())
                return Error{QStringLiteral("workload.%1 must be a number").arg(key)};
            return QString::number(value.toDouble(), 'g', 9);
        case Flag::text:
            if (!value.isString() || value.toString().isEmpty())
                return Error{QStringLiteral("workload.%1 must be a non-empty string").arg(key)};
            return value.toString();
        case Flag::boolean:
            if (!value.isBool())
                return Error{QStringLiteral("workload.%1 must be true or false").arg(key)};
            return value.toBool() ? QStringLiteral("on") : QStringLiteral("off");
    }
    return Error{QStringLiteral("workload.%1: unsupported").arg(key)};
}

}  // namespace

std::optional<WorkloadKind> parseWorkloadKind(const QString &text) {
    if (text == QLatin1String("batch"))
        return WorkloadKind::batch;
    if (text == QLatin1String("benchmark"))
        return WorkloadKind::benchmark;
    if (text == QLatin1String("server"))
        return WorkloadKind::server;
    return std::nullopt;
}

QString workloadKindName(WorkloadKind kind) {
    switch (kind) {
        case WorkloadKind::batch:
            return QStringLiteral("batch");
        case WorkloadKind::benchmark:
            return QStringLiteral("benchmark");
        case WorkloadKind::server:
            break;
    }
    return QStringLiteral("server");
}

Result<WorkloadCommand> workloadCommand(const QJsonObject &workload, const QString &nemoctl,
                                        const QString &workdir, const ModelResolver &resolve,
                                        const std::function<QStringList()> &availableModels) {
    WorkloadCommand command;
    const std::optional<WorkloadKind> kind =
        parseWorkloadKind(workload.value(QStringLiteral("kind")).toString());
    if (!kind)
        return Error{QStringLiteral("workload.kind must be \"batch\", \"benchmark\" or \"server\"")};
    command.kind = *kind;
    command.model = workload.value(QStringLiteral("model")).toString();
    if (command.model.isEmpty())
        return Error{QStringLiteral("workload.model must name a model of the library (nemoctl models list)")};
    const std::optional<QString> path = resolve ? resolve(command.model) : std::nullopt;
    if (!path) {
        QString known;
        if (availableModels) {
            const QStringList names = availableModels();
            known = names.isEmpty()
                        ? QStringLiteral("; the library is empty: add a folder with nemoctl models add DIR")
                        : QStringLiteral("; available: %1").arg(names.join(QStringLiteral(", ")));
        }
        return Error{QStringLiteral("workload.model: no model '%1'%2").arg(command.model, known)};
    }

    QStringList known{QStringLiteral("kind"), QStringLiteral("model")};
    const char *sub = command.kind == WorkloadKind::batch       ? "batch"
                      : command.kind == WorkloadKind::benchmark ? "bench"
                                                                : "serve";
    command.argv = {nemoctl, QStringLiteral("worker"), QString::fromLatin1(sub), QStringLiteral("--model"),
                    *path};
    if (command.kind == WorkloadKind::batch) {
        for (const char *key : {"input", "output"}) {
            const QString name = QString::fromLatin1(key);
            known.append(name);
            const QJsonValue value = workload.value(name);
            if (!value.isString() || value.toString().isEmpty())
                return Error{QStringLiteral("workload.%1 must be the path of a JSONL file").arg(name)};
            const QString file = QDir::cleanPath(QDir(workdir).absoluteFilePath(value.toString()));
            command.argv << QStringLiteral("--%1").arg(name) << file;
        }
    }
    for (const QList<Flag> *flags : {&engineFlags(), &kindFlags(command.kind)}) {
        for (const Flag &flag : *flags) {
            const QString key = QString::fromLatin1(flag.key);
            known.append(key);
            if (!workload.contains(key))
                continue;
            const Result<QString> value = flagValue(flag, workload.value(key));
            if (!value.ok())
                return Error{value.error()};
            command.argv << QString::fromLatin1(flag.flag) << value.value();
        }
    }
    for (auto it = workload.begin(); it != workload.end(); ++it)
        if (!known.contains(it.key()))
            return Error{
                QStringLiteral("unknown field 'workload.%1' for a %2 workload (known: %3)")
                    .arg(it.key(), workloadKindName(command.kind), known.join(QStringLiteral(", ")))};
    const QString verb =
        command.kind == WorkloadKind::server ? QStringLiteral("serve") : workloadKindName(command.kind);
    command.name = verb + QLatin1Char(' ') + command.model;
    return command;
}

}  // namespace nd
