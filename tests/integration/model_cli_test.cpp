// nemoctl's model-file commands end to end on generated models: info (text and --json), tokenize and
// detokenize (round trip, --bos, bad input with the line named), template (exact render, model's own
// template with its BOS/EOS, errors with template:line, --family fallback). No daemon is involved.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "DaemonHarness.h"
#include "gpu/model/model_gen.h"

namespace nd::test {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

class ModelCli : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_model = m_dir.filePath(s("hybrid.gguf"));
        ModelGenSpec spec;
        spec.arch = ModelArch::nemotron_h_moe;
        spec.weight_type = GgmlType::q8_0;
        // A ChatML-style template using bos_token, so the model's own token texts are visible.
        spec.chat_template =
            "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
            "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        const Status st = model_gen_write(spec, m_model.toStdString());
        ASSERT_TRUE(st.ok()) << st.describe();
    }

    QString write(const char *name, const QByteArray &bytes) { return writeFile(m_dir, name, bytes); }

    CommandResult run(const QStringList &args) { return m_harness.nemoctl(args); }

    DaemonHarness m_harness;
    QTemporaryDir m_dir;
    QString m_model;
};

TEST_F(ModelCli, InfoDescribesTheModelInTextAndJson) {
    CommandResult r = run({s("info"), m_model});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains("nemotron_h_moe")) << r.out.toStdString();
    EXPECT_TRUE(r.out.contains("Q8_0")) << r.out.toStdString();

    r = run({s("info"), m_model, s("--json"), s("--ctx"), s("1000")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    EXPECT_EQ(o.value(s("architecture")).toString(), s("nemotron_h_moe"));
    const QString pattern = o.value(s("layer_pattern")).toString();
    EXPECT_TRUE(pattern.contains(QLatin1Char('M')) && pattern.contains(QLatin1Char('E')) &&
                pattern.contains(QLatin1Char('*')))
        << pattern.toStdString();
    EXPECT_GT(o.value(s("n_params")).toDouble(), 0);
    EXPECT_EQ(o.value(s("memory")).toObject().value(s("n_ctx")).toInt(), 1000);
    EXPECT_TRUE(o.value(s("chat_template")).toObject().value(s("present")).toBool());
}

TEST_F(ModelCli, InfoOnACorruptFileNamesItAndFails) {
    QFile f(m_model);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QString cut = write("cut.gguf", f.read(f.size() / 2));
    const CommandResult r = run({s("info"), cut});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("cut.gguf")) << r.err.toStdString();
    EXPECT_TRUE(r.out.isEmpty());
}

TEST_F(ModelCli, TokenizeAndDetokenizeRoundTrip) {
    const QByteArray text =
        "Hello world 12345\n<|im_start|>user\n h\xC3\xA9llo \xF0\x9F\xA4\x97<|im_end|>\n\n  two  spaces\n";
    const QString lines = write("lines.txt", text);
    CommandResult r = run({s("tokenize"), s("--model"), m_model, s("--file"), lines});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QList<QByteArray> arrays = r.out.trimmed().split('\n');
    ASSERT_EQ(arrays.size(), 5);  // the empty line is a line too: []
    EXPECT_EQ(arrays[3], "[]");
    for (const QByteArray &a : arrays)
        EXPECT_TRUE(QJsonDocument::fromJson(a).isArray()) << a.toStdString();

    const QString ids = write("ids.txt", r.out);
    r = run({s("detokenize"), s("--model"), m_model, s("--file"), ids});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, text);

    // --bos puts the model's BOS first; without it, nothing is added.
    const QString one = write("one.txt", "x\n");
    const CommandResult plain = run({s("tokenize"), s("--model"), m_model, s("--file"), one});
    const CommandResult bos = run({s("tokenize"), s("--model"), m_model, s("--file"), one, s("--bos")});
    ASSERT_EQ(bos.exitCode, 0) << bos.err.toStdString();
    const QJsonArray a = QJsonDocument::fromJson(plain.out).array();
    const QJsonArray b = QJsonDocument::fromJson(bos.out).array();
    ASSERT_EQ(b.size(), a.size() + 1);
    EXPECT_EQ(b.at(1), a.at(0));
}

TEST_F(ModelCli, DetokenizeNamesTheBadLine) {
    const QString bad = write("bad.txt", "[1, 2]\n[1, x]\n");
    CommandResult r = run({s("detokenize"), s("--model"), m_model, s("--file"), bad});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("line 2")) << r.err.toStdString();
    const QString outside = write("outside.txt", "[999999999]\n");
    r = run({s("detokenize"), s("--model"), m_model, s("--file"), outside});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("999999999")) << r.err.toStdString();
}

TEST_F(ModelCli, TemplateRendersExactlyAndFallsBackOnlyWhenAsked) {
    const QString vars =
        write("vars.json", R"({"messages":[{"role":"user","content":"Hi"}],"add_generation_prompt":true})");
    // The model's own template, with its BOS text filled in.
    CommandResult r = run({s("template"), s("--model"), m_model, s("--vars"), vars});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.endsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))
        << r.out.toStdString();
    EXPECT_FALSE(r.out.startsWith("<|im_start|>")) << "bos_token should come from the model";

    // A file template: printed as rendered, nothing added.
    const QString tmpl =
        write("t.jinja", "{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}");
    r = run({s("template"), s("--template"), tmpl, s("--vars"), vars});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, "[user:Hi]");

    // A broken template is an error naming the file and line, unless a family stands in.
    const QString broken = write("broken.jinja", "ok\n{% for x in %}");
    r = run({s("template"), s("--template"), broken, s("--vars"), vars});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("broken.jinja:2:")) << r.err.toStdString();
    EXPECT_TRUE(r.out.isEmpty());
    r = run({s("template"), s("--template"), broken, s("--vars"), vars, s("--family"), s("chatml")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_EQ(r.out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_TRUE(r.err.contains("warning: ")) << r.err.toStdString();

    const QString notJson = write("nj.json", "{\"messages\": [");
    r = run({s("template"), s("--template"), tmpl, s("--vars"), notJson});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("nj.json")) << r.err.toStdString();
}

}  // namespace
}  // namespace nd::test
