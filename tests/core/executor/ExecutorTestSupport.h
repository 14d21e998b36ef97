#pragma once
// Shared by the executor tests: a temporary folder per test, requests for shell jobs, and a record of
// the exited() signals an executor emits.
#include <QFile>
#include <QList>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <optional>

#include "../TestUtil.h"
#include "core/executor/Executor.h"

namespace nd::test {

// Generous upper bound for one job to end; never an expectation about speed.
inline constexpr int kJobTimeoutMs = 20000;

inline QStringList shellCommand(const QString &script) {
    return {QStringLiteral("/bin/sh"), QStringLiteral("-c"), script};
}

inline QStringList helperCommand(const QStringList &arguments) {
    return QStringList{QStringLiteral(NEMODESK_EXECUTOR_TEST_HELPER)} + arguments;
}

inline QString readText(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

inline bool createFile(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly);
}

// Everything an executor reports, in order.
class ExitLog {
public:
    explicit ExitLog(Executor &executor) {
        QObject::connect(&executor, &Executor::exited, &executor,
                         [this](const JobExit &exit) { m_exits.append(exit); });
    }
    std::optional<JobExit> waitFor(qint64 jobId, int timeoutMs = kJobTimeoutMs) {
        std::optional<JobExit> found;
        waitUntil(
            [&] {
                for (const JobExit &exit : m_exits) {
                    if (exit.jobId == jobId)
                        found = exit;
                }
                return found.has_value();
            },
            timeoutMs);
        return found;
    }
    int count() const { return static_cast<int>(m_exits.size()); }

private:
    QList<JobExit> m_exits;
};

class ExecutorTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }

    QString path(const QString &name) const { return m_dir.filePath(name); }

    static Executor::Options options(Executor::WatchMode mode = Executor::WatchMode::pidfd) {
        Executor::Options options;
        options.shimPath = QStringLiteral(NEMODESK_JOBSHIM_PATH);
        options.watchMode = mode;
        return options;
    }

    // A job in the temporary folder, with its own output and status files and the folder's paths in
    // READY, GO and PIDS for scripts that synchronise with the test.
    LaunchRequest request(qint64 jobId, const QStringList &argv) const {
        LaunchRequest request;
        request.jobId = jobId;
        request.argv = argv;
        request.workdir = m_dir.path();
        request.stdoutFile = path(QStringLiteral("job-%1.out").arg(jobId));
        request.stderrFile = path(QStringLiteral("job-%1.err").arg(jobId));
        request.statusFile = path(QStringLiteral("job-%1.status").arg(jobId));
        request.env = {{QStringLiteral("READY"), path(QStringLiteral("ready"))},
                       {QStringLiteral("GO"), path(QStringLiteral("go"))},
                       {QStringLiteral("PIDS"), path(QStringLiteral("pids"))}};
        return request;
    }

    // Launches and waits for the end; fails the test (and returns nothing) when either does not happen.
    std::optional<JobExit> runToEnd(Executor &executor, ExitLog &log, const LaunchRequest &request) {
        const Result<ProcessIdentity> launched = executor.launch(request);
        EXPECT_TRUE(launched.ok()) << launched.error().toStdString();
        if (!launched)
            return std::nullopt;
        std::optional<JobExit> exit = log.waitFor(request.jobId);
        EXPECT_TRUE(exit.has_value()) << "job " << request.jobId << " did not end";
        return exit;
    }

    bool waitForFile(const QString &name) const {
        return waitUntil([&] { return QFile::exists(path(name)); }, kJobTimeoutMs);
    }

    QTemporaryDir m_dir;
};

}  // namespace nd::test
