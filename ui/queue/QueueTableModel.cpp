// QueueTableModel: pending and running jobs, updated row by row from events (see QueueTableModel.h).
#include "ui/queue/QueueTableModel.h"

#include <QDateTime>
#include <QIcon>
#include <QPainter>
#include <QPixmap>

#include "ui/common/Colors.h"
#include "ui/common/Formatting.h"
#include "ui/queue/QueueReason.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

bool belongsInQueue(const Job &job) {
    return job.state == JobState::pending || job.state == JobState::running;
}

QColor stateColor(QueueState state) {
    switch (state) {
        case QueueState::running:
            return colors::ok();
        case QueueState::pending:
            return colors::pending();
        case QueueState::held:
            return colors::host();
    }
    return colors::host();
}

// A small filled circle in the state's colour: colour is never the only cue (the text says the state).
QIcon stateIcon(QueueState state) {
    static QHash<int, QIcon> cache;
    auto it = cache.find(static_cast<int>(state));
    if (it == cache.end()) {
        QPixmap pixmap(12, 12);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(stateColor(state));
        painter.drawEllipse(QRectF(1, 1, 10, 10));
        painter.end();
        it = cache.insert(static_cast<int>(state), QIcon(pixmap));
    }
    return *it;
}

QString gpusText(const Job &job) {
    if (job.state == JobState::running && !job.allocatedGpus.isEmpty()) {
        QStringList ids;
        for (const int gpu : job.allocatedGpus)
            ids.append(QString::number(gpu));
        return ids.join(u',');
    }
    const JobSpec &spec = job.spec;
    if (spec.gpus > 0)
        return spec.gpuMemMib > 0 ? u"%1 × %2 GiB"_s.arg(spec.gpus).arg(fmt::gib(spec.gpuMemMib))
                                  : QString::number(spec.gpus);
    if (spec.gpuMemMib > 0)
        return u"share %1 GiB"_s.arg(fmt::gib(spec.gpuMemMib));
    return u"—"_s;
}

// Fraction done of a model job (batch: lines), or -1 when it reports none.
double progressFraction(const QJsonObject &progress) {
    const double total = progress.value(u"total"_s).toDouble();
    return total > 0 ? progress.value(u"done"_s).toDouble() / total : -1.0;
}

QString progressText(const QJsonObject &progress) {
    if (progress.isEmpty())
        return {};
    const QString phase = progress.value(u"phase"_s).toString();
    if (phase == u"loading"_s)
        return u"loading the model"_s;
    if (phase == u"serving"_s)
        return u"serving · %1 active"_s.arg(progress.value(u"active"_s).toInt());
    const double fraction = progressFraction(progress);
    if (fraction >= 0) {
        return u"%1 % (%2 / %3)"_s.arg(qRound(fraction * 100))
            .arg(progress.value(u"done"_s).toInteger())
            .arg(progress.value(u"total"_s).toInteger());
    }
    return phase;
}

}  // namespace

QueueState queueStateOf(const Job &job) {
    if (job.state == JobState::running)
        return QueueState::running;
    return job.held || job.reason == PendingReason::held ? QueueState::held : QueueState::pending;
}

QString queueStateName(QueueState state) {
    switch (state) {
        case QueueState::pending:
            return u"pending"_s;
        case QueueState::running:
            return u"running"_s;
        case QueueState::held:
            return u"held"_s;
    }
    return {};
}

QueueTableModel::QueueTableModel(QObject *parent)
    : QAbstractTableModel(parent), m_clock([] { return QDateTime::currentMSecsSinceEpoch(); }) {
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &QueueTableModel::tick);
    m_tick.start();
}

int QueueTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_jobs.size());
}

int QueueTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : Columns::count;
}

QVariant QueueTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const QString names[Columns::count] = {
        u"ID"_s,       u"Name"_s,     u"State"_s,    u"Reason"_s,   u"GPUs"_s, u"Elapsed / limit"_s,
        u"Progress"_s, u"Tokens/s"_s, u"Priority"_s, u"Submitted"_s};
    return section >= 0 && section < Columns::count ? QVariant(names[section]) : QVariant();
}

QString QueueTableModel::reasonText(const Job &job) const {
    ReasonContext context{m_machine, m_clock(), 0};
    if (job.isArrayTask())
        context.arrayTasksRunning = m_arrayRunning.value(job.arrayJobId);
    return queueReasonText(job, context);
}

