// JobSpec JSON: round trips, the base/override rule, every parse error, and validateJobSpec's messages.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <unistd.h>

#include "core/jobs/JobSpec.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd {
namespace {

QJsonObject parseObject(const char *json) {
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

// The error of jobSpecFromJson for `json` ("" when it parsed).
std::string fromJsonError(const char *json) {
    const Result<JobSpec> spec = jobSpecFromJson(parseObject(json));
    return spec ? std::string() : spec.error().toStdString();
}

JobSpec fullSpec(const QString &workdir) {
    JobSpec spec;
    spec.name = QStringLiteral("train llama");
    spec.argv = {QStringLiteral("python"), QStringLiteral("train.py"), QStringLiteral("--lr=1e-4")};
    spec.workdir = workdir;
    spec.env = {{QStringLiteral("HF_HOME"), QStringLiteral("/scratch/hf")},
                {QStringLiteral("WANDB_MODE"), QStringLiteral("offline")}};
    spec.gpus = 2;
    spec.gpuMemMib = 20000;
    spec.cpus = 8;
    spec.memMib = 65536;
    spec.gpuIndices = {1, 3};
    spec.priority = -20;
    spec.timeLimitSec = 7200;
    spec.dependencies = {{Dependency::Kind::afterOk, 12, -1},
                         {Dependency::Kind::afterOk, 13, -1},
                         {Dependency::Kind::afterAny, 14, 2}};
    spec.array = parseArraySpec(QStringLiteral("1-9:2,20%3")).value();
    spec.hold = true;
    spec.maxRetries = 3;
    spec.tags = {QStringLiteral("llm"), QStringLiteral("sweep-7")};
    spec.stdoutPath = QStringLiteral("logs/%x-%j.out");
    spec.stderrPath = QStringLiteral("logs/%x-%j.err");
    spec.beginTimeMs = 1'760'000'000'000;
    return spec;
}

TEST(JobSpecJson, DefaultSpecIsAnEmptyObject) {
    EXPECT_TRUE(jobSpecToJson(JobSpec{}).isEmpty());
    const Result<JobSpec> spec = jobSpecFromJson(QJsonObject{});
    ASSERT_TRUE(spec.ok());
    EXPECT_EQ(*spec, JobSpec{});
}

TEST(JobSpecJson, FullSpecRoundTripsThroughText) {
    const JobSpec spec = fullSpec(QStringLiteral("/tmp"));
    const QJsonObject json = jobSpecToJson(spec);
    const QByteArray text = QJsonDocument(json).toJson(QJsonDocument::Compact);
    const Result<JobSpec> back = jobSpecFromJson(QJsonDocument::fromJson(text).object());
    ASSERT_TRUE(back.ok()) << back.error().toStdString();
    EXPECT_EQ(*back, spec) << text.toStdString();
    EXPECT_EQ(json.value(QStringLiteral("dependency")).toString(),
              QStringLiteral("afterok:12:13,afterany:14_2"));
    EXPECT_EQ(json.value(QStringLiteral("array")).toString(), QStringLiteral("1-9:2,20%3"));
    EXPECT_EQ(json.value(QStringLiteral("time_limit_s")).toInteger(), 7200);
}

TEST(JobSpecJson, ScriptSpecRoundTripsAndWritesOnlyWhatIsSet) {
    JobSpec spec;
    spec.script = QStringLiteral("#!/bin/bash\necho hi\n");
    spec.workdir = QStringLiteral("/tmp");
    spec.cpus = 1;  // the default: not written
    const QJsonObject json = jobSpecToJson(spec);
    EXPECT_EQ(json.keys(), (QStringList{QStringLiteral("script"), QStringLiteral("workdir")}));
    EXPECT_EQ(jobSpecFromJson(json).value(), spec);
    spec.scriptArgs = {QStringLiteral("--lr"), QStringLiteral("3e-4")};
    EXPECT_EQ(jobSpecFromJson(jobSpecToJson(spec)).value(), spec);
}

TEST(JobSpecJson, ScriptArgsNeedAScript) {
    JobSpec spec;
    spec.argv = {QStringLiteral("true")};
    spec.scriptArgs = {QStringLiteral("x")};
    spec.workdir = QStringLiteral("/tmp");
    const VoidResult valid = validateJobSpec(spec);
    ASSERT_FALSE(valid.ok());
    EXPECT_TRUE(valid.error().contains(QStringLiteral("script_args"))) << valid.error().toStdString();
}

TEST(JobSpecJson, HandBuiltArrayWithoutTextGetsACanonicalText) {
    JobSpec spec;
    spec.array = ArraySpec{{0, 1, 2, 3, 10}, 2, QString()};
    EXPECT_EQ(jobSpecToJson(spec).value(QStringLiteral("array")).toString(), QStringLiteral("0-3,10%2"));
}

TEST(JobSpecJson, KeysReplaceOnlyTheirFieldsOfTheBase) {
    JobSpec base;
    base.name = QStringLiteral("from-script");
    base.gpus = 2;
    base.timeLimitSec = 600;
    base.array = parseArraySpec(QStringLiteral("1-3")).value();
    const Result<JobSpec> spec = jobSpecFromJson(parseObject(R"({"gpus": 1, "array": ""})"), base);
    ASSERT_TRUE(spec.ok()) << spec.error().toStdString();
    EXPECT_EQ(spec->name, QStringLiteral("from-script"));
    EXPECT_EQ(spec->gpus, 1);
    EXPECT_EQ(spec->timeLimitSec, 600);
    EXPECT_FALSE(spec->array.has_value()) << "\"array\": \"\" clears an array given by the base";
}

TEST(JobSpecJson, SlurmConveniencesForTimeAndMemory) {
    const Result<JobSpec> spec = jobSpecFromJson(
        parseObject(R"({"time_limit": "1-02:03:04", "mem": "4G", "dependency": "afterok:7_1"})"));
    ASSERT_TRUE(spec.ok()) << spec.error().toStdString();
    EXPECT_EQ(spec->timeLimitSec, 86400 + 2 * 3600 + 3 * 60 + 4);
    EXPECT_EQ(spec->memMib, 4096);
    ASSERT_EQ(spec->dependencies.size(), 1);
    EXPECT_EQ(spec->dependencies[0], (Dependency{Dependency::Kind::afterOk, 7, 1}));
}

TEST(JobSpecJson, EnvironmentIsAnObjectOfStrings) {
    const Result<JobSpec> spec = jobSpecFromJson(parseObject(R"({"env": {"B": "2", "A": "1"}})"));
    ASSERT_TRUE(spec.ok());
    // QJsonObject keeps keys sorted, so the order of the text is not kept.
    const QList<QPair<QString, QString>> expected{{QStringLiteral("A"), QStringLiteral("1")},
                                                  {QStringLiteral("B"), QStringLiteral("2")}};
    EXPECT_EQ(spec->env, expected);
}

TEST(JobSpecJson, UnknownKeysAndWrongTypesNameTheKey) {
    EXPECT_EQ(fromJsonError(R"({"gpuz": 1})"), "unknown field 'gpuz' in job spec");
    EXPECT_EQ(fromJsonError(R"({"gpus": "2"})"), "field 'gpus' must be an integer (got a string)");
    EXPECT_EQ(fromJsonError(R"({"gpus": 1.5})"), "field 'gpus' must be an integer (got 1.5)");
    EXPECT_EQ(fromJsonError(R"({"cpus": 1e300})"),
              "field 'cpus' must be an integer from 0 to 2147483647 (got 1e+300)");
    EXPECT_EQ(fromJsonError(R"({"mem_mib": -1})"),
              "field 'mem_mib' must be an integer from 0 to 9007199254740991 (got -1)");
    EXPECT_EQ(fromJsonError(R"({"gpus": 3000000000})"),
              "field 'gpus' must be an integer from 0 to 2147483647 (got 3000000000)");
    EXPECT_EQ(fromJsonError(R"({"priority": true})"), "field 'priority' must be an integer (got a boolean)");
    EXPECT_EQ(fromJsonError(R"({"name": 5})"), "field 'name' must be a string (got a number)");
    EXPECT_EQ(fromJsonError(R"({"workdir": null})"), "field 'workdir' must be a string (got null)");
    EXPECT_EQ(fromJsonError(R"({"hold": "yes"})"), "field 'hold' must be true or false (got a string)");
    EXPECT_EQ(fromJsonError(R"({"argv": "python x.py"})"),
              "field 'argv' must be an array of strings (got a string)");
    EXPECT_EQ(fromJsonError(R"({"argv": ["python", 3]})"),
              "field 'argv' must be an array of strings (item 1 is a number)");
    EXPECT_EQ(fromJsonError(R"({"tags": {}})"), "field 'tags' must be an array of strings (got an object)");
    EXPECT_EQ(
        fromJsonError(R"({"gpu_indices": [0, -1]})"),
        "field 'gpu_indices' must be an array of non-negative integers (got an array with other items)");
    EXPECT_EQ(fromJsonError(R"({"gpu_indices": 0})"),
              "field 'gpu_indices' must be an array of non-negative integers (got a number)");
    EXPECT_EQ(fromJsonError(R"({"env": ["A=1"]})"),
              "field 'env' must be an object of string values (got an array)");
    EXPECT_EQ(fromJsonError(R"({"env": {"A": 1}})"),
              "field 'env': the value of A must be a string (got a number)");
    EXPECT_EQ(fromJsonError(R"({"array": 5})"), "field 'array' must be a string (got a number)");
    EXPECT_EQ(fromJsonError(R"({"begin_time_ms": -5})"),
              "field 'begin_time_ms' must be an integer from 0 to 9007199254740991 (got -5)");
}

TEST(JobSpecJson, SlurmSyntaxErrorsAreWrappedWithTheKey) {
    const std::string array = fromJsonError(R"({"array": "5-1"})");
    EXPECT_EQ(array.rfind("field 'array': invalid job array '5-1'", 0), 0u) << array;
    const std::string dependency = fromJsonError(R"({"dependency": "afterok:x"})");
    EXPECT_EQ(dependency.rfind("field 'dependency': invalid dependency 'afterok:x'", 0), 0u) << dependency;
    const std::string time = fromJsonError(R"({"time_limit": "soon"})");
    EXPECT_EQ(time.rfind("field 'time_limit': invalid time limit 'soon'", 0), 0u) << time;
    const std::string mem = fromJsonError(R"({"mem": "4Q"})");
    EXPECT_EQ(mem.rfind("field 'mem': invalid memory size '4Q'", 0), 0u) << mem;
}

TEST(JobSpecJson, BothSpellingsOfOneFieldAreRefused) {
    EXPECT_EQ(fromJsonError(R"({"time_limit": "1:00:00", "time_limit_s": 3600})"),
              "give either 'time_limit' (\"1:00:00\") or 'time_limit_s' (3600), not both");
    EXPECT_EQ(fromJsonError(R"({"mem": "4G", "mem_mib": 4096})"),
              "give either 'mem' (\"4G\") or 'mem_mib' (4096), not both");
}

// --- validateJobSpec -----------------------------------------------------------------------------------

class ValidateJobSpec : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    JobSpec valid() const {
        JobSpec spec;
        spec.argv = {QStringLiteral("/bin/true")};
        spec.workdir = m_dir.path();
        return spec;
    }
    static std::string error(const JobSpec &spec) {
        const VoidResult result = validateJobSpec(spec);
        return result ? std::string() : result.error().toStdString();
    }
    QTemporaryDir m_dir;
};

TEST_F(ValidateJobSpec, AcceptsMinimalAndFullSpecs) {
    EXPECT_EQ(error(valid()), "");
    JobSpec full = fullSpec(m_dir.path());
    EXPECT_EQ(error(full), "");
    full.argv.clear();
    full.script = QStringLiteral("echo hi");
    EXPECT_EQ(error(full), "");
}

TEST_F(ValidateJobSpec, Command) {
    JobSpec spec = valid();
    spec.argv.clear();
    EXPECT_EQ(error(spec), "the job has no command: give argv (a program and its arguments) or script");
    spec.argv = {QStringLiteral("x")};
    spec.script = QStringLiteral("echo");
    EXPECT_EQ(error(spec), "give either argv or script, not both");
    spec.script.clear();
    spec.argv = {QString(), QStringLiteral("x")};
    EXPECT_EQ(error(spec), "argv[0], the program to run, is empty");
    spec.argv = {QStringLiteral("echo"), QStringLiteral("a") + QChar(0)};
    EXPECT_EQ(error(spec), "argv[1] contains a NUL character");
    spec.argv.clear();
    spec.script = QStringLiteral("echo ") + QChar(0);
    EXPECT_EQ(error(spec), "script contains a NUL character");
}

TEST_F(ValidateJobSpec, Name) {
    JobSpec spec = valid();
    spec.name = QString(200, u'n');
    EXPECT_EQ(error(spec), "");
    spec.name = QString(201, u'n');
    EXPECT_EQ(error(spec), "name is longer than 200 characters");
    spec.name = QStringLiteral("two\nlines");
    EXPECT_EQ(error(spec), "name contains a control character (a newline or tab?)");
}

TEST_F(ValidateJobSpec, WorkingDirectory) {
    JobSpec spec = valid();
    spec.workdir.clear();
    EXPECT_EQ(error(spec), "workdir is empty: give the job's working directory as an absolute path");
    spec.workdir = QStringLiteral("relative/dir");
    EXPECT_EQ(error(spec), "working directory 'relative/dir' is not an absolute path");
    spec.workdir = m_dir.filePath(QStringLiteral("missing"));
    EXPECT_EQ(error(spec), "working directory '" + spec.workdir.toStdString() + "' does not exist");
    QFile file(m_dir.filePath(QStringLiteral("file")));
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.close();
    spec.workdir = file.fileName();
    EXPECT_EQ(error(spec), "working directory '" + spec.workdir.toStdString() + "' is not a directory");
}

TEST_F(ValidateJobSpec, WorkingDirectoryMustBeSearchable) {
    if (geteuid() == 0)
        GTEST_SKIP() << "root may enter any directory";
    JobSpec spec = valid();
    spec.workdir = m_dir.filePath(QStringLiteral("locked"));
    ASSERT_TRUE(QDir().mkdir(spec.workdir));
    ASSERT_TRUE(QFile::setPermissions(spec.workdir, QFile::ReadOwner | QFile::WriteOwner));
    EXPECT_EQ(error(spec), "working directory '" + spec.workdir.toStdString() +
                               "' cannot be entered (no search permission)");
    QFile::setPermissions(spec.workdir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

TEST_F(ValidateJobSpec, ResourceRanges) {
    const auto check = [this](auto field, auto value, const std::string &message) {
        JobSpec spec = valid();
        spec.*field = value;
        EXPECT_EQ(error(spec), message);
    };
    check(&JobSpec::gpus, 65, "gpus must be between 0 and 64 (got 65)");
    check(&JobSpec::gpus, -1, "gpus must be between 0 and 64 (got -1)");
    check(&JobSpec::gpus, 64, "");
    check(&JobSpec::gpuMemMib, qint64{16} * 1024 * 1024 + 1,
          "gpu_mem_mib must be between 0 and 16777216 (got 16777217)");
    check(&JobSpec::cpus, 0, "cpus must be between 1 and 4096 (got 0)");
    check(&JobSpec::cpus, 4097, "cpus must be between 1 and 4096 (got 4097)");
    check(&JobSpec::memMib, qint64{-1}, "mem_mib must be between 0 and 1073741824 (got -1)");
    check(&JobSpec::memMib, qint64{1} << 30, "");
    check(&JobSpec::priority, qint64{1'000'000'000'001},
          "priority must be between -1000000000000 and 1000000000000 (got 1000000000001)");
    check(&JobSpec::priority, qint64{-1'000'000'000'000}, "");
    check(&JobSpec::timeLimitSec, qint64{36500} * 86400 + 1,
          "time_limit_s must be between 0 and 3153600000 (got 3153600001)");
    check(&JobSpec::maxRetries, 1001, "max_retries must be between 0 and 1000 (got 1001)");
    check(&JobSpec::beginTimeMs, qint64{-1}, "begin_time_ms must not be negative (got -1)");
}

TEST_F(ValidateJobSpec, GpuPinning) {
    JobSpec spec = valid();
    spec.gpuIndices = {0, 1024};
    EXPECT_EQ(error(spec), "gpu_indices[1] must be between 0 and 1023 (got 1024)");
    spec.gpuIndices = {2, 0, 2};
    EXPECT_EQ(error(spec), "gpu_indices lists GPU 2 twice");
    spec.gpuIndices = {3, 1};
    spec.gpus = 3;
    EXPECT_EQ(error(spec), "the job asks for 3 GPUs but gpu_indices allows only 2 (3,1)");
    spec.gpus = 2;
    EXPECT_EQ(error(spec), "");
    spec.gpus = 0;  // a shared-GPU job pinned to some GPUs
    spec.gpuMemMib = 4000;
    EXPECT_EQ(error(spec), "");
}

TEST_F(ValidateJobSpec, Tags) {
    JobSpec spec = valid();
    spec.tags = {QString()};
    EXPECT_EQ(error(spec), "tags must not be empty");
    spec.tags = {QString(65, u't')};
    EXPECT_EQ(error(spec), "tag '" + std::string(65, 't') + "' is longer than 64 characters");
    spec.tags = {QStringLiteral("a,b")};
    EXPECT_EQ(error(spec), "tag 'a,b' contains a comma, a space or a control character");
    spec.tags = {QStringLiteral("a b")};
    EXPECT_EQ(error(spec), "tag 'a b' contains a comma, a space or a control character");
    spec.tags.clear();
    for (int i = 0; i < 33; ++i)
        spec.tags.append(QString::number(i));
    EXPECT_EQ(error(spec), "a job may carry at most 32 tags (got 33)");
    spec.tags.removeLast();
    EXPECT_EQ(error(spec), "");
}

TEST_F(ValidateJobSpec, Environment) {
    JobSpec spec = valid();
    const auto withEnv = [&spec](const QString &name, const QString &value = QStringLiteral("1")) {
        spec.env = {{name, value}};
        return error(spec);
    };
    EXPECT_EQ(withEnv(QStringLiteral("GOOD_name_1")), "");
    EXPECT_EQ(withEnv(QStringLiteral("1BAD")),
              "env: '1BAD' is not a valid variable name (letters, digits and _, not starting with a digit)");
    EXPECT_EQ(withEnv(QStringLiteral("A-B")),
              "env: 'A-B' is not a valid variable name (letters, digits and _, not starting with a digit)");
    EXPECT_EQ(withEnv(QString()),
              "env: '' is not a valid variable name (letters, digits and _, not starting with a digit)");
    for (const char *reserved :
         {"CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID", "NEMODESK_JOB_ID", "NEMODESK_ANYTHING"})
        EXPECT_EQ(withEnv(QString::fromLatin1(reserved)),
                  std::string("env: ") + reserved + " is set by the queue for every job and cannot be given");
    EXPECT_EQ(withEnv(QStringLiteral("A"), QStringLiteral("x") + QChar(0)),
              "env: the value of A contains a NUL character");
    spec.env = {{QStringLiteral("A"), QStringLiteral("1")}, {QStringLiteral("A"), QStringLiteral("2")}};
    EXPECT_EQ(error(spec), "env: A is given twice");
}

TEST_F(ValidateJobSpec, OutputPaths) {
    JobSpec spec = valid();
    spec.stdoutPath = QStringLiteral("logs/%j.out");  // relative: resolved against workdir later
    spec.stderrPath = QStringLiteral("/abs/%x.err");
    EXPECT_EQ(error(spec), "");
    spec.stdoutPath = QStringLiteral("a") + QChar(0);
    EXPECT_EQ(error(spec), "stdout contains a NUL character");
    spec.stdoutPath.clear();
    spec.stderrPath = QStringLiteral("a") + QChar(0);
    EXPECT_EQ(error(spec), "stderr contains a NUL character");
}

TEST_F(ValidateJobSpec, ArrayAndDependencies) {
    JobSpec spec = valid();
    spec.array = ArraySpec{};
    EXPECT_EQ(error(spec), "array must have between 1 and 100000 tasks (got 0)");
    spec.array = ArraySpec{{1, maxArrayTaskId + 1}, 0, QString()};
    EXPECT_EQ(error(spec), "array task ids must be between 0 and 4000000 (got 4000001)");
    spec.array = ArraySpec{{1}, -1, QString()};
    EXPECT_EQ(error(spec), "the array's %N limit must not be negative");
    spec.array.reset();
    spec.dependencies = {{Dependency::Kind::afterOk, 0, -1}};
    EXPECT_EQ(error(spec), "dependency: job ids start at 1 (got 0)");
    spec.dependencies = {{Dependency::Kind::afterOk, 5, -2}};
    EXPECT_EQ(error(spec), "dependency: array task id -2 is out of range");
}

}  // namespace
}  // namespace nd
