// JobQueue: start-up and recovery, the commit-then-apply path every change takes, events, lookups.
#include "core/queue/JobQueue.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <algorithm>
#include <limits>

namespace nd {

Q_LOGGING_CATEGORY(lcQueue, "nemodesk.queue")

JobQueue::JobQueue(Options options, QObject *parent) : QObject(parent), m_options(std::move(options)) {
    if (!m_options.clockMs)
        m_options.clockMs = [] { return QDateTime::currentMSecsSinceEpoch(); };
    m_tick.setInterval(m_options.tickMs);
    connect(&m_tick, &QTimer::timeout, this, &JobQueue::tick);
}

JobQueue::~JobQueue() = default;

qint64 JobQueue::now() const {
    return m_options.clockMs();
}

VoidResult JobQueue::start() {
    for (const QString &dir : {m_options.jobsDir, m_options.defaultLogDir})
        if (!QDir().mkpath(dir))
            return Error{QStringLiteral("cannot create the folder %1").arg(dir)};
    Result<std::unique_ptr<JobStore>> store = JobStore::open(m_options.databaseFile);
    if (!store.ok())
        return Error{store.error()};
    m_store = std::move(store).value();
    m_executor = new Executor(m_options.executor, this);
    connect(m_executor, &Executor::exited, this, &JobQueue::onExited);

    const Result<qint64> maxId = m_store->maxJobId();
    const Result<qint64> maxSeq = m_store->maxEventSeq();
    const Result<std::vector<JobStateEntry>> states = m_store->loadStateIndex();
    if (!maxId.ok() || !maxSeq.ok() || !states.ok())
        return Error{!maxId.ok() ? maxId.error() : !maxSeq.ok() ? maxSeq.error() : states.error()};
    m_nextJobId = maxId.value() + 1;
    m_lastSeq = maxSeq.value();
    m_states.reserve(static_cast<qsizetype>(states->size()));
    for (const JobStateEntry &entry : states.value()) {
        m_states.insert(entry.id, entry);
        if (entry.arrayJobId != 0)
            m_arrays[entry.arrayJobId].push_back({entry.arrayTaskId, entry.id});
    }
    const VoidResult recovered = recover();
    if (!recovered.ok())
        return recovered;
    m_tick.start();
    requestSchedule();
    return success();
}

VoidResult JobQueue::recover() {
    const Result<std::vector<Job>> active = m_store->loadActive();
    if (!active.ok())
        return Error{active.error()};
    StoreBatch batch;
    int adopted = 0;
    for (const Job &stored : active.value()) {
        Job job = stored;
        if (job.state == JobState::pending) {
            job.reason = job.held ? PendingReason::held : PendingReason::none;
            track(job);
            continue;
        }
        const QString statusFile = QDir(m_options.jobsDir).filePath(QStringLiteral("%1/status").arg(job.id));
        track(job);
        if (job.process.pid != 0 && m_executor->adopt(job.id, job.process, statusFile).ok()) {
            ++adopted;
            continue;
        }
        // The shim is gone. If it ended while we were down, its status file says how the job ended.
        JobExit exit;
        exit.jobId = job.id;
        const Result<ShimStatus> status = readShimStatus(statusFile);
        if (status.ok() && status->ended) {
            exit.status = status.value();
        } else {
            exit.statusMissing = true;
            if (status.ok())
                exit.status = status.value();
        }
        finishJob(job, exit);
    }
    qCInfo(lcQueue, "queue: %d pending, %d running (%d re-adopted) after start-up",
           static_cast<int>(m_active.size()) - m_runningCount, m_runningCount, adopted);
    return success();
}

void JobQueue::track(const Job &job) {
    const auto it = m_active.find(job.id);
    const bool wasRunning = it != m_active.end() && it->second.state == JobState::running;
    const bool isRunning = job.state == JobState::running;
    m_runningCount += (isRunning ? 1 : 0) - (wasRunning ? 1 : 0);
    if (isRunning)
        m_runningIds.insert(job.id);
    else
        m_runningIds.erase(job.id);

    constexpr size_t none = std::numeric_limits<size_t>::max();
    const size_t slot = m_pendingSlot.value(job.id, none);
    if (job.state == JobState::pending) {
        if (slot != none) {
            m_pendingCache[slot] = schedPendingOf(job);
        } else {
            m_pendingSlot.insert(job.id, m_pendingCache.size());
            m_pendingCache.push_back(schedPendingOf(job));
        }
    } else if (slot != none) {
        const size_t index = slot;
        m_pendingSlot.remove(job.id);
        if (index + 1 != m_pendingCache.size()) {
            m_pendingCache[index] = std::move(m_pendingCache.back());
            m_pendingSlot.insert(m_pendingCache[index].jobId, index);
        }
        m_pendingCache.pop_back();
    }

    if (isTerminal(job.state)) {
        if (it != m_active.end())
            m_active.erase(it);
    } else if (it != m_active.end()) {
        it->second = job;
    } else {
        m_active.emplace(job.id, job);
    }
}

void JobQueue::requestSchedule() {
    if (m_scheduleQueued)
        return;
    m_scheduleQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_scheduleQueued = false;
        scheduleNow();
    });
}

