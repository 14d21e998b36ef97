#pragma once
// The daemon's log: every Qt message (qInfo, qWarning, … from any thread) goes with a timestamp to
// stderr and appended to <data>/logs/daemon.log. When stderr already is that file (the GUI starts the
// daemon with its output redirected there) each line is written once. A log over 10 MiB is moved to
// daemon.log.1 at start, so it cannot fill the disk over months.
#include <QString>

#include "core/common/Result.h"

namespace nd {

class DaemonLog {
public:
    static constexpr qint64 rotateAtBytes = 10 * 1024 * 1024;

    // Opens the file and installs the message handler. On failure nothing is installed.
    static VoidResult install(const QString &logFile);
    // Restores the default handler and closes the file.
    static void uninstall();
    // "2025-11-26 10:00:00.123 warning nemodesk.http: text" — exposed for tests.
    static QByteArray formatLine(qint64 timeMs, QtMsgType type, const char *category, const QString &message);
};

}  // namespace nd
