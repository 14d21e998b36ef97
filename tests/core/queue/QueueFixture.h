#pragma once
// A JobQueue in a temporary folder with a synthetic machine (2 GPUs of 24 GiB, 4 CPUs), the real store,
// executor and job shim; helpers to submit and to wait for states.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>

#include <memory>
#include <variant>

#include "../TestUtil.h"
#include "core/queue/JobQueue.h"

namespace nd::test {

inline JobQueue::Options queueOptions(const QString &root) {
    JobQueue::Options options;
    options.databaseFile = root + QStringLiteral("/nemodesk.db");
    options.jobsDir = root + QStringLiteral("/jobs");
    options.defaultLogDir = root + QStringLiteral("/logs");
    options.defaultWorkdir = root;
    options.machine.gpus = {SchedGpu{0, 24576, -1}, SchedGpu{1, 24576, -1}};
    options.machine.cpus = 4;
    options.machine.memMib = 16384;
    options.killGraceSec = 1;
    options.tickMs = 50;
    options.executor.shimPath = QStringLiteral(NEMODESK_JOBSHIM_PATH);
    return options;
}

class QueueFixture : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        startQueue();
    }
    // Jobs outlive their queue by design: a test that stops early must not leave them running.
    void TearDown() override {
        if (!queue)
            return;
        JobQuery active;
        active.states = {JobState::pending, JobState::running};
        active.limit = 10000;
        const Result<JobPage> page = queue->query(active);
        if (page.ok())
            for (const Job &job : page->jobs)
                queue->cancel(QString::number(job.id));
        waitUntil([&] { return queue->runningCount() == 0; }, 10000);
    }
    void startQueue() {
        queue = std::make_unique<JobQueue>(queueOptions(dir.path()));
        QObject::connect(queue.get(), &JobQueue::jobEvent, queue.get(),
                         [this](const JobEventRecord &e) { events.push_back(e); });
        const VoidResult started = queue->start();
        ASSERT_TRUE(started.ok()) << started.error().toStdString();
    }
    QString path(const QString &name) const { return dir.filePath(name); }

    // Submits and expects success; returns the ids.
    std::vector<qint64> submit(const QJsonObject &spec) {
        QueueResult<std::vector<SubmitResult>> result = queue->submit(spec);
        if (const auto *error = std::get_if<QueueError>(&result)) {
            ADD_FAILURE() << "submit failed: " << error->message.toStdString();
            return {};
        }
        return std::get<std::vector<SubmitResult>>(result).front().jobIds;
    }
    qint64 submitShell(const QString &command, QJsonObject extra = {}) {
        extra.insert(QStringLiteral("argv"),
                     QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"), command});
        const std::vector<qint64> ids = submit(extra);
        return ids.empty() ? 0 : ids.front();
    }
    QString submitError(const QJsonObject &spec) {
        QueueResult<std::vector<SubmitResult>> result = queue->submit(spec);
        if (const auto *error = std::get_if<QueueError>(&result))
            return error->message;
        ADD_FAILURE() << "submit should have failed";
        return {};
    }
    Job job(qint64 id) const {
        QueueResult<Job> found = queue->find(QString::number(id));
        if (const auto *j = std::get_if<Job>(&found))
            return *j;
        return Job{};
    }
    bool waitForState(qint64 id, JobState state, int timeoutMs = 20000) {
        return waitUntil([&] { return job(id).state == state; }, timeoutMs);
    }
    QByteArray readFile(const QString &file) const {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    QTemporaryDir dir;
    std::unique_ptr<JobQueue> queue;
    std::vector<JobEventRecord> events;
};

}  // namespace nd::test
