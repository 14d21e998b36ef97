// ModelRoutes: HTTP ⇄ ModelLibrary and the benchmark table.
#include "core/daemon/ModelRoutes.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrlQuery>

#include "core/http/JsonBody.h"
#include "core/http/SseHub.h"
#include "core/models/ModelLibrary.h"
#include "core/store/JobStore.h"

namespace nd {

namespace {

Q_LOGGING_CATEGORY(lcModelRoutes, "nemodesk.models")

constexpr int defaultBenchmarkLimit = 100;
constexpr int maxBenchmarkLimit = 10000;

// The folder of a folders request: the body's "path", or ?path= (DELETE bodies are unusual to some tools).
Result<QString> folderOf(const HttpRequest &request) {
    const QUrlQuery query(QString::fromUtf8(request.query));
    if (request.body.trimmed().isEmpty() && query.hasQueryItem(QStringLiteral("path")))
        return query.queryItemValue(QStringLiteral("path"), QUrl::FullyDecoded);
    const Result<QJsonObject> body = jsonObjectBody(request);
    if (!body)
        return Error{body.error()};
    const QJsonValue path = body->value(QStringLiteral("path"));
    if (!path.isString())
        return Error{QStringLiteral("\"path\" must be the folder's absolute path, as a string")};
    return path.toString();
}

// POST /api/benchmarks: "model" a non-empty string, the measured keys numbers (not negative), the
// descriptive keys strings. Other keys are kept as they come.
QString benchmarkProblem(const QJsonObject &o) {
    if (!o.value(QStringLiteral("model")).isString() || o.value(QStringLiteral("model")).toString().isEmpty())
        return QStringLiteral("\"model\" (the model's name) is required, as a string");
    for (const char *key : {"job_id", "prompt_tokens", "gen_tokens", "prompt_tps", "decode_tps",
                            "peak_memory_bytes", "energy_j_per_token", "time_ms"}) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            continue;
        if (!v.isDouble() || v.toDouble() < 0)
            return QStringLiteral("\"%1\" must be a number, 0 or more").arg(QLatin1String(key));
    }
    for (const char *key : {"model_path", "type_mix", "device", "backend"}) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isUndefined() && !v.isString())
            return QStringLiteral("\"%1\" must be a string").arg(QLatin1String(key));
    }
    return {};
}

}  // namespace

