// DaemonLog: a process-wide Qt message handler writing to stderr and the log file.
#include "core/daemon/DaemonLog.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace nd {

namespace {

std::mutex g_mutex;
std::FILE *g_file = nullptr;  // null when stderr is the log file already
QtMessageHandler g_previous = nullptr;

const char *typeName(QtMsgType type) {
    switch (type) {
        case QtDebugMsg:
            return "debug";
        case QtInfoMsg:
            return "info";
        case QtWarningMsg:
            return "warning";
        case QtCriticalMsg:
            return "error";
        case QtFatalMsg:
            return "fatal";
    }
    return "info";
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    const QByteArray line =
        DaemonLog::formatLine(QDateTime::currentMSecsSinceEpoch(), type, context.category, message);
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), stderr);
    std::fflush(stderr);
    if (g_file) {
        std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), g_file);
        std::fflush(g_file);
    }
}

bool sameFile(int fd, const QByteArray &path) {
    struct stat a {};
    struct stat b {};
    return ::fstat(fd, &a) == 0 && ::stat(path.constData(), &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

}  // namespace

QByteArray DaemonLog::formatLine(qint64 timeMs, QtMsgType type, const char *category,
                                 const QString &message) {
    QByteArray line =
        QDateTime::fromMSecsSinceEpoch(timeMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")).toUtf8();
    line += ' ';
    line += typeName(type);
    if (category && *category && qstrcmp(category, "default") != 0) {
        line += ' ';
        line += category;
        line += ':';
    }
    line += ' ';
    line += message.toUtf8();
    line += '\n';
    return line;
}

VoidResult DaemonLog::install(const QString &logFile) {
    const QByteArray native = QFile::encodeName(logFile);
    const bool stderrIsLog = sameFile(STDERR_FILENO, native);
    std::FILE *file = nullptr;
    if (!stderrIsLog) {
        // Rotation is skipped when stderr is the file: the starter holds it open and would keep writing
        // into the renamed one.
        if (QFileInfo(logFile).size() > rotateAtBytes) {
            const QString old = logFile + QStringLiteral(".1");
            QFile::remove(old);
            QFile::rename(logFile, old);
        }
        file = std::fopen(native.constData(), "ae");
        if (!file)
            return Error{QStringLiteral("cannot open the log file %1 for writing").arg(logFile)};
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_file)
        std::fclose(g_file);
    g_file = file;
    QtMessageHandler previous = qInstallMessageHandler(handler);
    if (previous != handler)
        g_previous = previous;
    return success();
}

void DaemonLog::uninstall() {
    qInstallMessageHandler(g_previous);
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_file)
        std::fclose(g_file);
    g_file = nullptr;
}

}  // namespace nd
