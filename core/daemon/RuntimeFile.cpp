// RuntimeFile: reading and writing daemon.json.
#include "core/daemon/RuntimeFile.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <sys/types.h>

#include <cerrno>
#include <csignal>

namespace nd {

Result<RuntimeInfo> RuntimeInfo::read(const QString &file) {
    QFile f(file);
    if (!f.exists())
        return Error{QStringLiteral("no daemon is running (no runtime file %1)").arg(file)};
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the runtime file %1: %2").arg(file, f.errorString())};
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.read(64 * 1024), &parseError);
    const QJsonObject o = doc.object();
    RuntimeInfo info;
    info.pid = o.value(QStringLiteral("pid")).toInteger();
    info.port = static_cast<quint16>(o.value(QStringLiteral("port")).toInt());
    info.url = o.value(QStringLiteral("url")).toString();
    info.tokenFile = o.value(QStringLiteral("token_file")).toString();
    info.version = o.value(QStringLiteral("version")).toString();
    info.startedAtMs = o.value(QStringLiteral("started_at_ms")).toInteger();
    if (parseError.error != QJsonParseError::NoError || !doc.isObject() || info.pid <= 0 ||
        info.url.isEmpty() || info.tokenFile.isEmpty())
        return Error{
            QStringLiteral("the runtime file %1 is damaged (not the JSON a daemon writes); remove it "
                           "and start the daemon again")
                .arg(file)};
    return info;
}

VoidResult RuntimeInfo::write(const QString &file) const {
    const QJsonObject o{
        {QStringLiteral("pid"), pid},         {QStringLiteral("port"), port},
        {QStringLiteral("url"), url},         {QStringLiteral("token_file"), tokenFile},
        {QStringLiteral("version"), version}, {QStringLiteral("started_at_ms"), startedAtMs},
    };
    // QSaveFile writes a temporary file and renames it: readers never see half a file.
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write the runtime file %1: %2").arg(file, f.errorString())};
    f.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return Error{QStringLiteral("cannot write the runtime file %1: %2").arg(file, f.errorString())};
    return success();
}

void RuntimeInfo::removeIfOwnedBy(const QString &file, qint64 pid) {
    const Result<RuntimeInfo> info = read(file);
    if (info.ok() && info->pid == pid)
        QFile::remove(file);
}

bool processIsAlive(qint64 pid) {
    if (pid <= 0)
        return false;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
        return false;
    // A zombie (exited, not yet reaped by its parent) has no daemon behind it any more.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        const qsizetype paren = text.lastIndexOf(')');
        if (paren >= 0 && paren + 2 < text.size() && text.at(paren + 2) == 'Z')
            return false;
    }
    return true;
}

}  // namespace nd
