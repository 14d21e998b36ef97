// ApiHistorySource: HistorySource over the daemon's API and event stream (see the header).
#include "ui/history/HistorySource.h"

#include <QJsonArray>
#include <QJsonObject>

#include "core/client/ApiClient.h"
#include "ui/controllers/ConnectionController.h"

namespace nd {

namespace {

// A page of 10,000 jobs is a few MB of JSON: allow it time on a loaded machine.
constexpr int pageTimeoutMs = 30000;

QString pathWith(const char *route, const QUrlQuery &query) {
    const QString text = query.toString(QUrl::FullyEncoded);
    return text.isEmpty() ? QLatin1String(route) : QLatin1String(route) + u'?' + text;
}

Result<HistoryPage> pageFromJson(const QJsonObject &json) {
    if (!json.value(QLatin1String("jobs")).isArray())
        return Error{QStringLiteral("the daemon's history answer has no 'jobs' list")};
    HistoryPage page;
    const QJsonArray jobs = json.value(QLatin1String("jobs")).toArray();
    page.rows.reserve(size_t(jobs.size()));
    for (const QJsonValue &job : jobs) {
        Result<HistoryRow> row = HistoryRow::fromJson(job.toObject());
        if (!row)
            return Error{QStringLiteral("the daemon's history holds %1").arg(row.error())};
        page.rows.push_back(std::move(row).value());
    }
    page.total = json.value(QLatin1String("total")).toInteger();
    page.nextAfter = json.value(QLatin1String("next_after")).toInteger();
    return page;
}

}  // namespace

Result<HistorySums> HistorySums::fromJson(const QJsonObject &json) {
    if (!json.value(QLatin1String("jobs")).isDouble())
        return Error{QStringLiteral("the daemon's totals answer has no 'jobs' count")};
    HistorySums sums;
    sums.jobs = json.value(QLatin1String("jobs")).toInteger();
    sums.gpuSeconds = json.value(QLatin1String("gpu_seconds")).toDouble();
    sums.gpuEnergyJ = json.value(QLatin1String("gpu_energy_j")).toDouble();
    sums.tokens = json.value(QLatin1String("tokens")).toInteger();
    return sums;
}

ApiHistorySource::ApiHistorySource(ConnectionController *connection, QObject *parent)
    : HistorySource(parent), m_connection(connection) {
    connect(connection, &ConnectionController::stateChanged, this,
            [this](ConnectionController::State state, const QString &) {
                onConnectionState(state == ConnectionController::State::connected);
            });
    connect(connection, &ConnectionController::daemonEvent, this, &ApiHistorySource::onEvent);
    if (connection->state() == ConnectionController::State::connected)
        onConnectionState(true);
}

void ApiHistorySource::onConnectionState(bool connected) {
    if (!connected)
        return;  // requests in flight fail on their own; the list stays until the next connection
    delete m_api;
    m_api = new ApiClient(m_connection->endpoint(), this);
    Q_EMIT reloadNeeded();
}

void ApiHistorySource::onEvent(const QString &type, const QJsonObject &data) {
    if (type == QLatin1String("resync")) {
        Q_EMIT reloadNeeded();
        return;
    }
    if (type != QLatin1String("job"))
        return;
    const QString what = data.value(QLatin1String("type")).toString();
    if (what != QLatin1String("ended") && what != QLatin1String("cancelled"))
        return;
    // A pending job cancelled and a running one that ended are both history now.
    Result<HistoryRow> row = HistoryRow::fromJson(data.value(QLatin1String("job")).toObject());
    if (row)
        Q_EMIT jobEnded(row.value());
}

void ApiHistorySource::fetchPage(const HistoryFilter &filter, qint64 afterId, int limit, QObject *context,
                                 PageCallback done) {
    if (!m_api) {
        done(Error{QStringLiteral("not connected to the daemon")});
        return;
    }
    m_api->getJson(
        pathWith("/api/history", filter.query(afterId, limit)), context,
        [done = std::move(done)](const Result<QJsonDocument> &answer) {
            if (!answer)
                done(Error{answer.error()});
            else
                done(pageFromJson(answer->object()));
        },
        pageTimeoutMs);
}

void ApiHistorySource::fetchSums(const HistoryFilter &filter, QObject *context, SumsCallback done) {
    if (!m_api) {
        done(Error{QStringLiteral("not connected to the daemon")});
        return;
    }
    m_api->getJson(pathWith("/api/history/totals", filter.query()), context,
                   [done = std::move(done)](const Result<QJsonDocument> &answer) {
                       if (!answer)
                           done(Error{answer.error()});
                       else
                           done(HistorySums::fromJson(answer->object()));
                   });
}

}  // namespace nd
