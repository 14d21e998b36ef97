#pragma once
// <runtime>/startup-problem.json: why the last daemon start stopped at a file it could not use — a
// settings.json that does not parse or holds a wrong value, or a job database that is corrupt, another
// program's or from a newer NemoDesk. Written by the daemon as it refuses to start, removed by the next
// start that takes the lock; read by the GUI (DaemonConnector) to ask the user whether to start fresh.
//   { "kind": "settings" | "database", "file": "…/settings.json", "message": "…",
//     "backup": "…/settings.json.broken-20261127-133700" }
// Starting fresh (`nemoctl daemon --start-fresh`) renames the file to `backup`; nothing is ever deleted.
#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include "core/common/Result.h"
#include "core/paths/Paths.h"

namespace nd {

struct StartupProblem {
    enum class Kind { settings = 1, database };
    Kind kind = Kind::settings;
    QString file;     // the file the daemon could not use
    QString message;  // what it found there, as the daemon logged it
    QString backup;   // where starting fresh moves the file (a database also takes its -wal and -shm along)

    QJsonObject toJson() const;
    static Result<StartupProblem> fromJson(const QJsonObject &json);

    // Atomically (a reader never sees half a file).
    VoidResult write(const QString &path) const;
    static Result<StartupProblem> read(const QString &path);
};

// <runtime>/startup-problem.json
QString startupProblemFile(const Paths &paths);

// "settings" / "database", as the file and messages say it.
QString startupProblemKindName(StartupProblem::Kind kind);

// A name next to `file` that nothing uses yet: <file>.broken-YYYYMMDD-HHMMSS, with -2, -3, … appended
// when that is taken (for a database, its -wal and -shm names must be free too).
QString brokenFileName(const QString &file, StartupProblem::Kind kind,
                       const QDateTime &now = QDateTime::currentDateTime());

// Whether nothing uses `backup` yet (for a database, its -wal and -shm names too).
bool backupNameIsFree(const QString &backup, StartupProblem::Kind kind);

// Renames `file` to `backup` and, for a database, its -wal and -shm files along with it (so the kept copy
// still opens with everything that was committed). Never overwrites: a taken name, or a rename that fails,
// is an error, and the renames already done are undone.
VoidResult moveAside(const QString &file, const QString &backup, StartupProblem::Kind kind);

}  // namespace nd

Q_DECLARE_METATYPE(nd::StartupProblem)
