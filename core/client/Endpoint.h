#pragma once
// How to reach a running daemon: its URL and bearer token, read from the runtime file it wrote.
#include <QByteArray>
#include <QString>
#include <QUrl>

#include "core/common/Result.h"
#include "core/paths/Paths.h"

namespace nd {

struct Endpoint {
    QUrl baseUrl;       // http://127.0.0.1:PORT
    QString tokenFile;  // absolute path of the 0600 token file
    QByteArray token;   // its contents
    qint64 pid = 0;     // daemon pid as written in the runtime file
    QString version;    // daemon version as written in the runtime file

    // Reads <runtime>/daemon.json and the token file. An error when no daemon has written one, or the
    // file is malformed, or the token cannot be read (the message names the file).
    static Result<Endpoint> fromRuntimeFile(const Paths &paths);
};

}  // namespace nd