JobEventRecord JobQueue::makeEvent(const Job &job, const QString &type) {
    JobEventRecord event;
    event.seq = ++m_lastSeq;
    event.timeMs = now();
    event.jobId = job.id;
    event.type = type;
    const QJsonObject payload{{QStringLiteral("seq"), event.seq},
                              {QStringLiteral("type"), type},
                              {QStringLiteral("time_ms"), event.timeMs},
                              {QStringLiteral("job"), jobToJson(job)}};
    event.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    return event;
}

VoidResult JobQueue::commitAndApply(StoreBatch &batch) {
    if (batch.empty())
        return success();
    const VoidResult committed = m_store->commit(batch);
    if (!committed.ok()) {
        // Nothing changed on disk, so nothing changes in memory; the seqs handed out are taken back.
        if (!batch.events.empty())
            m_lastSeq = batch.events.front().seq - 1;
        qCWarning(lcQueue, "%s", qUtf8Printable(committed.error()));
        return committed;
    }
    const auto apply = [this](const Job &job) {
        m_states.insert(job.id, JobStateEntry{job.id, job.arrayJobId, job.arrayTaskId, job.state});
        track(job);
    };
    for (const Job &job : batch.inserts) {
        if (job.arrayJobId != 0)
            m_arrays[job.arrayJobId].push_back({job.arrayTaskId, job.id});
        apply(job);
    }
    for (const Job &job : batch.updates)
        apply(job);
    for (const JobEventRecord &event : batch.events)
        Q_EMIT jobEvent(event);
    if (m_lastSeq - m_prunedAtSeq >= 10000) {
        m_prunedAtSeq = m_lastSeq;
        m_store->pruneEvents(m_options.eventsKept);
    }
    requestSchedule();
    return success();
}

QueueResult<QList<qint64>> JobQueue::resolveRef(const QString &text, bool wholeArray) const {
    const Result<JobRef> ref = parseJobRef(text);
    if (!ref.ok())
        return QueueError{QueueError::Kind::invalid, ref.error()};
    const auto array = m_arrays.constFind(ref->id);
    if (ref->arrayTaskId >= 0) {
        if (array != m_arrays.constEnd())
            for (const auto &[taskId, jobId] : *array)
                if (taskId == ref->arrayTaskId)
                    return QList<qint64>{jobId};
        return QueueError{QueueError::Kind::notFound, QStringLiteral("no job %1").arg(text)};
    }
    if (wholeArray && array != m_arrays.constEnd()) {
        QList<qint64> ids;
        for (const auto &task : *array)
            ids.append(task.second);
        std::sort(ids.begin(), ids.end());
        return ids;
    }
    if (!m_states.contains(ref->id))
        return QueueError{QueueError::Kind::notFound, QStringLiteral("no job %1").arg(text)};
    return QList<qint64>{ref->id};
}

