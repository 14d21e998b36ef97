// The JSON of model workload jobs: a spec's "workload" object round trips, anything else is refused, and a
// job's reported progress is shown with it only when there is some.
#include <gtest/gtest.h>

#include <QJsonDocument>

#include "core/jobs/Job.h"
#include "core/jobs/JobSpec.h"

namespace nd {
namespace {

QJsonObject parseObject(const char *json) {
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

TEST(JobSpecWorkload, RoundTripsThroughJson) {
    const QJsonObject workload =
        parseObject(R"({"kind":"batch","model":"nano","input":"in.jsonl","output":"out.jsonl","ctx":4096})");
    const Result<JobSpec> spec =
        jobSpecFromJson(QJsonObject{{QStringLiteral("workload"), workload}, {QStringLiteral("gpus"), 1}});
    ASSERT_TRUE(spec.ok()) << spec.error().toStdString();
    EXPECT_EQ(spec->workload, workload);
    const QJsonObject json = jobSpecToJson(spec.value());
    EXPECT_EQ(json.value(QStringLiteral("workload")).toObject(), workload);
    const Result<JobSpec> again = jobSpecFromJson(json);
    ASSERT_TRUE(again.ok()) << again.error().toStdString();
    EXPECT_EQ(again.value(), spec.value());
}

TEST(JobSpecWorkload, AbsentWhenThereIsNone) {
    JobSpec spec;
    spec.argv = {QStringLiteral("true")};
    EXPECT_FALSE(jobSpecToJson(spec).contains(QStringLiteral("workload")));
    const Result<JobSpec> parsed = jobSpecFromJson(parseObject(R"({"argv":["true"]})"));
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->workload.isEmpty());
}

TEST(JobSpecWorkload, MustBeAnObject) {
    for (const char *json : {R"({"workload":"batch"})", R"({"workload":["batch"]})", R"({"workload":null})",
                             R"({"workload":3})"}) {
        const Result<JobSpec> spec = jobSpecFromJson(parseObject(json));
        ASSERT_FALSE(spec.ok()) << json;
        EXPECT_EQ(spec.error(),
                  QStringLiteral("workload must be an object: {\"kind\": \"batch\", \"model\": …}"))
            << json;
    }
}

TEST(JobSpecWorkload, ABaseWorkloadIsReplacedWholeNotMerged) {
    JobSpec base;
    base.workload = parseObject(R"({"kind":"server","model":"nano","slots":4})");
    const Result<JobSpec> spec =
        jobSpecFromJson(parseObject(R"({"workload":{"kind":"server","model":"llama"}})"), base);
    ASSERT_TRUE(spec.ok()) << spec.error().toStdString();
    EXPECT_EQ(spec->workload, parseObject(R"({"kind":"server","model":"llama"})"));
    // Not given: the base's stays.
    EXPECT_EQ(jobSpecFromJson(QJsonObject{}, base)->workload, base.workload);
}

TEST(JobJsonProgress, ShownOnlyWhenReported) {
    Job job;
    job.id = 7;
    job.spec.argv = {QStringLiteral("true")};
    EXPECT_FALSE(jobToJson(job).contains(QStringLiteral("progress")));
    job.progress = parseObject(R"({"done":3,"total":10,"tokens_per_s":41.5})");
    EXPECT_EQ(jobToJson(job).value(QStringLiteral("progress")).toObject(), job.progress);
}

}  // namespace
}  // namespace nd
