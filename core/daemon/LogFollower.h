#pragma once
// One `GET /api/jobs/{id}/log/follow` stream: sends what is appended to a job's log file as `log` events
// (base64, so any bytes survive) and one `end` event once the job has ended and the file is drained.
// Polls the file's size (inotify would miss files on network mounts); deletes itself when done or when
// the connection closes.
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

namespace nd {

class HttpConnection;
class JobQueue;

class LogFollower : public QObject {
    Q_OBJECT
public:
    static constexpr int pollIntervalMs = 100;
    static constexpr qint64 maxChunkBytes = 256 * 1024;

    LogFollower(HttpConnection *connection, JobQueue *queue, qint64 jobId, QString file, qint64 offset,
                QObject *parent = nullptr);

private:
    void poll();
    bool sendAvailable();  // false when the connection is gone or backed up

    QPointer<HttpConnection> m_connection;
    JobQueue *m_queue;
    qint64 m_jobId;
    QString m_file;
    qint64 m_offset;
    QTimer m_timer;
};

}  // namespace nd
