// SseHub: fan-out of events to the event-stream connections.
#include "core/http/SseHub.h"

#include <QDateTime>

#include "core/http/HttpConnection.h"
#include "core/http/Sse.h"

namespace nd {

SseHub::SseHub(Options options, QObject *parent) : QObject(parent), m_options(options) {
    // Checking a few times per interval keeps every quiet client within ~1/4 interval of the target.
    m_keepAliveTimer.setInterval(std::max(1, m_options.keepAliveIntervalMs / 4));
    connect(&m_keepAliveTimer, &QTimer::timeout, this, &SseHub::sendKeepAlives);
}

SseHub::~SseHub() = default;

void SseHub::addClient(HttpConnection *connection) {
    m_clients.append(QPointer<HttpConnection>(connection));
    connect(connection, &HttpConnection::closed, this, [this, connection] {
        m_clients.removeIf(
            [connection](const QPointer<HttpConnection> &c) { return c.isNull() || c == connection; });
        if (m_clients.isEmpty())
            m_keepAliveTimer.stop();
    });
    if (!m_keepAliveTimer.isActive())
        m_keepAliveTimer.start();
}

quint64 SseHub::broadcast(QByteArrayView type, QByteArrayView data) {
    const quint64 id = ++m_lastId;
    publish(type, id, data);
    return id;
}

void SseHub::publish(QByteArrayView type, quint64 id, QByteArrayView data) {
    const QByteArray bytes = sseEncodeEvent(type, id, data);
    // Copy: write() may drop a client and change m_clients while we iterate.
    const QList<QPointer<HttpConnection>> clients = m_clients;
    for (const QPointer<HttpConnection> &c : clients)
        if (c)
            write(c, bytes);
}

void SseHub::sendTo(HttpConnection *connection, QByteArrayView type, quint64 id, QByteArrayView data) {
    write(connection, sseEncodeEvent(type, id, data));
}

void SseHub::closeAll() {
    const QList<QPointer<HttpConnection>> clients = m_clients;
    for (const QPointer<HttpConnection> &c : clients)
        if (c)
            c->close();
}

void SseHub::write(HttpConnection *connection, const QByteArray &bytes) {
    const qint64 unsent = connection->unsentBytes();
    if (unsent + bytes.size() > m_options.maxUnsentBytes) {
        // The client stopped reading (or cannot keep up). Dropping it bounds our memory; a live client
        // reconnects and gets the latest state at once.
        ++m_droppedSlow;
        Q_EMIT clientDropped(connection->peer(), unsent);
        connection->abort();
        return;
    }
    connection->write(bytes);
}

void SseHub::sendKeepAlives() {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QByteArray comment = sseEncodeComment("keep-alive");
    const QList<QPointer<HttpConnection>> clients = m_clients;
    for (const QPointer<HttpConnection> &c : clients) {
        HttpConnection *connection = c.data();
        if (connection && now - connection->lastWriteMs() >= m_options.keepAliveIntervalMs)
            write(connection, comment);
    }
}

}  // namespace nd