ModelRoutes::ModelRoutes(Options options, SseHub *hub, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_library(new ModelLibrary({m_options.settingsFolders, m_options.foldersFile}, this))
    , m_hub(hub) {
    connect(m_library, &ModelLibrary::changed, this, &ModelRoutes::publishChanged);
    if (const VoidResult started = m_library->start(); !started)
        qCWarning(lcModelRoutes, "%s", qUtf8Printable(started.error()));
}

ModelRoutes::~ModelRoutes() = default;

void ModelRoutes::registerOn(Router &router) {
    router.add("GET", "/api/models", [this](const HttpRequest &, const RouteParams &) { return list(); });
    router.add("GET", "/api/models/{name}", [this](const HttpRequest &, const RouteParams &p) {
        return one(QString::fromUtf8(p.value("name")));
    });
    router.add("POST", "/api/models/folders",
               [this](const HttpRequest &r, const RouteParams &) { return addFolder(r); });
    router.add("DELETE", "/api/models/folders",
               [this](const HttpRequest &r, const RouteParams &) { return removeFolder(r); });
    router.add("POST", "/api/models/rescan",
               [this](const HttpRequest &, const RouteParams &) { return rescan(); });
    router.add("POST", "/api/benchmarks",
               [this](const HttpRequest &r, const RouteParams &) { return addBenchmark(r); });
    router.add("GET", "/api/benchmarks",
               [this](const HttpRequest &r, const RouteParams &) { return benchmarks(r); });
}

HttpResponse ModelRoutes::list() const {
    return HttpResponse::json(200, m_library->toJson());
}

HttpResponse ModelRoutes::one(const QString &name) const {
    const std::optional<ModelEntry> entry = m_library->find(name);
    if (!entry)
        return HttpResponse::error(404, "not_found",
                                   QStringLiteral("no model named '%1' in the model folders").arg(name));
    return HttpResponse::json(200, entry->toJson());
}

HttpResponse ModelRoutes::addFolder(const HttpRequest &request) {
    const Result<QString> path = folderOf(request);
    if (!path)
        return HttpResponse::error(400, "bad_request", path.error());
    if (const VoidResult added = m_library->addFolder(*path); !added)
        return HttpResponse::error(400, "bad_request", added.error());
    return HttpResponse::json(200, m_library->toJson());
}

HttpResponse ModelRoutes::removeFolder(const HttpRequest &request) {
    const Result<QString> path = folderOf(request);
    if (!path)
        return HttpResponse::error(400, "bad_request", path.error());
    if (const VoidResult removed = m_library->removeFolder(*path); !removed)
        return HttpResponse::error(400, "bad_request", removed.error());
    return HttpResponse::json(200, m_library->toJson());
}

HttpResponse ModelRoutes::rescan() {
    m_library->rescan();
    return HttpResponse::json(202, QJsonObject{{QStringLiteral("scanning"), true}});
}

JobStore *ModelRoutes::store(QString *error) {
    if (m_store)
        return m_store.get();
    if (m_options.databaseFile.isEmpty()) {
        *error = QStringLiteral("this daemon has no job database, so it keeps no benchmark results");
        return nullptr;
    }
    Result<std::unique_ptr<JobStore>> opened = JobStore::open(m_options.databaseFile);
    if (!opened) {
        *error = opened.error();
        return nullptr;
    }
    m_store = std::move(opened).value();
    return m_store.get();
}

HttpResponse ModelRoutes::addBenchmark(const HttpRequest &request) {
    const Result<QJsonObject> body = jsonObjectBody(request);
    if (!body)
        return HttpResponse::error(400, "bad_request", body.error());
    if (const QString problem = benchmarkProblem(*body); !problem.isEmpty())
        return HttpResponse::error(400, "bad_request", problem);
    QString error;
    JobStore *s = store(&error);
    if (!s)
        return HttpResponse::error(503, "unavailable", error);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const Result<qint64> id = s->addBenchmark(*body, now);
    if (!id)
        return HttpResponse::error(500, "internal", id.error());
    if (m_hub)
        m_hub->publish(
            "benchmarks.added", 0,
            QJsonDocument(QJsonObject{{QStringLiteral("id"), static_cast<double>(*id)},
                                      {QStringLiteral("model"), body->value(QStringLiteral("model"))}})
                .toJson(QJsonDocument::Compact));
    return HttpResponse::json(201, QJsonObject{{QStringLiteral("id"), static_cast<double>(*id)},
                                               {QStringLiteral("time_ms"), static_cast<double>(now)}});
}

HttpResponse ModelRoutes::benchmarks(const HttpRequest &request) {
    const QUrlQuery query(QString::fromUtf8(request.query));
    int limit = defaultBenchmarkLimit;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > maxBenchmarkLimit)
            return HttpResponse::error(
                400, "bad_request",
                QStringLiteral("limit must be a whole number from 1 to %1").arg(maxBenchmarkLimit));
    }
    QString error;
    JobStore *s = store(&error);
    if (!s)
        return HttpResponse::error(503, "unavailable", error);
    const Result<std::vector<QJsonObject>> rows =
        s->benchmarks(query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded), limit);
    if (!rows)
        return HttpResponse::error(500, "internal", rows.error());
    QJsonArray out;
    for (const QJsonObject &o : *rows)
        out.append(o);
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("benchmarks"), out}});
}

void ModelRoutes::publishChanged() {
    if (!m_hub)
        return;
    // State, not a log entry: no id (a client's Last-Event-ID stays its last job event). Clients fetch
    // GET /api/models for the list.
    m_hub->publish(
        "models.changed", 0,
        QJsonDocument(QJsonObject{{QStringLiteral("models"), static_cast<int>(m_library->models().size())},
                                  {QStringLiteral("folders"), m_library->foldersJson()},
                                  {QStringLiteral("scanning"), m_library->scanning()}})
            .toJson(QJsonDocument::Compact));
}

}  // namespace nd
