#include "DeskFixture.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QThread>
#include <QTimer>

#include <csignal>

#include "core/client/ApiClient.h"
#include "core/store/JobStore.h"

using namespace Qt::StringLiterals;

namespace nd::bench {
namespace {

// A finished job as a week of sweeps leaves them: mostly completed, some failed or cancelled, one GPU.
Job finishedJob(qint64 id, qint64 nowMs) {
    Job job;
    job.id = id;
    job.spec.name = u"sweep-lr-%1"_s.arg(id % 100);
    job.spec.argv = {u"python"_s, u"train.py"_s, u"--lr=%1"_s.arg(id % 97)};
    job.spec.workdir = u"/home/user/projects/llm-finetune"_s;
    job.spec.gpus = 1;
    if (id % 10 == 0)
        job.spec.tags = {u"nightly"_s};
    const int cause = static_cast<int>(id % 50);
    job.state = cause < 4 ? JobState::failed : cause == 4 ? JobState::cancelled : JobState::completed;
    job.reason = PendingReason::none;
    job.endTimeMs = nowMs - 72'000'000 + id * 700;  // 100,000 jobs end within the last 20 hours
    job.startTimeMs = job.endTimeMs - 60'000 - (id % 13) * 1000;
    job.submitTimeMs = job.startTimeMs - 500;
    job.exitCode = job.state == JobState::failed ? 1 : 0;
    job.allocatedGpus = {static_cast<int>(id % 8)};
    job.accounting.cpuTimeMs = 55'000;
    job.accounting.peakRssKib = 2'000'000;
    job.accounting.gpuSeconds = 60;
    job.stdoutFile = u"/home/user/.local/share/nemodesk/logs/jobs/%1.out"_s.arg(id);
    job.stderrFile = job.stdoutFile;
    return job;
}

// Sends one request and waits for its answer in a local event loop (only before the window exists).
Result<QJsonObject> call(ApiClient &api, const QString &path, const QJsonObject &body, int timeoutMs) {
    std::optional<Result<QJsonDocument>> answer;
    QEventLoop loop;
    auto done = [&](const Result<QJsonDocument> &result) {
        answer = result;
        loop.quit();
    };
    if (body.isEmpty())
        api.getJson(path, &loop, done, timeoutMs);
    else
        api.postJson(path, QJsonDocument(body), &loop, done, timeoutMs);
    if (!answer)
        loop.exec();
    if (!*answer)
        return Error{u"%1: %2"_s.arg(path, answer->error())};
    return answer->value().object();
}

}  // namespace

DeskFixture::DeskFixture() = default;

DeskFixture::~DeskFixture() {
    stopDaemon();
}

VoidResult DeskFixture::seedHistory(qint64 jobs) {
    Result<std::unique_ptr<JobStore>> store = JobStore::open(paths().databaseFile());
    if (!store)
        return Error{u"opening the job database: %1"_s.arg(store.error())};
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    constexpr qint64 kBatch = 5000;
    for (qint64 first = 1; first <= jobs; first += kBatch) {
        StoreBatch batch;
        for (qint64 id = first; id < std::min(first + kBatch, jobs + 1); ++id)
            batch.inserts.push_back(finishedJob(id, nowMs));
        if (VoidResult done = (*store)->commit(batch); !done)
            return Error{u"writing jobs %1…: %2"_s.arg(first).arg(done.error())};
    }
    return success();
}

Result<Endpoint> DeskFixture::startDaemon(const QString &nemoctl, const QByteArray &fakeGpus) {
    m_nemoctl = nemoctl;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"NEMODESK_HOME"_s, m_home.path());
    env.insert(u"NEMODESK_FAKE_GPUS"_s, QString::fromLatin1(fakeGpus));
    m_daemon.setProcessEnvironment(env);
    // Its log is in daemon.log; the benchmark's output stays the table.
    m_daemon.setStandardOutputFile(QProcess::nullDevice());
    m_daemon.setStandardErrorFile(QProcess::nullDevice());
    m_daemon.start(nemoctl, {u"daemon"_s});
    if (!m_daemon.waitForStarted(10000))
        return Error{u"could not start %1: %2"_s.arg(nemoctl, m_daemon.errorString())};
    // The daemon writes its runtime file once it listens; then /api/health must answer.
    for (int waited = 0; waited < 60000; waited += 50) {
        if (m_daemon.state() != QProcess::Running)
            return Error{u"the daemon exited with code %1 (its log: %2)"_s.arg(m_daemon.exitCode())
                             .arg(paths().daemonLogFile())};
        Result<Endpoint> endpoint = Endpoint::fromRuntimeFile(paths());
        if (endpoint && endpoint->pid == m_daemon.processId()) {
            ApiClient api(*endpoint);
            if (call(api, u"/api/health"_s, {}, 5000))
                return endpoint;
        }
        QThread::msleep(50);
    }
    return Error{u"the daemon did not answer within 60 s (its log: %1)"_s.arg(paths().daemonLogFile())};
}

Result<QList<qint64>> DeskFixture::submitPending(const Endpoint &endpoint, int jobs) {
    ApiClient api(endpoint);
    const qint64 yearAwayMs = QDateTime::currentMSecsSinceEpoch() + 365LL * 24 * 3600 * 1000;
    QList<qint64> ids;
    constexpr int kBatch = 1000;
    for (int first = 0; first < jobs; first += kBatch) {
        QJsonArray specs;
        for (int n = first; n < std::min(first + kBatch, jobs); ++n) {
            specs.append(QJsonObject{{u"name"_s, u"bench-q-%1"_s.arg(n)},
                                     {u"argv"_s, QJsonArray{u"true"_s}},
                                     {u"workdir"_s, m_home.path()},
                                     {u"gpus"_s, 1},
                                     {u"begin_time_ms"_s, yearAwayMs}});
        }
        Result<QJsonObject> answer = call(api, u"/api/jobs"_s, QJsonObject{{u"jobs"_s, specs}}, 120000);
        if (!answer)
            return Error{answer.error()};
        for (const QJsonValue &result : answer->value(u"results"_s).toArray())
            for (const QJsonValue &id : result.toObject().value(u"job_ids"_s).toArray())
                ids.append(id.toInteger());
    }
    if (ids.size() != jobs)
        return Error{u"submitted %1 jobs, the daemon acknowledged %2"_s.arg(jobs).arg(ids.size())};
    return ids;
}

void DeskFixture::stopDaemon() {
    if (m_daemon.state() == QProcess::NotRunning)
        return;
    // Nothing to cancel: the pending jobs never start, and they go with the temporary home.
    QProcess stop;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"NEMODESK_HOME"_s, m_home.path());
    stop.setProcessEnvironment(env);
    stop.start(m_nemoctl, {u"stop"_s});
    stop.waitForFinished(15000);
    if (!m_daemon.waitForFinished(15000)) {
        ::kill(static_cast<pid_t>(m_daemon.processId()), SIGKILL);
        m_daemon.waitForFinished(5000);
    }
}

}  // namespace nd::bench
