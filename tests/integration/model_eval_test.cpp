// `nemoctl eval` and `nemoctl bench` end to end on small generated models: logits of every position to a
// file (row-major float32) agreeing with the top-1 ids printed, a greedy continuation that is what eval
// itself predicts, prefill in small batches giving the same logits, the llama-bench-shaped output, and
// bad input (ids, empty --tokens, a missing or contradicting model, context overflow) with exit codes 2
// (command line) and 1 (runtime). No daemon. Logits are compared with llama.cpp in
// tests/gpu/engine/conformance_*_test.cpp.
#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "DaemonHarness.h"
#include "gpu/model/model_gen.h"

namespace nd::test {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

std::vector<float> readFloats(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = f.readAll();
    std::vector<float> v(static_cast<size_t>(bytes.size()) / sizeof(float));
    std::memcpy(v.data(), bytes.constData(), v.size() * sizeof(float));
    return v;
}

class ModelEval : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_model = m_dir.filePath(s("hybrid.gguf"));
        ModelGenSpec spec;
        spec.arch = ModelArch::nemotron_h;
        spec.weight_type = GgmlType::q8_0;
        const Status st = model_gen_write(spec, m_model.toStdString());
        ASSERT_TRUE(st.ok()) << st.describe();
    }

    CommandResult run(const QStringList &args) { return m_harness.nemoctl(args); }
    QJsonObject json(const QStringList &args) {
        const CommandResult r = run(args);
        EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
        return QJsonDocument::fromJson(r.out).object();
    }

    DaemonHarness m_harness;
    QTemporaryDir m_dir;
    QString m_model;
};

TEST_F(ModelEval, WritesTheLogitsOfEveryPositionAndTheirTop1) {
    const QString logits = m_dir.filePath(s("logits.f32"));
    const QJsonObject o = json({s("eval"), s("--model"), m_model, s("--tokens"), s("1,17,42,5,99"),
                                s("--logits-out"), logits, s("--json"), s("-t"), s("2")});
    const int nVocab = o.value(s("n_vocab")).toInt();
    ASSERT_GT(nVocab, 0);
    EXPECT_EQ(o.value(s("n_tokens")).toInt(), 5);
    const std::vector<float> values = readFloats(logits);
    ASSERT_EQ(values.size(), static_cast<size_t>(5 * nVocab));
    const QJsonArray top1 = o.value(s("top1")).toArray();
    ASSERT_EQ(top1.size(), 5);
    for (int p = 0; p < 5; ++p) {
        const float *row = values.data() + static_cast<size_t>(p) * static_cast<size_t>(nVocab);
        EXPECT_EQ(top1.at(p).toInt(), std::max_element(row, row + nVocab) - row) << "position " << p;
    }
    EXPECT_TRUE(o.value(s("timings")).toObject().contains(s("prompt_tokens_per_s")));

    // Prefill in batches of 2 and an f32 KV cache: the same logits to rounding.
    const QString batched = m_dir.filePath(s("batched.f32"));
    const CommandResult r = run({s("eval"), s("--model"), m_model, s("--tokens"), s("1,17,42,5,99"),
                                 s("--logits-out"), batched, s("--batch"), s("2"), s("--kv-type"), s("f32")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains("top-1:")) << r.out.toStdString();
    const std::vector<float> other = readFloats(batched);
    ASSERT_EQ(other.size(), values.size());
    float maxAbs = 0, maxDiff = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        maxAbs = std::max(maxAbs, std::abs(values[i]));
        maxDiff = std::max(maxDiff, std::abs(values[i] - other[i]));
    }
    EXPECT_LE(maxDiff, 2e-2f * maxAbs);  // quantized activations: docs/conformance.md
}

TEST_F(ModelEval, GreedyContinuesWithWhatEvalPredicts) {
    const QJsonObject o = json(
        {s("eval"), s("--model"), m_model, s("--tokens"), s("3,1,4"), s("--greedy"), s("4"), s("--json")});
    const QJsonArray greedy = o.value(s("greedy")).toArray();
    ASSERT_EQ(greedy.size(), 4);
    EXPECT_EQ(greedy.at(0), o.value(s("top1")).toArray().at(2));
    // Feeding the first three back: the last position's top-1 is the fourth.
    QStringList ids{s("3"), s("1"), s("4")};
    for (int i = 0; i < 3; ++i)
        ids << QString::number(greedy.at(i).toInt());
    const QJsonObject again =
        json({s("eval"), s("--model"), m_model, s("--tokens"), ids.join(u','), s("--json")});
    EXPECT_EQ(again.value(s("top1")).toArray().at(5), greedy.at(3));
    // Deterministic.
    const QJsonObject twice = json(
        {s("eval"), s("--model"), m_model, s("--tokens"), s("3,1,4"), s("--greedy"), s("4"), s("--json")});
    EXPECT_EQ(twice.value(s("greedy")).toArray(), greedy);
}

