#pragma once
// Model workloads as jobs (docs/api.md "Model workloads"): a job spec's "workload" object — batch inference,
// a benchmark, or a model server — becomes the `nemoctl worker …` command line the queue runs, with the
// model's name resolved to its file through the model library.
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

#include "core/common/Result.h"

namespace nd {

enum class WorkloadKind { batch = 1, benchmark, server };
std::optional<WorkloadKind> parseWorkloadKind(const QString &text);
QString workloadKindName(WorkloadKind kind);  // "batch", "benchmark", "server"

// A model name (or an absolute .gguf path) to the file; nullopt when the library has no such model.
using ModelResolver = std::function<std::optional<QString>(const QString &name)>;

struct WorkloadCommand {
    WorkloadKind kind = WorkloadKind::batch;
    QString model;     // as the user named it
    QStringList argv;  // [nemoctl, "worker", …]
    QString name;      // default job name: "batch llama-3b", "serve nano"
};

// Checks every key (unknown keys and wrong types are errors naming the key; batch input and output must be
// absolute, or relative to `workdir`) and builds the command. `availableModels` is named in the error for an
// unknown model.
Result<WorkloadCommand> workloadCommand(const QJsonObject &workload, const QString &nemoctl,
                                        const QString &workdir, const ModelResolver &resolve,
                                        const std::function<QStringList()> &availableModels = {});

}  // namespace nd
