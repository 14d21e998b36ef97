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

    bool isStream() const { return static_cast<bool>(streamStarted); }
    void setHeader(const QByteArray &name, const QByteArray &value);

    static HttpResponse json(int status, const QJsonObject &body);
    // {"error":{"code":…,"message":…}} as docs/api.md describes.
    static HttpResponse error(int status, QByteArrayView code, const QString &message);
    static HttpResponse eventStream(std::function<void(HttpConnection *)> started);

    // Status line, headers (with Content-Length unless a stream, and Connection) and body.
    QByteArray serialize(bool keepAlive) const;
    static QByteArray reasonPhrase(int status);
};

}  // namespace nd