TEST_F(ModelEval, BadInputIsNamed) {
    CommandResult r = run({s("eval"), s("--model"), m_model, s("--tokens"), s("1,x,3")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("'x'")) << r.err.toStdString();
    r = run({s("eval"), s("--model"), m_model, s("--tokens"), s("")});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(r.err.contains("at least one")) << r.err.toStdString();
    r = run({s("eval"), s("--model"), m_model});
    EXPECT_EQ(r.exitCode, 2);
    r = run({s("eval"), s("--model"), m_model, s("--tokens"), s("1,9999999")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("9999999")) << r.err.toStdString();
    r = run({s("eval"), s("--model"), m_dir.filePath(s("missing.gguf")), s("--tokens"), s("1")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("missing.gguf")) << r.err.toStdString();
    r = run({s("eval"), s("--model"), m_model, s("--tokens"), s("1,2,3,4,5,6"), s("--ctx"), s("4")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("context")) << r.err.toStdString();
    r = run({s("eval"), s("--model"), m_model, s("--tokens"), s("1"), s("--kv-type"), s("q8")});
    EXPECT_EQ(r.exitCode, 2);
}

TEST_F(ModelEval, AModelContradictingItsMetadataIsRefused) {
    // embedding_length 288 → 320 in place: every tensor now disagrees with the metadata.
    QFile f(m_model);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    QByteArray bytes = f.readAll();
    f.close();
    const QByteArray key = "nemotron_h.embedding_length";
    const qsizetype at = bytes.indexOf(key);
    ASSERT_GE(at, 0);
    const qsizetype value = at + key.size() + 4;  // after the key: type (u32), then the value
    uint32_t v = 0;
    std::memcpy(&v, bytes.constData() + value, 4);
    ASSERT_EQ(v, 288u);
    v = 320;
    std::memcpy(bytes.data() + value, &v, 4);
    const QString bad = m_dir.filePath(s("lying.gguf"));
    QFile out(bad);
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    out.write(bytes);
    out.close();
    const CommandResult r = run({s("eval"), s("--model"), bad, s("--tokens"), s("1")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("shape")) << r.err.toStdString();
    EXPECT_TRUE(r.out.isEmpty());
}

TEST_F(ModelEval, BenchIsShapedLikeLlamaBench) {
    const QJsonObject o = json({s("bench"), s("--model"), m_model, s("-p"), s("8"), s("-n"), s("4"), s("-r"),
                                s("2"), s("-t"), s("2"), s("--json")});
    const QJsonArray tests = o.value(s("tests")).toArray();
    ASSERT_EQ(tests.size(), 2);
    EXPECT_EQ(tests.at(0).toObject().value(s("name")).toString(), s("pp8"));
    EXPECT_EQ(tests.at(1).toObject().value(s("name")).toString(), s("tg4"));
    for (const QJsonValue &t : tests) {
        EXPECT_GT(t.toObject().value(s("avg_ts")).toDouble(), 0);
        EXPECT_EQ(t.toObject().value(s("samples_ts")).toArray().size(), 2);
    }
    EXPECT_EQ(o.value(s("n_threads")).toInt(), 2);
    EXPECT_GT(o.value(s("peak_rss_bytes")).toDouble(), 0);
    EXPECT_GT(o.value(s("model_n_params")).toDouble(), 0);

    const CommandResult r =
        run({s("bench"), s("--model"), m_model, s("-p"), s("4"), s("-n"), s("2"), s("-r"), s("1")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains("pp4") && r.out.contains("tg2") && r.out.contains("t/s"))
        << r.out.toStdString();
    EXPECT_TRUE(r.out.contains("peak memory")) << r.out.toStdString();
    EXPECT_EQ(run({s("bench"), s("--model"), m_model, s("-p"), s("0"), s("-n"), s("0")}).exitCode, 2);
}

}  // namespace
}  // namespace nd::test
