// ModelServers: one server job per model, started on demand and stopped when idle.
#include "core/daemon/ModelServers.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <variant>

#include "core/queue/JobQueue.h"

namespace nd {

namespace {
constexpr int tickMs = 2000;
const QString kServerTag = QStringLiteral("model-server");

bool isServerJob(const Job &job) {
    return job.spec.workload.value(QStringLiteral("kind")).toString() == QLatin1String("server");
}
}  // namespace

ModelServers::ModelServers(JobQueue *queue, Options options, QObject *parent)
    : QObject(parent), m_queue(queue), m_options(std::move(options)) {
    connect(m_queue, &JobQueue::jobEvent, this, &ModelServers::onJobEvent);
    connect(m_queue, &JobQueue::jobProgress, this, &ModelServers::onProgress);
    m_timer.setInterval(tickMs);
    connect(&m_timer, &QTimer::timeout, this, &ModelServers::tick);
    m_timer.start();
    adoptRunningServers();
}

qint64 ModelServers::now() const {
    return m_options.clockMs ? m_options.clockMs() : QDateTime::currentMSecsSinceEpoch();
}

void ModelServers::adoptRunningServers() {
    // After a daemon restart the servers still run (jobs outlive the daemon); their workers report their
    // endpoint again within seconds.
    JobQuery query;
    query.states = {JobState::pending, JobState::running};
    query.tag = kServerTag;
    const Result<JobPage> page = m_queue->query(query);
    if (!page.ok())
        return;
    for (const Job &job : page->jobs) {
        if (!isServerJob(job))
            continue;
        const QString model = job.spec.workload.value(QStringLiteral("model")).toString();
        if (model.isEmpty() || m_servers.contains(model))
            continue;
        Server server;
        server.jobId = job.id;
        server.model = model;
        server.lastUsedMs = now();
        m_servers.insert(model, server);
        m_byJob.insert(job.id, model);
        onProgress(job.id, job.progress);
    }
}

qint64 ModelServers::acquire(const QString &model, Ready ready, Waiting waiting) {
    const qint64 ticket = m_nextTicket++;
    auto it = m_servers.find(model);
    if (it == m_servers.end()) {
        QJsonObject workload{{QStringLiteral("kind"), QStringLiteral("server")},
                             {QStringLiteral("model"), model},
                             {QStringLiteral("slots"), m_options.slots},
                             // Its own end when idle, for a daemon that is gone: later than the daemon's.
                             {QStringLiteral("idle_exit_s"), m_options.keepAliveMs / 1000 + 60}};
        if (m_options.ctx > 0)
            workload.insert(QStringLiteral("ctx"), m_options.ctx);
        QJsonObject spec{
            {QStringLiteral("workload"), workload},
            {QStringLiteral("tags"), QJsonArray{kServerTag}},
        };
        if (m_options.gpusPerServer > 0)
            spec.insert(QStringLiteral("gpus"), m_options.gpusPerServer);
        QueueResult<std::vector<SubmitResult>> submitted = m_queue->submit(spec);
        if (const auto *error = std::get_if<QueueError>(&submitted)) {
            ready(Error{
                QStringLiteral("could not start a server for model '%1': %2").arg(model, error->message)});
            return ticket;
        }
        Server server;
        server.jobId = std::get<std::vector<SubmitResult>>(submitted).front().jobIds.front();
        server.model = model;
        server.lastUsedMs = now();
        it = m_servers.insert(model, server);
        m_byJob.insert(server.jobId, model);
    }
    it->lastUsedMs = now();
    if (!it->endpoint.isEmpty()) {
        ++it->active;
        ready(ServerLease{it->jobId, it->endpoint});
        return ticket;
    }
    it->waiters.append(Waiter{ticket, std::move(ready), std::move(waiting)});
    bool queued = false;
    const QString status = statusOf(*it, &queued);
    if (it->waiters.last().waiting)
        it->waiters.last().waiting(status, queued);
    return ticket;
}

void ModelServers::cancel(qint64 ticket) {
    for (Server &server : m_servers)
        server.waiters.removeIf([ticket](const Waiter &w) { return w.ticket == ticket; });
}

void ModelServers::release(qint64 jobId) {
    const auto name = m_byJob.constFind(jobId);
    if (name == m_byJob.constEnd())
        return;
    Server &server = m_servers[*name];
    server.active = std::max(0, server.active - 1);
    server.lastUsedMs = now();
}

qint64 ModelServers::serverJob(const QString &model) const {
    const auto it = m_servers.constFind(model);
    return it == m_servers.constEnd() ? 0 : it->jobId;
}

QJsonObject ModelServers::describe(const QString &model) const {
    const auto it = m_servers.constFind(model);
    if (it == m_servers.constEnd())
        return QJsonObject{{QStringLiteral("loaded"), false}};
    return QJsonObject{{QStringLiteral("loaded"), !it->endpoint.isEmpty()},
                       {QStringLiteral("job_id"), it->jobId},
                       {QStringLiteral("active_requests"), it->active}};
}

QString ModelServers::statusOf(const Server &server, bool *queued) const {
    *queued = false;
    const QueueResult<Job> found = m_queue->find(QString::number(server.jobId));
    if (const Job *job = std::get_if<Job>(&found)) {
        if (job->state == JobState::pending && job->reason == PendingReason::none)
            return QStringLiteral("model server job %1 for '%2' is starting").arg(job->id).arg(server.model);
        if (job->state == JobState::pending) {
            *queued = job->reason != PendingReason::none;
            QString status = QStringLiteral("model server job %1 for '%2' waits in the queue (%3)")
                                 .arg(job->id)
                                 .arg(server.model, pendingReasonName(job->reason));
            if (job->expectedStartMs > 0)
                status += QStringLiteral(", expected to start in ~%1 s")
                              .arg(std::max<qint64>(0, (job->expectedStartMs - now()) / 1000));
            return status;
        }
        const QString phase = job->progress.value(QStringLiteral("phase")).toString();
        return QStringLiteral("model server job %1 is %2 '%3'")
            .arg(job->id)
            .arg(phase == QLatin1String("loading") || phase.isEmpty() ? QStringLiteral("loading") : phase,
                 server.model);
    }
    return QStringLiteral("model server job %1 for '%2' is starting").arg(server.jobId).arg(server.model);
}

void ModelServers::onProgress(qint64 jobId, const QJsonObject &progress) {
    const auto name = m_byJob.constFind(jobId);
    if (name == m_byJob.constEnd())
        return;
    Server &server = m_servers[*name];
    const QUrl endpoint(progress.value(QStringLiteral("endpoint")).toString());
    const bool serving = progress.value(QStringLiteral("phase")).toString() == QLatin1String("serving");
    if (!serving || !endpoint.isValid() || endpoint.host() != QLatin1String("127.0.0.1"))
        return;
    server.endpoint = endpoint;
    // Waiters may add themselves again from their callbacks: take the list first.
    const QList<Waiter> waiters = std::exchange(server.waiters, {});
    const ServerLease lease{server.jobId, server.endpoint};
    for (const Waiter &waiter : waiters) {
        ++m_servers[*name].active;
        waiter.ready(lease);
    }
}

void ModelServers::failWaiters(Server &server, const QString &message) {
    const QList<Waiter> waiters = std::exchange(server.waiters, {});
    for (const Waiter &waiter : waiters)
        waiter.ready(Error{message});
}

void ModelServers::onJobEvent(const JobEventRecord &event) {
    const auto name = m_byJob.constFind(event.jobId);
    if (name == m_byJob.constEnd())
        return;
    const QJsonObject job =
        QJsonDocument::fromJson(event.payload).object().value(QStringLiteral("job")).toObject();
    const std::optional<JobState> state = parseJobState(job.value(QStringLiteral("state")).toString());
    if (!state)
        return;
    if (*state == JobState::pending) {
        m_servers[*name].endpoint.clear();  // requeued: it will report its new endpoint when it runs again
        return;
    }
    if (!isTerminal(*state))
        return;
    const QString model = *name;
    Server server = m_servers.take(model);
    m_byJob.remove(event.jobId);
    const QString message = job.value(QStringLiteral("message")).toString();
    failWaiters(server,
                QStringLiteral("the model server for '%1' (job %2) ended: %3%4; its log: nemoctl logs %2")
                    .arg(model)
                    .arg(event.jobId)
                    .arg(job.value(QStringLiteral("state")).toString(),
                         message.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(message)));
}

void ModelServers::tick() {
    const qint64 t = now();
    QList<qint64> idle;
    for (Server &server : m_servers) {
        for (const Waiter &waiter : server.waiters) {
            if (!waiter.waiting)
                continue;
            bool queued = false;
            waiter.waiting(statusOf(server, &queued), queued);
        }
        if (server.waiters.isEmpty() && server.active == 0 && !server.endpoint.isEmpty() &&
            m_options.keepAliveMs >= 0 && t - server.lastUsedMs > m_options.keepAliveMs)
            idle.append(server.jobId);
    }
    for (qint64 jobId : idle) {
        // Forgotten at once: a request arriving while it shuts down starts a new server instead of
        // reaching one that is going away.
        m_servers.remove(m_byJob.take(jobId));
        m_queue->cancel(QString::number(jobId));
    }
}

}  // namespace nd
