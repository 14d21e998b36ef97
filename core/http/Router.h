#pragma once
// Maps method + path to a handler. Paths are literal ("/api/gpus") or have {name} segments
// ("/api/jobs/{id}") whose values reach the handler. An unknown path is 404; a known path with another
// method is 405 with an Allow header listing the methods it does take.
#include <QByteArray>
#include <QHash>
#include <QList>

#include <functional>

#include "core/http/HttpRequest.h"
#include "core/http/HttpResponse.h"

namespace nd {

using RouteParams = QHash<QByteArray, QByteArray>;

class Router {
public:
    using Handler = std::function<HttpResponse(const HttpRequest &, const RouteParams &)>;

    void add(QByteArrayView method, QByteArrayView pattern, Handler handler);

    // The handler's response, or the 404/405 error.
    HttpResponse route(const HttpRequest &request) const;

    struct Match {
        enum class Kind { found = 1, notFound, methodNotAllowed };
        Kind kind = Kind::notFound;
        const Handler *handler = nullptr;
        RouteParams params;
        QByteArray allow;  // "GET, POST" for methodNotAllowed
    };
    Match match(QByteArrayView method, QByteArrayView path) const;

private:
    struct Route {
        QByteArray method;
        QList<QByteArray> segments;  // "{id}" segments match anything non-empty
        Handler handler;
    };
    static bool matchSegments(const Route &route, const QList<QByteArray> &segments, RouteParams *params);

    QList<Route> m_routes;
};

}  // namespace nd
