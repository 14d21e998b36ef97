#pragma once
// A small HTTP/1.1 server on QTcpServer: accepts connections (up to a limit), hands each request to one
// handler function and writes its response. Lives on one thread (the daemon's main thread); handlers
// run on it and must not block.
#include <QHostAddress>
#include <QObject>

#include "core/common/Result.h"
#include "core/http/HttpConnection.h"

class QTcpServer;

namespace nd {

class HttpServer : public QObject {
    Q_OBJECT
public:
    explicit HttpServer(HttpConnection::Handler handler, HttpServerOptions options = {},
                        QObject *parent = nullptr);
    ~HttpServer() override;

    // Port 0 takes a free port. Returns the port taken, or why listening failed.
    Result<quint16> listen(const QHostAddress &address, quint16 port);
    // Stops accepting new connections.
    void close();
    // Closes every open connection once its queued output is sent (shutdown).
    void closeAllConnections();
    quint16 port() const;
    int connectionCount() const { return m_connectionCount; }

private:
    void onNewConnection();

    HttpConnection::Handler m_handler;
    HttpServerOptions m_options;
    QTcpServer *m_server;
    int m_connectionCount = 0;
};

}  // namespace nd
