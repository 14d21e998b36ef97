// OpenAiRoutes: /v1/models and the completion routes, passed to model servers.
#include "core/daemon/OpenAiRoutes.h"

#include <QJsonObject>

#include "core/daemon/ModelProxy.h"
#include "core/daemon/ModelServers.h"
#include "core/http/HttpConnection.h"
#include "core/openai/OpenAiProtocol.h"

namespace nd {

OpenAiRoutes::OpenAiRoutes(ModelServers *servers, Library library, QByteArray token, QObject *parent)
    : QObject(parent), m_servers(servers), m_library(std::move(library)), m_token(std::move(token)) {}

void OpenAiRoutes::registerOn(Router &router) {
    router.add("GET", "/v1/models", [this](const HttpRequest &, const RouteParams &) { return models(); });
    router.add("POST", "/v1/chat/completions", [this](const HttpRequest &r, const RouteParams &) {
        return complete(r, QByteArrayLiteral("/v1/chat/completions"));
    });
    router.add("POST", "/v1/completions", [this](const HttpRequest &r, const RouteParams &) {
        return complete(r, QByteArrayLiteral("/v1/completions"));
    });
}

HttpResponse OpenAiRoutes::models() const {
    QJsonArray data;
    for (const QJsonValue &entry : m_library.models()) {
        QJsonObject model = entry.toObject();
        const QString id = model.value(QStringLiteral("id")).toString();
        QJsonObject nemodesk = model.value(QStringLiteral("nemodesk")).toObject();
        const QJsonObject server = m_servers->describe(id);
        for (auto it = server.begin(); it != server.end(); ++it)
            nemodesk.insert(it.key(), it.value());
        model.insert(QStringLiteral("nemodesk"), nemodesk);
        data.append(model);
    }
    return HttpResponse::json(
        200, QJsonObject{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}});
}

HttpResponse OpenAiRoutes::complete(const HttpRequest &request, const QByteArray &path) {
    const Result<openai::RequestRoute> route = openai::requestRoute(request.body);
    if (!route.ok())
        return openai::errorResponse(
            400, route.error(), QStringLiteral("invalid_request"),
            route.error().startsWith(QLatin1String("model")) ? QStringLiteral("model") : QString());
    const QString name = route->model;
    if (!m_library.has(name)) {
        const QStringList names = m_library.names();
        return openai::errorResponse(
            404,
            QStringLiteral("model '%1' not found; %2")
                .arg(name,
                     names.isEmpty()
                         ? QStringLiteral("the library is empty: add a folder with `nemoctl models add DIR`")
                         : QStringLiteral("available models: %1").arg(names.join(QStringLiteral(", ")))),
            QStringLiteral("model_not_found"), QStringLiteral("model"));
    }
    // The rest of the body is the worker's to check: it answers 400s with the parameter's name.
    const bool stream = route->stream;
    const QByteArray body = request.body;
    return HttpResponse::later([this, path, body, stream, name](HttpConnection *client) {
        auto *proxy = new ModelProxy(client, m_servers, name, path, body, stream, m_token);
        proxy->setParent(this);
        proxy->start();
    });
}

}  // namespace nd
