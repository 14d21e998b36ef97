// ProcessIdentity: a pid plus what makes it unique across pid reuse (its start time in clock ticks since
// boot, /proc/<pid>/stat field 22) and across reboots (the kernel's boot id).
#include <QByteArray>
#include <QFile>

#include "core/executor/Executor.h"

namespace nd {

namespace {

struct ProcStat {
    char state = '?';
    qint64 startTicks = 0;
};

// Field 2 is "(comm)", and comm may hold spaces and parentheses ("a) b ("), so the fields after it are
// counted from the LAST ')'.
std::optional<ProcStat> parseProcStat(const QByteArray &text) {
    const qsizetype commEnd = text.lastIndexOf(')');
    if (commEnd < 0)
        return std::nullopt;
    const QList<QByteArray> fields = text.mid(commEnd + 1).simplified().split(' ');
    // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
    if (fields.size() < 20 || fields[0].isEmpty())
        return std::nullopt;
    bool ok = false;
    ProcStat stat;
    stat.state = fields[0].at(0);
    stat.startTicks = fields[19].toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    return stat;
}

std::optional<ProcStat> readProcStat(qint64 pid) {
    if (pid <= 0)
        return std::nullopt;
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return parseProcStat(file.readAll());  // a single read(): the kernel builds the whole line at once
}

// Constant while this process lives: a reboot ends it too.
const QString &bootId() {
    static const QString id = [] {
        QFile file(QStringLiteral("/proc/sys/kernel/random/boot_id"));
        if (!file.open(QIODevice::ReadOnly))
            return QString();
        return QString::fromLatin1(file.readAll().trimmed());
    }();
    return id;
}

}  // namespace

bool processIdentityAlive(const ProcessIdentity &identity) {
    if (identity.bootId.isEmpty() || identity.bootId != bootId())
        return false;
    const std::optional<ProcStat> stat = readProcStat(identity.pid);
    return stat && stat->startTicks == identity.startTicks && stat->state != 'Z' && stat->state != 'X';
}

Result<ProcessIdentity> processIdentityOf(qint64 pid) {
    if (bootId().isEmpty())
        return Error{QStringLiteral("cannot read /proc/sys/kernel/random/boot_id: is /proc mounted?")};
    const std::optional<ProcStat> stat = readProcStat(pid);
    if (!stat)
        return Error{QStringLiteral("no process with pid %1 (or /proc/%1/stat is unreadable)").arg(pid)};
    return ProcessIdentity{pid, stat->startTicks, bootId()};
}

}  // namespace nd
