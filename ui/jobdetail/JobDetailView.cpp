// JobDetailView: one job's header, actions and tabs, fed by the daemon (see the header).
#include "ui/jobdetail/JobDetailView.h"

#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QUrlQuery>
#include <QVBoxLayout>

#include "core/client/ApiClient.h"
#include "core/client/ApiErrors.h"
#include "ui/common/Colors.h"
#include "ui/common/Formatting.h"
#include "ui/jobdetail/JobCharts.h"
#include "ui/jobdetail/JobLogPane.h"
#include "ui/models/GpuTableModel.h"
#include "ui/monitor/ChartPanel.h"
#include "ui/queue/JobRequests.h"
#include "ui/queue/QueueReason.h"

namespace nd {

using namespace Qt::Literals::StringLiterals;

namespace {

QColor stateColor(JobState state) {
    switch (state) {
        case JobState::running:
        case JobState::completed:
            return colors::ok();
        case JobState::pending:
            return colors::pending();
        case JobState::failed:
        case JobState::timeout:
        case JobState::nodeFail:
            return colors::problem();
        case JobState::cancelled:
            break;
    }
    return colors::host();
}

QString dateTime(qint64 ms) {
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(u"yyyy-MM-dd HH:mm:ss"_s) : fmt::missing();
}

QString jsonText(const QJsonValue &value) {
    if (value.isString())
        return value.toString();
    if (value.isBool())
        return value.toBool() ? u"yes"_s : u"no"_s;
    if (value.isDouble())
        return QString::number(value.toDouble(), 'g', 15);
    if (value.isArray()) {
        QStringList parts;
        for (const QJsonValue &item : value.toArray())
            parts << jsonText(item);
        return parts.join(u' ');
    }
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return QString();
}

// Readable names for the spec's keys (docs/api.md "Job spec"); others show as they are.
QString specLabel(const QString &key) {
    static const QHash<QString, QString> labels{{u"name"_s, u"Name"_s},
                                                {u"argv"_s, u"Command"_s},
                                                {u"script"_s, u"Script"_s},
                                                {u"script_args"_s, u"Script arguments"_s},
                                                {u"workdir"_s, u"Working folder"_s},
                                                {u"env"_s, u"Environment"_s},
                                                {u"gpus"_s, u"GPUs"_s},
                                                {u"gpu_mem_mib"_s, u"GPU memory (MiB)"_s},
                                                {u"cpus"_s, u"CPUs"_s},
                                                {u"mem_mib"_s, u"Memory (MiB)"_s},
                                                {u"gpu_indices"_s, u"Pinned GPUs"_s},
                                                {u"priority"_s, u"Priority"_s},
                                                {u"time_limit_s"_s, u"Time limit (s)"_s},
                                                {u"dependency"_s, u"Dependency"_s},
                                                {u"array"_s, u"Array"_s},
                                                {u"hold"_s, u"Submitted held"_s},
                                                {u"max_retries"_s, u"Retries allowed"_s},
                                                {u"tags"_s, u"Tags"_s},
                                                {u"stdout"_s, u"Standard output"_s},
                                                {u"stderr"_s, u"Standard error"_s},
                                                {u"begin_time_ms"_s, u"Begin time"_s}};
    return labels.value(key, key);
}

void setRows(QTableWidget *table, const QList<QStringList> &rows) {
    table->setRowCount(int(rows.size()));
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < rows[r].size() && c < table->columnCount(); ++c) {
            auto *item = new QTableWidgetItem(rows[r][c]);
            item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
            table->setItem(r, c, item);
        }
}

QTableWidget *makeTable(const QStringList &headers, const QString &name, QWidget *parent) {
    auto *table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAccessibleName(name);
    return table;
}

QString duration(qint64 ms) {
    return ms > 0 ? clockDuration(ms) : fmt::missing();
}

}  // namespace

