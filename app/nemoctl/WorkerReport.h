#pragma once
// How a worker (`nemoctl worker batch|bench`, run by the queue as a job) talks to the daemon: progress
// objects to POST /api/jobs/{id}/progress, at most two a second plus the ones that must arrive (the
// first, a phase change, the last), and other posts (the bench result). The job id comes from
// NEMODESK_JOB_ID; without it (a worker run by hand) no progress is sent. An unreachable daemon never stops
// the work: the first failure is said once on stderr, later ones are silent.
#include <QElapsedTimer>
#include <QJsonObject>
#include <QString>

#include <memory>

#include "core/common/Result.h"

namespace nd::cli {

class SyncHttp;

class WorkerReport {
public:
    WorkerReport();
    ~WorkerReport();
    WorkerReport(const WorkerReport &) = delete;
    WorkerReport &operator=(const WorkerReport &) = delete;

    qint64 jobId() const { return m_jobId; }  // 0 when run by hand
    bool inJob() const { return m_jobId > 0; }

    enum class Urgency { throttled = 1, now };
    // Sends `progress` unless one went out less than 500 ms ago (Urgency::throttled); the latest skipped
    // object is sent by the next call that goes out, so nothing is lost but intermediate states.
    void progress(const QJsonObject &progress, Urgency urgency = Urgency::throttled);
    // A request to the daemon (found through the runtime file), e.g. POST /api/benchmarks. Errors as
    // callJson's; also said once on stderr.
    Result<QJsonObject> post(const QString &path, const QJsonObject &body);

private:
    SyncHttp *connection();
    void warnOnce(const QString &message);

    qint64 m_jobId = 0;
    std::unique_ptr<SyncHttp> m_http;
    bool m_located = false;
    bool m_warned = false;
    QElapsedTimer m_lastSent;
};

}  // namespace nd::cli
