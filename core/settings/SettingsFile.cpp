// SettingsFile: merging a client's change into settings.json and writing it without losing anything.
#include "core/settings/SettingsFile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace nd {

QStringList settingsKeys() {
    return {QStringLiteral("daemon.port"),         QStringLiteral("telemetry.interval_ms"),
            QStringLiteral("queue.cpus"),          QStringLiteral("queue.mem_mib"),
            QStringLiteral("queue.kill_grace_s"),  QStringLiteral("queue.backfill"),
            QStringLiteral("models.folders"),      QStringLiteral("models.keep_alive_s"),
            QStringLiteral("models.server_slots"), QStringLiteral("models.server_ctx")};
}

QJsonObject settingsToJson(const Settings &s) {
    return QJsonObject{
        {QStringLiteral("daemon"), QJsonObject{{QStringLiteral("port"), s.daemonPort}}},
        {QStringLiteral("telemetry"), QJsonObject{{QStringLiteral("interval_ms"), s.telemetryIntervalMs}}},
        {QStringLiteral("queue"), QJsonObject{{QStringLiteral("cpus"), s.queueCpus},
                                              {QStringLiteral("mem_mib"), s.queueMemMib},
                                              {QStringLiteral("kill_grace_s"), s.queueKillGraceSec},
                                              {QStringLiteral("backfill"), s.queueBackfill}}},
        {QStringLiteral("models"),
         QJsonObject{{QStringLiteral("folders"), QJsonArray::fromStringList(s.modelFolders)},
                     {QStringLiteral("keep_alive_s"), s.modelKeepAliveSec},
                     {QStringLiteral("server_slots"), s.modelServerSlots},
                     {QStringLiteral("server_ctx"), s.modelServerCtx}}},
    };
}

QStringList changedSettingsKeys(const Settings &a, const Settings &b) {
    // Through the JSON form: one place lists the keys, so a new key cannot be forgotten here.
    const QJsonObject ja = settingsToJson(a);
    const QJsonObject jb = settingsToJson(b);
    QStringList changed;
    for (const QString &name : settingsKeys()) {
        const QString section = name.section(u'.', 0, 0);
        const QString key = name.section(u'.', 1);
        if (ja.value(section).toObject().value(key) != jb.value(section).toObject().value(key))
            changed.append(name);
    }
    return changed;
}

Result<QJsonObject> mergeSettingsPatch(const QJsonObject &root, const QJsonObject &patch) {
    QJsonObject merged = root;
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.value().isNull()) {
            merged.remove(it.key());  // a whole section back to its defaults
            continue;
        }
        if (!it.value().isObject())
            return Error{QStringLiteral("\"%1\" must be an object of keys to change, e.g. "
                                        "{\"telemetry\": {\"interval_ms\": 500}}")
                             .arg(it.key())};
        const QJsonValue existing = merged.value(it.key());
        // A section the file holds as something else is replaced: Settings::parse would refuse it anyway.
        QJsonObject section = existing.isObject() ? existing.toObject() : QJsonObject();
        const QJsonObject changes = it.value().toObject();
        for (auto change = changes.begin(); change != changes.end(); ++change) {
            if (change.value().isNull())
                section.remove(change.key());
            else
                section.insert(change.key(), change.value());
        }
        if (section.isEmpty())
            merged.remove(it.key());
        else
            merged.insert(it.key(), section);
    }
    return merged;
}

Result<QJsonObject> readSettingsObject(const QString &file) {
    QFile f(file);
    if (!f.exists())
        return QJsonObject{};
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the settings file %1: %2").arg(file, f.errorString())};
    const QByteArray text = f.readAll();
    if (text.trimmed().isEmpty())
        return QJsonObject{};
    // Settings::parse gives the message that names the line; this only runs once it passed.
    const Result<Settings> valid = Settings::parse(text, file);
    if (!valid.ok())
        return Error{valid.error()};
    return QJsonDocument::fromJson(text).object();
}

VoidResult writeSettingsFile(const QString &file, const QJsonObject &root) {
    const QString backup = file + QStringLiteral(".bak");
    if (QFile::exists(file)) {
        // QFile::copy does not overwrite: the previous backup goes first.
        if (QFile::exists(backup) && !QFile::remove(backup))
            return Error{
                QStringLiteral("cannot replace the backup %1 (check the folder's permissions)").arg(backup)};
        if (!QFile::copy(file, backup))
            return Error{QStringLiteral("cannot keep the previous settings as %1 (check the folder's "
                                        "permissions and free space); nothing was changed")
                             .arg(backup)};
    }
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write the settings file %1: %2").arg(file, out.errorString())};
    out.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!out.commit())
        return Error{QStringLiteral("cannot write the settings file %1: %2 (the previous file is unchanged)")
                         .arg(file, out.errorString())};
    return success();
}

}  // namespace nd
