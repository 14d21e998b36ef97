// Router: a list of routes matched segment by segment; small enough that a linear scan is the fastest.
#include "core/http/Router.h"

namespace nd {

namespace {

QList<QByteArray> splitPath(QByteArrayView path) {
    // "/api/gpus" -> ["api", "gpus"]; "/" -> []. Empty segments ("//", a trailing '/') are kept so that
    // "/api/gpus/" does not silently match "/api/gpus".
    QList<QByteArray> out;
    if (path.startsWith('/'))
        path = path.sliced(1);
    if (path.isEmpty())
        return out;
    return path.toByteArray().split('/');
}

bool isParam(const QByteArray &segment) {
    return segment.size() > 2 && segment.startsWith('{') && segment.endsWith('}');
}

}  // namespace

void Router::add(QByteArrayView method, QByteArrayView pattern, Handler handler) {
    m_routes.append(Route{method.toByteArray(), splitPath(pattern), std::move(handler)});
}

bool Router::matchSegments(const Route &route, const QList<QByteArray> &segments, RouteParams *params) {
    if (route.segments.size() != segments.size())
        return false;
    RouteParams found;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QByteArray &want = route.segments[i];
        if (isParam(want)) {
            if (segments[i].isEmpty())
                return false;
            found.insert(want.sliced(1, want.size() - 2), segments[i]);
        } else if (want != segments[i]) {
            return false;
        }
    }
    *params = std::move(found);
    return true;
}

Router::Match Router::match(QByteArrayView method, QByteArrayView path) const {
    const QList<QByteArray> segments = splitPath(path);
    Match result;
    QList<QByteArray> allowed;
    for (const Route &route : m_routes) {
        RouteParams params;
        if (!matchSegments(route, segments, &params))
            continue;
        if (route.method == method) {
            result.kind = Match::Kind::found;
            result.handler = &route.handler;
            result.params = std::move(params);
            return result;
        }
        if (!allowed.contains(route.method))
            allowed.append(route.method);
    }
    if (!allowed.isEmpty()) {
        result.kind = Match::Kind::methodNotAllowed;
        result.allow = allowed.join(", ");
    }
    return result;
}

HttpResponse Router::route(const HttpRequest &request) const {
    const Match m = match(request.method, request.path);
    switch (m.kind) {
        case Match::Kind::found:
            return (*m.handler)(request, m.params);
        case Match::Kind::methodNotAllowed: {
            HttpResponse response = HttpResponse::error(
                405, "method_not_allowed",
                QStringLiteral("%1 does not accept %2; allowed: %3")
                    .arg(QString::fromUtf8(request.path), QString::fromLatin1(request.method),
                         QString::fromLatin1(m.allow)));
            response.setHeader("Allow", m.allow);
            return response;
        }
        case Match::Kind::notFound:
            break;
    }
    return HttpResponse::error(
        404, "not_found",
        QStringLiteral("no such route: %1 %2")
            .arg(QString::fromLatin1(request.method), QString::fromUtf8(request.path)));
}

}  // namespace nd
