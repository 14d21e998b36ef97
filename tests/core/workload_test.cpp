// workloadCommand: a job spec's "workload" object to the `nemoctl worker batch|bench|serve` command line —
// the model resolved through the library, paths against the workdir, each key to its flag, and every
// refusal naming the key.
#include <gtest/gtest.h>

#include <QJsonDocument>

#include "core/workloads/Workload.h"

namespace nd {
namespace {

const QString nemoctl = QStringLiteral("/opt/nemodesk/bin/nemoctl");
const QString workdir = QStringLiteral("/home/ada/runs");

std::optional<QString> library(const QString &name) {
    if (name == QLatin1String("nano"))
        return QStringLiteral("/models/nano-q8.gguf");
    if (name == QLatin1String("llama-3b"))
        return QStringLiteral("/models/llama-3b.gguf");
    return std::nullopt;
}

QStringList available() {
    return {QStringLiteral("llama-3b"), QStringLiteral("nano")};
}

Result<WorkloadCommand> command(const char *json) {
    return workloadCommand(QJsonDocument::fromJson(json).object(), nemoctl, workdir, library, available);
}

std::string error(const char *json) {
    const Result<WorkloadCommand> c = command(json);
    return c.ok() ? std::string() : c.error().toStdString();
}

QStringList head(const char *sub, const QString &model) {
    return {nemoctl, QStringLiteral("worker"), QString::fromLatin1(sub), QStringLiteral("--model"), model};
}

TEST(WorkloadKind, NamesRoundTrip) {
    for (WorkloadKind kind : {WorkloadKind::batch, WorkloadKind::benchmark, WorkloadKind::server})
        EXPECT_EQ(parseWorkloadKind(workloadKindName(kind)), kind);
    EXPECT_EQ(workloadKindName(WorkloadKind::benchmark), QStringLiteral("benchmark"));
    EXPECT_FALSE(parseWorkloadKind(QStringLiteral("bench")));
    EXPECT_FALSE(parseWorkloadKind(QStringLiteral("Batch")));
    EXPECT_FALSE(parseWorkloadKind(QString()));
}

TEST(Workload, BatchResolvesTheModelAndThePathsAgainstTheWorkdir) {
    const Result<WorkloadCommand> c = command(
        R"({"kind":"batch","model":"nano","input":"data/in.jsonl","output":"/tmp/out/../out.jsonl"})");
    ASSERT_TRUE(c.ok()) << c.error().toStdString();
    EXPECT_EQ(c->kind, WorkloadKind::batch);
    EXPECT_EQ(c->model, QStringLiteral("nano"));
    EXPECT_EQ(c->name, QStringLiteral("batch nano"));
    EXPECT_EQ(c->argv, head("batch", QStringLiteral("/models/nano-q8.gguf"))
                           << QStringLiteral("--input") << QStringLiteral("/home/ada/runs/data/in.jsonl")
                           << QStringLiteral("--output") << QStringLiteral("/tmp/out.jsonl"));
}

TEST(Workload, BatchMapsEveryFlag) {
    const Result<WorkloadCommand> c = command(
        R"({"kind":"batch","model":"nano","input":"in.jsonl","output":"out.jsonl","device":"cuda:1","ctx":4096,)"
        R"("gpu_layers":99,"threads":8,"batch":512,"kv_type":"q8_0","max_tokens":256,"temperature":0.25,)"
        R"("top_p":0.95,"top_k":40,"seed":7,"reasoning":false})");
    ASSERT_TRUE(c.ok()) << c.error().toStdString();
    const QStringList expected =
        head("batch", QStringLiteral("/models/nano-q8.gguf"))
        << QStringLiteral("--input") << QStringLiteral("/home/ada/runs/in.jsonl")
        << QStringLiteral("--output") << QStringLiteral("/home/ada/runs/out.jsonl")
        << QStringLiteral("--device") << QStringLiteral("cuda:1") << QStringLiteral("--ctx")
        << QStringLiteral("4096") << QStringLiteral("--gpu-layers") << QStringLiteral("99")
        << QStringLiteral("--threads") << QStringLiteral("8") << QStringLiteral("--batch")
        << QStringLiteral("512") << QStringLiteral("--kv-type") << QStringLiteral("q8_0")
        << QStringLiteral("--max-tokens") << QStringLiteral("256") << QStringLiteral("--temperature")
        << QStringLiteral("0.25") << QStringLiteral("--top-p") << QStringLiteral("0.95")
        << QStringLiteral("--top-k") << QStringLiteral("40") << QStringLiteral("--seed")
        << QStringLiteral("7") << QStringLiteral("--think") << QStringLiteral("off");
    EXPECT_EQ(c->argv, expected);
    EXPECT_EQ(
        command(R"({"kind":"batch","model":"nano","input":"i","output":"o","reasoning":true})")->argv.last(),
        QStringLiteral("on"));
}

TEST(Workload, BenchmarkAndServer) {
    const Result<WorkloadCommand> bench = command(
        R"({"kind":"benchmark","model":"llama-3b","prompt_tokens":512,"gen_tokens":128,"reps":3,"ctx":2048})");
    ASSERT_TRUE(bench.ok()) << bench.error().toStdString();
    EXPECT_EQ(bench->name, QStringLiteral("benchmark llama-3b"));
    EXPECT_EQ(bench->argv, head("bench", QStringLiteral("/models/llama-3b.gguf"))
                               << QStringLiteral("--ctx") << QStringLiteral("2048")
                               << QStringLiteral("--prompt") << QStringLiteral("512")
                               << QStringLiteral("--gen") << QStringLiteral("128") << QStringLiteral("--reps")
                               << QStringLiteral("3"));

    const Result<WorkloadCommand> serve = command(R"({"kind":"server","model":"nano","slots":4})");
    ASSERT_TRUE(serve.ok()) << serve.error().toStdString();
    EXPECT_EQ(serve->kind, WorkloadKind::server);
    EXPECT_EQ(serve->name, QStringLiteral("serve nano"));
    EXPECT_EQ(serve->argv, head("serve", QStringLiteral("/models/nano-q8.gguf"))
                               << QStringLiteral("--slots") << QStringLiteral("4"));
}

TEST(Workload, KindAndModelAreRequired) {
    const std::string kind = "workload.kind must be \"batch\", \"benchmark\" or \"server\"";
    EXPECT_EQ(error(R"({"model":"nano"})"), kind);
    EXPECT_EQ(error(R"({"kind":"bench","model":"nano"})"), kind);
    EXPECT_EQ(error(R"({"kind":1,"model":"nano"})"), kind);
    const std::string model = "workload.model must name a model of the library (nemoctl models list)";
    EXPECT_EQ(error(R"({"kind":"server"})"), model);
    EXPECT_EQ(error(R"({"kind":"server","model":""})"), model);
    EXPECT_EQ(error(R"({"kind":"server","model":3})"), model);
}

TEST(Workload, AnUnknownModelListsTheAvailableOnes) {
    EXPECT_EQ(error(R"({"kind":"server","model":"gpt-5"})"),
              "workload.model: no model 'gpt-5'; available: llama-3b, nano");
    const Result<WorkloadCommand> empty =
        workloadCommand(QJsonDocument::fromJson(R"({"kind":"server","model":"gpt-5"})").object(), nemoctl,
                        workdir, library, [] { return QStringList(); });
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(
        empty.error(),
        QStringLiteral("workload.model: no model 'gpt-5'; the library is empty: add a folder with nemoctl "
                       "models add DIR"));
    // Without a list (or a resolver) the error still names the model.
    const Result<WorkloadCommand> bare = workloadCommand(
        QJsonDocument::fromJson(R"({"kind":"server","model":"gpt-5"})").object(), nemoctl, workdir, {});
    ASSERT_FALSE(bare.ok());
    EXPECT_EQ(bare.error(), QStringLiteral("workload.model: no model 'gpt-5'"));
}

TEST(Workload, BatchNeedsInputAndOutput) {
    EXPECT_EQ(error(R"({"kind":"batch","model":"nano","output":"o.jsonl"})"),
              "workload.input must be the path of a JSONL file");
    EXPECT_EQ(error(R"({"kind":"batch","model":"nano","input":"i.jsonl"})"),
              "workload.output must be the path of a JSONL file");
    EXPECT_EQ(error(R"({"kind":"batch","model":"nano","input":"","output":"o"})"),
              "workload.input must be the path of a JSONL file");
    EXPECT_EQ(error(R"({"kind":"batch","model":"nano","input":["i"],"output":"o"})"),
              "workload.input must be the path of a JSONL file");
}

TEST(Workload, RefusesWrongTypesNamingTheKey) {
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","ctx":"4k"})"),
              "workload.ctx must be a whole number >= 0");
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","ctx":-1})"),
              "workload.ctx must be a whole number >= 0");
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","slots":1.5})"),
              "workload.slots must be a whole number >= 0");
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","threads":1e16})"),
              "workload.threads must be a whole number >= 0");
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","device":""})"),
              "workload.device must be a non-empty string");
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","kv_type":8})"),
              "workload.kv_type must be a non-empty string");
    EXPECT_EQ(error(R"({"kind":"batch","model":"nano","input":"i","output":"o","temperature":"warm"})"),
              "workload.temperature must be a number");
    EXPECT_EQ(error(R"({"kind":"batch","model":"nano","input":"i","output":"o","reasoning":"yes"})"),
              "workload.reasoning must be true or false");
    // A null is not "unset" here: the worker has no way to say "default" on its command line either.
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","ctx":null})"),
              "workload.ctx must be a whole number >= 0");
}

