#pragma once
// Client of GET /api/events (Server-Sent Events). Parses the stream into events and reconnects with
// back-off (0.5 s doubling to 5 s) when the connection drops. Lives on the thread that created it.
#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "core/client/Endpoint.h"

class QNetworkAccessManager;
class QNetworkReply;

namespace nd {

class EventStream : public QObject {
    Q_OBJECT
public:
    explicit EventStream(Endpoint endpoint, QObject *parent = nullptr);
    ~EventStream() override;

    void start();
    void stop();
    bool isConnected() const { return m_connected; }

Q_SIGNALS:
    void connected();
    // The stream ended; `reason` is a sentence for the user. A reconnect is scheduled unless stop() was called.
    void disconnected(const QString &reason);
    // One event: `type` is the SSE event name ("telemetry"), `data` its JSON object.
    void eventReceived(const QString &type, const QJsonObject &data);

private:
    void connectNow();
    void onReadyRead();
    void onFinished();
    void dispatchBlock(const QByteArray &block);

    Endpoint m_endpoint;
    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    QByteArray m_buffer;
    QTimer m_retryTimer;
    int m_retryDelayMs = 500;
    bool m_connected = false;
    bool m_running = false;
};

}  // namespace nd
