// Settings: parsing and validating settings.json with messages that point at the offending place.
#include "core/settings/Settings.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>

namespace nd {

namespace {

// QJsonParseError gives a byte offset; people find a line and column faster.
QString lineAndColumn(const QByteArray &text, int offset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < text.size(); ++i) {
        if (text.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QStringLiteral("line %1, column %2").arg(line).arg(column);
}

QString describe(const QJsonValue &value) {
    switch (value.type()) {
        case QJsonValue::String:
            return QStringLiteral("the string \"%1\"").arg(value.toString());
        case QJsonValue::Bool:
            return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        case QJsonValue::Double:
            return QString::number(value.toDouble());
        case QJsonValue::Array:
            return QStringLiteral("an array");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Undefined:
            break;
    }
    return QStringLiteral("nothing");
}

// Reads an optional integer key of `section` into `out`, checking the range.
bool readInt(const QJsonObject &section, const QString &sectionName, const QString &key, int min, int max,
             int *out, QString *error) {
    const QJsonValue value = section.value(key);
    if (value.isUndefined())
        return true;
    const double number = value.toDouble(std::nan(""));
    if (!value.isDouble() || std::floor(number) != number || number < min || number > max) {
        *error = QStringLiteral("%1.%2 must be a whole number from %3 to %4, not %5")
                     .arg(sectionName, key)
                     .arg(min)
                     .arg(max)
                     .arg(describe(value));
        return false;
    }
    *out = static_cast<int>(number);
    return true;
}

bool readBool(const QJsonObject &section, const QString &sectionName, const QString &key, bool *out,
              QString *error) {
    const QJsonValue value = section.value(key);
    if (value.isUndefined())
        return true;
    if (!value.isBool()) {
        *error = QStringLiteral("%1.%2 must be true or false, not %3").arg(sectionName, key, describe(value));
        return false;
    }
    *out = value.toBool();
    return true;
}

bool readSection(const QJsonObject &root, const QString &name, QJsonObject *out, QString *error) {
    const QJsonValue value = root.value(name);
    if (value.isUndefined())
        return true;
    if (!value.isObject()) {
        *error = QStringLiteral("\"%1\" must be an object, not %2").arg(name, describe(value));
        return false;
    }
    *out = value.toObject();
    return true;
}

// models.folders: an array of absolute folder paths (they need not exist yet: a disk mounted later).
bool readFolders(const QJsonObject &section, const QString &sectionName, const QString &key, QStringList *out,
                 QString *error) {
    const QJsonValue value = section.value(key);
    if (value.isUndefined())
        return true;
    if (!value.isArray()) {
        *error = QStringLiteral("%1.%2 must be an array of folder paths, not %3")
                     .arg(sectionName, key, describe(value));
        return false;
    }
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString() || !QDir::isAbsolutePath(item.toString())) {
            *error = QStringLiteral("%1.%2 must hold absolute folder paths, not %3")
                         .arg(sectionName, key, describe(item));
            return false;
        }
        out->append(QDir::cleanPath(item.toString()));
    }
    return true;
}

}  // namespace

Result<Settings> Settings::load(const QString &file) {
    QFile f(file);
    if (!f.exists())
        return Settings{};
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the settings file %1: %2").arg(file, f.errorString())};
    return parse(f.readAll(), file);
}

Result<Settings> Settings::parse(const QByteArray &json, const QString &file) {
    const auto fail = [&file](const QString &what) {
        return Error{QStringLiteral("settings file %1: %2 (fix the file; the defaults are "
                                    "{\"daemon\":{\"port\":0},\"telemetry\":{\"interval_ms\":1000}})")
                         .arg(file, what)};
    };
    Settings settings;
    if (json.trimmed().isEmpty())
        return settings;  // an empty file is as good as none

    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(
            QStringLiteral("%1: %2").arg(lineAndColumn(json, parseError.offset), parseError.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("the top level must be a JSON object"));
    const QJsonObject root = doc.object();

    QString error;
    QJsonObject daemon;
    QJsonObject telemetry;
    QJsonObject queue;
    QJsonObject models;
    const QString queueName = QStringLiteral("queue");
    const QString modelsName = QStringLiteral("models");
    if (!readSection(root, QStringLiteral("daemon"), &daemon, &error) ||
        !readSection(root, QStringLiteral("telemetry"), &telemetry, &error) ||
        !readInt(daemon, QStringLiteral("daemon"), QStringLiteral("port"), 0, 65535, &settings.daemonPort,
                 &error) ||
        !readInt(telemetry, QStringLiteral("telemetry"), QStringLiteral("interval_ms"),
                 minTelemetryIntervalMs, maxTelemetryIntervalMs, &settings.telemetryIntervalMs, &error) ||
        !readSection(root, queueName, &queue, &error) ||
        !readInt(queue, queueName, QStringLiteral("cpus"), 0, 65536, &settings.queueCpus, &error) ||
        !readInt(queue, queueName, QStringLiteral("mem_mib"), 0, 1 << 30, &settings.queueMemMib, &error) ||
        !readInt(queue, queueName, QStringLiteral("kill_grace_s"), 1, 3600, &settings.queueKillGraceSec,
                 &error) ||
        !readBool(queue, queueName, QStringLiteral("backfill"), &settings.queueBackfill, &error) ||
        !readSection(root, modelsName, &models, &error) ||
        !readFolders(models, modelsName, QStringLiteral("folders"), &settings.modelFolders, &error) ||
        !readInt(models, modelsName, QStringLiteral("keep_alive_s"), 0, 7 * 24 * 3600,
                 &settings.modelKeepAliveSec, &error) ||
        !readInt(models, modelsName, QStringLiteral("server_slots"), 1, 256, &settings.modelServerSlots,
                 &error) ||
        !readInt(models, modelsName, QStringLiteral("server_ctx"), 0, 1 << 24, &settings.modelServerCtx,
                 &error))
        return fail(error);
    return settings;
}

}  // namespace nd
