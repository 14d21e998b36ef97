#pragma once
// <runtime>/daemon.json: where the running daemon listens. Written atomically once it listens, removed
// on a clean exit; a file left by a killed daemon names a dead pid and a closed port.
//   { "pid": 1234, "port": 4711, "url": "http://127.0.0.1:4711", "token_file": "…/token",
//     "version": "0.1.0", "started_at_ms": 1764143000000 }
#include <QString>

#include "core/common/Result.h"

namespace nd {

struct RuntimeInfo {
    qint64 pid = 0;
    quint16 port = 0;
    QString url;
    QString tokenFile;
    QString version;
    qint64 startedAtMs = 0;

    static Result<RuntimeInfo> read(const QString &file);
    VoidResult write(const QString &file) const;
    // Removes the file only when it still names `pid` (a newer daemon may have replaced it).
    static void removeIfOwnedBy(const QString &file, qint64 pid);
};

// Whether a process with that pid exists (signal 0); a zombie counts as gone.
bool processIsAlive(qint64 pid);

}  // namespace nd
