#pragma once
// GET /api/settings and PUT /api/settings (docs/api.md "Settings"): the effective settings, the file as
// the user wrote it, and changes to it. A change is validated exactly as at start-up (Settings::parse),
// written atomically with the previous file kept as settings.json.bak, and applied to the running daemon
// for every key that has a live applier; the others are answered in "restart_needed".
#include <QObject>
#include <QString>

#include <functional>
#include <map>

#include "core/http/HttpResponse.h"
#include "core/http/Router.h"
#include "core/settings/Settings.h"

namespace nd {

class SettingsRoutes : public QObject {
    Q_OBJECT
public:
    using Apply = std::function<void(const Settings &settings)>;

    // `running`: the settings the daemon started with.
    SettingsRoutes(QString file, Settings running, QObject *parent = nullptr);

    // `key` ("section.key", see settingsKeys()) takes effect without a restart: `apply` is called with
    // the new settings whenever a PUT changes it.
    void setLive(const QString &key, Apply apply);
    void registerOn(Router &router);

    // What the file says now (the running settings for live keys).
    const Settings &current() const { return m_current; }

private:
    HttpResponse get() const;
    HttpResponse put(const HttpRequest &request);
    // The body of both answers.
    QJsonObject describe(const QJsonObject &file) const;
    // Keys changed since start that have no live applier.
    QStringList restartNeeded() const;

    QString m_file;
    Settings m_started;
    Settings m_current;
    std::map<QString, Apply> m_live;
};

}  // namespace nd