// A number far beyond qint64 must be refused before it is cast (the cast itself is undefined behaviour,
// which the UBSan preset reports as float-cast-overflow).
TEST(Workload, RefusesHugeNumbersWithoutOverflowingTheCast) {
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","ctx":1e300})"),
              "workload.ctx must be a whole number >= 0");
    EXPECT_EQ(error(R"({"kind":"server","model":"nano","slots":9.3e18})"),
              "workload.slots must be a whole number >= 0");
}

TEST(Workload, RefusesUnknownKeysAndKeysOfAnotherKind) {
    const std::string unknown = error(R"({"kind":"server","model":"nano","contxt":4096})");
    EXPECT_EQ(unknown.rfind("unknown field 'workload.contxt' for a server workload (known: kind, model, ", 0),
              0u)
        << unknown;
    EXPECT_NE(unknown.find("slots"), std::string::npos) << unknown;
    // A batch option given to a server is unknown there, and the known list is the server's.
    const std::string other = error(R"({"kind":"server","model":"nano","max_tokens":10})");
    EXPECT_EQ(other.rfind("unknown field 'workload.max_tokens' for a server workload", 0), 0u) << other;
    const std::string benchInput = error(R"({"kind":"benchmark","model":"nano","input":"i.jsonl"})");
    EXPECT_EQ(benchInput.rfind("unknown field 'workload.input' for a benchmark workload", 0), 0u)
        << benchInput;
    EXPECT_NE(benchInput.find("prompt_tokens"), std::string::npos) << benchInput;
}

}  // namespace
}  // namespace nd
