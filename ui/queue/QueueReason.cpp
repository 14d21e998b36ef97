// Reasons in plain words for the Queue view (see QueueReason.h).
#include "ui/queue/QueueReason.h"

#include <QDateTime>
#include <QStringList>

#include "ui/common/Formatting.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

QString dependencyKindName(Dependency::Kind kind) {
    switch (kind) {
        case Dependency::Kind::after:
            return u"after"_s;
        case Dependency::Kind::afterAny:
            return u"afterany"_s;
        case Dependency::Kind::afterOk:
            return u"afterok"_s;
        case Dependency::Kind::afterNotOk:
            return u"afternotok"_s;
    }
    return u"after"_s;
}

QString gpuList(const QList<int> &gpus) {
    QStringList parts;
    for (const int gpu : gpus)
        parts.append(QString::number(gpu));
    return parts.join(u',');
}

QString expectedStart(const Job &job, qint64 nowMs) {
    if (job.expectedStartMs <= 0)
        return {};
    if (job.expectedStartMs <= nowMs)
        return u" → expected to start any moment"_s;
    return u" → expected to start in %1"_s.arg(approximateDuration(job.expectedStartMs - nowMs));
}

// What the job asks for that the machine does not have free now, e.g. "needs 2 GPUs with 20.0 GiB, 1 free".
QString missingResources(const JobSpec &spec, const MachineSnapshot &machine) {
    QStringList needs;
    if (spec.gpus > 0) {
        QString need = spec.gpus == 1 ? u"needs 1 GPU"_s : u"needs %1 GPUs"_s.arg(spec.gpus);
        if (spec.gpuMemMib > 0)
            need += u" with %1 GiB"_s.arg(fmt::gib(spec.gpuMemMib));
        if (!spec.gpuIndices.isEmpty())
            need += u" (pinned to GPU %1)"_s.arg(gpuList(spec.gpuIndices));
        if (machine.known)
            need += u", %1 free"_s.arg(machine.freeGpus(spec.gpuMemMib));
        needs.append(need);
    } else if (spec.gpuMemMib > 0) {
        QString need = u"needs %1 GiB on a shared GPU"_s.arg(fmt::gib(spec.gpuMemMib));
        if (machine.known)
            need += u", at most %1 GiB free"_s.arg(fmt::gib(machine.largestShareableMib()));
        needs.append(need);
    }
    if (machine.known && machine.cpus > 0 && spec.cpus > machine.cpus - machine.cpusAllocated)
        needs.append(u"needs %1 CPUs, %2 free"_s.arg(spec.cpus).arg(machine.cpus - machine.cpusAllocated));
    if (machine.known && spec.memMib > 0 && machine.memMib > 0 &&
        spec.memMib > machine.memMib - machine.memAllocatedMib) {
        needs.append(u"needs %1 GiB of memory, %2 GiB free"_s.arg(
            fmt::gib(spec.memMib), fmt::gib(machine.memMib - machine.memAllocatedMib)));
    }
    return needs.join(u"; "_s);
}

QString beginTimeText(qint64 beginMs, qint64 nowMs) {
    const QDateTime begin = QDateTime::fromMSecsSinceEpoch(beginMs);
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs);
    if (begin.date() == now.date())
        return u"starts at %1"_s.arg(begin.toString(u"HH:mm"_s));
    return u"starts on %1 at %2"_s.arg(begin.toString(u"d MMM"_s), begin.toString(u"HH:mm"_s));
}

}  // namespace

QString approximateDuration(qint64 ms) {
    const qint64 minutes = (ms + 30'000) / 60'000;
    if (minutes < 1)
        return u"under a minute"_s;
    if (minutes < 60)
        return u"~%1 min"_s.arg(minutes);
    if (minutes % 60 == 0)
        return u"~%1 h"_s.arg(minutes / 60);
    return u"~%1 h %2 min"_s.arg(minutes / 60).arg(minutes % 60);
}

QString clockDuration(qint64 ms) {
    const qint64 seconds = std::max<qint64>(ms, 0) / 1000;
    const qint64 h = seconds / 3600;
    const qint64 m = (seconds / 60) % 60;
    const qint64 s = seconds % 60;
    if (h > 0)
        return u"%1:%2:%3"_s.arg(h).arg(m, 2, 10, QChar(u'0')).arg(s, 2, 10, QChar(u'0'));
    return u"%1:%2"_s.arg(m).arg(s, 2, 10, QChar(u'0'));
}

QString queueReasonText(const Job &job, const ReasonContext &context) {
    if (job.state == JobState::running) {
        if (job.allocatedGpus.isEmpty())
            return u"running on the CPU"_s;
        QString text = u"running on GPU %1"_s.arg(gpuList(job.allocatedGpus));
        if (job.allocatedGpuMemMib > 0)
            text += u" (a %1 GiB share)"_s.arg(fmt::gib(job.allocatedGpuMemMib));
        return text;
    }
    if (job.state != JobState::pending)
        return jobStateName(job.state);  // finished: the row is about to leave the queue
    if (job.held || job.reason == PendingReason::held)
        return u"held: release it to run"_s;

    const QString eta = expectedStart(job, context.nowMs);
    switch (job.reason) {
        case PendingReason::resources: {
            const QString missing = missingResources(job.spec, context.machine);
            return (missing.isEmpty() ? u"waiting for resources"_s : u"waiting for resources: "_s + missing) +
                   eta;
        }
        case PendingReason::priority:
            return u"waiting behind a higher-priority job that has the resources reserved"_s + eta;
        case PendingReason::dependency:
        case PendingReason::dependencyNeverSatisfied: {
            QStringList on;
            for (const Dependency &dep : job.spec.dependencies) {
                const QString id = dep.arrayTaskId >= 0 ? u"%1_%2"_s.arg(dep.jobId).arg(dep.arrayTaskId)
                                                        : QString::number(dep.jobId);
                on.append(u"%1 (%2)"_s.arg(id, dependencyKindName(dep.kind)));
            }
            const QString jobs = (on.size() == 1 ? u"job "_s : u"jobs "_s) + on.join(u", "_s);
            if (job.reason == PendingReason::dependencyNeverSatisfied)
                return u"can never start: its dependency on %1 can no longer be met (cancel it)"_s.arg(jobs);
            return on.isEmpty() ? u"waiting for its dependencies"_s : u"waiting for %1"_s.arg(jobs) + eta;
        }
        case PendingReason::beginTime:
            return job.spec.beginTimeMs > 0 ? beginTimeText(job.spec.beginTimeMs, context.nowMs)
                                            : u"waiting for its begin time"_s;
        case PendingReason::arrayTaskLimit: {
            const int limit = job.spec.array ? job.spec.array->maxConcurrent : 0;
            // Slurm writes the throttle as "%N" after the range ("0-9%2").
            return u"array throttle: %1 running (%2)"_s.arg(context.arrayTasksRunning)
                .arg(u'%' + QString::number(limit));
        }
        case PendingReason::held:
        case PendingReason::none:
            break;
    }
    return u"waiting to be scheduled"_s + eta;
}

}  // namespace nd
