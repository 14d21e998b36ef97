#pragma once
// The job routes of the API (docs/api.md, "Jobs: the local queue"): translate HTTP to JobQueue calls and
// JobQueue's results and errors back to JSON. Registered on the ApiServer's router.
#include <QObject>

#include "core/http/Router.h"

namespace nd {

class JobQueue;
class SseHub;

class QueueRoutes : public QObject {
    Q_OBJECT
public:
    QueueRoutes(JobQueue *queue, QObject *parent = nullptr);
    void registerOn(Router &router);

    // GET /api/events replays stored job events after `afterSeq` to a new stream client (then the hub's
    // live events follow). Returns false when the client asked for events older than the oldest kept:
    // it was sent a `resync` event instead.
    bool replayEvents(class HttpConnection *connection, SseHub *hub, qint64 afterSeq);

private:
    HttpResponse submit(const HttpRequest &request);
    HttpResponse list(const HttpRequest &request, bool history);
    HttpResponse show(const QString &ref);
    HttpResponse action(const QString &ref, const QByteArray &what, const HttpRequest &request);
    HttpResponse update(const QString &ref, const HttpRequest &request);
    HttpResponse progress(const QString &ref, const HttpRequest &request);
    HttpResponse log(const QString &ref, const HttpRequest &request);
    HttpResponse followLog(const QString &ref, const HttpRequest &request);

    JobQueue *m_queue;
};

}  // namespace nd
