// TelemetryRoutes: the daemon side of the Monitor's charts.
#include "core/daemon/TelemetryRoutes.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QUrlQuery>

#include "core/queue/JobQueue.h"
#include "core/store/JobStore.h"
#include "core/telemetry/TelemetryService.h"

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcTelemetryRoutes, "nemodesk.telemetry.routes")

struct Window {
    const char *name;
    qint64 spanMs;
};
constexpr Window kWindows[] = {{"5m", 5 * 60 * 1000LL},
                               {"1h", 3600 * 1000LL},
                               {"24h", 24 * 3600 * 1000LL},
                               {"7d", 7 * 24 * 3600 * 1000LL}};

QJsonArray pointsToJson(const std::vector<TelemetryHistory::Point> &points) {
    QJsonArray array;
    for (const TelemetryHistory::Point &p : points)
        array.append(QJsonArray{p.startMs, p.avg, p.max, p.sum});
    return array;
}
}  // namespace

std::vector<std::pair<QString, double>> telemetrySeriesOf(const TelemetrySnapshot &snapshot) {
    std::vector<std::pair<QString, double>> values;
    for (const GpuSample &gpu : snapshot.gpus) {
        const QString prefix = QStringLiteral("gpu.%1.").arg(gpu.index);
        if (gpu.utilization_gpu_pct)
            values.emplace_back(prefix + QStringLiteral("util_pct"), *gpu.utilization_gpu_pct);
        values.emplace_back(prefix + QStringLiteral("mem_used_mib"),
                            static_cast<double>(gpu.memory_used_mib));
        if (gpu.power_w)
            values.emplace_back(prefix + QStringLiteral("power_w"), *gpu.power_w);
        if (gpu.temperature_c)
            values.emplace_back(prefix + QStringLiteral("temp_c"), *gpu.temperature_c);
    }
    if (snapshot.host.time_ms > 0) {
        values.emplace_back(QStringLiteral("host.cpu_pct"), snapshot.host.cpu_pct);
        values.emplace_back(QStringLiteral("host.mem_used_mib"),
                            static_cast<double>(snapshot.host.memory_used_mib));
    }
    return values;
}

Result<TelemetryRoutes *> TelemetryRoutes::create(Options options, TelemetryService *telemetry,
                                                  JobQueue *queue, QString *notice, QObject *parent) {
    Result<std::unique_ptr<TelemetryHistory>> history = TelemetryHistory::open(options.history, notice);
    if (!history)
        return Error{history.error()};
    auto *routes = new TelemetryRoutes(std::move(options), std::move(history).value(), queue, parent);
    if (telemetry)
        connect(telemetry, &TelemetryService::sampleReady, routes, &TelemetryRoutes::onSample);
    return routes;
}

