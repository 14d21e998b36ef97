// LogFollower: tailing a job's log file into an event stream.
#include "core/daemon/LogFollower.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <variant>

#include "core/http/HttpConnection.h"
#include "core/http/Sse.h"
#include "core/queue/JobQueue.h"

namespace nd {

LogFollower::LogFollower(HttpConnection *connection, JobQueue *queue, qint64 jobId, QString file,
                         qint64 offset, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_queue(queue)
    , m_jobId(jobId)
    , m_file(std::move(file))
    , m_offset(offset) {
    connect(connection, &HttpConnection::closed, this, &QObject::deleteLater);
    connect(&m_timer, &QTimer::timeout, this, &LogFollower::poll);
    m_timer.start(pollIntervalMs);
    poll();
}

bool LogFollower::sendAvailable() {
    QFile file(m_file);
    if (!file.open(QIODevice::ReadOnly))
        return true;  // not created yet (the job has not started)
    if (file.size() < m_offset)
        m_offset = 0;  // truncated or replaced (a requeued job's new run): start over
    while (m_connection && file.size() > m_offset) {
        // A reader that falls behind gets paced by the socket: stop while much is unsent.
        if (m_connection->unsentBytes() > 4 * maxChunkBytes)
            return false;
        file.seek(m_offset);
        const QByteArray chunk = file.read(maxChunkBytes);
        if (chunk.isEmpty())
            break;
        const QJsonObject data{{QStringLiteral("offset"), m_offset},
                               {QStringLiteral("data"), QString::fromLatin1(chunk.toBase64())}};
        m_connection->write(sseEncodeEvent("log", 0, QJsonDocument(data).toJson(QJsonDocument::Compact)));
        m_offset += chunk.size();
    }
    return true;
}

void LogFollower::poll() {
    if (!m_connection) {
        deleteLater();
        return;
    }
    const QueueResult<Job> job = m_queue->find(QString::number(m_jobId));
    const Job *found = std::get_if<Job>(&job);
    // Read the job's state before the file: a job that ended has written everything by then.
    const bool ended = !found || isTerminal(found->state);
    if (!sendAvailable())
        return;
    QFile file(m_file);
    const bool drained = !file.exists() || file.size() <= m_offset;
    if (!ended || !drained)
        return;
    QJsonObject end{
        {QStringLiteral("state"), found ? jobStateName(found->state) : QStringLiteral("unknown")}};
    if (found) {
        end.insert(QStringLiteral("exit_code"), found->exitCode);
        end.insert(QStringLiteral("signal"), found->termSignal);
    }
    m_connection->write(sseEncodeEvent("end", 0, QJsonDocument(end).toJson(QJsonDocument::Compact)));
    m_connection->close();
    m_timer.stop();
    deleteLater();
}

}  // namespace nd
