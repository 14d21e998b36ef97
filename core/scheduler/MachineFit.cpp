// schedulerFitsMachine(): the submit-time check that a job could ever run here, with a message that says
// what to change. The empty machine is assumed: GPU sizes are totals, not what is free now.
#include <QStringList>

#include <algorithm>

#include "core/scheduler/Scheduler.h"

namespace nd {
namespace {

QString plural(qint64 count, QLatin1String one, QLatin1String many) {
    return QStringLiteral("%1 %2").arg(count).arg(count == 1 ? one : many);
}

QString gpuCount(qint64 count) {
    return plural(count, QLatin1String("GPU"), QLatin1String("GPUs"));
}

// "GPU 3", "GPUs 0-3,6": sorted indices with runs collapsed.
QString gpuList(QList<int> indices) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    QStringList parts;
    for (qsizetype i = 0; i < indices.size();) {
        qsizetype end = i;
        while (end + 1 < indices.size() && indices[end + 1] == indices[end] + 1)
            ++end;
        parts.append(end == i ? QString::number(indices[i])
                              : QStringLiteral("%1-%2").arg(indices[i]).arg(indices[end]));
        i = end + 1;
    }
    return (indices.size() == 1 ? QStringLiteral("GPU ") : QStringLiteral("GPUs ")) +
           parts.join(QLatin1Char(','));
}

QString machineGpus(const QList<int> &indices) {
    return indices.isEmpty() ? QStringLiteral("no GPUs") : gpuList(indices);
}

Error fitError(const QString &message) {
    return Error{message};
}

}  // namespace

VoidResult schedulerFitsMachine(const SchedPending &job, const SchedMachine &machine) {
    QList<int> machineIndices;
    for (const SchedGpu &gpu : machine.gpus)
        machineIndices.append(gpu.index);
    const bool usesGpu = job.gpus > 0 || job.gpuMemMib > 0;

    if (usesGpu && machine.gpus.empty()) {
        if (job.gpus > 0)
            return fitError(QStringLiteral("asks for %1; this machine has no GPUs").arg(gpuCount(job.gpus)));
        return fitError(
            QStringLiteral("asks for %1 MiB of GPU memory; this machine has no GPUs").arg(job.gpuMemMib));
    }
    if (job.gpus > static_cast<int>(machine.gpus.size()))
        return fitError(QStringLiteral("asks for %1; this machine has %2")
                            .arg(gpuCount(job.gpus))
                            .arg(static_cast<qsizetype>(machine.gpus.size())));

    QList<int> unknownPins;
    for (int index : job.pinnedGpus) {
        if (!machineIndices.contains(index))
            unknownPins.append(index);
    }
    if (!unknownPins.isEmpty())
        return fitError(QStringLiteral("pinned to %1; this machine has %2")
                            .arg(gpuList(unknownPins), machineGpus(machineIndices)));
    const bool pinned = !job.pinnedGpus.isEmpty();
    if (pinned && job.gpus > job.pinnedGpus.size())
        return fitError(QStringLiteral("asks for %1 but is pinned to %2 only")
                            .arg(gpuCount(job.gpus), gpuList(job.pinnedGpus)));

    if (usesGpu && job.gpuMemMib > 0) {
        qint64 largestMib = 0;
        int bigEnough = 0;
        for (const SchedGpu &gpu : machine.gpus) {
            if (pinned && !job.pinnedGpus.contains(gpu.index))
                continue;
            largestMib = std::max(largestMib, gpu.totalMib);
            bigEnough += gpu.totalMib >= job.gpuMemMib ? 1 : 0;
        }
        const QString which =
            pinned ? QStringLiteral("the largest GPU it is pinned to") : QStringLiteral("the largest GPU");
        if (bigEnough == 0)
            return fitError(QStringLiteral("asks for %1 MiB per GPU; %2 has %3 MiB")
                                .arg(job.gpuMemMib)
                                .arg(which)
                                .arg(largestMib));
        if (bigEnough < job.gpus)
            return fitError(QStringLiteral("asks for %1 with %2 MiB each; only %3 that much")
                                .arg(gpuCount(job.gpus))
                                .arg(job.gpuMemMib)
                                .arg(bigEnough == 1 ? QStringLiteral("1 GPU has")
                                                    : QStringLiteral("%1 GPUs have").arg(bigEnough)));
    }

    if (job.cpus > machine.cpus)
        return fitError(QStringLiteral("asks for %1; this machine has %2")
                            .arg(plural(job.cpus, QLatin1String("CPU"), QLatin1String("CPUs")))
                            .arg(machine.cpus));
    if (machine.memMib > 0 && job.memMib > machine.memMib)
        return fitError(QStringLiteral("asks for %1 MiB of host memory; this machine has %2 MiB")
                            .arg(job.memMib)
                            .arg(machine.memMib));
    return success();
}

}  // namespace nd
