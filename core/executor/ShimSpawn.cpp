// ShimSpawn: posix_spawn rather than fork: the daemon may be large and threaded, and posix_spawn (vfork
// underneath) neither copies it nor runs any of its code in the child.
#include "core/executor/ShimSpawn.h"

#include <QByteArrayList>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <vector>

#include "core/executor/shim/JobShim.h"

extern char **environ;  // NOLINT(readability-redundant-declaration): POSIX has no header for it

namespace nd {

namespace {

QString outputPath(const QString &path, const QString &workdir) {
    if (path.isEmpty())
        return QStringLiteral("/dev/null");
    const QDir base(workdir.isEmpty() ? QDir::currentPath() : workdir);
    return QDir::cleanPath(base.absoluteFilePath(path));
}

// The daemon's environment with the request's additions; a variable the request sets wins, and when
// the request sets one twice, the later setting wins (the queue appends its own after the user's).
QByteArrayList jobEnvironment(const LaunchRequest &request) {
    QSet<QByteArray> overridden;
    QByteArrayList entries;
    for (auto it = request.env.crbegin(); it != request.env.crend(); ++it) {
        const QByteArray encodedName = it->first.toLocal8Bit();
        if (overridden.contains(encodedName))
            continue;
        overridden.insert(encodedName);
        entries.append(encodedName + '=' + it->second.toLocal8Bit());
    }
    for (char **variable = environ; variable && *variable; ++variable) {
        const QByteArray entry(*variable);
        const qsizetype equals = entry.indexOf('=');
        if (equals > 0 && !overridden.contains(entry.left(equals)))
            entries.append(entry);
    }
    return entries;
}

// Pointers into `strings` for execve-style arrays; `strings` must outlive the result.
std::vector<char *> pointerArray(QByteArrayList &strings) {
    std::vector<char *> pointers;
    pointers.reserve(static_cast<size_t>(strings.size()) + 1);
    for (QByteArray &string : strings)
        pointers.push_back(string.data());
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

QStringList shimArguments(const QString &shimPath, const LaunchRequest &request) {
    QStringList arguments{shimPath,
                          QStringLiteral("--status"),
                          QFileInfo(request.statusFile).absoluteFilePath(),
                          QStringLiteral("--stdout"),
                          outputPath(request.stdoutFile, request.workdir),
                          QStringLiteral("--stderr"),
                          outputPath(request.stderrFile, request.workdir)};
    if (!request.workdir.isEmpty())
        arguments << QStringLiteral("--cwd") << request.workdir;
    arguments << QStringLiteral("--grace") << QString::number(qMax(0, request.killGraceSec))
              << QStringLiteral("--");
    arguments << request.argv;
    return arguments;
}

Result<qint64> spawnShim(const QString &shimPath, const LaunchRequest &request) {
    const QFileInfo shim(shimPath);
    if (!shim.exists())
        return Error{QStringLiteral("the job shim '%1' does not exist: the installation is incomplete "
                                    "(nemodesk-jobshim belongs in ../libexec/nemodesk/ or next to nemoctl; "
                                    "reinstall the package), or point NEMODESK_JOBSHIM at it")
                         .arg(shimPath)};
    if (!shim.isFile() || !shim.isExecutable())
        return Error{QStringLiteral("the job shim '%1' is not an executable file").arg(shimPath)};

    // A status file left by an earlier run of this job would be taken for this run's.
    QFile::remove(request.statusFile);
    QFile::remove(request.statusFile + QStringLiteral(".tmp"));

    QByteArrayList arguments;
    for (const QString &argument : shimArguments(shimPath, request))
        arguments.append(QFile::encodeName(argument));
    QByteArrayList environment = jobEnvironment(request);
    std::vector<char *> argv = pointerArray(arguments);
    std::vector<char *> envp = pointerArray(environment);

    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    // The shim has nothing to say on stdout/stderr (the job's output goes to its files, the shim's news
    // to the status file), and it must not hold the daemon's sockets, database or lock open for as long
    // as a job runs.
    posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&files, STDERR_FILENO + 1);
#endif

    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // The daemon's dispositions (SIGPIPE ignored, …) are not the shim's; the shim's own signals start
    // blocked, so one sent right after launch() waits for the shim's loop.
    sigset_t allSignals;
    sigfillset(&allSignals);
    const sigset_t blocked = jobshim::handledSignals();
    posix_spawnattr_setsigdefault(&attributes, &allSignals);
    posix_spawnattr_setsigmask(&attributes, &blocked);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    pid_t pid = 0;
    const int error = ::posix_spawn(&pid, argv[0], &files, &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&files);
    if (error != 0)
        return Error{
            QStringLiteral("cannot start the job shim '%1': %2").arg(shimPath, qt_error_string(error))};
    return qint64{pid};
}

}  // namespace nd
