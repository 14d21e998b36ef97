#pragma once
// The Queue view's table: one row per pending or running job (GET /api/jobs), kept current from the
// daemon's `job` and `progress` events. Rows are keyed by job id with an id → row hash, and every event
// changes only its row (insert, dataChanged or remove; a reset only for a full (re)load), so the desk keeps
// up with 100 jobs/s changing state in a queue of 10,000. A 1 s timer refreshes the elapsed column of
// running rows only. Lives on the GUI thread; fed by QueueView.
#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QTimer>

#include <functional>

#include "core/jobs/Job.h"
#include "ui/queue/MachineSnapshot.h"

namespace nd {

// The three states the Queue shows; held is pending with the user's hold.
enum class QueueState { pending = 1, running, held };
QueueState queueStateOf(const Job &job);
QString queueStateName(QueueState state);  // "pending", "running", "held"

class QueueTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    struct Columns {
        static constexpr int id = 0;
        static constexpr int name = 1;
        static constexpr int state = 2;
        static constexpr int reason = 3;
        static constexpr int gpus = 4;
        static constexpr int time = 5;  // elapsed / limit
        static constexpr int progress = 6;
        static constexpr int tokensPerS = 7;
        static constexpr int priority = 8;
        static constexpr int submitted = 9;
        static constexpr int count = 10;
    };

    enum Role {
        SortRole = Qt::UserRole + 1,  // raw value for sorting: numbers, Unix ms, the state's order
        JobIdRole,                    // the job id (qint64), every column
        QueueStateRole,               // QueueState as int, every column
    };

    struct Counts {
        int running = 0;
        int pending = 0;  // not counting held
        int held = 0;
    };

    using Clock = std::function<qint64()>;  // Unix ms; injectable for tests

    explicit QueueTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // A full (re)load: replaces every row (one model reset). Jobs that are not pending/running are skipped.
    void resetJobs(QList<Job> jobs);
    // One `job` event: updates the job's row, inserts it, or removes it when it left pending/running.
    void applyJob(const Job &job);
    // A pending job's reason and start estimate, re-read from GET /api/jobs: the scheduler changes them
    // without a `job` event. Ignored unless the row and `job` are both still pending (an event may have
    // moved the row on since the request went out).
    void refreshPending(const Job &job);
    // One `progress` event: the job's whole progress object.
    void applyProgress(qint64 jobId, const QJsonObject &progress);
    // A new GET /api/queue answer: the reasons of pending rows are worded against it.
    void setMachine(const MachineSnapshot &machine);
    // What the 1 s timer does: elapsed of running rows (and "expected in ~N min" of pending ones).
    void tick();
    void setClock(Clock clock) { m_clock = std::move(clock); }

    int rowOfJob(qint64 id) const { return m_rowOf.value(id, -1); }
    const Job &jobAt(int row) const { return m_jobs.at(row); }
    const MachineSnapshot &machine() const { return m_machine; }
    Counts counts() const { return m_counts; }
    QString reasonText(const Job &job) const;

Q_SIGNALS:
    void countsChanged();

private:
    void count(const Job &job, int sign);
    void removeRow(int row);
    QVariant display(const Job &job, int column) const;
    QVariant sortValue(const Job &job, int column) const;
    qint64 elapsedMs(const Job &job) const;

    QList<Job> m_jobs;
    QHash<qint64, int> m_rowOf;         // job id → row
    QHash<qint64, int> m_arrayRunning;  // array job id → its running tasks (for the throttle reason)
    MachineSnapshot m_machine;
    Counts m_counts;
    Clock m_clock;
    QTimer m_tick;
};

}  // namespace nd
