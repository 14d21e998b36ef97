// The Queue tab (see QueueView.h).
#include "ui/queue/QueueView.h"

#include <QAction>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QScrollBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <memory>
#include <utility>

#include "core/client/ApiClient.h"
#include "core/client/ApiErrors.h"
#include "ui/common/Colors.h"
#include "ui/common/Formatting.h"
#include "ui/queue/QueueFilterProxy.h"
#include "ui/queue/QueueTableModel.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

Q_LOGGING_CATEGORY(lcQueue, "nemodesk.queue")

// Each page is parsed and applied in one callback on the GUI thread: 1000 jobs keep that under ~30 ms
// (5000 stalled the desk ~130 ms per page with 10,000 queued; docs/benchmarks.md, "The desk").
constexpr int pageLimit = 1000;
// At most this many pending rows in sight have their reasons re-read at once (a tall window shows ~100).
constexpr int maxReasonRefresh = 300;

QString jobsWord(int n) {
    return n == 1 ? u"1 job"_s : u"%1 jobs"_s.arg(n);
}

}  // namespace

// One click on an action: how many requests it made, how many answered, and what went wrong.
struct QueueView::Batch {
    JobAction action = JobAction::cancel;
    int total = 0;
    int answered = 0;
    QStringList errors;
    QString onlyJob;  // display id when the batch has one job, for "Held job 12."
};

QueueView::QueueView(ConnectionController *connection, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new QueueTableModel(this))
    , m_proxy(new QueueFilterProxy(this))
    , m_filter(new QLineEdit(this))
    , m_state(new QComboBox(this))
    , m_table(new QTableView(this))
    , m_message(new QLabel(this))
    , m_counts(new QLabel(this)) {
    m_askPriority = [](QWidget *parentWidget, qint64 current) -> std::optional<qint64> {
        bool ok = false;
        const int value = QInputDialog::getInt(parentWidget, tr("Change priority"),
                                               tr("Priority of the selected jobs (higher runs first):"),
                                               static_cast<int>(current), -1'000'000, 1'000'000, 1, &ok);
        return ok ? std::optional<qint64>(value) : std::nullopt;
    };

    m_proxy->setSourceModel(m_model);
    m_filter->setPlaceholderText(tr("Filter by name or id (train, train-*, 12_*)"));
    m_filter->setAccessibleName(tr("Filter jobs by name or id"));
    m_filter->setClearButtonEnabled(true);
    m_state->addItem(tr("All states"), static_cast<int>(QueueFilterProxy::StateFilter::all));
    m_state->addItem(tr("Pending"), static_cast<int>(QueueFilterProxy::StateFilter::pending));
    m_state->addItem(tr("Running"), static_cast<int>(QueueFilterProxy::StateFilter::running));
    m_state->addItem(tr("Held"), static_cast<int>(QueueFilterProxy::StateFilter::held));
    m_state->setAccessibleName(tr("Show jobs in state"));

    m_table->setModel(m_proxy);
    connect(m_table, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT jobActivated(index.data(QueueTableModel::JobIdRole).toLongLong());
    });
    m_table->setAccessibleName(tr("Jobs in the queue"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(QueueTableModel::Columns::id, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QueueTableModel::Columns::reason, QHeaderView::Stretch);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);

    m_message->setWordWrap(true);
    m_message->setAccessibleName(tr("Result of the last action"));
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_message->hide();
    m_counts->setAccessibleName(tr("Jobs in the queue by state"));

    auto *toolbar = new QToolBar(this);
    toolbar->setAccessibleName(tr("Job actions"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    const struct {
        JobAction action;
        QString text;
        QKeySequence keys;
        QString tip;
    } specs[] = {
        {JobAction::cancel, tr("&Cancel"), QKeySequence(Qt::Key_Delete),
         tr("Cancel the selected jobs (Del)")},
        {JobAction::hold, tr("&Hold"), QKeySequence(Qt::CTRL | Qt::Key_H),
         tr("Keep the selected pending jobs from starting (Ctrl+H)")},
        {JobAction::release, tr("&Release"), QKeySequence(Qt::CTRL | Qt::Key_R),
         tr("Let the selected held jobs run again (Ctrl+R)")},
        {JobAction::requeue,
         tr("Re&queue"),
         {},
         tr("Put the selected jobs back in the queue (a running one is stopped)")},
        {JobAction::resubmit, tr("Re&submit"), {}, tr("Submit the selected jobs' specs again as new jobs")},
        {JobAction::setPriority,
         tr("Change &priority…"),
         {},
         tr("Set the priority of the selected pending jobs")},
    };
    for (const auto &spec : specs) {
        auto *action = new QAction(spec.text, this);
        action->setShortcut(spec.keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        action->setToolTip(spec.tip);
        action->setEnabled(false);
        const JobAction which = spec.action;
        connect(action, &QAction::triggered, this, [this, which] { runAction(which); });
        addAction(action);
        toolbar->addAction(action);
        m_table->addAction(action);
        m_actions.insert(static_cast<int>(which), action);
    }
    auto *find = new QAction(tr("Find"), this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] {
        m_filter->setFocus(Qt::ShortcutFocusReason);
        m_filter->selectAll();
    });
    addAction(find);

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_filter, 1);
    filters->addWidget(m_state);
    filters->addWidget(toolbar);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_message);
    layout->addWidget(m_counts);
    setTabOrder(m_filter, m_state);
    setTabOrder(m_state, m_table);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QueueFilterProxy::setPattern);
    connect(m_state, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setStateFilter(static_cast<QueueFilterProxy::StateFilter>(m_state->currentData().toInt()));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &QueueView::updateActions);
    connect(m_model, &QueueTableModel::countsChanged, this, &QueueView::updateCounts);
    connect(m_model, &QAbstractItemModel::modelReset, this, &QueueView::updateActions);

    m_machineTimer.setSingleShot(true);
    m_machineTimer.setInterval(300);
    connect(&m_machineTimer, &QTimer::timeout, this, [this] {
        refreshMachine();
        refreshVisibleReasons();
    });
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        if (!m_machineTimer.isActive())
            m_machineTimer.start();
    });
    connect(m_connection, &ConnectionController::stateChanged, this,
            [this](ConnectionController::State state) { onConnectionState(state); });
    connect(m_connection, &ConnectionController::daemonEvent, this, &QueueView::onDaemonEvent);
    updateCounts();
    if (m_connection->state() == ConnectionController::State::connected)
        onConnectionState(ConnectionController::State::connected);
}

