// JobQueue at run time: scheduling passes, starting jobs, their ends (with accounting and retries), time
// limits and the telemetry that feeds GPU sharing and GPU accounting.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>

#include <algorithm>
#include <csignal>

#include "core/queue/JobQueue.h"

namespace nd {

Q_DECLARE_LOGGING_CATEGORY(lcQueue)

namespace {}  // namespace

SchedPending schedPendingOf(const Job &job) {
    SchedPending p;
    p.jobId = job.id;
    p.arrayJobId = job.arrayJobId;
    p.arrayMaxConcurrent = job.spec.array ? job.spec.array->maxConcurrent : 0;
    p.priority = job.spec.priority;
    p.gpus = job.spec.gpus;
    p.gpuMemMib = job.spec.gpuMemMib;
    p.cpus = job.spec.cpus;
    p.memMib = job.spec.memMib;
    p.pinnedGpus = job.spec.gpuIndices;
    p.timeLimitSec = job.spec.timeLimitSec;
    p.held = job.held;
    p.beginTimeMs = job.spec.beginTimeMs;
    p.dependencies = job.spec.dependencies;
    return p;
}

namespace {

SchedRunning runningOf(const Job &job) {
    SchedRunning r;
    r.jobId = job.id;
    r.arrayJobId = job.arrayJobId;
    r.gpus = job.allocatedGpus;
    r.sharedGpu = job.spec.gpus == 0 && job.allocatedGpuMemMib > 0;
    r.gpuMemMib = job.allocatedGpuMemMib;
    r.cpus = job.spec.cpus;
    r.memMib = job.spec.memMib;
    r.expectedEndMs = job.spec.timeLimitSec > 0 ? job.startTimeMs + job.spec.timeLimitSec * 1000 : 0;
    return r;
}

}  // namespace

void JobQueue::setMachineLimits(int cpus, qint64 memMib) {
    m_options.machine.cpus = cpus;
    m_options.machine.memMib = memMib;
    requestSchedule();  // more room may start jobs now
}

void JobQueue::setBackfill(bool backfill) {
    m_options.scheduler.backfill = backfill;
    requestSchedule();
}

void JobQueue::setKillGraceSec(int seconds) {
    m_options.killGraceSec = seconds;
}

SchedulerSnapshot JobQueue::baseSnapshot() const {
    SchedulerSnapshot snapshot;
    snapshot.nowMs = now();
    snapshot.machine = m_options.machine;
    if (m_options.useNvmlFreeMemory)
        for (SchedGpu &gpu : snapshot.machine.gpus)
            for (const SchedGpu &reading : m_gpuFree)
                if (reading.index == gpu.index)
                    gpu.freeMib = reading.freeMib;
    snapshot.running.reserve(m_runningIds.size());
    for (qint64 id : m_runningIds)
        snapshot.running.push_back(runningOf(m_active.at(id)));
    return snapshot;
}

DependencyTarget JobQueue::dependencyTargetOf(const Dependency &dep) const {
    DependencyTarget target;
    const auto count = [&target](JobState state) {
        target.known = true;
        ++target.total;
        if (state != JobState::pending)
            ++target.started;
        if (isTerminal(state)) {
            ++target.ended;
            if (state == JobState::completed)
                ++target.endedOk;
        }
    };
    const auto array = m_arrays.constFind(dep.jobId);
    if (array != m_arrays.constEnd()) {
        for (const auto &[taskId, jobId] : *array)
            if (dep.arrayTaskId < 0 || taskId == dep.arrayTaskId)
                count(m_states.value(jobId).state);
    } else if (dep.arrayTaskId < 0) {
        const auto it = m_states.constFind(dep.jobId);
        if (it != m_states.constEnd())
            count(it->state);
    }
    return target;
}

void JobQueue::scheduleNow() {
    if (!m_store || m_pendingCache.empty())
        return;
    QElapsedTimer pass;
    pass.start();
    SchedulerSnapshot snapshot = baseSnapshot();
    // Borrowed for the pass and given back below: no copy of what may be 100,000 entries.
    snapshot.pending = std::move(m_pendingCache);
    // Targets are aggregated once per pass: many jobs often wait on the same array.
    QHash<QPair<qint64, int>, DependencyTarget> cache;
    snapshot.dependencyTarget = [this, &cache](const Dependency &dep) {
        const QPair<qint64, int> key{dep.jobId, dep.arrayTaskId};
        const auto cached = cache.constFind(key);
        if (cached != cache.constEnd())
            return *cached;
        const DependencyTarget target = dependencyTargetOf(dep);
        cache.insert(key, target);
        return target;
    };
    const SchedulerDecision decision = schedule(snapshot, m_options.scheduler);
    m_pendingCache = std::move(snapshot.pending);
    for (const PendingVerdict &verdict : decision.pending) {
        const auto it = m_active.find(verdict.jobId);
        if (it != m_active.end()) {
            it->second.reason = verdict.reason;
            it->second.expectedStartMs = verdict.expectedStartMs;
        }
    }
    m_lastPassUs = pass.nsecsElapsed() / 1000;
    if (!decision.starts.empty())
        startJobs(decision.starts);
}

void JobQueue::startJobs(const std::vector<StartDecision> &starts) {
    // Step 1: the jobs are running on disk before any process exists. A crash between the two steps
    // leaves running jobs without a process identity, which recovery turns into node_fail (and a retry)
    // — never a job that runs twice.
    const qint64 startMs = now();
    StoreBatch running;
    for (const StartDecision &start : starts) {
        const auto it = m_active.find(start.jobId);
        if (it == m_active.end() || it->second.state != JobState::pending)
            continue;
        Job job = it->second;
        job.state = *jobTransition(job.state, JobEvent::start);
        job.reason = PendingReason::none;
        job.expectedStartMs = 0;
        job.startTimeMs = startMs;
        job.endTimeMs = 0;
        job.exitCode = -1;
        job.termSignal = 0;
        job.message.clear();
        job.allocatedGpus = start.gpus;
        job.allocatedGpuMemMib = start.sharedGpu ? start.gpuMemMib : job.spec.gpuMemMib;
        job.process = {};
        job.childPid = 0;
        job.accounting = {};
        job.progress = {};
        running.updates.push_back(std::move(job));
    }
    if (!commitAndApply(running).ok())
        return;

    // Step 2: start the processes, then record who they are (and announce the starts).
    StoreBatch started;
    for (const Job &planned : running.updates) {
        Job job = planned;
        const QString jobDir = QDir(m_options.jobsDir).filePath(QString::number(job.id));
        m_gpuEnergyJ.remove(job.id);
        m_peakGpuMemMib.remove(job.id);
        Result<LaunchRequest> request =
            prepareLaunch(job, arrayBounds(job.arrayJobId), jobDir, m_options.killGraceSec);
        Result<ProcessIdentity> identity = request.ok() ? m_executor->launch(request.value())
                                                        : Result<ProcessIdentity>(Error{request.error()});
        if (!identity.ok()) {
            JobExit exit;
            exit.jobId = job.id;
            exit.status.launchError = identity.error();
            exit.status.endTimeMs = now();
            addEnd(job, exit, &started);
            continue;
        }
        job.process = identity.value();
        started.events.push_back(makeEvent(job, QStringLiteral("started")));
        started.updates.push_back(std::move(job));
    }
    commitAndApply(started);
}

void JobQueue::onExited(const JobExit &exit) {
    const auto it = m_active.find(exit.jobId);
    if (it == m_active.end() || it->second.state != JobState::running)
        return;
    finishJob(it->second, exit);
}

void JobQueue::finishJob(Job job, const JobExit &exit) {
    StoreBatch batch;
    addEnd(std::move(job), exit, &batch);
    commitAndApply(batch);
}

void JobQueue::addEnd(Job job, const JobExit &exit, StoreBatch *batch) {
    const ShimStatus &status = exit.status;
    const qint64 id = job.id;
    JobEvent event = JobEvent::exitError;
    QString eventType = QStringLiteral("ended");
    const JobState endAs = m_endAs.value(id, JobState::running);
    if (endAs == JobState::cancelled) {
        event = JobEvent::cancel;
        eventType = QStringLiteral("cancelled");
        job.message = QStringLiteral("cancelled by the user");
    } else if (endAs == JobState::timeout) {
        event = JobEvent::timeLimit;
        job.message = QStringLiteral("killed at its time limit of %1 s").arg(job.spec.timeLimitSec);
    } else if (endAs == JobState::pending) {
        event = JobEvent::requeue;
        eventType = QStringLiteral("requeued");
        job.message = QStringLiteral("requeued by the user");
    } else if (exit.statusMissing) {
        event = JobEvent::lost;
        job.message = QStringLiteral("the job's process was lost (daemon or machine crash)");
    } else if (!status.launchError.isEmpty()) {
        job.message = status.launchError;
    } else if (status.exitCode == 0 && status.termSignal == 0) {
        event = JobEvent::exitOk;
    }
    m_endAs.remove(id);
    m_killRequestedAtMs.remove(id);

    job.state = jobTransition(JobState::running, event).value_or(JobState::failed);
    job.reason = job.state == JobState::pending ? PendingReason::none : job.reason;
    job.endTimeMs = status.endTimeMs > 0 ? status.endTimeMs : now();
    job.exitCode = status.ended && status.termSignal == 0 ? status.exitCode : -1;
    job.termSignal = status.termSignal;
    job.childPid = status.childPid != 0 ? status.childPid : job.childPid;
    job.accounting.cpuTimeMs = status.cpuTimeMs;
    job.accounting.peakRssKib = status.peakRssKib;
    const double wallSec = std::max<qint64>(0, job.endTimeMs - job.startTimeMs) / 1000.0;
    double gpuShare = job.spec.gpus;
    if (job.spec.gpus == 0 && job.allocatedGpuMemMib > 0 && !job.allocatedGpus.isEmpty())
        for (const SchedGpu &gpu : m_options.machine.gpus)
            if (gpu.index == job.allocatedGpus.front() && gpu.totalMib > 0)
                gpuShare = static_cast<double>(job.allocatedGpuMemMib) / static_cast<double>(gpu.totalMib);
    job.accounting.gpuSeconds = gpuShare * wallSec;
    job.accounting.gpuEnergyJ = m_gpuEnergyJ.take(id);
    job.accounting.peakGpuMemMib = m_peakGpuMemMib.take(id);
    job.process = {};
    batch->events.push_back(makeEvent(job, eventType));

    // Automatic retries: a failure or a lost job goes back to the queue while retries remain.
    if ((job.state == JobState::failed || job.state == JobState::nodeFail) &&
        job.retries < job.spec.maxRetries) {
        job.state = *jobTransition(job.state, JobEvent::requeue);
        ++job.retries;
        job.reason = PendingReason::none;
        job.message =
            QStringLiteral("retry %1 of %2 after: %3")
                .arg(job.retries)
                .arg(job.spec.maxRetries)
                .arg(job.message.isEmpty() ? QStringLiteral("exit code %1").arg(job.exitCode) : job.message);
        batch->events.push_back(makeEvent(job, QStringLiteral("requeued")));
    }
    batch->updates.push_back(std::move(job));
}

void JobQueue::enforceTimeLimits() {
    const qint64 nowMs = now();
    for (qint64 id : m_runningIds) {
        const Job &job = m_active.at(id);
        if (job.spec.timeLimitSec <= 0 || m_endAs.contains(id))
            continue;
        if (nowMs >= job.startTimeMs + job.spec.timeLimitSec * 1000) {
            m_endAs.insert(id, JobState::timeout);
            m_killRequestedAtMs.insert(id, nowMs);
            const VoidResult sent = m_executor->terminate(id);
            if (!sent.ok())
                qCWarning(lcQueue, "job %lld: time limit: %s", static_cast<long long>(id),
                          qUtf8Printable(sent.error()));
        }
    }
}

void JobQueue::tick() {
    enforceTimeLimits();
    const qint64 nowMs = now();
    bool due = false;
    for (const SchedPending &job : m_pendingCache) {
        if (job.beginTimeMs > 0 && job.beginTimeMs <= nowMs && !job.held &&
            m_active.at(job.jobId).reason == PendingReason::beginTime) {
            due = true;
            break;
        }
    }
    if (due)
        requestSchedule();
}

void JobQueue::onTelemetry(const TelemetrySnapshot &snapshot) {
    const qint64 dtMs =
        m_lastSampleMs > 0 ? std::clamp<qint64>(snapshot.time_ms - m_lastSampleMs, 0, 5000) : 0;
    m_lastSampleMs = snapshot.time_ms;
    std::vector<SchedGpu> free;
    QHash<int, const GpuSample *> byIndex;
    for (const GpuSample &sample : snapshot.gpus) {
        byIndex.insert(sample.index, &sample);
        SchedGpu gpu;
        gpu.index = sample.index;
        gpu.totalMib = static_cast<qint64>(sample.memory_total_mib);
        gpu.freeMib =
            static_cast<qint64>(sample.memory_total_mib) - static_cast<qint64>(sample.memory_used_mib);
        free.push_back(gpu);
    }
    bool freeChanged = free.size() != m_gpuFree.size();
    for (size_t i = 0; !freeChanged && i < free.size(); ++i)
        freeChanged = free[i].freeMib != m_gpuFree[i].freeMib;
    m_gpuFree = std::move(free);

    // Which job each GPU process belongs to: its process group is the job's child pid.
    QHash<qint64, qint64> gpuMemByGroup;
    for (const GpuSample &sample : snapshot.gpus)
        for (const GpuProcessUsage &process : sample.processes) {
            QFile stat(QStringLiteral("/proc/%1/stat").arg(process.pid));
            if (!process.used_mib || !stat.open(QIODevice::ReadOnly))
                continue;
            const QByteArray text = stat.readAll();
            const qsizetype close = text.lastIndexOf(')');
            const QList<QByteArray> fields = text.mid(close + 2).split(' ');
            if (fields.size() > 2)
                gpuMemByGroup[fields[2].toLongLong()] += static_cast<qint64>(*process.used_mib);
        }
    for (qint64 id : m_runningIds) {
        Job &job = m_active.at(id);
        double share = job.spec.gpus > 0 ? 1.0 : 0.0;
        for (int index : job.allocatedGpus) {
            const GpuSample *sample = byIndex.value(index);
            if (!sample || !sample->power_w || sample->synthetic)
                continue;
            if (job.spec.gpus == 0 && sample->memory_total_mib > 0)
                share = static_cast<double>(job.allocatedGpuMemMib) /
                        static_cast<double>(sample->memory_total_mib);
            m_gpuEnergyJ[id] += *sample->power_w * share * static_cast<double>(dtMs) / 1000.0;
        }
        if (job.childPid == 0)
            job.childPid = m_executor->childPid(id);
        const qint64 used = gpuMemByGroup.value(job.childPid);
        if (job.childPid != 0 && used > m_peakGpuMemMib.value(id))
            m_peakGpuMemMib.insert(id, used);
    }
    if (freeChanged && m_options.useNvmlFreeMemory)
        requestSchedule();
}

}  // namespace nd
