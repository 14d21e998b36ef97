#pragma once
// An HTTP response as a handler returns it: status, headers and body, or — for Server-Sent Events — a
// head only, after which the connection is handed to `streamStarted` and stays open.
#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>

namespace nd {

class HttpConnection;

struct HttpResponse {
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;  // besides Content-Length and Connection, added on write
    QByteArray body;
    // Set for an event stream: called with the connection once the head has been written. The
    // connection then belongs to whoever keeps it (an SseHub) until it closes.
    std::function<void(HttpConnection *)> streamStarted;
    // Set for an answer that is not known yet (a model generating it): called with the connection, which
    // writes nothing and reads no further request until someone calls connection->answer() with the real
    // response. If the client goes away first, the connection's closed() tells them.
    std::function<void(HttpConnection *)> deferred;

    // With streamStarted: write no head at all; the owner writes a whole response it got from elsewhere
    // (a proxy passing a worker's answer through byte for byte) and closes the connection.
    bool passThrough = false;

    bool isStream() const { return static_cast<bool>(streamStarted); }
    bool isDeferred() const { return static_cast<bool>(deferred); }
    void setHeader(const QByteArray &name, const QByteArray &value);

    static HttpResponse json(int status, const QJsonObject &body);
    // {"error":{"code":…,"message":…}} as docs/api.md describes.
    static HttpResponse error(int status, QByteArrayView code, const QString &message);
    static HttpResponse eventStream(std::function<void(HttpConnection *)> started);
    static HttpResponse rawStream(std::function<void(HttpConnection *)> started);
    static HttpResponse later(std::function<void(HttpConnection *)> waiting);

    // Status line, headers (with Content-Length unless a stream, and Connection) and body.
    QByteArray serialize(bool keepAlive) const;
    static QByteArray reasonPhrase(int status);
};

}  // namespace nd
