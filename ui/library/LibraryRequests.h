#pragma once
// The job specs the Models view submits for the model workloads (docs/api.md "Model workloads"), as pure
// functions so that tests can read them.
#include <QJsonObject>
#include <QString>

namespace nd {

enum class GpuRequest { none = 1, one };

// `model` is what the workload names: the model's name, or its path for a shadowed file.
QJsonObject benchmarkJobSpec(const QString &model, GpuRequest gpus);
// Answers to `inputPath` (a JSONL of prompts) written to `outputPath`; both absolute. The job runs in
// the output's folder, where its log lands too.
QJsonObject batchJobSpec(const QString &model, const QString &inputPath, const QString &outputPath,
                         GpuRequest gpus);

}  // namespace nd
