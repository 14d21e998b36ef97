#pragma once
// Changing settings.json from the API (PUT /api/settings): the daemon merges what a client sends into the
// file as the user wrote it, validates the result with Settings::parse exactly as at start-up, and writes
// it atomically, keeping the previous file as settings.json.bak. Keys the user never set stay unset (the
// defaults may change between versions), and keys this version does not know are kept as they are.
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"
#include "core/settings/Settings.h"

namespace nd {

// Every key settings.json knows, as "section.key", in the file's order.
QStringList settingsKeys();

// The effective settings (defaults filled in), shaped like the file: {"daemon": {"port": 0}, …}.
QJsonObject settingsToJson(const Settings &settings);

// The keys whose values differ between `a` and `b` ("section.key").
QStringList changedSettingsKeys(const Settings &a, const Settings &b);

// Merges `patch` ({"section": {"key": value}}) into `root` (the file's JSON object), key by key: a null
// value removes the key, so its default applies again; keys the patch does not name stay as they were.
// A patch whose sections are not objects is an error naming the section.
Result<QJsonObject> mergeSettingsPatch(const QJsonObject &root, const QJsonObject &patch);

// The file's contents for a client: its JSON object (empty when the file is missing or empty).
Result<QJsonObject> readSettingsObject(const QString &file);

// Writes `root` to `file` atomically (QSaveFile), after copying the existing file to `file`.bak.
VoidResult writeSettingsFile(const QString &file, const QJsonObject &root);

}  // namespace nd
