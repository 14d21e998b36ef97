// `nemoctl worker batch` and `nemoctl worker bench` run directly (no daemon, no NEMODESK_JOB_ID) on a tiny
// generated model: good lines, malformed lines and bad messages each get their output line in input order;
// a torn output file is resumed without redoing or duplicating finished lines; lines answered together
// give the same answers as alone; SIGTERM stops a batch that a rerun finishes; the bench prints numbers.
#include <gtest/gtest.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <csignal>

#include "DaemonHarness.h"
#include "gpu/model/model_gen.h"

namespace nd::test {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

class Worker : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        ModelGenSpec spec;
        spec.arch = ModelArch::llama;
        spec.chat_template = kChatMlTemplate;
        m_model = m_dir.filePath(s("tiny.gguf"));
        const Status st = model_gen_write(spec, m_model.toStdString());
        ASSERT_TRUE(st.ok()) << st.describe();
        m_out = m_dir.filePath(s("out.jsonl"));
    }

    QString write(const char *name, const QByteArray &bytes) { return writeFile(m_dir, name, bytes); }

    static CommandResult run(const QStringList &args) {
        // Run by hand, as a person would: no job, so no progress reports.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(s("NEMODESK_JOB_ID"));
        return runProcess(nemoctlPath(), QStringList{s("worker")} + args, env);
    }

    QStringList batchArgs(const QString &input, const char *maxTokens = "4") const {
        return {s("batch"), s("--model"),      m_model,      s("--input"),  input,   s("--output"),
                m_out,      s("--max-tokens"), s(maxTokens), s("--seed"),   s("3"),  s("--ctx"),
                s("256"),   s("-t"),           s("2"),       s("--device"), s("cpu")};
    }
    CommandResult batch(const QString &input, const QStringList &more = {}) const {
        return run(batchArgs(input) + more);
    }

    QList<QJsonObject> outputLines() const {
        QFile f(m_out);
        EXPECT_TRUE(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        EXPECT_TRUE(bytes.isEmpty() || bytes.endsWith('\n'));
        QList<QJsonObject> lines;
        for (const QByteArray &line : bytes.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonDocument d = QJsonDocument::fromJson(line);
            EXPECT_TRUE(d.isObject()) << line.toStdString();
            lines.append(d.object());
        }
        return lines;
    }

    QTemporaryDir m_dir;
    QString m_model;
    QString m_out;
};

TEST_F(Worker, BatchAnswersEveryLineInOrderWithErrorsForBadOnes) {
    const QString input =
        write("in.jsonl",
              "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}\n"
              "{not json\n"
              "{\"id\": 3, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 2}\n"
              "{\"messages\": []}\n"
              "{\"prompt\": \"x\", \"temperature\": \"hot\"}\n"
              "{\"prompt\": \"The end\", \"stop\": [\"zzz\"], \"top_k\": 1}\n");
    const CommandResult r = batch(input);
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QList<QJsonObject> lines = outputLines();
    ASSERT_EQ(lines.size(), 6);
    for (int i = 0; i < lines.size(); ++i)
        EXPECT_EQ(lines[i].value(s("line")).toInt(), i + 1);
    EXPECT_EQ(lines[0].value(s("id")).toString(), s("a"));
    EXPECT_TRUE(lines[0].contains(s("text")));
    EXPECT_GT(lines[0].value(s("usage")).toObject().value(s("prompt_tokens")).toInt(), 0);
    EXPECT_LE(lines[0].value(s("usage")).toObject().value(s("completion_tokens")).toInt(), 4);
    EXPECT_TRUE(lines[0].value(s("timings")).toObject().contains(s("tokens_per_s")));
    const QString reason = lines[0].value(s("finish_reason")).toString();
    EXPECT_TRUE(reason == s("length") || reason == s("stop")) << reason.toStdString();
    EXPECT_TRUE(lines[1].value(s("error")).toString().startsWith(s("line 2: not valid JSON")))
        << lines[1].value(s("error")).toString().toStdString();
    EXPECT_EQ(lines[2].value(s("id")).toInt(), 3);
    EXPECT_TRUE(lines[2].contains(s("reasoning")));
    EXPECT_LE(lines[2].value(s("usage")).toObject().value(s("completion_tokens")).toInt(), 2);
    EXPECT_TRUE(lines[3].value(s("error")).toString().contains(s("\"messages\" must be a non-empty array")));
    EXPECT_TRUE(lines[4].value(s("error")).toString().contains(s("\"temperature\" must be a number")));
    EXPECT_FALSE(lines[5].contains(s("error")));
}