TelemetryRoutes::TelemetryRoutes(Options options, std::unique_ptr<TelemetryHistory> history, JobQueue *queue,
                                 QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_history(std::move(history)), m_queue(queue) {
    if (m_queue) {
        connect(m_queue, &JobQueue::jobEvent, this, &TelemetryRoutes::onJobEvent);
        connect(m_queue, &JobQueue::jobProgress, this, &TelemetryRoutes::onProgress);
        // The queue may be deleted before us (Daemon's destructor): stop reading it then.
        connect(m_queue, &QObject::destroyed, this, [this] { m_queue = nullptr; });
    }
    m_flushTimer.setInterval(m_options.flushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &TelemetryRoutes::flush);
    m_flushTimer.start();
}

TelemetryRoutes::~TelemetryRoutes() = default;  // the history flushes what is pending on close

qint64 TelemetryRoutes::now() const {
    return m_options.clockMs ? m_options.clockMs() : QDateTime::currentMSecsSinceEpoch();
}

void TelemetryRoutes::flush() {
    if (const VoidResult flushed = m_history->flush(now()); !flushed.ok())
        qCWarning(lcTelemetryRoutes, "%s", qUtf8Printable(flushed.error()));
}

void TelemetryRoutes::onSample(const TelemetrySnapshot &snapshot) {
    std::vector<std::pair<QString, double>> values = telemetrySeriesOf(snapshot);
    if (m_queue) {
        const int running = m_queue->runningCount();
        values.emplace_back(QStringLiteral("queue.running"), running);
        values.emplace_back(QStringLiteral("queue.pending"), std::max(0, m_queue->activeCount() - running));
    }
    double tokens = 0;
    for (const double t : std::as_const(m_tokensPerS))
        tokens += t;
    values.emplace_back(QStringLiteral("jobs.tokens_per_s"), tokens);
    // A counter: each job adds 1 when it ends (onJobEvent); the 0 here keeps the series without gaps.
    values.emplace_back(QStringLiteral("jobs.finished"), 0.0);
    m_history->add(snapshot.time_ms, values);
}

void TelemetryRoutes::onJobEvent(const JobEventRecord &event) {
    if (event.type == QStringLiteral("started")) {
        m_started.insert(event.jobId);
        m_history->addMarker(event.timeMs, event.jobId, QStringLiteral("start"));
        return;
    }
    const bool ended = event.type == QStringLiteral("ended") || event.type == QStringLiteral("cancelled") ||
                       event.type == QStringLiteral("requeued");
    if (!ended)
        return;
    m_tokensPerS.remove(event.jobId);
    // A pending job cancelled never ran: no end to mark. A job that ran before this daemon started ends
    // with "ended" all the same.
    if (m_started.remove(event.jobId) || event.type == QStringLiteral("ended")) {
        m_history->addMarker(event.timeMs, event.jobId, QStringLiteral("end"));
        m_history->add(event.timeMs, {{QStringLiteral("jobs.finished"), 1.0}});
    }
}

void TelemetryRoutes::onProgress(qint64 jobId, const QJsonObject &progress) {
    const QJsonValue tps = progress.value(QStringLiteral("tokens_per_s"));
    if (tps.isDouble())
        m_tokensPerS.insert(jobId, tps.toDouble());
    else
        m_tokensPerS.remove(jobId);
}

void TelemetryRoutes::registerOn(Router &router) {
    router.add("GET", "/api/telemetry/history",
               [this](const HttpRequest &request, const RouteParams &) { return history(request); });
}

HttpResponse TelemetryRoutes::history(const HttpRequest &request) {
    const QUrlQuery query(QString::fromUtf8(request.query));
    const auto number = [&query](const char *key, qint64 *out) {
        const QString text = query.queryItemValue(QString::fromLatin1(key));
        if (text.isEmpty())
            return true;
        bool ok = false;
        *out = text.toLongLong(&ok);
        return ok;
    };
    const qint64 nowMs = now();
    qint64 toMs = nowMs + 1;
    qint64 fromMs = 0;
    qint64 stepMs = 0;
    const QString window = query.queryItemValue(QStringLiteral("window"));
    if (!window.isEmpty()) {
        qint64 span = 0;
        for (const Window &w : kWindows)
            if (window == QLatin1String(w.name))
                span = w.spanMs;
        if (span == 0)
            return HttpResponse::error(
                400, "bad_request",
                QStringLiteral("unknown window \"%1\": use 5m, 1h, 24h or 7d").arg(window));
        fromMs = toMs - span;
    } else if (!query.hasQueryItem(QStringLiteral("from"))) {
        return HttpResponse::error(400, "bad_request",
                                   QStringLiteral("say which time: window=5m|1h|24h|7d, or from= (Unix ms)"));
    }
    if (!number("from", &fromMs) || !number("to", &toMs) || !number("step_ms", &stepMs) || stepMs < 0)
        return HttpResponse::error(400, "bad_request",
                                   QStringLiteral("from, to and step_ms are whole numbers (Unix ms, ms)"));
    if (toMs <= fromMs)
        return HttpResponse::error(400, "bad_request", QStringLiteral("`from` must be before `to`"));
    const Result<TelemetryHistory::Answer> answer = m_history->query(fromMs, toMs, nowMs, stepMs);
    if (!answer)
        return HttpResponse::error(500, "internal", answer.error());
    QJsonObject series;
    for (const auto &[name, points] : answer->series)
        series.insert(name, pointsToJson(points));
    QJsonArray markers;
    for (const TelemetryHistory::Marker &m : answer->markers)
        markers.append(QJsonObject{{QStringLiteral("time_ms"), m.timeMs},
                                   {QStringLiteral("job_id"), m.jobId},
                                   {QStringLiteral("kind"), m.kind}});
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("from_ms"), answer->fromMs},
                                               {QStringLiteral("to_ms"), answer->toMs},
                                               {QStringLiteral("step_ms"), answer->choice.stepMs},
                                               {QStringLiteral("series"), series},
                                               {QStringLiteral("markers"), markers}});
}

}  // namespace nd
