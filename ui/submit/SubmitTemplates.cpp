// Saved Submit templates (see the header). The file holds {"name": …, "spec": {…}} so that a name with
// characters a file name cannot hold comes back as it was given.
#include "ui/submit/SubmitTemplates.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>

namespace nd {

QString SubmitTemplates::dirIn(const QString &configDir) {
    return QDir(configDir).filePath(QStringLiteral("submit-templates"));
}

QString SubmitTemplates::fileOf(const QString &name) const {
    QString safe;
    for (const QChar c : name.trimmed())
        safe.append(
            c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char(' ') ? c : QLatin1Char('_'));
    return QDir(m_dir).filePath(safe + QStringLiteral(".json"));
}

QStringList SubmitTemplates::names() const {
    QStringList names;
    const QDir dir(m_dir);
    for (const QString &file : dir.entryList({QStringLiteral("*.json")}, QDir::Files)) {
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QJsonObject json = QJsonDocument::fromJson(f.readAll()).object();
        const QString name = json.value(QStringLiteral("name")).toString();
        if (!name.isEmpty())
            names.append(name);
    }
    std::sort(names.begin(), names.end(),
              [](const QString &a, const QString &b) { return QString::localeAwareCompare(a, b) < 0; });
    return names;
}

VoidResult SubmitTemplates::save(const QString &name, const QJsonObject &spec) const {
    if (name.trimmed().isEmpty())
        return Error{QStringLiteral("give the template a name")};
    if (!QDir().mkpath(m_dir))
        return Error{QStringLiteral("cannot create the templates folder %1").arg(m_dir)};
    QSaveFile file(fileOf(name));
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString())};
    const QJsonObject json{{QStringLiteral("name"), name.trimmed()}, {QStringLiteral("spec"), spec}};
    file.write(QJsonDocument(json).toJson());
    if (!file.commit())
        return Error{QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString())};
    return success();
}

Result<QJsonObject> SubmitTemplates::load(const QString &name) const {
    QFile file(fileOf(name));
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("no template '%1' (%2)").arg(name, file.errorString())};
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject())
        return Error{
            QStringLiteral("template '%1' is not valid JSON: %2").arg(name, parseError.errorString())};
    return doc.object().value(QStringLiteral("spec")).toObject();
}

VoidResult SubmitTemplates::remove(const QString &name) const {
    if (!QFile::remove(fileOf(name)))
        return Error{QStringLiteral("cannot remove template '%1'").arg(name)};
    return success();
}

}  // namespace nd
