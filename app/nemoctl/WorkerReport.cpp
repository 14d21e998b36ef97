// WorkerReport: progress and results of a worker to the daemon (see the header).
#include "WorkerReport.h"

#include "Cli.h"
#include "SyncHttp.h"

namespace nd::cli {

namespace {
constexpr int minIntervalMs = 500;
constexpr int requestTimeoutMs = 3000;  // a stalled daemon delays the work this long at most per report
}  // namespace

WorkerReport::WorkerReport() {
    bool ok = false;
    const qint64 id = qEnvironmentVariable("NEMODESK_JOB_ID").toLongLong(&ok);
    m_jobId = ok && id > 0 ? id : 0;
}

WorkerReport::~WorkerReport() = default;

void WorkerReport::warnOnce(const QString &message) {
    if (m_warned)
        return;
    m_warned = true;
    printErr(QStringLiteral("warning: %1 (the work goes on; further reporting problems are not shown)")
                 .arg(message));
}

SyncHttp *WorkerReport::connection() {
    if (!m_located) {
        m_located = true;
        const Result<Endpoint> endpoint = locateDaemon(Paths::fromEnvironment());
        if (!endpoint)
            warnOnce(QStringLiteral("cannot report to the daemon: %1").arg(endpoint.error()));
        else
            m_http = std::make_unique<SyncHttp>(*endpoint);
    }
    return m_http.get();
}

void WorkerReport::progress(const QJsonObject &progress, Urgency urgency) {
    if (!inJob())
        return;
    if (urgency == Urgency::throttled && m_lastSent.isValid() && m_lastSent.elapsed() < minIntervalMs)
        return;
    m_lastSent.start();
    SyncHttp *http = connection();
    if (!http)
        return;
    const Result<HttpReply> reply =
        http->request("POST", QStringLiteral("/api/jobs/%1/progress").arg(m_jobId),
                      QJsonDocument(progress).toJson(QJsonDocument::Compact), requestTimeoutMs);
    if (!reply)
        warnOnce(QStringLiteral("progress not reported: %1").arg(reply.error()));
    else if (!reply->isSuccess())
        warnOnce(QStringLiteral("progress not reported: %1").arg(reply->errorMessage()));
}

Result<QJsonObject> WorkerReport::post(const QString &path, const QJsonObject &body) {
    SyncHttp *http = connection();
    if (!http)
        return Error{QStringLiteral("no daemon to send %1 to").arg(path)};
    Result<QJsonObject> answer = callJson(*http, "POST", path, body);
    if (!answer)
        warnOnce(QStringLiteral("POST %1: %2").arg(path, answer.error()));
    return answer;
}

}  // namespace nd::cli
