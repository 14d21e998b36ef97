// SettingsRoutes: HTTP ⇄ settings.json, and the live part of a change.
#include "core/daemon/SettingsRoutes.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

#include "core/http/JsonBody.h"
#include "core/settings/SettingsFile.h"

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcSettings, "nemodesk.settings")

// 400 invalid_settings with the key at fault in "key", so that a form can mark the field. Settings::parse
// words its message for a person editing the file; the part about the file is dropped here.
HttpResponse invalid(const QString &parseError, const QString &file) {
    QString message = parseError;
    const QString prefix = QStringLiteral("settings file %1: ").arg(file);
    if (message.startsWith(prefix))
        message.remove(0, prefix.size());
    if (const qsizetype hint = message.indexOf(QStringLiteral(" (fix the file;")); hint > 0)
        message.truncate(hint);
    QString key;
    for (const QString &candidate : settingsKeys())
        if (message.startsWith(candidate + u' '))
            key = candidate;
    QJsonObject error{{QStringLiteral("code"), QStringLiteral("invalid_settings")},
                      {QStringLiteral("message"), QStringLiteral("%1; nothing was changed").arg(message)}};
    if (!key.isEmpty())
        error.insert(QStringLiteral("key"), key);
    return HttpResponse::json(400, QJsonObject{{QStringLiteral("error"), error}});
}
}  // namespace

SettingsRoutes::SettingsRoutes(QString file, Settings running, QObject *parent)
    : QObject(parent), m_file(std::move(file)), m_started(running), m_current(std::move(running)) {}

void SettingsRoutes::setLive(const QString &key, Apply apply) {
    m_live[key] = std::move(apply);
}

void SettingsRoutes::registerOn(Router &router) {
    router.add("GET", "/api/settings", [this](const HttpRequest &, const RouteParams &) { return get(); });
    router.add("PUT", "/api/settings", [this](const HttpRequest &r, const RouteParams &) { return put(r); });
}

QStringList SettingsRoutes::restartNeeded() const {
    QStringList keys;
    for (const QString &key : changedSettingsKeys(m_started, m_current))
        if (m_live.find(key) == m_live.end())
            keys.append(key);
    return keys;
}

QJsonObject SettingsRoutes::describe(const QJsonObject &file) const {
    QStringList live;
    for (const auto &[key, apply] : m_live)
        live.append(key);
    return QJsonObject{
        {QStringLiteral("settings"), settingsToJson(m_current)},
        {QStringLiteral("file"), file},
        {QStringLiteral("path"), m_file},
        {QStringLiteral("live"), QJsonArray::fromStringList(live)},
        {QStringLiteral("restart_needed"), QJsonArray::fromStringList(restartNeeded())},
    };
}

HttpResponse SettingsRoutes::get() const {
    const Result<QJsonObject> file = readSettingsObject(m_file);
    // A file edited by hand into something wrong since the start: the answer says so, and still shows
    // what the daemon runs with.
    QJsonObject body = describe(file.ok() ? file.value() : QJsonObject());
    if (!file.ok())
        body.insert(QStringLiteral("file_error"), file.error());
    return HttpResponse::json(200, body);
}

HttpResponse SettingsRoutes::put(const HttpRequest &request) {
    const Result<QJsonObject> patch = jsonObjectBody(request);
    if (!patch.ok())
        return HttpResponse::error(400, "bad_request", patch.error());
    const Result<QJsonObject> file = readSettingsObject(m_file);
    if (!file.ok())
        return HttpResponse::error(
            409, "conflict",
            QStringLiteral("%1; fix or remove the file by hand first (it was changed outside NemoDesk)")
                .arg(file.error()));
    const Result<QJsonObject> merged = mergeSettingsPatch(file.value(), patch.value());
    if (!merged.ok())
        return HttpResponse::error(400, "bad_request", merged.error());
    // Exactly the start-up check, so that what is written here is a file the next start accepts.
    const QByteArray text = QJsonDocument(merged.value()).toJson(QJsonDocument::Compact);
    const Result<Settings> parsed = Settings::parse(text, m_file);
    if (!parsed.ok())
        return invalid(parsed.error(), m_file);
    if (const VoidResult written = writeSettingsFile(m_file, merged.value()); !written.ok())
        return HttpResponse::error(500, "internal", written.error());

    const Settings before = m_current;
    m_current = parsed.value();
    QStringList applied;
    for (const QString &key : changedSettingsKeys(before, m_current)) {
        const auto live = m_live.find(key);
        if (live == m_live.end())
            continue;
        live->second(m_current);
        applied.append(key);
    }
    qCInfo(lcSettings, "settings changed through the API; applied live: %s; restart needed: %s",
           qUtf8Printable(applied.join(QStringLiteral(", "))),
           qUtf8Printable(restartNeeded().join(QStringLiteral(", "))));
    QJsonObject body = describe(merged.value());
    body.insert(QStringLiteral("applied"), QJsonArray::fromStringList(applied));
    return HttpResponse::json(200, body);
}

}  // namespace nd
