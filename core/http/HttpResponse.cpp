// HttpResponse: building JSON and error responses and writing them in HTTP/1.1 wire format.
#include "core/http/HttpResponse.h"

#include <QJsonDocument>

namespace nd {

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value) {
    for (auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            h.second = value;
            return;
        }
    }
    headers.emplaceBack(name, value);
}

HttpResponse HttpResponse::json(int status, const QJsonObject &body) {
    HttpResponse response;
    response.status = status;
    response.headers.emplaceBack("Content-Type", "application/json");
    response.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    response.body.append('\n');  // friendlier for curl in a terminal
    return response;
}

HttpResponse HttpResponse::error(int status, QByteArrayView code, const QString &message) {
    const QJsonObject error{{QStringLiteral("code"), QString::fromLatin1(code)},
                            {QStringLiteral("message"), message}};
    return json(status, QJsonObject{{QStringLiteral("error"), error}});
}

HttpResponse HttpResponse::eventStream(std::function<void(HttpConnection *)> started) {
    HttpResponse response;
    response.headers.emplaceBack("Content-Type", "text/event-stream");
    response.headers.emplaceBack("Cache-Control", "no-cache");
    // Tells reverse proxies (if someone puts one in front) not to buffer the stream.
    response.headers.emplaceBack("X-Accel-Buffering", "no");
    response.streamStarted = std::move(started);
    return response;
}

HttpResponse HttpResponse::rawStream(std::function<void(HttpConnection *)> started) {
    HttpResponse response;
    response.passThrough = true;
    response.streamStarted = std::move(started);
    return response;
}

HttpResponse HttpResponse::later(std::function<void(HttpConnection *)> waiting) {
    HttpResponse response;
    response.deferred = std::move(waiting);
    return response;
}

QByteArray HttpResponse::serialize(bool keepAlive) const {
    if (passThrough && isStream())
        return {};
    QByteArray out;
    out.reserve(body.size() + 256);
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    if (isStream()) {
        // The stream ends when the connection does; no length is known in advance.
        out += "Connection: close\r\n";
    } else {
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        out += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    }
    out += "\r\n";
    if (!isStream())
        out += body;
    return out;
}

QByteArray HttpResponse::reasonPhrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return status < 400 ? "OK" : "Error";
    }
}

}  // namespace nd