QueueView::~QueueView() = default;

QAction *QueueView::action(JobAction action) const {
    return m_actions.value(static_cast<int>(action));
}

QString QueueView::messageText() const {
    return m_message->isVisibleTo(this) ? m_message->text() : QString();
}

QString QueueView::countsText() const {
    return m_counts->text();
}

void QueueView::onConnectionState(ConnectionController::State state) {
    if (state != ConnectionController::State::connected)
        return;  // keep showing the last list; the window's banner says it is not live
    m_api = ApiClient::forEndpoint(m_api, m_connection->endpoint(), this);
    reload();
}

void QueueView::reload() {
    if (!m_api)
        return;
    ++m_generation;
    m_loading = true;
    m_loaded.clear();
    m_buffered.clear();
    m_loadSeq = 0;
    fetchPage(0, m_generation);
    refreshMachine();
}

void QueueView::fetchPage(qint64 after, quint64 generation) {
    const QString path = u"/api/jobs?state=pending,running&limit=%1&after=%2"_s.arg(pageLimit).arg(after);
    m_api->getJson(
        path, this,
        [this, generation, first = after == 0](const Result<QJsonDocument> &answer) {
            if (generation != m_generation)
                return;
            if (!answer) {
                m_loading = false;
                m_buffered.clear();
                showMessage(tr("Could not load the queue: %1.").arg(fmt::withoutFinalStop(answer.error())),
                            true);
                return;
            }
            const QJsonObject page = answer->object();
            if (first)
                m_loadSeq = page.value(u"last_seq"_s).toInteger();
            for (const QJsonValue &value : page.value(u"jobs"_s).toArray()) {
                Result<Job> job = jobFromJson(value.toObject());
                if (job)
                    m_loaded.append(std::move(job).value());
                else
                    qCWarning(lcQueue).noquote() << "skipping a job the daemon sent:" << job.error();
            }
            const qint64 next = page.value(u"next_after"_s).toInteger();
            if (next > 0) {
                fetchPage(next, generation);
                return;
            }
            m_model->resetJobs(std::move(m_loaded));
            m_loaded.clear();
            m_loading = false;
            // Events newer than the list's first page, in the order they came: each carries the whole job.
            const auto buffered = std::exchange(m_buffered, {});
            for (const auto &[type, payload] : buffered) {
                if (type != u"job"_s || payload.value(u"seq"_s).toInteger() > m_loadSeq)
                    applyEvent(type, payload);
            }
        },
        30000);
}

void QueueView::onDaemonEvent(const QString &type, const QJsonObject &payload) {
    if (type == u"resync"_s) {
        reload();
        return;
    }
    if (type != u"job"_s && type != u"progress"_s)
        return;
    if (m_loading) {
        m_buffered.append({type, payload});
        return;
    }
    applyEvent(type, payload);
}

void QueueView::applyEvent(const QString &type, const QJsonObject &payload) {
    if (type == u"progress"_s) {
        m_model->applyProgress(payload.value(u"job_id"_s).toInteger(),
                               payload.value(u"progress"_s).toObject());
        return;
    }
    Result<Job> job = jobFromJson(payload.value(u"job"_s).toObject());
    if (!job) {
        qCWarning(lcQueue).noquote() << "ignoring a job event:" << job.error();
        return;
    }
    m_model->applyJob(job.value());
    if (!m_machineTimer.isActive())
        m_machineTimer.start();  // not restarted by every event: a steady stream still refreshes
}

