// StartupProblem: the file that lets a client ask for consent, and moving a file aside without losing it.
#include "core/daemon/StartupProblem.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include <utility>
#include <vector>

namespace nd {

namespace {

// SQLite's companions of a database file: a kept database must keep its WAL, or committed work is lost.
const char *const kDatabaseCompanions[] = {"-wal", "-shm"};

QStringList withCompanions(const QString &file, StartupProblem::Kind kind) {
    QStringList all{file};
    if (kind == StartupProblem::Kind::database)
        for (const char *suffix : kDatabaseCompanions)
            all.append(file + QLatin1String(suffix));
    return all;
}

bool anyExists(const QStringList &files) {
    for (const QString &file : files)
        if (QFileInfo::exists(file))
            return true;
    return false;
}

}  // namespace

QString startupProblemKindName(StartupProblem::Kind kind) {
    return kind == StartupProblem::Kind::database ? QStringLiteral("database") : QStringLiteral("settings");
}

QJsonObject StartupProblem::toJson() const {
    return QJsonObject{{QStringLiteral("kind"), startupProblemKindName(kind)},
                       {QStringLiteral("file"), file},
                       {QStringLiteral("message"), message},
                       {QStringLiteral("backup"), backup}};
}

Result<StartupProblem> StartupProblem::fromJson(const QJsonObject &json) {
    StartupProblem problem;
    const QString kind = json.value(QStringLiteral("kind")).toString();
    if (kind == QLatin1String("settings"))
        problem.kind = Kind::settings;
    else if (kind == QLatin1String("database"))
        problem.kind = Kind::database;
    else
        return Error{QStringLiteral("unknown kind \"%1\" (expected \"settings\" or \"database\")").arg(kind)};
    problem.file = json.value(QStringLiteral("file")).toString();
    problem.message = json.value(QStringLiteral("message")).toString();
    problem.backup = json.value(QStringLiteral("backup")).toString();
    if (problem.file.isEmpty() || problem.backup.isEmpty())
        return Error{QStringLiteral("\"file\" and \"backup\" must name files")};
    return problem;
}

VoidResult StartupProblem::write(const QString &path) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write %1: %2").arg(path, f.errorString())};
    f.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return Error{QStringLiteral("cannot write %1: %2").arg(path, f.errorString())};
    return success();
}

Result<StartupProblem> StartupProblem::read(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read %1: %2").arg(path, f.errorString())};
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return Error{QStringLiteral("%1 is not the JSON object a daemon writes").arg(path)};
    Result<StartupProblem> problem = fromJson(doc.object());
    if (!problem)
        return Error{QStringLiteral("%1: %2").arg(path, problem.error())};
    return problem;
}

QString startupProblemFile(const Paths &paths) {
    return QDir(paths.runtimeDir()).filePath(QStringLiteral("startup-problem.json"));
}

bool backupNameIsFree(const QString &backup, StartupProblem::Kind kind) {
    return !anyExists(withCompanions(backup, kind));
}

QString brokenFileName(const QString &file, StartupProblem::Kind kind, const QDateTime &now) {
    const QString stamped = file + now.toString(QStringLiteral("'.broken-'yyyyMMdd-HHmmss"));
    QString name = stamped;
    for (int n = 2; !backupNameIsFree(name, kind); ++n)
        name = QStringLiteral("%1-%2").arg(stamped).arg(n);
    return name;
}

VoidResult moveAside(const QString &file, const QString &backup, StartupProblem::Kind kind) {
    const QStringList from = withCompanions(file, kind);
    const QStringList to = withCompanions(backup, kind);
    for (const QString &target : to) {
        if (QFileInfo::exists(target))
            return Error{QStringLiteral("cannot keep %1 as %2: that name is taken (nothing was moved)")
                             .arg(file, target)};
    }
    // The main file first, then its companions; on a failure the done renames are undone, so the file is
    // never left separated from its WAL.
    std::vector<std::pair<QString, QString>> done;
    for (qsizetype i = 0; i < from.size(); ++i) {
        if (i > 0 && !QFileInfo::exists(from[i]))
            continue;  // no WAL or shared-memory file: nothing to carry along
        QFile source(from[i]);
        if (source.rename(to[i])) {
            done.emplace_back(from[i], to[i]);
            continue;
        }
        const QString why = source.errorString();
        QStringList stuck;
        for (auto undo = done.rbegin(); undo != done.rend(); ++undo)
            if (!QFile::rename(undo->second, undo->first))
                stuck.append(QStringLiteral("%1 (now %2)").arg(undo->first, undo->second));
        return Error{QStringLiteral("cannot rename %1 to %2: %3%4; check the folder's permissions")
                         .arg(from[i], to[i], why,
                              stuck.isEmpty() ? QStringLiteral(" (nothing was moved)")
                                              : QStringLiteral(" (could not move back: %1)")
                                                    .arg(stuck.join(QStringLiteral(", "))))};
    }
    return success();
}

}  // namespace nd