TEST_F(Worker, BatchPromptLongerThanTheContextIsALineError) {
    const QByteArray longPrompt(2000, 'a');
    const QString input =
        write("in.jsonl", "{\"prompt\": \"" + longPrompt + " b c d e f g h\"}\n{\"prompt\": \"ok\"}\n");
    const CommandResult r = batch(input);
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QList<QJsonObject> lines = outputLines();
    ASSERT_EQ(lines.size(), 2);
    EXPECT_TRUE(lines[0].value(s("error")).toString().contains(s("raise --ctx")))
        << lines[0].value(s("error")).toString().toStdString();
    EXPECT_FALSE(lines[1].contains(s("error")));
}

TEST_F(Worker, BatchResumesAfterATornLineWithoutRedoingFinishedOnes) {
    const QString input = write("in.jsonl",
                                "{\"prompt\": \"one\"}\n{\"prompt\": \"two\"}\n{\"prompt\": \"three\"}\n"
                                "{\"prompt\": \"four\"}\n");
    // A crash after line 1 was written and while line 2 was being written. Line 1's text is a marker a
    // redo would not produce.
    write("out.jsonl", "{\"line\":1,\"text\":\"MARKER\"}\n{\"line\":2,\"te");
    const CommandResult r = batch(input);
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains("cut off")) << r.err.toStdString();
    QList<QJsonObject> lines = outputLines();
    ASSERT_EQ(lines.size(), 4);
    EXPECT_EQ(lines[0].value(s("text")).toString(), s("MARKER"));
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(lines[i].value(s("line")).toInt(), i + 1);
    EXPECT_TRUE(lines[1].contains(s("usage"))) << "the torn line is answered again";

    // Everything done: a rerun changes nothing.
    const CommandResult again = batch(input);
    ASSERT_EQ(again.exitCode, 0) << again.err.toStdString();
    EXPECT_EQ(outputLines(), lines);
}

TEST_F(Worker, BatchAnswersAreTheSameWhateverRunsBesideThem) {
    // Seeded lines answered one at a time and eight at a time (sharing forward passes, finishing out of
    // order) give the same answers, written in input order.
    QByteArray in;
    for (int i = 0; i < 12; ++i)
        in += "{\"prompt\": \"line " + QByteArray::number(i) + " " +
              QByteArray(static_cast<qsizetype>(i) * 7, 'x') +
              "\", \"max_tokens\": " + QByteArray::number(2 + i % 5) + "}\n";
    const QString input = write("in.jsonl", in);
    ASSERT_EQ(batch(input, {s("--parallel"), s("1")}).exitCode, 0);
    const QList<QJsonObject> alone = outputLines();
    QFile::remove(m_out);
    const CommandResult together = batch(input, {s("--parallel"), s("8")});
    ASSERT_EQ(together.exitCode, 0) << together.err.toStdString();
    const QList<QJsonObject> batched = outputLines();
    ASSERT_EQ(alone.size(), 12);
    ASSERT_EQ(batched.size(), 12);
    for (int i = 0; i < 12; ++i) {
        EXPECT_EQ(batched[i].value(s("line")).toInt(), i + 1);
        EXPECT_EQ(batched[i].value(s("text")), alone[i].value(s("text"))) << "line " << i + 1;
        EXPECT_EQ(batched[i].value(s("usage")), alone[i].value(s("usage"))) << "line " << i + 1;
    }
}