void QueueView::refreshMachine() {
    if (!m_api)
        return;
    if (m_machineInFlight) {
        m_machineDirty = true;
        return;
    }
    m_machineInFlight = true;
    m_api->getJson(u"/api/queue"_s, this,
                   [this, generation = m_generation](const Result<QJsonDocument> &answer) {
                       m_machineInFlight = false;
                       if (answer && generation == m_generation)
                           m_model->setMachine(machineFromJson(answer->object()));
                       else if (!answer)
                           qCWarning(lcQueue).noquote() << "could not read the machine:" << answer.error();
                       if (std::exchange(m_machineDirty, false))
                           m_machineTimer.start();
                   });
}

void QueueView::refreshVisibleReasons() {
    if (!m_api || m_loading || m_proxy->rowCount() == 0)
        return;
    const int first = std::max(m_table->rowAt(0), 0);
    int last = m_table->rowAt(m_table->viewport()->height() - 1);
    if (last < 0)
        last = m_proxy->rowCount() - 1;
    QStringList ids;
    for (int row = first; row <= last && ids.size() < maxReasonRefresh; ++row) {
        const int source = m_proxy->mapToSource(m_proxy->index(row, 0)).row();
        if (source >= 0 && m_model->jobAt(source).state == JobState::pending)
            ids.append(QString::number(m_model->jobAt(source).id));
    }
    if (ids.isEmpty())
        return;
    const QString path = u"/api/jobs?state=pending&limit=%1&id=%2"_s.arg(pageLimit).arg(ids.join(u','));
    m_api->getJson(path, this, [this, generation = m_generation](const Result<QJsonDocument> &answer) {
        if (!answer || generation != m_generation || m_loading)
            return;
        for (const QJsonValue &value : answer->object().value(u"jobs"_s).toArray()) {
            if (Result<Job> job = jobFromJson(value.toObject()))
                m_model->refreshPending(job.value());
        }
    });
}

QList<Job> QueueView::selectedJobs() const {
    QList<Job> jobs;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        const int row = m_proxy->mapToSource(index).row();
        if (row >= 0)
            jobs.append(m_model->jobAt(row));
    }
    std::sort(jobs.begin(), jobs.end(), [](const Job &a, const Job &b) { return a.id < b.id; });
    return jobs;
}

void QueueView::runAction(JobAction action) {
    const QList<Job> jobs = selectedJobs();
    if (jobs.isEmpty() || !m_api)
        return;
    QJsonDocument body;
    if (action == JobAction::setPriority) {
        const std::optional<qint64> priority = m_askPriority(this, jobs.first().spec.priority);
        if (!priority)
            return;
        body = QJsonDocument(QJsonObject{{u"priority"_s, *priority}});
    }
    auto batch = std::make_shared<Batch>();
    batch->action = action;
    batch->total = static_cast<int>(jobs.size());
    if (jobs.size() == 1)
        batch->onlyJob = jobs.first().displayId();
    m_message->hide();
    for (const Job &job : jobs) {
        ++m_inFlight;
        auto done = [this, batch, job](const Result<QJsonDocument> &answer) {
            finishRequest(batch, job, answer ? QString() : answer.error());
        };
        const QString path = jobActionPath(job, action);
        if (action == JobAction::setPriority)
            m_api->patchJson(path, body, this, done);
        else if (action == JobAction::resubmit)
            m_api->postJson(path, QJsonDocument(resubmitSpec(job)), this, done);
        else
            m_api->postJson(path, QJsonDocument(), this, done);
    }
}

void QueueView::finishRequest(const std::shared_ptr<Batch> &batch, const Job &job, const QString &error) {
    --m_inFlight;
    ++batch->answered;
    if (!error.isEmpty())
        batch->errors.append(fmt::withoutFinalStop(daemonReason(error)));
    if (batch->answered < batch->total)
        return;
    if (batch->errors.isEmpty()) {
        const QString what =
            batch->onlyJob.isEmpty() ? jobsWord(batch->total) : u"job %1"_s.arg(batch->onlyJob);
        showMessage(u"%1 %2."_s.arg(jobActionPastTense(batch->action), what), false);
        return;
    }
    const QString what = batch->total == 1 ? u"job %1"_s.arg(job.displayId())
                                           : u"%1 of %2 jobs"_s.arg(batch->errors.size()).arg(batch->total);
    // The first few reasons are enough to act on; the rest are usually the same sentence again.
    QStringList shown = batch->errors.mid(0, 3);
    if (batch->errors.size() > 3)
        shown.append(tr("and %1 more").arg(batch->errors.size() - 3));
    showMessage(tr("Could not %1 %2: %3.").arg(jobActionVerb(batch->action), what, shown.join(u"; "_s)),
                true);
}

void QueueView::updateActions() {
    const bool any = m_table->selectionModel()->hasSelection();
    for (QAction *action : std::as_const(m_actions))
        action->setEnabled(any);
}

void QueueView::updateCounts() {
    const QueueTableModel::Counts counts = m_model->counts();
    QString text = tr("%1 running · %2 pending").arg(counts.running).arg(counts.pending);
    if (counts.held > 0)
        text += tr(" · %1 held").arg(counts.held);
    m_counts->setText(text);
}

void QueueView::showMessage(const QString &text, bool problem) {
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, problem ? colors::problem() : palette.color(QPalette::Text));
    m_message->setPalette(palette);
    m_message->setText(text);
    m_message->show();
}

}  // namespace nd
