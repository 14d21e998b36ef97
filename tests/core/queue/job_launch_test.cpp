// JobLaunch: the environment a job gets and where its output goes.
#include <gtest/gtest.h>

#include <QFileInfo>
#include <QTemporaryDir>

#include "core/queue/JobLaunch.h"

namespace nd::test {
namespace {

QString value(const QList<QPair<QString, QString>> &env, const char *name) {
    QString found;
    for (const auto &[key, v] : env)
        if (key == QLatin1String(name))
            found = v;  // the last one wins, as in the process environment
    return found;
}

TEST(JobLaunchTest, SetsSlurmAndNemodeskVariablesForAnArrayTask) {
    Job job;
    job.id = 17;
    job.arrayJobId = 15;
    job.arrayTaskId = 4;
    job.spec.name = QStringLiteral("sweep");
    job.spec.cpus = 3;
    job.spec.workdir = QStringLiteral("/work");
    job.spec.env = {{QStringLiteral("MY_VAR"), QStringLiteral("x")}};
    job.allocatedGpus = {1, 3};
    const auto env = jobEnvironment(job, ArrayBounds{3, 0, 4}, QStringLiteral("box"));
    EXPECT_EQ(value(env, "MY_VAR"), QStringLiteral("x"));
    EXPECT_EQ(value(env, "CUDA_VISIBLE_DEVICES"), QStringLiteral("1,3"));
    EXPECT_EQ(value(env, "SLURM_JOB_ID"), QStringLiteral("17"));
    EXPECT_EQ(value(env, "NEMODESK_JOB_ID"), QStringLiteral("17"));
    EXPECT_EQ(value(env, "SLURM_ARRAY_JOB_ID"), QStringLiteral("15"));
    EXPECT_EQ(value(env, "SLURM_ARRAY_TASK_ID"), QStringLiteral("4"));
    EXPECT_EQ(value(env, "NEMODESK_ARRAY_TASK_ID"), QStringLiteral("4"));
    EXPECT_EQ(value(env, "SLURM_ARRAY_TASK_COUNT"), QStringLiteral("3"));
    EXPECT_EQ(value(env, "SLURM_ARRAY_TASK_MAX"), QStringLiteral("4"));
    EXPECT_EQ(value(env, "SLURM_GPUS_ON_NODE"), QStringLiteral("2"));
    EXPECT_EQ(value(env, "SLURM_CPUS_PER_TASK"), QStringLiteral("3"));
    EXPECT_EQ(value(env, "SLURM_JOB_NODELIST"), QStringLiteral("box"));
}

TEST(JobLaunchTest, PlacesOutputFilesByPatternRelativeToTheWorkdir) {
    Job job;
    job.id = 9;
    job.spec.name = QStringLiteral("train");
    job.spec.workdir = QStringLiteral("/home/u/proj");
    auto files = jobOutputFiles(job, QStringLiteral("/data/logs"));
    EXPECT_EQ(files.first, QStringLiteral("/data/logs/9.out"));
    EXPECT_EQ(files.second, files.first);
    job.spec.stdoutPath = QStringLiteral("logs/%x-%j.out");
    job.spec.stderrPath = QStringLiteral("/tmp/%j.err");
    files = jobOutputFiles(job, QStringLiteral("/data/logs"));
    EXPECT_EQ(files.first, QStringLiteral("/home/u/proj/logs/train-9.out"));
    EXPECT_EQ(files.second, QStringLiteral("/tmp/9.err"));
    job.arrayJobId = 7;
    job.arrayTaskId = 2;
    job.spec.stdoutPath.clear();
    EXPECT_EQ(jobOutputFiles(job, QStringLiteral("/data/logs")).first, QStringLiteral("/data/logs/7_2.out"));
}

TEST(JobLaunchTest, WritesTheScriptAndHonoursItsShebang) {
    QTemporaryDir dir;
    Job job;
    job.id = 3;
    job.spec.workdir = dir.path();
    job.spec.script = QStringLiteral("#!/usr/bin/env python3\nprint('hi')\n");
    job.spec.scriptArgs = {QStringLiteral("--lr"), QStringLiteral("0.1")};
    Result<LaunchRequest> request = prepareLaunch(job, {}, dir.filePath(QStringLiteral("jobs/3")), 5);
    ASSERT_TRUE(request.ok()) << request.error().toStdString();
    EXPECT_EQ(request->argv, (QStringList{dir.filePath(QStringLiteral("jobs/3/script")),
                                          QStringLiteral("--lr"), QStringLiteral("0.1")}));
    EXPECT_TRUE(QFileInfo(request->argv.front()).isExecutable());
    EXPECT_EQ(request->killGraceSec, 5);
    job.spec.script = QStringLiteral("echo no shebang\n");
    request = prepareLaunch(job, {}, dir.filePath(QStringLiteral("jobs/3")), 5);
    ASSERT_TRUE(request.ok());
    EXPECT_EQ(request->argv.front(), QStringLiteral("/bin/bash"));
}

}  // namespace
}  // namespace nd::test
