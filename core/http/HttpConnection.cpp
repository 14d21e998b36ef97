// HttpConnection: request/response cycle on one socket.
#include "core/http/HttpConnection.h"

#include <QDateTime>
#include <QTcpSocket>

namespace nd {

HttpConnection::HttpConnection(QTcpSocket *socket, const Handler &handler, const HttpServerOptions &options,
                               QObject *parent)
    : QObject(parent), m_socket(socket), m_handler(handler), m_options(options), m_parser(options.limits) {
    m_socket->setParent(this);
    m_peer = m_socket->peerAddress().toString() + u':' + QString::number(m_socket->peerPort());
    m_lastWriteMs = QDateTime::currentMSecsSinceEpoch();
    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(m_options.requestTimeoutMs);
    connect(&m_requestTimer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    m_requestTimer.start();
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

HttpConnection::~HttpConnection() = default;

qint64 HttpConnection::unsentBytes() const {
    return m_socket->bytesToWrite();
}

void HttpConnection::write(const QByteArray &bytes) {
    if (m_closing)
        return;
    m_socket->write(bytes);
    m_lastWriteMs = QDateTime::currentMSecsSinceEpoch();
}

void HttpConnection::close() {
    if (m_closing)
        return;
    m_closing = true;
    m_requestTimer.stop();
    // Flushes what is queued before the FIN; disconnected() follows and deletes us.
    m_socket->disconnectFromHost();
}

void HttpConnection::abort() {
    m_closing = true;
    m_socket->abort();
    finish();
}

void HttpConnection::finish() {
    m_requestTimer.stop();
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT closed();
    deleteLater();
}

void HttpConnection::onReadyRead() {
    const QByteArray bytes = m_socket->readAll();
    // Nothing a client sends on a stream or after an error means anything to us any more.
    if (m_closing || m_streaming)
        return;
    m_parser.feed(bytes);
    // While an answer is deferred nothing is parsed, so the parser's limits do not bound what a client
    // pipelines meanwhile: one more request's worth may wait, beyond that the client is dropped.
    if (m_waiting &&
        m_parser.bufferedBytes() > m_options.limits.maxHeadBytes + m_options.limits.maxBodyBytes) {
        abort();
        return;
    }
    processRequests();
}

void HttpConnection::processRequests() {
    while (!m_closing && !m_streaming && !m_waiting) {
        switch (m_parser.next()) {
            case HttpParser::Outcome::needMore:
                return;
            case HttpParser::Outcome::expectContinue:
                write("HTTP/1.1 100 Continue\r\n\r\n");
                break;
            case HttpParser::Outcome::error:
                failRequest(m_parser.error());
                return;
            case HttpParser::Outcome::request: {
                const HttpRequest request = m_parser.takeRequest();
                HttpResponse response = m_handler(request);
                respond(request, std::move(response));
                break;
            }
        }
    }
}

void HttpConnection::respond(const HttpRequest &request, HttpResponse response) {
    if (response.isDeferred()) {
        // The answer takes as long as it takes: no request timeout while it is worked on.
        m_waiting = true;
        m_deferredKeepAlive = request.keepAlive();
        m_requestTimer.stop();
        response.deferred(this);
        return;
    }
    const bool keepAlive = request.keepAlive() && !response.isStream();
    const QByteArray head = response.serialize(keepAlive);
    if (!head.isEmpty())
        write(head);
    if (response.isStream()) {
        m_streaming = true;
        m_requestTimer.stop();
        response.streamStarted(this);
        return;
    }
    if (!keepAlive) {
        close();
        return;
    }
    if (m_socket->bytesToWrite() > m_options.maxUnsentBytes) {
        abort();
        return;
    }
    // A new request window starts: slowloris cannot keep the connection by dribbling bytes.
    m_requestTimer.start();
}

void HttpConnection::answer(HttpResponse response) {
    if (!m_waiting || m_finished)
        return;
    m_waiting = false;
    HttpRequest request;
    request.headers.emplaceBack("connection", m_deferredKeepAlive ? "keep-alive" : "close");
    response.deferred = nullptr;
    respond(request, std::move(response));
    if (!m_closing && !m_streaming)
        processRequests();
}

void HttpConnection::failRequest(const HttpParseError &error) {
    write(HttpResponse::error(error.status, error.code, error.message).serialize(false));
    close();
}

void HttpConnection::onTimeout() {
    if (m_streaming || m_closing || m_waiting)
        return;
    if (m_parser.bufferedBytes() > 0) {
        // Part of a request arrived but not all of it in time: say so before closing.
        write(HttpResponse::error(408, "request_timeout",
                                  QStringLiteral("the request did not arrive completely within %1 s")
                                      .arg(m_options.requestTimeoutMs / 1000))
                  .serialize(false));
    }
    close();
}

}  // namespace nd
