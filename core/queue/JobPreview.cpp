// The submit dry run's scheduling part: one pass over a snapshot plus the candidate, and its verdict in
// words (JobQueue::preview, JobQueuePreview.cpp, does the checks and builds the snapshot).
#include "core/queue/JobPreview.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>

namespace nd {

namespace {

// What the running jobs (and those starting in the same pass) hold, for the "what it lacks" detail.
struct Held {
    QHash<int, bool> whole;        // GPU index → a whole-GPU job runs on it
    QHash<int, qint64> sharedMib;  // GPU index → reserved by shared jobs
    QHash<int, bool> shared;       // GPU index → a shared job runs on it
    int cpus = 0;
    qint64 memMib = 0;
};

void hold(Held *held, const QList<int> &gpus, bool sharedGpu, qint64 gpuMemMib, int cpus, qint64 memMib) {
    for (int gpu : gpus) {
        if (sharedGpu) {
            held->shared[gpu] = true;
            held->sharedMib[gpu] += gpuMemMib;
        } else {
            held->whole[gpu] = true;
        }
    }
    held->cpus += cpus;
    held->memMib += memMib;
}

QString gpuWord(int n) {
    return n == 1 ? QStringLiteral("1 GPU") : QStringLiteral("%1 GPUs").arg(n);
}

// Why a job that waits for `resources` does not fit now: the first thing it lacks.
QString resourceDetail(const SchedulerSnapshot &snapshot, const SchedPending &job, const Held &held) {
    const auto allowed = [&job](int index) {
        return job.pinnedGpus.isEmpty() || job.pinnedGpus.contains(index);
    };
    if (job.gpus > 0) {
        int free = 0;
        for (const SchedGpu &gpu : snapshot.machine.gpus) {
            const bool bigEnough =
                gpu.totalMib >= job.gpuMemMib && (gpu.freeMib < 0 || gpu.freeMib >= job.gpuMemMib);
            if (allowed(gpu.index) && bigEnough && !held.whole.value(gpu.index) &&
                !held.shared.value(gpu.index))
                ++free;
        }
        if (free < job.gpus) {
            const QString with =
                job.gpuMemMib > 0 ? QStringLiteral(" with %1 MiB").arg(job.gpuMemMib) : QString();
            return QStringLiteral("needs %1%2, %3 free").arg(gpuWord(job.gpus), with).arg(free);
        }
    } else if (job.gpuMemMib > 0) {
        qint64 most = 0;
        for (const SchedGpu &gpu : snapshot.machine.gpus) {
            if (!allowed(gpu.index) || held.whole.value(gpu.index))
                continue;
            qint64 available = gpu.totalMib - held.sharedMib.value(gpu.index);
            if (gpu.freeMib >= 0)
                available = std::min(available, gpu.freeMib);
            most = std::max(most, available);
        }
        if (most < job.gpuMemMib)
            return QStringLiteral("needs %1 MiB on one GPU, at most %2 MiB free")
                .arg(job.gpuMemMib)
                .arg(most);
    }
    if (held.cpus + job.cpus > snapshot.machine.cpus)
        return QStringLiteral("needs %1 CPUs, %2 free")
            .arg(job.cpus)
            .arg(std::max(0, snapshot.machine.cpus - held.cpus));
    if (snapshot.machine.memMib > 0 && held.memMib + job.memMib > snapshot.machine.memMib)
        return QStringLiteral("needs %1 MiB of memory, %2 MiB free")
            .arg(job.memMib)
            .arg(std::max<qint64>(0, snapshot.machine.memMib - held.memMib));
    return QStringLiteral("what it needs is not free now");
}

QString reasonDetail(PendingReason reason) {
    switch (reason) {
        case PendingReason::priority:
            return QStringLiteral("it would fit, but would delay a job ahead of it that has a reservation");
        case PendingReason::dependency:
            return QStringLiteral("waits for the jobs it depends on");
        case PendingReason::dependencyNeverSatisfied:
            return QStringLiteral("a dependency can no longer be met");
        case PendingReason::held:
            return QStringLiteral("submitted held: it starts once released");
        case PendingReason::beginTime:
            return QStringLiteral("its begin time is in the future");
        case PendingReason::arrayTaskLimit:
            return QStringLiteral("its array already runs its limit of tasks");
        case PendingReason::none:
        case PendingReason::resources:
            break;
    }
    return {};
}

}  // namespace

QJsonObject jobPreviewToJson(const JobPreview &preview) {
    QJsonObject json{{QStringLiteral("would_start"), preview.wouldStart},
                     {QStringLiteral("name"), preview.name},
                     {QStringLiteral("jobs"), preview.jobs},
                     {QStringLiteral("warnings"), QJsonArray::fromStringList(preview.warnings)}};
    if (preview.wouldStart) {
        QJsonArray gpus;
        for (int gpu : preview.gpus)
            gpus.append(gpu);
        json.insert(QStringLiteral("gpus"), gpus);
    } else {
        json.insert(QStringLiteral("reason"), pendingReasonName(preview.reason));
        json.insert(QStringLiteral("detail"), preview.detail);
        json.insert(QStringLiteral("expected_start_ms"), preview.expectedStartMs);
    }
    return json;
}

JobPreview previewStart(SchedulerSnapshot snapshot, SchedPending candidate, const SchedulerOptions &options) {
    qint64 lastId = 0;
    for (const SchedRunning &r : snapshot.running)
        lastId = std::max(lastId, r.jobId);
    for (const SchedPending &p : snapshot.pending)
        lastId = std::max(lastId, p.jobId);
    candidate.jobId = lastId + 1;
    if (candidate.arrayJobId != 0)
        candidate.arrayJobId = candidate.jobId;
    snapshot.pending.push_back(candidate);
    const SchedulerDecision decision = schedule(snapshot, options);

    JobPreview preview;
    Held held;
    for (const SchedRunning &r : snapshot.running)
        hold(&held, r.gpus, r.sharedGpu, r.gpuMemMib, r.cpus, r.memMib);
    for (const StartDecision &start : decision.starts) {
        if (start.jobId == candidate.jobId) {
            preview.wouldStart = true;
            preview.gpus = start.gpus;
            return preview;
        }
        for (const SchedPending &p : snapshot.pending)
            if (p.jobId == start.jobId)
                hold(&held, start.gpus, start.sharedGpu, start.gpuMemMib, p.cpus, p.memMib);
    }
    preview.reason = PendingReason::resources;
    for (const PendingVerdict &verdict : decision.pending) {
        if (verdict.jobId == candidate.jobId) {
            preview.reason = verdict.reason;
            preview.expectedStartMs = verdict.expectedStartMs;
        }
    }
    preview.detail = preview.reason == PendingReason::resources ? resourceDetail(snapshot, candidate, held)
                                                                : reasonDetail(preview.reason);
    return preview;
}

}  // namespace nd
