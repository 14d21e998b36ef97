// Paths: resolves NemoDesk's folders from NEMODESK_HOME or the XDG variables, and creates them with
// private permissions (config and runtime hold the API token and the daemon's lock).
#include "core/paths/Paths.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nd {

namespace {

// An XDG variable counts only when it holds an absolute path (the spec says relative ones are invalid).
QString absoluteOrEmpty(const QProcessEnvironment &env, const QString &name) {
    const QString value = env.value(name);
    if (value.isEmpty() || !QDir::isAbsolutePath(value))
        return {};
    return QDir::cleanPath(value);
}

QString homeDir(const QProcessEnvironment &env) {
    const QString home = absoluteOrEmpty(env, QStringLiteral("HOME"));
    return home.isEmpty() ? QDir::homePath() : home;
}

// Creates `dir` (and parents). With `privateMode` the folder itself must belong to us and is set to 0700:
// it holds the token or the lock, and a folder another user created there would let them read or
// replace those.
bool makeDir(const QString &dir, bool privateMode, QString *error) {
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("cannot create the folder %1").arg(dir);
        return false;
    }
    if (!privateMode)
        return true;
    const QByteArray native = QFile::encodeName(dir);
    struct stat st {};
    if (::stat(native.constData(), &st) != 0) {
        if (error)
            *error = QStringLiteral("cannot inspect the folder %1: %2")
                         .arg(dir, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    if (st.st_uid != ::getuid()) {
        if (error)
            *error = QStringLiteral(
                         "the folder %1 belongs to another user (uid %2); remove it or set "
                         "NEMODESK_HOME to a folder of your own")
                         .arg(dir)
                         .arg(st.st_uid);
        return false;
    }
    if ((st.st_mode & 0777) != 0700 && ::chmod(native.constData(), 0700) != 0) {
        if (error)
            *error = QStringLiteral("cannot make the folder %1 private (chmod 0700): %2")
                         .arg(dir, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    return true;
}

}  // namespace

Paths Paths::fromEnvironment() {
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString home = env.value(QStringLiteral("NEMODESK_HOME"));
    if (!home.isEmpty())
        return underHome(home);

    const QString userHome = homeDir(env);
    const QString suffix = QStringLiteral("/nemodesk");
    Paths paths;
    QString config = absoluteOrEmpty(env, QStringLiteral("XDG_CONFIG_HOME"));
    if (config.isEmpty())
        config = userHome + QStringLiteral("/.config");
    QString data = absoluteOrEmpty(env, QStringLiteral("XDG_DATA_HOME"));
    if (data.isEmpty())
        data = userHome + QStringLiteral("/.local/share");
    QString runtime = absoluteOrEmpty(env, QStringLiteral("XDG_RUNTIME_DIR"));
    if (runtime.isEmpty()) {
        // No session runtime folder (cron, ssh without systemd-logind): a per-user one under /tmp, as
        // QStandardPaths does; ensureExists() makes sure it is ours and private.
        runtime = QDir::tempPath() + QStringLiteral("/runtime-") + QString::number(::getuid());
    }
    paths.m_configDir = config + suffix;
    paths.m_dataDir = data + suffix;
    paths.m_runtimeDir = runtime + suffix;
    return paths;
}

Paths Paths::underHome(const QString &home) {
    Paths paths;
    paths.m_home = QDir::cleanPath(QFileInfo(home).absoluteFilePath());
    paths.m_configDir = paths.m_home + QStringLiteral("/config");
    paths.m_dataDir = paths.m_home + QStringLiteral("/data");
    paths.m_runtimeDir = paths.m_home + QStringLiteral("/run");
    return paths;
}

QString Paths::settingsFile() const {
    return m_configDir + QStringLiteral("/settings.json");
}
QString Paths::tokenFile() const {
    return m_configDir + QStringLiteral("/token");
}
QString Paths::runtimeFile() const {
    return m_runtimeDir + QStringLiteral("/daemon.json");
}
QString Paths::lockFile() const {
    return m_runtimeDir + QStringLiteral("/daemon.lock");
}
QString Paths::logDir() const {
    return m_dataDir + QStringLiteral("/logs");
}
QString Paths::daemonLogFile() const {
    return logDir() + QStringLiteral("/daemon.log");
}

QString Paths::databaseFile() const {
    return m_dataDir + QStringLiteral("/nemodesk.db");
}

QString Paths::jobsDir() const {
    return m_dataDir + QStringLiteral("/jobs");
}

QString Paths::jobLogDir() const {
    return logDir() + QStringLiteral("/jobs");
}

bool Paths::ensureExists(QString *error) const {
    if (m_home.isEmpty()) {
        // The fallback runtime base under /tmp is shared with every user: it must be ours and private too.
        const QString runtimeBase = QFileInfo(m_runtimeDir).path();
        if (runtimeBase.startsWith(QDir::tempPath() + QStringLiteral("/runtime-")) &&
            !makeDir(runtimeBase, true, error))
            return false;
    }
    return makeDir(m_configDir, true, error) && makeDir(m_runtimeDir, true, error) &&
           makeDir(m_dataDir, false, error) && makeDir(logDir(), false, error);
}

}  // namespace nd
