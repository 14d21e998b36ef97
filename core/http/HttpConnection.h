#pragma once
// One client connection of the HttpServer: reads bytes into an HttpParser, answers each request with
// the server's handler (pipelined requests in order), and closes on errors, on "Connection: close", and
// when no complete request arrives within the request timeout (slowloris). A response that is an event
// stream turns the connection into a one-way stream owned by whoever streamStarted gave it to.
#include <QByteArray>
#include <QObject>
#include <QTimer>

#include <functional>

#include "core/http/HttpParser.h"
#include "core/http/HttpResponse.h"

class QTcpSocket;

namespace nd {

struct HttpServerOptions {
    int maxConnections = 256;
    int requestTimeoutMs = 30000;  // for a whole request to arrive, and for an idle keep-alive connection
    // A client that sends requests without reading the answers is dropped beyond this much unsent output.
    qsizetype maxUnsentBytes = 16 * 1024 * 1024;
    HttpParser::Limits limits;
};

class HttpConnection : public QObject {
    Q_OBJECT
public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;

    HttpConnection(QTcpSocket *socket, const Handler &handler, const HttpServerOptions &options,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

    bool isStreaming() const { return m_streaming; }
    // A deferred response (HttpResponse::later) is known: writes it (a stream head hands the connection
    // to its streamStarted) and goes on with pipelined requests. Ignored when nothing is deferred.
    void answer(HttpResponse response);
    // Output accepted but not yet sent to the kernel: what a slow stream consumer costs us.
    qint64 unsentBytes() const;
    void write(const QByteArray &bytes);
    // Sends what is queued, then closes.
    void close();
    // Drops the connection at once, discarding unsent output.
    void abort();
    qint64 lastWriteMs() const { return m_lastWriteMs; }
    QString peer() const { return m_peer; }

Q_SIGNALS:
    // The socket is gone; the object deletes itself right after.
    void closed();

private:
    void onReadyRead();
    void onTimeout();
    void respond(const HttpRequest &request, HttpResponse response);
    void processRequests();
    void failRequest(const HttpParseError &error);
    void finish();

    QTcpSocket *m_socket;
    const Handler &m_handler;
    HttpServerOptions m_options;
    HttpParser m_parser;
    QTimer m_requestTimer;
    QString m_peer;
    qint64 m_lastWriteMs = 0;
    bool m_streaming = false;
    bool m_waiting = false;            // a deferred response is outstanding
    bool m_deferredKeepAlive = false;  // what its request asked for
    bool m_closing = false;
    bool m_finished = false;
};

}  // namespace nd