TEST_F(Worker, BatchStopsOnSigtermAndGoesOnWhereItStopped) {
    QByteArray in;
    for (int i = 0; i < 40; ++i)
        in += "{\"prompt\": \"story " + QByteArray::number(i) + "\"}\n";
    const QString input = write("in.jsonl", in);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(s("NEMODESK_JOB_ID"));
    p.setProcessEnvironment(env);
    p.start(nemoctlPath(), QStringList{s("worker")} + batchArgs(input, "200"));
    ASSERT_TRUE(p.waitForStarted(10000));
    // Once some lines are written, cancel as the queue does.
    QDeadlineTimer deadline(30000);
    while (QFileInfo(m_out).size() == 0 && !deadline.hasExpired())
        QThread::msleep(20);
    ::kill(static_cast<pid_t>(p.processId()), SIGTERM);
    ASSERT_TRUE(p.waitForFinished(30000));
    EXPECT_EQ(p.exitCode(), 143) << p.readAllStandardError().toStdString();
    const QList<QJsonObject> first = outputLines();
    ASSERT_GE(first.size(), 1);
    ASSERT_LT(first.size(), 40) << "stopped before the end";
    for (int i = 0; i < first.size(); ++i)
        EXPECT_EQ(first[i].value(s("line")).toInt(), i + 1);

    const CommandResult rest = batch(input, {s("--max-tokens"), s("200")});
    ASSERT_EQ(rest.exitCode, 0) << rest.err.toStdString();
    const QList<QJsonObject> all = outputLines();
    ASSERT_EQ(all.size(), 40);
    for (int i = 0; i < 40; ++i)
        EXPECT_EQ(all[i].value(s("line")).toInt(), i + 1);
    EXPECT_EQ(all.mid(0, first.size()), first) << "finished lines are not redone";
}

TEST_F(Worker, BatchFatalErrorsExitNonZero) {
    const QString input = write("in.jsonl", "{\"prompt\": \"x\"}\n");
    const CommandResult noModel = run({s("batch"), s("--model"), m_dir.filePath(s("missing.gguf")),
                                       s("--input"), input, s("--output"), m_out});
    EXPECT_EQ(noModel.exitCode, 1) << noModel.err.toStdString();
    const CommandResult noInput = run({s("batch"), s("--model"), m_model, s("--input"),
                                       m_dir.filePath(s("missing.jsonl")), s("--output"), m_out});
    EXPECT_EQ(noInput.exitCode, 1);
    EXPECT_TRUE(noInput.err.contains("cannot open the input file")) << noInput.err.toStdString();
    const CommandResult usage = run({s("batch"), s("--model"), m_model});
    EXPECT_EQ(usage.exitCode, 2);
}

TEST_F(Worker, BenchPrintsItsNumbers) {
    const CommandResult r = run({s("bench"), s("--model"), m_model, s("--prompt"), s("16"), s("--gen"),
                                 s("4"), s("--reps"), s("1"), s("-t"), s("2"), s("--device"), s("cpu")});
    ASSERT_EQ(r.exitCode, 0) << r.err.toStdString();
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    EXPECT_EQ(o.value(s("model")).toString(), s("tiny"));
    EXPECT_GT(o.value(s("prompt_tps")).toDouble(), 0);
    EXPECT_GT(o.value(s("decode_tps")).toDouble(), 0);
    EXPECT_GT(o.value(s("peak_memory_bytes")).toDouble(), 0);
    EXPECT_EQ(o.value(s("prompt_tokens")).toInt(), 16);
    EXPECT_FALSE(o.contains(s("job_id")));
    EXPECT_FALSE(o.value(s("type_mix")).toString().isEmpty());
}

}  // namespace
}  // namespace nd::test
