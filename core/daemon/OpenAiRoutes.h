#pragma once
// The OpenAI-compatible API on the daemon (docs/api.md): GET /v1/models from the model library, and
// POST /v1/chat/completions and /v1/completions passed through to the model's server job (ModelServers
// starts it when none runs). A request waits while its server loads or is queued: a stream tells the
// client why in SSE comments; a plain request queued behind other jobs is told so in a 503.
#include <QJsonArray>
#include <QObject>

#include <functional>
#include <optional>

#include "core/http/Router.h"

namespace nd {

class ModelServers;

class OpenAiRoutes : public QObject {
    Q_OBJECT
public:
    struct Library {
        std::function<QJsonArray()> models;            // /v1/models data entries
        std::function<bool(const QString &name)> has;  // a model of that name exists
        std::function<QStringList()> names;            // for "not found" errors
    };
    OpenAiRoutes(ModelServers *servers, Library library, QByteArray token, QObject *parent = nullptr);
    void registerOn(Router &router);

private:
    HttpResponse models() const;
    HttpResponse complete(const HttpRequest &request, const QByteArray &path);

    ModelServers *m_servers;
    Library m_library;
    QByteArray m_token;  // the workers answer the daemon's own token
};

}  // namespace nd
