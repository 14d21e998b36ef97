#pragma once
// One parsed HTTP/1.x request, as the parser hands it to the router.
#include <QByteArray>
#include <QList>
#include <QPair>

namespace nd {

enum class HttpVersion { http10 = 1, http11 };

struct HttpRequest {
    QByteArray method;  // "GET", case as sent (methods are case-sensitive)
    QByteArray target;  // "/api/gpus?x=1", as sent
    QByteArray path;    // "/api/gpus": the target before '?', percent-decoded
    QByteArray query;   // "x=1"
    HttpVersion version = HttpVersion::http11;
    QList<QPair<QByteArray, QByteArray>> headers;  // names lowercased, values trimmed, in order
    QByteArray body;

    // The first header of that (lowercase) name, or an empty array.
    QByteArray header(QByteArrayView lowercaseName) const {
        for (const auto &h : headers)
            if (h.first == lowercaseName)
                return h.second;
        return {};
    }
    bool hasHeader(QByteArrayView lowercaseName) const {
        for (const auto &h : headers)
            if (h.first == lowercaseName)
                return true;
        return false;
    }
    // HTTP/1.1 keeps the connection unless told "close"; HTTP/1.0 closes unless told "keep-alive".
    bool keepAlive() const {
        const QByteArray connection = header("connection").toLower();
        if (version == HttpVersion::http10)
            return connection.contains("keep-alive");
        return !connection.contains("close");
    }
};

}  // namespace nd
