// HttpServer: accepting connections and enforcing the connection limit.
#include "core/http/HttpServer.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace nd {

HttpServer::HttpServer(HttpConnection::Handler handler, HttpServerOptions options, QObject *parent)
    : QObject(parent), m_handler(std::move(handler)), m_options(options), m_server(new QTcpServer(this)) {
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onNewConnection);
}

HttpServer::~HttpServer() {
    // Connections refer to m_handler: they must go before it does.
    close();
    const QList<HttpConnection *> connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *c : connections)
        delete c;
}

Result<quint16> HttpServer::listen(const QHostAddress &address, quint16 port) {
    if (!m_server->listen(address, port))
        return Error{QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(address.toString())
                         .arg(port)
                         .arg(m_server->errorString())};
    return m_server->serverPort();
}

void HttpServer::close() {
    m_server->close();
}

void HttpServer::closeAllConnections() {
    const QList<HttpConnection *> connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *c : connections)
        c->close();
}

quint16 HttpServer::port() const {
    return m_server->serverPort();
}

void HttpServer::onNewConnection() {
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_connectionCount >= m_options.maxConnections) {
            // Answer instead of leaving the client hanging, then let the socket go.
            socket->write(
                HttpResponse::error(503, "too_many_connections",
                                    QStringLiteral("the daemon already serves %1 connections; try again "
                                                   "later")
                                        .arg(m_options.maxConnections))
                    .serialize(false));
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            socket->disconnectFromHost();
            continue;
        }
        ++m_connectionCount;
        auto *connection = new HttpConnection(socket, m_handler, m_options, this);
        connect(connection, &QObject::destroyed, this, [this] { --m_connectionCount; });
    }
}

}  // namespace nd