qint64 QueueTableModel::elapsedMs(const Job &job) const {
    return job.state == JobState::running && job.startTimeMs > 0
               ? std::max<qint64>(m_clock() - job.startTimeMs, 0)
               : 0;
}

QVariant QueueTableModel::display(const Job &job, int column) const {
    switch (column) {
        case Columns::id:
            return job.displayId();
        case Columns::name:
            return job.spec.name;
        case Columns::state:
            return queueStateName(queueStateOf(job));
        case Columns::reason:
            return reasonText(job);
        case Columns::gpus:
            return gpusText(job);
        case Columns::time: {
            const QString limit =
                job.spec.timeLimitSec > 0 ? clockDuration(job.spec.timeLimitSec * 1000) : u"—"_s;
            const QString elapsed = job.state == JobState::running ? clockDuration(elapsedMs(job)) : u"—"_s;
            return u"%1 / %2"_s.arg(elapsed, limit);
        }
        case Columns::progress:
            return progressText(job.progress);
        case Columns::tokensPerS:
            return job.progress.contains(u"tokens_per_s"_s)
                       ? QString::number(job.progress.value(u"tokens_per_s"_s).toDouble(), 'f', 1)
                       : QString();
        case Columns::priority:
            return QString::number(job.spec.priority);
        case Columns::submitted: {
            const QDateTime submitted = QDateTime::fromMSecsSinceEpoch(job.submitTimeMs);
            return submitted.date() == QDateTime::fromMSecsSinceEpoch(m_clock()).date()
                       ? submitted.toString(u"HH:mm:ss"_s)
                       : submitted.toString(u"d MMM HH:mm"_s);
        }
    }
    return {};
}

QVariant QueueTableModel::sortValue(const Job &job, int column) const {
    switch (column) {
        case Columns::id:
            return job.id;
        case Columns::name:
            return job.spec.name;
        case Columns::state:
            return static_cast<int>(queueStateOf(job));
        case Columns::reason:
            return static_cast<int>(job.reason);
        case Columns::gpus:
            return job.state == JobState::running ? static_cast<int>(job.allocatedGpus.size())
                                                  : job.spec.gpus;
        case Columns::time:
            return job.state == JobState::running ? elapsedMs(job) : -1;
        case Columns::progress:
            return progressFraction(job.progress);
        case Columns::tokensPerS:
            return job.progress.value(u"tokens_per_s"_s).toDouble(-1.0);
        case Columns::priority:
            return job.spec.priority;
        case Columns::submitted:
            return job.submitTimeMs;
    }
    return {};
}

QVariant QueueTableModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job &job = m_jobs.at(index.row());
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return display(job, column);
        case SortRole:
            return sortValue(job, column);
        case JobIdRole:
            return job.id;
        case QueueStateRole:
            return static_cast<int>(queueStateOf(job));
        case Qt::DecorationRole:
            return column == Columns::state ? QVariant(stateIcon(queueStateOf(job))) : QVariant();
        case Qt::ForegroundRole:
            if (column == Columns::reason && job.reason == PendingReason::dependencyNeverSatisfied)
                return colors::problem();
            if (queueStateOf(job) == QueueState::held)
                return colors::host();
            return {};
        case Qt::ToolTipRole:
            if (column == Columns::reason || column == Columns::state)
                return u"Job %1 (%2): %3"_s.arg(job.displayId(), job.spec.name, reasonText(job));
            if (column == Columns::name && !job.spec.workdir.isEmpty())
                return u"%1 in %2"_s.arg(job.spec.name, job.spec.workdir);
            return {};
        case Qt::TextAlignmentRole:
            if (column == Columns::id || column == Columns::priority || column == Columns::tokensPerS)
                return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
            return {};
        default:
            return {};
    }
}

void QueueTableModel::count(const Job &job, int sign) {
    switch (queueStateOf(job)) {
        case QueueState::running:
            m_counts.running += sign;
            if (job.isArrayTask())
                m_arrayRunning[job.arrayJobId] += sign;
            break;
        case QueueState::pending:
            m_counts.pending += sign;
            break;
        case QueueState::held:
            m_counts.held += sign;
            break;
    }
}