QueueResult<Job> JobQueue::find(const QString &text) const {
    const QueueResult<QList<qint64>> ids = resolveRef(text, false);
    if (const auto *error = std::get_if<QueueError>(&ids))
        return *error;
    const qint64 id = std::get<QList<qint64>>(ids).front();
    const auto it = m_active.find(id);
    if (it != m_active.end())
        return it->second;
    const Result<std::optional<Job>> stored = m_store->find(id);
    if (!stored.ok())
        return QueueError{QueueError::Kind::internal, stored.error()};
    if (!stored->has_value())
        return QueueError{QueueError::Kind::notFound, QStringLiteral("no job %1").arg(text)};
    return **stored;
}

Result<JobPage> JobQueue::query(const JobQuery &query) const {
    Result<JobPage> page = m_store->query(query);
    if (!page.ok())
        return page;
    for (Job &job : page->jobs) {
        const auto it = m_active.find(job.id);
        if (it != m_active.end())
            job = it->second;
    }
    return page;
}

Result<std::vector<JobEventRecord>> JobQueue::eventsAfter(qint64 afterSeq, int limit) const {
    return m_store->eventsAfter(afterSeq, limit);
}

Result<qint64> JobQueue::oldestSeq() const {
    return m_store->minEventSeq();
}

QJsonObject JobQueue::summary() const {
    int cpusAllocated = 0;
    qint64 memAllocated = 0;
    QHash<int, QJsonArray> jobsOnGpu;
    QHash<int, qint64> sharedReserved;
    QHash<int, bool> whole;
    QHash<QString, int> counts;
    for (const auto &[id, job] : m_active) {
        counts[jobStateName(job.state)] += 1;
        if (job.state != JobState::running)
            continue;
        cpusAllocated += job.spec.cpus;
        memAllocated += job.spec.memMib;
        for (int gpu : job.allocatedGpus) {
            jobsOnGpu[gpu].append(id);
            if (job.allocatedGpuMemMib > 0 && job.spec.gpus == 0)
                sharedReserved[gpu] += job.allocatedGpuMemMib;
            else
                whole[gpu] = true;
        }
    }
    for (const JobStateEntry &entry : m_states)
        if (isTerminal(entry.state))
            counts[jobStateName(entry.state)] += 1;
    QJsonArray gpus;
    for (const SchedGpu &gpu : m_options.machine.gpus) {
        qint64 free = gpu.totalMib;
        for (const SchedGpu &reading : m_gpuFree)
            if (reading.index == gpu.index && reading.freeMib >= 0)
                free = reading.freeMib;
        gpus.append(QJsonObject{{QStringLiteral("index"), gpu.index},
                                {QStringLiteral("memory_total_mib"), gpu.totalMib},
                                {QStringLiteral("memory_free_mib"), free},
                                {QStringLiteral("jobs"), jobsOnGpu.value(gpu.index)},
                                {QStringLiteral("shared_reserved_mib"), sharedReserved.value(gpu.index)},
                                {QStringLiteral("whole"), whole.value(gpu.index)}});
    }
    QJsonObject countsJson;
    for (JobState state : {JobState::pending, JobState::running, JobState::completed, JobState::failed,
                           JobState::cancelled, JobState::timeout, JobState::nodeFail})
        countsJson.insert(jobStateName(state), counts.value(jobStateName(state)));
    return QJsonObject{{QStringLiteral("cpus"), m_options.machine.cpus},
                       {QStringLiteral("pending_jobs"), static_cast<qint64>(m_pendingCache.size())},
                       {QStringLiteral("last_pass_ms"), static_cast<double>(m_lastPassUs) / 1000.0},
                       {QStringLiteral("cpus_allocated"), cpusAllocated},
                       {QStringLiteral("mem_mib"), m_options.machine.memMib},
                       {QStringLiteral("mem_allocated_mib"), memAllocated},
                       {QStringLiteral("gpus"), gpus},
                       {QStringLiteral("counts"), countsJson},
                       {QStringLiteral("backfill"), m_options.scheduler.backfill},
                       {QStringLiteral("last_seq"), m_lastSeq}};
}

}  // namespace nd
