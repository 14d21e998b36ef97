#pragma once
// One finished job as the History view shows it: the fields of the API's Job JSON (docs/api.md) that the
// table, the filters and the CSV export need, read leniently. Lenient on purpose: a history row must show
// even when a newer daemon's spec has keys this client does not know, so only id and state are required.
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

#include "core/common/Result.h"

namespace nd {

struct HistoryRow {
    qint64 id = 0;
    QString displayId;  // "12" or "10_3"
    QString name;
    QString state;  // the API's name: "completed", "failed", "cancelled", "timeout", "node_fail"
    int exitCode = -1;
    int signal = 0;
    QString message;
    qint64 submitMs = 0;
    qint64 startMs = 0;
    qint64 endMs = 0;
    qint64 wallMs = 0;
    QList<int> gpus;
    double gpuSeconds = 0;
    double gpuEnergyJ = 0;
    qint64 peakRssKib = 0;
    qint64 cpuTimeMs = 0;
    QStringList tags;
    std::optional<qint64> tokens;  // progress.completion_tokens of model workloads; none for plain jobs

    static Result<HistoryRow> fromJson(const QJsonObject &job);
};

}  // namespace nd
