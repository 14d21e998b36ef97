#pragma once
// Client of GET /api/events (Server-Sent Events), or of another event stream of the API (a path set with
// setPath). Parses the stream into events and reconnects with back-off (0.5 s doubling to 5 s) when the
// connection drops. Each reconnect sends the last event id seen as Last-Event-ID, so the daemon replays
// the `job` events missed meanwhile. A stream that stays silent for longer than three keep-alive periods
// is treated as dropped (a suspended laptop, a hung daemon). Lives on the thread that created it.
#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "core/client/Endpoint.h"
#include "core/client/SseParser.h"

class QNetworkAccessManager;
class QNetworkReply;

namespace nd {

class EventStream : public QObject {
    Q_OBJECT
public:
    explicit EventStream(Endpoint endpoint, QObject *parent = nullptr);
    ~EventStream() override;

    static constexpr int maxRetryDelayMs = 5000;
    static constexpr int defaultSilenceTimeoutMs = 45000;

    void start();
    void stop();
    bool isConnected() const { return m_connected; }
    // Where to connect from the next attempt on (the daemon was restarted on another port or token).
    void setEndpoint(const Endpoint &endpoint) { m_endpoint = endpoint; }
    const Endpoint &endpoint() const { return m_endpoint; }
    void setSilenceTimeoutMs(int ms) { m_silenceTimer.setInterval(ms); }
    // Path and query to connect to from the next attempt on (default "/api/events").
    void setPath(const QString &pathAndQuery) { m_path = pathAndQuery; }
    const QString &path() const { return m_path; }
    // The last `id:` the stream carried (empty before any); sent as Last-Event-ID on every connect. Set it
    // to start from a known event: the first connection then asks for the events after that one.
    void setLastEventId(const QByteArray &id) { m_lastEventId = id; }
    const QByteArray &lastEventId() const { return m_lastEventId; }

Q_SIGNALS:
    void connected();
    // The stream ended; `reason` is a sentence for the user. A reconnect is scheduled unless stop() was
    // called.
    void disconnected(const QString &reason);
    // One event: `type` is the SSE event name ("telemetry"), `data` its JSON object.
    void eventReceived(const QString &type, const QJsonObject &data);

private:
    void connectNow();
    void onReadyRead();
    void onFinished();
    void onSilence();
    void scheduleRetry();

    Endpoint m_endpoint;
    QString m_path = QStringLiteral("/api/events");
    QByteArray m_lastEventId;
    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    SseParser m_parser;
    QTimer m_retryTimer;
    QTimer m_silenceTimer;
    QString m_abortReason;  // why we aborted the reply ourselves, for the disconnected() message
    int m_retryDelayMs = 500;
    bool m_connected = false;
    bool m_running = false;
};

}  // namespace nd
