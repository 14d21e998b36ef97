#pragma once
// JobQueue: the local queue as one object on the daemon's main thread. It owns the store (every change
// is committed before it is acknowledged or acted on), the executor (job processes) and the in-memory
// view the scheduler works from: active jobs, and the state of every job ever submitted (for
// dependencies). Each operation is: check → build a StoreBatch → commit → apply in memory → emit events →
// ask for a scheduling pass. Scheduling passes are coalesced (one per event-loop turn) and also run on a
// tick, for time limits, begin times and GPU memory that NVML reports freed.
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/common/Result.h"
#include "core/executor/Executor.h"
#include "core/jobs/Job.h"
#include "core/queue/JobLaunch.h"
#include "core/queue/JobPreview.h"
#include "core/queue/JobRef.h"
#include "core/scheduler/Scheduler.h"
#include "core/store/JobStore.h"
#include "core/telemetry/TelemetrySnapshot.h"
#include "core/workloads/Workload.h"

namespace nd {

struct SubmitResult {
    std::vector<qint64> jobIds;
    qint64 arrayJobId = 0;
    QStringList warnings;
};

// An action refused because of the job's state (HTTP 409) vs. a job that does not exist (404) vs. bad
// input (400): the API needs to tell them apart.
struct QueueError {
    enum class Kind { invalid = 1, notFound, conflict, internal };
    Kind kind = Kind::invalid;
    QString message;
};
template <typename T>
using QueueResult = std::variant<T, QueueError>;

// What the scheduler needs to know about a pending job.
SchedPending schedPendingOf(const Job &job);

class JobQueue : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString databaseFile;
        QString jobsDir;                 // <data>/jobs: per-job scripts and shim status files
        QString defaultLogDir;           // <data>/logs/jobs: default stdout/stderr location
        QString defaultWorkdir;          // for specs without one
        SchedMachine machine;            // GPUs from the inventory, CPUs and memory from settings or the host
        bool useNvmlFreeMemory = false;  // only real NVML readings count as "free memory"
        int killGraceSec = 10;
        SchedulerOptions scheduler;
        Executor::Options executor;
        int tickMs = 500;
        qint64 eventsKept = 20000;        // a client further behind than the replay limit reloads anyway
        std::function<qint64()> clockMs;  // Unix ms; default: the system clock
        // Turns a spec's "workload" into its command (the daemon resolves model names through its library);
        // without it, workload jobs are refused.
        std::function<Result<WorkloadCommand>(const QJsonObject &workload, const QString &workdir)> workloads;
    };

    explicit JobQueue(Options options, QObject *parent = nullptr);
    ~JobQueue() override;  // never kills jobs: they outlive the daemon and are re-adopted by the next

    // Opens the store and recovers: pending jobs stay pending; running jobs whose shim still lives are
    // re-adopted; jobs whose shim ended while we were down get the end their status file records; the rest
    // become node_fail (and are requeued while retries allow). Then starts scheduling.
    VoidResult start();

    // POST /api/jobs: one spec or {"jobs": [...]}. All or nothing, committed before it returns.
    QueueResult<std::vector<SubmitResult>> submit(const QJsonObject &request);
    // POST /api/jobs/preview: one spec checked exactly as submit() checks it, then what the scheduler would
    // do with it now (JobPreview.h). Stores nothing. For an array, its first task.
    QueueResult<JobPreview> preview(const QJsonObject &request) const;
    QueueResult<QList<qint64>> cancel(const QString &ref, std::optional<int> signalNumber = {});
    QueueResult<QList<qint64>> hold(const QString &ref);
    QueueResult<QList<qint64>> release(const QString &ref);
    QueueResult<QList<qint64>> requeue(const QString &ref);
    QueueResult<QList<qint64>> update(const QString &ref, std::optional<qint64> priority,
                                      std::optional<qint64> timeLimitSec);

    // A job by id: active ones from memory (with the live reason), others from the store.
    QueueResult<Job> find(const QString &ref) const;
    // The store's query with in-memory details (reason, expected start) laid over active jobs.
    Result<JobPage> query(const JobQuery &query) const;
    Result<std::vector<JobEventRecord>> eventsAfter(qint64 afterSeq, int limit) const;
    qint64 lastSeq() const { return m_lastSeq; }
    Result<qint64> oldestSeq() const;

    // POST /api/jobs/{id}/progress: a running job's worker says how far it is. `report` is merged into the
    // job's progress key by key (null removes a key); the merged object is returned and announced.
    // Only running jobs report (409 otherwise); at most 64 keys and 16 KiB.
    QueueResult<QJsonObject> reportProgress(qint64 id, const QJsonObject &report);

    // GET /api/queue.
    QJsonObject summary() const;
    const Options &options() const { return m_options; }
    // Settings applied while running (PUT /api/settings): the CPUs and memory the queue hands out and
    // backfill take effect at the next scheduling pass; the kill grace for jobs started from now on (a
    // running job's shim has its own).
    void setMachineLimits(int cpus, qint64 memMib);
    void setBackfill(bool backfill);
    void setKillGraceSec(int seconds);
    int activeCount() const { return static_cast<int>(m_active.size()); }
    int runningCount() const { return m_runningCount; }

    // The daemon feeds telemetry in: free GPU memory for sharing, and per-job GPU memory and energy.
    void onTelemetry(const TelemetrySnapshot &snapshot);
    // Runs one scheduling pass now (tests; the queue schedules by itself otherwise).
    void scheduleNow();

