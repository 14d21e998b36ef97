// Job JSON: complete round trips (the store relies on them), derived fields, and errors.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>

#include "core/jobs/Job.h"

namespace nd {
namespace {

Job finishedArrayTask() {
    Job job;
    job.id = 12;
    job.arrayJobId = 10;
    job.arrayTaskId = 2;
    job.spec.name = QStringLiteral("sweep");
    job.spec.argv = {QStringLiteral("python"), QStringLiteral("sweep.py")};
    job.spec.workdir = QStringLiteral("/home/me/exp");
    job.spec.gpus = 2;
    job.spec.array = ArraySpec{{0, 1, 2, 3}, 2, QStringLiteral("0-3%2")};
    job.state = JobState::failed;
    job.reason = PendingReason::none;
    job.submitTimeMs = 1'700'000'000'000;
    job.startTimeMs = 1'700'000'004'000;
    job.endTimeMs = 1'700'000'064'500;
    job.expectedStartMs = 1'700'000'003'000;
    job.exitCode = 3;
    job.termSignal = 0;
    job.message = QStringLiteral("exited with code 3");
    job.allocatedGpus = {0, 1};
    job.allocatedGpuMemMib = 0;
    job.process = ProcessIdentity{4242, 987654, QStringLiteral("0b7f1b5c-3c7e-4a43-9a39-b2d6c3f1a9e0")};
    job.childPid = 4243;
    job.retries = 1;
    job.stdoutFile = QStringLiteral("/home/me/exp/sweeps/10_2.out");
    job.stderrFile = QStringLiteral("/home/me/exp/sweeps/10_2.out");
    job.accounting = JobAccounting{51'000, 2'048'000, 121.0, 15'000, 18'250.5};
    return job;
}

TEST(JobJson, DisplayId) {
    Job job;
    job.id = 12;
    EXPECT_EQ(job.displayId(), QStringLiteral("12"));
    EXPECT_FALSE(job.isArrayTask());
    job.arrayJobId = 10;
    job.arrayTaskId = 2;
    EXPECT_EQ(job.displayId(), QStringLiteral("10_2"));
}

TEST(JobJson, CompleteJobRoundTripsThroughText) {
    const Job job = finishedArrayTask();
    const QByteArray text = QJsonDocument(jobToJson(job)).toJson(QJsonDocument::Compact);
    const Result<Job> back = jobFromJson(QJsonDocument::fromJson(text).object());
    ASSERT_TRUE(back.ok()) << back.error().toStdString();
    EXPECT_EQ(back->spec, job.spec);
    EXPECT_EQ(back->process, job.process);
    EXPECT_EQ(back->accounting, job.accounting);
    EXPECT_EQ(back->id, job.id);
    EXPECT_EQ(back->arrayJobId, job.arrayJobId);
    EXPECT_EQ(back->arrayTaskId, job.arrayTaskId);
    EXPECT_EQ(back->state, job.state);
    EXPECT_EQ(back->reason, job.reason);
    EXPECT_EQ(back->held, job.held);
    EXPECT_EQ(back->submitTimeMs, job.submitTimeMs);
    EXPECT_EQ(back->startTimeMs, job.startTimeMs);
    EXPECT_EQ(back->endTimeMs, job.endTimeMs);
    EXPECT_EQ(back->expectedStartMs, job.expectedStartMs);
    EXPECT_EQ(back->exitCode, job.exitCode);
    EXPECT_EQ(back->termSignal, job.termSignal);
    EXPECT_EQ(back->message, job.message);
    EXPECT_EQ(back->allocatedGpus, job.allocatedGpus);
    EXPECT_EQ(back->allocatedGpuMemMib, job.allocatedGpuMemMib);
    EXPECT_EQ(back->childPid, job.childPid);
    EXPECT_EQ(back->retries, job.retries);
    EXPECT_EQ(back->stdoutFile, job.stdoutFile);
    EXPECT_EQ(back->stderrFile, job.stderrFile);
    // Written again, it is the same text: nothing was lost or changed on the way.
    EXPECT_EQ(QJsonDocument(jobToJson(*back)).toJson(QJsonDocument::Compact), text);
}

TEST(JobJson, ShapeAndDerivedFields) {
    const QJsonObject json = jobToJson(finishedArrayTask());
    EXPECT_EQ(json.value(QStringLiteral("display_id")).toString(), QStringLiteral("10_2"));
    EXPECT_EQ(json.value(QStringLiteral("name")).toString(), QStringLiteral("sweep"));
    EXPECT_EQ(json.value(QStringLiteral("state")).toString(), QStringLiteral("failed"));
    EXPECT_EQ(json.value(QStringLiteral("reason")).toString(), QStringLiteral("none"));
    EXPECT_EQ(json.value(QStringLiteral("gpus")).toArray(), (QJsonArray{0, 1}));
    EXPECT_EQ(json.value(QStringLiteral("spec")).toObject().value(QStringLiteral("gpus")).toInt(), 2);
    const QJsonObject accounting = json.value(QStringLiteral("accounting")).toObject();
    EXPECT_EQ(accounting.value(QStringLiteral("wait_ms")).toInteger(), 4000);
    EXPECT_EQ(accounting.value(QStringLiteral("wall_ms")).toInteger(), 60'500);
    EXPECT_EQ(accounting.value(QStringLiteral("cpu_time_ms")).toInteger(), 51'000);
    EXPECT_DOUBLE_EQ(accounting.value(QStringLiteral("gpu_energy_j")).toDouble(), 18'250.5);
    const QJsonObject process = json.value(QStringLiteral("process")).toObject();
    EXPECT_EQ(process.value(QStringLiteral("pid")).toInteger(), 4242);
    EXPECT_EQ(process.value(QStringLiteral("boot_id")).toString(),
              QStringLiteral("0b7f1b5c-3c7e-4a43-9a39-b2d6c3f1a9e0"));
}

TEST(JobJson, PendingAndRunningJobsHaveNoWallTime) {
    Job job;
    job.id = 3;
    job.submitTimeMs = 1000;
    job.reason = PendingReason::held;
    job.held = true;
    QJsonObject json = jobToJson(job);
    EXPECT_EQ(
        json.value(QStringLiteral("accounting")).toObject().value(QStringLiteral("wait_ms")).toInteger(), 0);
    EXPECT_EQ(json.value(QStringLiteral("array_task_id")).toInt(), -1);
    EXPECT_EQ(json.value(QStringLiteral("exit_code")).toInt(), -1);
    EXPECT_EQ(json.value(QStringLiteral("reason")).toString(), QStringLiteral("held"));
    EXPECT_TRUE(json.value(QStringLiteral("held")).toBool());

    job.state = JobState::running;
    job.startTimeMs = 1500;
    json = jobToJson(job);
    EXPECT_EQ(
        json.value(QStringLiteral("accounting")).toObject().value(QStringLiteral("wait_ms")).toInteger(),
        500);
    EXPECT_EQ(
        json.value(QStringLiteral("accounting")).toObject().value(QStringLiteral("wall_ms")).toInteger(), 0);
}

TEST(JobJson, DerivedAndUnknownKeysAreIgnoredOnRead) {
    QJsonObject json = jobToJson(finishedArrayTask());
    json.insert(QStringLiteral("display_id"), QStringLiteral("nonsense"));
    json.insert(QStringLiteral("name"), QStringLiteral("not the spec's"));
    json.insert(QStringLiteral("added_by_a_newer_daemon"), 1);
    QJsonObject accounting = json.value(QStringLiteral("accounting")).toObject();
    accounting.insert(QStringLiteral("wall_ms"), 1);
    json.insert(QStringLiteral("accounting"), accounting);
    const Result<Job> job = jobFromJson(json);
    ASSERT_TRUE(job.ok()) << job.error().toStdString();
    EXPECT_EQ(job->displayId(), QStringLiteral("10_2"));
    EXPECT_EQ(job->spec.name, QStringLiteral("sweep"));
}

TEST(JobJson, MinimalJobReadsWithDefaults) {
    const Result<Job> job =
        jobFromJson(QJsonObject{{QStringLiteral("id"), 5}, {QStringLiteral("state"), QStringLiteral("PD")}});
    ASSERT_TRUE(job.ok()) << job.error().toStdString();
    EXPECT_EQ(job->id, 5);
    EXPECT_EQ(job->state, JobState::pending);
    EXPECT_EQ(job->exitCode, -1);
    EXPECT_EQ(job->arrayTaskId, -1);
    EXPECT_EQ(job->spec, JobSpec{});
}

TEST(JobJson, Errors) {
    const auto error = [](QJsonObject json) {
        const Result<Job> job = jobFromJson(json);
        return job ? std::string() : job.error().toStdString();
    };
    const QJsonObject good = jobToJson(finishedArrayTask());
    const auto with = [&good](const char *key, const QJsonValue &value) {
        QJsonObject json = good;
        json.insert(QString::fromLatin1(key), value);
        return json;
    };
    EXPECT_EQ(error(QJsonObject{{QStringLiteral("id"), 1}}), "a job needs at least 'id' and 'state'");
    EXPECT_EQ(error(with("id", 0)), "job field 'id' must be an integer from 1 to 9007199254740991 (got 0)");
    EXPECT_EQ(error(with("state", QStringLiteral("sleeping"))),
              "job field 'state': unknown state 'sleeping'");
    EXPECT_EQ(error(with("state", 3)), "job field 'state' must be a string (got a number)");
    EXPECT_EQ(error(with("reason", QStringLiteral("bored"))), "job field 'reason': unknown reason 'bored'");
    EXPECT_EQ(error(with("held", 1)), "job field 'held' must be true or false (got a number)");
    EXPECT_EQ(error(with("gpus", QJsonArray{0, QStringLiteral("1")})),
              "job field 'gpus' must be an array of non-negative integers (got an array with other items)");
    EXPECT_EQ(error(with("spec", QJsonObject{{QStringLiteral("gpuz"), 1}})),
              "job field 'spec': unknown field 'gpuz' in job spec");
    EXPECT_EQ(error(with("spec", 1)), "job field 'spec' must be an object (got a number)");
    EXPECT_EQ(error(with("process", QJsonObject{{QStringLiteral("pid"), QStringLiteral("42")}})),
              "job field 'process.pid' must be an integer (got a string)");
    EXPECT_EQ(error(with("accounting", QJsonObject{{QStringLiteral("gpu_seconds"), QStringLiteral("1")}})),
              "job field 'accounting.gpu_seconds' must be a number (got a string)");
    EXPECT_EQ(error(with("submit_time_ms", 1.5)), "job field 'submit_time_ms' must be an integer (got 1.5)");
}

}  // namespace
}  // namespace nd
