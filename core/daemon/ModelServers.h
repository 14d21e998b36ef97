#pragma once
// The model servers behind the OpenAI-compatible API: one `nemoctl worker serve` job per model, started
// through the queue when a request names a model no server holds, found again after a daemon restart,
// and cancelled after a keep-alive period without requests. A server is a job like any other: it holds
// its GPUs, waits in the queue when they are busy, and shows in the Queue with its requests and tokens/s.
//
// Main thread only. Requests ask for a server with acquire(); they are answered once the server's worker
// reports `"phase": "serving"` with its endpoint, or fail with the job's end.
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <functional>

#include "core/common/Result.h"

namespace nd {

class JobQueue;
struct JobEventRecord;

struct ServerLease {
    qint64 jobId = 0;
    QUrl endpoint;  // http://127.0.0.1:PORT of the worker
};

class ModelServers : public QObject {
    Q_OBJECT
public:
    struct Options {
        qint64 keepAliveMs = 5 * 60 * 1000;  // an idle server is stopped after this long
        int gpusPerServer = 0;               // whole GPUs a server job asks for (0: the CPU)
        int slots = 4;                       // requests a server evaluates together
        int ctx = 0;                         // context per request (0: the model's)
        std::function<qint64()> clockMs;     // default: the system clock
    };
    using Ready = std::function<void(const Result<ServerLease> &lease)>;
    // Why the request still waits ("model server job 12 is loading the model", "… waits in the queue:
    // resources"), called every few seconds until ready.
    using Waiting = std::function<void(const QString &status, bool queued)>;

    ModelServers(JobQueue *queue, Options options, QObject *parent = nullptr);

    // Finds or starts the server of `model` (a library name). `ready` is called exactly once (possibly
    // before acquire returns) unless cancel(ticket) comes first. Returns a ticket.
    qint64 acquire(const QString &model, Ready ready, Waiting waiting);
    void cancel(qint64 ticket);
    // A request on the server ended (success or not): its idle time starts when none is left.
    void release(qint64 jobId);

    // The job serving `model`, or 0; and its state for /v1/models.
    qint64 serverJob(const QString &model) const;
    QJsonObject describe(const QString &model) const;
    void setKeepAliveMs(qint64 ms) { m_options.keepAliveMs = ms; }
    // For servers started from now on; a running server keeps the slots and context it was started with.
    void setSlots(int slots) { m_options.slots = slots; }
    void setCtx(int ctx) { m_options.ctx = ctx; }

private:
    struct Waiter {
        qint64 ticket = 0;
        Ready ready;
        Waiting waiting;
    };
    struct Server {
        qint64 jobId = 0;
        QString model;
        QUrl endpoint;  // set once serving
        int active = 0;
        qint64 lastUsedMs = 0;
        QList<Waiter> waiters;
    };
    qint64 now() const;
    void adoptRunningServers();
    void onJobEvent(const JobEventRecord &event);
    void onProgress(qint64 jobId, const QJsonObject &progress);
    void tick();
    void failWaiters(Server &server, const QString &message);
    QString statusOf(const Server &server, bool *queued) const;

    JobQueue *m_queue;
    Options m_options;
    QHash<QString, Server> m_servers;  // by model name
    QHash<qint64, QString> m_byJob;
    qint64 m_nextTicket = 1;
    QTimer m_timer;
};

}  // namespace nd