void QueueTableModel::resetJobs(QList<Job> jobs) {
    beginResetModel();
    m_jobs.clear();
    m_rowOf.clear();
    m_arrayRunning.clear();
    m_counts = {};
    m_jobs.reserve(jobs.size());
    for (Job &job : jobs) {
        if (!belongsInQueue(job) || m_rowOf.contains(job.id))
            continue;
        m_rowOf.insert(job.id, static_cast<int>(m_jobs.size()));
        count(job, +1);
        m_jobs.append(std::move(job));
    }
    endResetModel();
    Q_EMIT countsChanged();
}

void QueueTableModel::removeRow(int row) {
    beginRemoveRows({}, row, row);
    count(m_jobs.at(row), -1);
    m_rowOf.remove(m_jobs.at(row).id);
    m_jobs.removeAt(row);
    // Rows after it move up by one: O(rows after) integer updates, far cheaper than a reset.
    for (int r = row; r < m_jobs.size(); ++r)
        m_rowOf[m_jobs.at(r).id] = r;
    endRemoveRows();
}

void QueueTableModel::applyJob(const Job &job) {
    const int row = rowOfJob(job.id);
    if (!belongsInQueue(job)) {
        if (row >= 0) {
            removeRow(row);
            Q_EMIT countsChanged();
        }
        return;
    }
    if (row < 0) {
        const int at = static_cast<int>(m_jobs.size());
        beginInsertRows({}, at, at);
        m_jobs.append(job);
        m_rowOf.insert(job.id, at);
        count(job, +1);
        endInsertRows();
        Q_EMIT countsChanged();
        return;
    }
    count(m_jobs.at(row), -1);
    QJsonObject progress = m_jobs.at(row).progress;
    m_jobs[row] = job;
    // A `job` event carries the stored job: keep the live progress a running job reported since.
    if (job.progress.isEmpty() && job.state == JobState::running)
        m_jobs[row].progress = progress;
    count(job, +1);
    Q_EMIT dataChanged(index(row, 0), index(row, Columns::count - 1));
    Q_EMIT countsChanged();
}

void QueueTableModel::refreshPending(const Job &job) {
    const int row = rowOfJob(job.id);
    if (row < 0 || job.state != JobState::pending || m_jobs.at(row).state != JobState::pending)
        return;
    Job &shown = m_jobs[row];
    if (shown.reason == job.reason && shown.expectedStartMs == job.expectedStartMs)
        return;
    count(shown, -1);
    shown.reason = job.reason;
    shown.expectedStartMs = job.expectedStartMs;
    count(shown, +1);
    Q_EMIT dataChanged(index(row, Columns::state), index(row, Columns::reason));
    Q_EMIT countsChanged();
}

void QueueTableModel::applyProgress(qint64 jobId, const QJsonObject &progress) {
    const int row = rowOfJob(jobId);
    if (row < 0)
        return;
    m_jobs[row].progress = progress;
    Q_EMIT dataChanged(index(row, Columns::progress), index(row, Columns::tokensPerS));
}

void QueueTableModel::setMachine(const MachineSnapshot &machine) {
    m_machine = machine;
    if (!m_jobs.isEmpty())
        Q_EMIT dataChanged(index(0, Columns::reason), index(rowCount() - 1, Columns::reason),
                           {Qt::DisplayRole});
}

void QueueTableModel::tick() {
    // One dataChanged over the span of running rows, on the elapsed column only; and the reason column of
    // the span of pending rows whose estimate counts down.
    int firstRunning = -1, lastRunning = -1, firstEta = -1, lastEta = -1;
    for (int row = 0; row < m_jobs.size(); ++row) {
        const Job &job = m_jobs.at(row);
        if (job.state == JobState::running) {
            firstRunning = firstRunning < 0 ? row : firstRunning;
            lastRunning = row;
        } else if (job.expectedStartMs > 0) {
            firstEta = firstEta < 0 ? row : firstEta;
            lastEta = row;
        }
    }
    if (firstRunning >= 0)
        Q_EMIT dataChanged(index(firstRunning, Columns::time), index(lastRunning, Columns::time),
                           {Qt::DisplayRole, SortRole});
    if (firstEta >= 0)
        Q_EMIT dataChanged(index(firstEta, Columns::reason), index(lastEta, Columns::reason),
                           {Qt::DisplayRole});
}

}  // namespace nd
