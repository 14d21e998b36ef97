// readShimStatus: the daemon's half of the status file that nemodesk-jobshim writes (format: JobShim.h).
#include <QFile>
#include <QHash>

#include "core/executor/Executor.h"
#include "core/executor/shim/JobShim.h"

namespace nd {

namespace {

constexpr qint64 kMaxStatusFileBytes = qint64{64} * 1024;  // a real one is a few hundred bytes

QString unescapeValue(const QByteArray &value) {
    QByteArray plain;
    plain.reserve(value.size());
    for (qsizetype i = 0; i < value.size(); ++i) {
        const char c = value.at(i);
        if (c != '\\' || i + 1 == value.size()) {
            plain += c;
            continue;
        }
        const char next = value.at(++i);
        plain += next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    }
    return QString::fromUtf8(plain);
}

}  // namespace

Result<ShimStatus> readShimStatus(const QString &statusFile) {
    namespace key = jobshim;
    QFile file(statusFile);
    if (!file.open(QIODevice::ReadOnly))
        return Error{
            QStringLiteral("cannot read job status file '%1': %2").arg(statusFile, file.errorString())};
    const QByteArray text = file.read(kMaxStatusFileBytes + 1);
    if (text.size() > kMaxStatusFileBytes)
        return Error{QStringLiteral("job status file '%1' is too large to be one").arg(statusFile)};

    ShimStatus status;
    const QList<QByteArray> numericKeys = {key::kKeyChildPid,
                                           key::kKeyEnded,
                                           key::kKeyExitCode,
                                           key::kKeySignal,
                                           key::kKeyTerminatedByRequest,
                                           key::kKeyCpuTimeMs,
                                           key::kKeyPeakRssKib,
                                           key::kKeyEndTimeMs};
    QHash<QByteArray, qint64> numbers;
    int lineNumber = 0;
    for (const QByteArray &line : text.split('\n')) {
        ++lineNumber;
        if (line.isEmpty())
            continue;
        const qsizetype equals = line.indexOf('=');
        if (equals <= 0)
            return Error{QStringLiteral("job status file '%1', line %2: not a key=value line")
                             .arg(statusFile)
                             .arg(lineNumber)};
        const QByteArray name = line.left(equals);
        const QByteArray value = line.mid(equals + 1);
        if (name == key::kKeyLaunchError) {
            status.launchError = unescapeValue(value);
        } else if (numericKeys.contains(name)) {
            bool ok = false;
            numbers.insert(name, value.toLongLong(&ok));
            if (!ok)
                return Error{QStringLiteral("job status file '%1', line %2: '%3' is not a number")
                                 .arg(statusFile)
                                 .arg(lineNumber)
                                 .arg(QString::fromUtf8(value))};
        }
        // Other keys: written by a newer shim; ignored.
    }
    if (!numbers.contains(key::kKeyEnded))
        return Error{QStringLiteral("job status file '%1' has no '%2' line: not a job status file")
                         .arg(statusFile, QLatin1String(key::kKeyEnded))};

    const auto number = [&](const char *name, qint64 absent) { return numbers.value(name, absent); };
    status.childPid = number(key::kKeyChildPid, 0);
    status.ended = number(key::kKeyEnded, 0) != 0;
    status.exitCode = static_cast<int>(number(key::kKeyExitCode, -1));
    status.termSignal = static_cast<int>(number(key::kKeySignal, 0));
    status.terminatedByRequest = number(key::kKeyTerminatedByRequest, 0) != 0;
    status.cpuTimeMs = number(key::kKeyCpuTimeMs, 0);
    status.peakRssKib = number(key::kKeyPeakRssKib, 0);
    status.endTimeMs = number(key::kKeyEndTimeMs, 0);
    return status;
}

}  // namespace nd
