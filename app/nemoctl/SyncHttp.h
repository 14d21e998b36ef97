#pragma once
// A small blocking HTTP/1.1 client for nemoctl: one keep-alive connection to the daemon, requests sent one
// after the other. A command's whole life is a handful of requests, so this avoids QNetworkAccessManager's
// start-up (its thread, its caches) and lets `queue` or `cancel 1 2 3` reuse one connection. Event streams
// are not for this class: they go through EventStream.
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QTcpSocket>

#include <memory>

#include "core/client/Endpoint.h"
#include "core/common/Result.h"

namespace nd::cli {

struct HttpReply {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;  // names lowercased
    QByteArray body;

    QByteArray header(QByteArrayView lowercaseName) const;
    bool isSuccess() const { return status >= 200 && status < 300; }
    // For an error status: the daemon's message ("job 12 is completed: only pending jobs can be held"),
    // or "<status> <code>: <message>" for statuses a person would not expect from the request.
    QString errorMessage() const;
};

class SyncHttp {
public:
    explicit SyncHttp(Endpoint endpoint);
    ~SyncHttp();
    SyncHttp(const SyncHttp &) = delete;
    SyncHttp &operator=(const SyncHttp &) = delete;

    const Endpoint &endpoint() const { return m_endpoint; }

    // Sends `method pathAndQuery` with `body` (as application/json when not empty) and waits for the
    // whole answer. An error only when no HTTP answer came: "daemon not reachable at http://…: Connection
    // refused", "daemon at http://… did not answer within 30 s". HTTP error statuses are replies.
    Result<HttpReply> request(QByteArrayView method, const QString &pathAndQuery, const QByteArray &body = {},
                              int timeoutMs = 30000);

private:
    enum class Attempt { first = 1, retryOnFreshConnection };
    Result<HttpReply> exchange(const QByteArray &bytes, int timeoutMs, Attempt attempt);
    QString baseText() const;

    Endpoint m_endpoint;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;  // bytes read past the previous answer (none in practice: no pipelining)
};

}  // namespace nd::cli