JobDetailView::JobDetailView(ConnectionController *connection, GpuTableModel *gpus, qint64 jobId,
                             QWidget *parent)
    : QWidget(parent), m_connection(connection), m_gpus(gpus), m_jobId(jobId) {
    setWindowTitle(tr("Job %1").arg(jobId));
    setAccessibleName(tr("Job %1 details").arg(jobId));

    m_title = new QLabel(tr("Job %1").arg(jobId), this);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_title->setFont(big);
    m_title->setAccessibleName(tr("Job name and id"));
    m_state = new QLabel(this);
    m_state->setAccessibleName(tr("State"));
    m_reason = new QLabel(this);
    m_reason->setWordWrap(true);
    m_reason->setAccessibleName(tr("Reason"));
    m_times = new QLabel(this);
    m_times->setWordWrap(true);
    m_times->setAccessibleName(tr("Times"));
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setAccessibleName(tr("Message"));

    const auto button = [this](const QString &text, const QString &name) {
        auto *b = new QPushButton(text, this);
        b->setAccessibleName(name);
        b->setEnabled(false);
        return b;
    };
    m_cancel = button(tr("&Cancel job"), tr("Cancel the job"));
    m_hold = button(tr("&Hold"), tr("Hold the job"));
    m_release = button(tr("&Release"), tr("Release the job"));
    m_requeue = button(tr("Re&queue"), tr("Requeue the job"));
    m_submitAgain = button(tr("&Submit again with changes…"), tr("Submit again with changes"));
    connect(m_cancel, &QPushButton::clicked, this, [this] { runAction(JobAction::cancel); });
    connect(m_hold, &QPushButton::clicked, this, [this] { runAction(JobAction::hold); });
    connect(m_release, &QPushButton::clicked, this, [this] { runAction(JobAction::release); });
    connect(m_requeue, &QPushButton::clicked, this, [this] { runAction(JobAction::requeue); });
    connect(m_submitAgain, &QPushButton::clicked, this, [this] {
        if (m_job.id != 0)
            Q_EMIT submitAgainRequested(resubmitSpec(m_job));
    });

    auto *stateRow = new QHBoxLayout;
    stateRow->addWidget(m_state);
    stateRow->addWidget(m_reason, 1);
    auto *actions = new QHBoxLayout;
    for (QPushButton *b : {m_cancel, m_hold, m_release, m_requeue, m_submitAgain})
        actions->addWidget(b);
    actions->addStretch(1);

    m_tabs = new QTabWidget(this);
    m_tabs->setAccessibleName(tr("Job details"));
    // Spec: the readable form above the raw JSON.
    auto *spec = new QSplitter(Qt::Vertical, m_tabs);
    m_specTable = makeTable({tr("Field"), tr("Value")}, tr("Job spec"), spec);
    m_rawSpec = new QPlainTextEdit(spec);
    m_rawSpec->setReadOnly(true);
    m_rawSpec->setAccessibleName(tr("Job spec as JSON"));
    m_rawSpec->setFont(QFont(u"monospace"_s));
    m_tabs->addTab(spec, tr("S&pec"));
    m_timelineTable = makeTable({tr("Time"), tr("Event"), tr("State")}, tr("State timeline"), m_tabs);
    m_tabs->addTab(m_timelineTable, tr("&Timeline"));
    m_log = new JobLogPane(m_tabs);
    m_tabs->addTab(m_log, tr("&Log"));
    m_accounting = makeTable({tr("Quantity"), tr("Value")}, tr("Accounting"), m_tabs);
    m_tabs->addTab(m_accounting, tr("&Accounting"));
    auto *charts = new QWidget(m_tabs);
    m_chartNote = new QLabel(charts);
    m_chartNote->setWordWrap(true);
    m_chartNote->setAccessibleName(tr("About the charts"));
    m_utilChart = new ChartPanel(MonitorChartId::gpuUtilization, charts);
    m_memChart = new ChartPanel(MonitorChartId::gpuMemory, charts);
    auto *chartLayout = new QVBoxLayout(charts);
    chartLayout->addWidget(m_chartNote);
    chartLayout->addWidget(m_utilChart, 1);
    chartLayout->addWidget(m_memChart, 1);
    m_tabs->addTab(charts, tr("&GPUs"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(stateRow);
    layout->addWidget(m_times);
    layout->addLayout(actions);
    layout->addWidget(m_message);
    layout->addWidget(m_tabs, 1);

    connect(m_connection, &ConnectionController::stateChanged, this,
            [this](ConnectionController::State state, const QString &) { onConnectionState(state); });
    connect(m_connection, &ConnectionController::daemonEvent, this, &JobDetailView::onDaemonEvent);
    onConnectionState(m_connection->state());
}

QPushButton *JobDetailView::actionButton(JobAction action) const {
    switch (action) {
        case JobAction::cancel:
            return m_cancel;
        case JobAction::hold:
            return m_hold;
        case JobAction::release:
            return m_release;
        case JobAction::requeue:
            return m_requeue;
        case JobAction::resubmit:
        case JobAction::setPriority:
            break;
    }
    return m_submitAgain;
}

void JobDetailView::onConnectionState(ConnectionController::State state) {
    if (state != ConnectionController::State::connected)
        return;  // keep what is shown; the window's banner says it is not live
    ApiClient *api = ApiClient::forEndpoint(m_api.data(), m_connection->endpoint(), this);
    if (api != m_api) {  // another daemon
        m_api = api;
        m_log->setSource(m_api, m_jobId);
    }
    reload();
}

void JobDetailView::reload() {
    if (!m_api)
        return;
    m_api->getJson(u"/api/jobs/%1"_s.arg(m_jobId), this, [this](const Result<QJsonDocument> &answer) {
        if (!answer) {
            m_message->setText(fmt::sentence(
                tr("could not load job %1: %2").arg(m_jobId).arg(daemonReason(answer.error()))));
            return;
        }
        setJob(answer->object());
        loadTimeline();
        loadCharts();
    });
}

void JobDetailView::loadTimeline() {
    m_api->getJson(u"/api/jobs/%1/events"_s.arg(m_jobId), this, [this](const Result<QJsonDocument> &answer) {
        if (!answer) {
            m_message->setText(
                fmt::sentence(tr("could not load the timeline: %1").arg(daemonReason(answer.error()))));
            return;
        }
        m_timeline.setEvents(answer->object().value("events"_L1).toArray());
        showTimeline();
        Q_EMIT timelineLoaded();
    });
}

void JobDetailView::loadCharts() {
    if (!m_api || m_job.id == 0)
        return;
    if (m_job.startTimeMs == 0) {
        m_chartNote->setText(tr("The job has not started: its GPUs are charted once it runs."));
        return;
    }
    m_chartsForEnd = isTerminal(m_job.state);
    const JobChartWindow window = jobChartWindow(m_job, QDateTime::currentMSecsSinceEpoch());
    QUrlQuery query;
    query.addQueryItem(u"from"_s, QString::number(window.fromMs));
    query.addQueryItem(u"to"_s, QString::number(window.toMs));
    m_api->getJson(
        u"/api/telemetry/history?"_s + query.toString(), this,
        [this, window](const Result<QJsonDocument> &answer) {
            if (!answer) {
                m_chartNote->setText(fmt::sentence(
                    tr("could not load the GPU history: %1").arg(daemonReason(answer.error()))));
                return;
            }
            const Result<MonitorHistory> history = parseMonitorHistory(answer->object());
            if (!history) {
                m_chartNote->setText(fmt::sentence(history.error()));
                return;
            }
            const QList<int> &gpus = m_job.allocatedGpus;
            QStringList names;
            for (int index : gpus) {
                QString name = tr("GPU %1").arg(index);
                if (m_gpus && index >= 0 && index < m_gpus->gpus().size())
                    name += u" ("_s + fmt::gpuDisplayName(m_gpus->gpus().at(index)) + u')';
                names << name;
            }
            m_chartNote->setText(
                gpus.isEmpty()
                    ? tr("The job ran on the CPU: every GPU is shown. Vertical lines mark its start and end.")
                    : tr("%1 from before the job started to after it ended; vertical lines mark its start "
                         "and end.")
                          .arg(names.join(u", "_s)));
            const QList<MonitorMarker> markers = markersOfJob(history->markers, m_jobId);
            for (const MonitorChart &chart : history->charts) {
                if (chart.id == MonitorChartId::gpuUtilization)
                    m_utilChart->setData(chartForGpus(chart, gpus), markers, window.fromMs, window.toMs);
                else if (chart.id == MonitorChartId::gpuMemory)
                    m_memChart->setData(chartForGpus(chart, gpus), markers, window.fromMs, window.toMs);
            }
            Q_EMIT chartsLoaded();
        });
}

void JobDetailView::onDaemonEvent(const QString &type, const QJsonObject &event) {
    if (type == "job"_L1) {
        const QJsonObject job = event.value("job"_L1).toObject();
        if (job.value("id"_L1).toInteger() != m_jobId)
            return;
        if (m_timeline.addLiveEvent(m_jobId, event, QDateTime::currentMSecsSinceEpoch()))
            showTimeline();
        const bool wasStarted = m_job.startTimeMs > 0;
        setJob(job);
        // The charts are drawn when the job starts and once more when it ends (so the end marker shows).
        if ((!wasStarted && m_job.startTimeMs > 0) || (isTerminal(m_job.state) && !m_chartsForEnd))
            loadCharts();
    } else if (type == "progress"_L1 && event.value("job_id"_L1).toInteger() == m_jobId) {
        m_job.progress = event.value("progress"_L1).toObject();
        m_jobJson.insert(u"progress"_s, m_job.progress);
        showAccounting();
    } else if (type == "resync"_L1) {
        reload();
    }
}

void JobDetailView::setJob(const QJsonObject &json) {
    Result<Job> job = jobFromJson(json);
    if (!job) {
        m_message->setText(
            fmt::sentence(tr("the daemon sent a job this version cannot read: %1").arg(job.error())));
        return;
    }
    m_job = std::move(job).value();
    m_jobJson = json;
    showHeader();
    showSpec();
    showAccounting();
    Q_EMIT jobLoaded();
}

void JobDetailView::showHeader() {
    m_title->setText(tr("%1 — job %2").arg(m_job.spec.name, m_job.displayId()));
    setWindowTitle(tr("Job %1: %2").arg(m_job.displayId(), m_job.spec.name));
    const QString state = jobStateName(m_job.state);
    // Colour is never the only cue: the state is written out.
    m_state->setText(u"<b><font color=\"%1\">●</font> %2</b>"_s.arg(stateColor(m_job.state).name(), state));
    m_state->setAccessibleName(tr("State: %1").arg(state));
    QString reason =
        queueReasonText(m_job, ReasonContext{MachineSnapshot{}, QDateTime::currentMSecsSinceEpoch(), 0});
    if (isTerminal(m_job.state)) {
        if (m_job.termSignal != 0)
            reason = tr("ended by signal %1").arg(m_job.termSignal);
        else if (m_job.exitCode >= 0)
            reason = tr("exit code %1").arg(m_job.exitCode);
        if (!m_job.message.isEmpty())
            reason += u" — "_s + m_job.message;
    }
    m_reason->setText(reason);
    QStringList times{tr("Submitted %1").arg(dateTime(m_job.submitTimeMs))};
    if (m_job.startTimeMs > 0)
        times << tr("started %1").arg(dateTime(m_job.startTimeMs));
    if (m_job.endTimeMs > 0)
        times << tr("ended %1 (ran %2)")
                     .arg(dateTime(m_job.endTimeMs), clockDuration(m_job.endTimeMs - m_job.startTimeMs));
    m_times->setText(times.join(u" · "_s));
    const bool pending = m_job.state == JobState::pending;
    const bool held = pending && (m_job.held || m_job.reason == PendingReason::held);
    m_cancel->setEnabled(pending || m_job.state == JobState::running);
    m_hold->setEnabled(pending && !held);
    m_release->setEnabled(held);
    m_requeue->setEnabled(m_job.state != JobState::pending);
    m_submitAgain->setEnabled(true);
}

void JobDetailView::showSpec() {
    const QJsonObject spec = m_jobJson.value("spec"_L1).toObject();
    QList<QStringList> rows;
    for (auto it = spec.begin(); it != spec.end(); ++it) {
        QString value = jsonText(it.value());
        if (it.key() == "env"_L1) {
            QStringList pairs;
            const QJsonObject env = it.value().toObject();
            for (auto e = env.begin(); e != env.end(); ++e)
                pairs << e.key() + u'=' + e.value().toString();
            value = pairs.join(u' ');
        }
        if (value.isEmpty())
            continue;
        rows << QStringList{specLabel(it.key()), value};
    }
    setRows(m_specTable, rows);
    m_specTable->resizeColumnToContents(0);
    m_rawSpec->setPlainText(QString::fromUtf8(QJsonDocument(spec).toJson(QJsonDocument::Indented)));
}

void JobDetailView::showTimeline() {
    QList<QStringList> rows;
    for (const TimelineEntry &entry : m_timeline.entries())
        rows << QStringList{dateTime(entry.timeMs), entry.text, entry.state};
    setRows(m_timelineTable, rows);
    m_timelineTable->resizeColumnToContents(0);
}

void JobDetailView::showAccounting() {
    const QJsonObject a = m_jobJson.value("accounting"_L1).toObject();
    const auto number = [&a](const char *key) { return a.value(QLatin1String(key)).toDouble(); };
    const JobAccounting &acc = m_job.accounting;
    const qint64 wallMs =
        m_job.startTimeMs > 0
            ? (m_job.endTimeMs > 0 ? m_job.endTimeMs : QDateTime::currentMSecsSinceEpoch()) -
                  m_job.startTimeMs
            : 0;
    QList<QStringList> rows{
        {tr("Waited"), duration(qint64(number("wait_ms")))},
        {tr("Wall time"), duration(wallMs)},
        {tr("CPU time"), duration(acc.cpuTimeMs)},
        {tr("Peak memory (RSS)"),
         acc.peakRssKib > 0 ? tr("%1 MiB").arg(double(acc.peakRssKib) / 1024.0, 0, 'f', 1) : fmt::missing()},
        {tr("GPU-seconds"), QString::number(acc.gpuSeconds, 'f', 1)},
        {tr("GPU energy"),
         acc.gpuEnergyJ > 0 ? tr("%1 kJ").arg(acc.gpuEnergyJ / 1000.0, 0, 'f', 2) : fmt::missing()},
        {tr("Peak GPU memory"),
         acc.peakGpuMemMib > 0 ? tr("%1 GiB").arg(fmt::gib(acc.peakGpuMemMib)) : fmt::missing()}};
    const QJsonObject &progress = m_job.progress;
    if (progress.contains("completion_tokens"_L1))
        rows << QStringList{tr("Tokens generated"),
                            QString::number(progress.value("completion_tokens"_L1).toInteger())};
    if (progress.contains("prompt_tokens"_L1))
        rows << QStringList{tr("Prompt tokens"),
                            QString::number(progress.value("prompt_tokens"_L1).toInteger())};
    if (progress.contains("tokens_per_s"_L1))
        rows << QStringList{tr("Tokens per second"),
                            QString::number(progress.value("tokens_per_s"_L1).toDouble(), 'f', 1)};
    setRows(m_accounting, rows);
    m_accounting->resizeColumnToContents(0);
}

void JobDetailView::runAction(JobAction action) {
    if (!m_api || m_job.id == 0)
        return;
    m_api->postJson(jobActionPath(m_job, action), QJsonDocument(), this,
                    [this, action](const Result<QJsonDocument> &answer) {
                        if (!answer) {
                            m_message->setText(
                                fmt::sentence(tr("could not %1 job %2: %3")
                                                  .arg(jobActionVerb(action), m_job.displayId(),
                                                       fmt::withoutFinalStop(daemonReason(answer.error())))));
                            return;
                        }
                        m_message->setText(tr("%1.").arg(jobActionPastTense(action)));
                        reload();
                    });
}

}  // namespace nd