Q_SIGNALS:
    // After the change is committed. `payload` is the SSE data ({"seq","type","time_ms","job"}).
    void jobEvent(const nd::JobEventRecord &event);
    // A running job's progress changed (not a stored event: progress is state, reported often).
    void jobProgress(qint64 jobId, const QJsonObject &progress);

private:
    friend class JobQueueTestAccess;
    struct Active;
    qint64 now() const;
    void requestSchedule();
    void tick();
    void onExited(const JobExit &exit);
    VoidResult recover();
    // Commits the batch, applies it to memory and emits its events; on failure changes nothing.
    VoidResult commitAndApply(StoreBatch &batch);
    JobEventRecord makeEvent(const Job &job, const QString &type);
    QueueResult<QList<qint64>> resolveRef(const QString &ref, bool wholeArray) const;
    // hold() and release().
    enum class HoldAction { hold = 1, release };
    QueueResult<QList<qint64>> setHeld(const QString &ref, HoldAction action);
    // The end of every action: a refusal naming the job's state when nothing applied, else the commit.
    QueueResult<QList<qint64>> finishAction(const QString &ref, const QList<qint64> &affected,
                                            StoreBatch &batch, const QString &refusal);
    void startJobs(const std::vector<StartDecision> &starts);
    void finishJob(Job job, const JobExit &exit);
    void enforceTimeLimits();
    // Keeps m_active, m_pendingCache and m_runningIds in step with one job's new state.
    void track(const Job &job);
    // Submit steps (JobQueueSubmit.cpp).
    QueueResult<std::vector<Job>> planSubmit(const QJsonObject &spec, qint64 firstId,
                                             SubmitResult *result) const;
    // What a scheduling pass starts from (JobQueueRun.cpp): the machine with NVML's free memory and the
    // running jobs; and what a dependency's jobs have reached, as the pass counts it.
    SchedulerSnapshot baseSnapshot() const;
    DependencyTarget dependencyTargetOf(const Dependency &dep) const;
    QString checkDependencies(const JobSpec &spec) const;
    ArrayBounds arrayBounds(qint64 arrayJobId) const;
    // Ends a running job whose process is gone (JobQueueRun.cpp): state, accounting, retries, events.
    void addEnd(Job job, const JobExit &exit, StoreBatch *batch);

    Options m_options;
    std::unique_ptr<JobStore> m_store;
    Executor *m_executor = nullptr;
    std::unordered_map<qint64, Job> m_active;  // pending and running, by id
    // What the scheduler reads, kept up to date as jobs change so a pass copies nothing: one entry per
    // pending job (any order; removal swaps the last entry in), and the ids of running jobs.
    std::vector<SchedPending> m_pendingCache;
    QHash<qint64, size_t> m_pendingSlot;
    std::set<qint64> m_runningIds;
    qint64 m_lastPassUs = 0;
    QHash<qint64, JobStateEntry> m_states;  // every job: for dependencies and ref resolution
    QHash<qint64, std::vector<std::pair<int, qint64>>> m_arrays;  // array job id → (task id, job id)
    QHash<qint64, qint64> m_killRequestedAtMs;  // running jobs we asked to end (cancel/timeout/requeue)
    QHash<qint64, JobState> m_endAs;            // what a killed job becomes: cancelled, timeout, pending
    QHash<qint64, double> m_gpuEnergyJ;         // running jobs: energy so far
    QHash<qint64, qint64> m_peakGpuMemMib;
    std::vector<SchedGpu> m_gpuFree;  // latest free memory per GPU (NVML)
    qint64 m_lastSampleMs = 0;
    qint64 m_nextJobId = 1;
    qint64 m_lastSeq = 0;
    qint64 m_prunedAtSeq = 0;
    QString m_hostName;
    int m_runningCount = 0;
    bool m_scheduleQueued = false;
    QTimer m_tick;
};

}  // namespace nd
