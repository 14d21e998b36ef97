#pragma once
// The open Server-Sent Events connections and what goes to them: broadcasts numbered events, sends a
// keep-alive comment to connections that have been quiet for the keep-alive interval, and drops a
// client whose unsent output grows past a limit (a consumer that stopped reading must not make the
// daemon's memory grow).
#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace nd {

class HttpConnection;

class SseHub : public QObject {
    Q_OBJECT
public:
    struct Options {
        int keepAliveIntervalMs = 15000;
        qint64 maxUnsentBytes = 4 * 1024 * 1024;
    };

    explicit SseHub(Options options, QObject *parent = nullptr);
    explicit SseHub(QObject *parent = nullptr) : SseHub(Options{}, parent) {}
    ~SseHub() override;

    // Takes a connection whose event-stream head has been written. It leaves the hub when it closes.
    void addClient(HttpConnection *connection);
    // Sends one event to every client; returns the id it was given (ids count up from 1).
    quint64 broadcast(QByteArrayView type, QByteArrayView data);
    // Sends one event with the caller's id (0: no id line) to every client.
    void publish(QByteArrayView type, quint64 id, QByteArrayView data);
    // Sends one event to one client (the latest state, right after it connects).
    void sendTo(HttpConnection *connection, QByteArrayView type, quint64 id, QByteArrayView data);
    // Closes every stream (daemon shutdown).
    void closeAll();

    int clientCount() const { return static_cast<int>(m_clients.size()); }
    quint64 lastEventId() const { return m_lastId; }
    quint64 droppedSlowClients() const { return m_droppedSlow; }

Q_SIGNALS:
    void clientDropped(const QString &peer, qint64 unsentBytes);

private:
    void write(HttpConnection *connection, const QByteArray &bytes);
    void sendKeepAlives();

    Options m_options;
    QList<QPointer<HttpConnection>> m_clients;
    QTimer m_keepAliveTimer;
    quint64 m_lastId = 0;
    quint64 m_droppedSlow = 0;
};

}  // namespace nd
