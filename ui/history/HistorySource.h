#pragma once
// Where the History view's data comes from: pages of GET /api/history, the totals of
// GET /api/history/totals, and the jobs that end while the view is open. An interface so that the table
// model, the CSV export and the view are tested with scripted pages; ApiHistorySource is the daemon.
// Every call returns at once and answers later on the GUI thread; `context` guards the callback (not
// called once it is destroyed).
#include <QObject>
#include <QPointer>

#include <functional>
#include <vector>

#include "core/common/Result.h"
#include "ui/history/HistoryFilter.h"
#include "ui/history/HistoryRow.h"

namespace nd {

class ApiClient;
class ConnectionController;

struct HistoryPage {
    std::vector<HistoryRow> rows;  // newest first
    qint64 total = 0;              // matching jobs in all
    qint64 nextAfter = 0;          // pass as afterId for the next page; 0: this was the last
};

struct HistorySums {
    qint64 jobs = 0;
    double gpuSeconds = 0;
    double gpuEnergyJ = 0;
    qint64 tokens = 0;

    static Result<HistorySums> fromJson(const QJsonObject &json);
};

class HistorySource : public QObject {
    Q_OBJECT
public:
    using PageCallback = std::function<void(const Result<HistoryPage> &)>;
    using SumsCallback = std::function<void(const Result<HistorySums> &)>;

    using QObject::QObject;
    // Whether requests can be made now (connected to the daemon).
    virtual bool isReady() const = 0;
    virtual void fetchPage(const HistoryFilter &filter, qint64 afterId, int limit, QObject *context,
                           PageCallback done) = 0;
    virtual void fetchSums(const HistoryFilter &filter, QObject *context, SumsCallback done) = 0;

Q_SIGNALS:
    // The data may have changed in ways events do not say (connected, reconnected, `resync`): load again.
    void reloadNeeded();
    // A job just finished (`job` event `ended` or `cancelled`).
    void jobEnded(const nd::HistoryRow &row);
};

// The daemon through the ConnectionController: a new ApiClient for every connection (the daemon may have
// restarted on another port), its events for jobEnded and reloadNeeded.
class ApiHistorySource : public HistorySource {
    Q_OBJECT
public:
    explicit ApiHistorySource(ConnectionController *connection, QObject *parent = nullptr);

    bool isReady() const override { return !m_api.isNull(); }
    void fetchPage(const HistoryFilter &filter, qint64 afterId, int limit, QObject *context,
                   PageCallback done) override;
    void fetchSums(const HistoryFilter &filter, QObject *context, SumsCallback done) override;

private:
    void onConnectionState(bool connected);
    void onEvent(const QString &type, const QJsonObject &data);

    ConnectionController *m_connection;
    QPointer<ApiClient> m_api;
};

}  // namespace nd
