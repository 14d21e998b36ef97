#pragma once
// The model library and benchmark routes of the API (docs/api.md, "Models"): GET /api/models, POST and
// DELETE /api/models/folders, POST /api/models/rescan, GET /api/models/{name}, POST and GET
// /api/benchmarks. Owns the ModelLibrary; publishes `models.changed` on the event stream when the list of
// folders or models changes. Benchmark results go to the job database through a connection of its own
// (opened on first use; the queue's connection is the other writer, on other tables).
#include <QObject>
#include <QStringList>

#include <memory>

#include "core/http/Router.h"

namespace nd {

class JobStore;
class ModelLibrary;
class SseHub;

class ModelRoutes : public QObject {
    Q_OBJECT
public:
    struct Options {
        QStringList settingsFolders;  // Settings::modelFolders
        QString foldersFile;          // where `nemoctl models add` folders are kept ("" : not kept)
        QString databaseFile;  // the job database (JobQueue::Options::databaseFile); "" : no benchmarks
    };
    // `hub` may be null (no events). Starts the library (its first scan runs in the background); a broken
    // folders file is logged and the library starts with the settings folders only.
    ModelRoutes(Options options, SseHub *hub, QObject *parent = nullptr);
    ~ModelRoutes() override;
    void registerOn(Router &router);

    ModelLibrary *library() const { return m_library; }

private:
    HttpResponse list() const;
    HttpResponse one(const QString &name) const;
    HttpResponse addFolder(const HttpRequest &request);
    HttpResponse removeFolder(const HttpRequest &request);
    HttpResponse rescan();
    HttpResponse addBenchmark(const HttpRequest &request);
    HttpResponse benchmarks(const HttpRequest &request);
    JobStore *store(QString *error);
    void publishChanged();

    Options m_options;
    ModelLibrary *m_library;
    SseHub *m_hub;
    std::unique_ptr<JobStore> m_store;
};

}  // namespace nd
