// MonitorView: the history route for every window, the live stream on top for the 5-minute one.
#include "ui/monitor/MonitorView.h"

#include <QComboBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QScrollArea>
#include <QShowEvent>
#include <QVBoxLayout>

#include <algorithm>

#include "core/client/ApiClient.h"
#include "ui/common/Colors.h"
#include "ui/models/GpuTableModel.h"

namespace nd {

namespace {
// Markers kept at most (the latest): enough for every chart's lines with room to spare.
constexpr int kMarkersKept = 500;
// The quickest refresh from the daemon, whatever the step: its buckets fill every few seconds anyway.
constexpr int kMinRefreshMs = 10 * 1000;
}  // namespace

MonitorView::MonitorView(ConnectionController *connection, GpuTableModel *gpus, QWidget *parent)
    : QWidget(parent), m_connection(connection), m_gpus(gpus) {
    auto *windowLabel = new QLabel(tr("&Time window:"), this);
    m_windowBox = new QComboBox(this);
    for (const MonitorWindow &w : monitorWindows())
        m_windowBox->addItem(w.label, w.id);
    m_windowBox->setAccessibleName(tr("Time window"));
    windowLabel->setBuddy(m_windowBox);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    auto *top = new QHBoxLayout();
    top->addWidget(windowLabel);
    top->addWidget(m_windowBox);
    top->addWidget(m_status, 1);

    auto *grid = new QGridLayout();
    auto *content = new QWidget(this);
    content->setLayout(grid);
    for (MonitorChartId id : monitorChartIds()) {
        auto *panel = new ChartPanel(id, content);
        grid->addWidget(panel, static_cast<int>(m_panels.size()) / 2, static_cast<int>(m_panels.size()) % 2);
        m_panels.append(panel);
        m_charts.append(emptyMonitorChart(id));
    }
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(content);
    scroll->setAccessibleName(tr("Monitor charts"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(scroll, 1);

    connect(m_windowBox, &QComboBox::currentIndexChanged, this, &MonitorView::reload);
    connect(&m_refresh, &QTimer::timeout, this, [this] { fetch(Fetch::refresh); });
    connect(m_connection, &ConnectionController::stateChanged, this, &MonitorView::onConnectionState);
    connect(m_connection, &ConnectionController::daemonEvent, this, &MonitorView::onDaemonEvent);
    connect(m_gpus, &GpuTableModel::frameApplied, this, &MonitorView::onFrame);
    if (m_connection->state() == ConnectionController::State::connected)
        onConnectionState(ConnectionController::State::connected);
}

void MonitorView::setSaveChooser(const ChartPanel::SaveChooser &chooser) {
    for (ChartPanel *panel : std::as_const(m_panels))
        panel->setSaveChooser(chooser);
}

void MonitorView::setWindow(const QString &id) {
    const int index = m_windowBox->findData(id);
    if (index >= 0)
        m_windowBox->setCurrentIndex(index);
}

QString MonitorView::windowId() const {
    return m_windowBox->currentData().toString();
}

ChartPanel *MonitorView::panel(MonitorChartId id) const {
    return m_panels.at(monitorChartIds().indexOf(id));
}

const MonitorChart &MonitorView::chart(MonitorChartId id) const {
    return m_charts.at(monitorChartIds().indexOf(id));
}

QString MonitorView::statusText() const {
    return m_status->text();
}

bool MonitorView::isLiveWindow() const {
    return windowId() == QStringLiteral("5m");
}

qint64 MonitorView::spanMs() const {
    for (const MonitorWindow &w : monitorWindows())
        if (w.id == windowId())
            return w.spanMs;
    return monitorWindows().constFirst().spanMs;
}

bool MonitorView::isLiveChart(MonitorChartId id) {
    return id != MonitorChartId::queueDepth && id != MonitorChartId::tokensPerS &&
           id != MonitorChartId::jobsPerHour;
}

void MonitorView::onConnectionState(ConnectionController::State state) {
    if (state != ConnectionController::State::connected)
        return;  // keep the last charts; the window's banner says they are not live
    m_api = ApiClient::forEndpoint(m_api, m_connection->endpoint(), this);
    reload();
}

void MonitorView::reload() {
    fetch(Fetch::startOver);
}

void MonitorView::fetch(Fetch how) {
    if (!m_api)
        return;
    // A new window starts over; a refresh of the same one keeps its live points meanwhile.
    if (how == Fetch::startOver) {
        ++m_generation;
        m_seeded = false;
        m_markers.clear();
        m_status->setText(tr("Loading…"));
    }
    const quint64 generation = m_generation;
    m_api->getJson(QStringLiteral("/api/telemetry/history?window=%1").arg(windowId()), this,
                   [this, generation](const Result<QJsonDocument> &answer) {
                       if (generation != m_generation)
                           return;  // for a window no longer shown
                       if (!answer.ok()) {
                           m_status->setText(tr("Could not load the history: %1").arg(answer.error()));
                           return;
                       }
                       onAnswer(answer->object(), generation);
                   });
}

void MonitorView::onAnswer(const QJsonObject &json, quint64 generation) {
    Q_UNUSED(generation)
    const Result<MonitorHistory> history = parseMonitorHistory(json);
    if (!history.ok()) {
        m_status->setText(history.error());
        return;
    }
    m_stepMs = history->stepMs;
    m_fromMs = history->fromMs;
    m_toMs = history->toMs;
    const bool live = isLiveWindow();
    for (qsizetype i = 0; i < m_charts.size(); ++i) {
        // Live charts of the 5-minute window are seeded once, then grow from the stream (finer than buckets).
        if (live && m_seeded && isLiveChart(m_charts[i].id))
            continue;
        m_charts[i] = history->charts[i];
        for (MonitorSeries &s : m_charts[i].series)
            if (s.points.size() > pointBudget)
                s.points.remove(0, s.points.size() - pointBudget);
    }
    if (!live || !m_seeded)
        m_markers = history->markers;
    m_seeded = true;
    ++m_loaded;
    const qint64 stepSeconds = m_stepMs / 1000;
    m_status->setText(live ? tr("Live; queue and throughput every %1 s").arg(kMinRefreshMs / 1000)
                           : tr("One point every %1")
                                 .arg(stepSeconds >= 60 ? tr("%1 min").arg(stepSeconds / 60)
                                                        : tr("%1 s").arg(stepSeconds)));
    m_refresh.start(static_cast<int>(std::max<qint64>(kMinRefreshMs, m_stepMs)));
    redraw();
}

void MonitorView::appendLive(MonitorChartId id, const QString &name, const QColor &color, qint64 timeMs,
                             double value) {
    MonitorChart &chart = m_charts[monitorChartIds().indexOf(id)];
    auto it = std::find_if(chart.series.begin(), chart.series.end(),
                           [&name](const MonitorSeries &s) { return s.name == name; });
    if (it == chart.series.end()) {
        chart.series.append(MonitorSeries{name, color, {}});
        it = chart.series.end() - 1;
    }
    appendCapped(&it->points, QPointF(static_cast<double>(timeMs), value), timeMs - spanMs(),
                 spanMs() / pointBudget, pointBudget);
}

void MonitorView::onFrame(qint64 timeMs) {
    if (!isLiveWindow() || !m_seeded)
        return;
    for (const GpuDevice &gpu : m_gpus->gpus()) {
        if (!gpu.latest)
            continue;
        const GpuReading &r = *gpu.latest;
        const QString name = tr("GPU %1").arg(gpu.index);
        const QColor color = colors::forGpu(gpu.index);
        if (r.utilizationGpuPct)
            appendLive(MonitorChartId::gpuUtilization, name, color, timeMs, *r.utilizationGpuPct);
        appendLive(MonitorChartId::gpuMemory, name, color, timeMs, static_cast<double>(r.memoryUsedMib));
        if (r.powerW)
            appendLive(MonitorChartId::gpuPower, name, color, timeMs, *r.powerW);
        if (r.temperatureC)
            appendLive(MonitorChartId::gpuTemperature, name, color, timeMs, *r.temperatureC);
    }
    if (const std::optional<HostReading> &host = m_gpus->host()) {
        appendLive(MonitorChartId::hostCpu, tr("CPU"), colors::host(), timeMs, host->cpuPct);
        appendLive(MonitorChartId::hostMemory, tr("Used"), colors::host(), timeMs,
                   static_cast<double>(host->memoryUsedMib));
    }
    m_toMs = timeMs;
    m_fromMs = timeMs - spanMs();
    redraw();
}

void MonitorView::onDaemonEvent(const QString &type, const QJsonObject &payload) {
    if (type != QStringLiteral("job") || !isLiveWindow())
        return;
    const QString event = payload.value(QStringLiteral("type")).toString();
    const bool start = event == QStringLiteral("started");
    if (!start && event != QStringLiteral("ended") && event != QStringLiteral("cancelled"))
        return;
    const qint64 time =
        payload.value(QStringLiteral("time_ms")).toInteger(QDateTime::currentMSecsSinceEpoch());
    const qint64 id = payload.value(QStringLiteral("job")).toObject().value(QStringLiteral("id")).toInteger();
    m_markers.append(MonitorMarker{time, id, start});
    if (m_markers.size() > kMarkersKept)
        m_markers.remove(0, m_markers.size() - kMarkersKept);
}

void MonitorView::redraw() {
    // Drawing every chart costs ~10 ms; a page nobody looks at is drawn when it is shown again.
    if (!isVisible()) {
        m_stale = true;
        return;
    }
    m_stale = false;
    for (qsizetype i = 0; i < m_panels.size(); ++i)
        m_panels[i]->setData(m_charts[i], m_markers, m_fromMs, m_toMs);
}

void MonitorView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (m_stale)
        redraw();
}

}  // namespace nd
