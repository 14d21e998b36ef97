// The daemon's OpenAI-compatible API end to end, on generated models: /v1/models from the library; a
// request for a model starts its server job through the queue; answers streamed and not, with usage and
// reasoning separated; seeds reproduce; concurrent streams are all served; a client that disconnects
// mid-stream stops its generation and leaves the server healthy; bad requests get OpenAI-shaped errors;
// an idle server is stopped after the keep-alive; a batch workload runs as a job. The official `openai`
// npm client is driven against it by openai_client_test (tools/reference).
#include <gtest/gtest.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QThread>

#include <atomic>
#include <thread>
#include <vector>

#include "DaemonHarness.h"
#include "gpu/model/model_gen.h"

namespace nd::test {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

QJsonObject parse(const QByteArray &body) {
    return QJsonDocument::fromJson(body).object();
}

// The JSON objects of an SSE body's data lines ([DONE] as {"done": true}); comments as {"comment": text}.
QList<QJsonObject> events(const QByteArray &body) {
    QList<QJsonObject> out;
    for (const QByteArray &line : body.split('\n')) {
        if (line.startsWith(": "))
            out.append(QJsonObject{{s("comment"), QString::fromUtf8(line.mid(2))}});
        if (!line.startsWith("data: "))
            continue;
        const QByteArray data = line.mid(6).trimmed();
        out.append(data == "[DONE]" ? QJsonObject{{s("done"), true}} : parse(data));
    }
    return out;
}

class OpenAiApi : public ::testing::Test {
protected:
    void SetUp() override {
        for (const auto &[arch, name] :
             {std::pair{ModelArch::nemotron_h, "tiny-h"}, std::pair{ModelArch::llama, "tiny-llama"}}) {
            ModelGenSpec spec;
            spec.arch = arch;
            spec.weight_type = GgmlType::q8_0;
            spec.chat_template = kChatMlThinkingTemplate;
            const Status st =
                model_gen_write(spec, QDir(m_models.path()).filePath(s(name) + s(".gguf")).toStdString());
            ASSERT_TRUE(st.ok()) << st.describe();
        }
    }

    void startDaemon(int keepAliveSec = 300) {
        m_daemon.writeSettings(QStringLiteral(R"({"models": {"folders": ["%1"], "keep_alive_s": %2}})")
                                   .arg(m_models.path())
                                   .arg(keepAliveSec)
                                   .toUtf8());
        QString why;
        ASSERT_TRUE(m_daemon.start(&why)) << why.toStdString();
        // The library scans in the background: wait for both models.
        const QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired()) {
            if (parse(get("/v1/models").body).value(s("data")).toArray().size() == 2)
                return;
            QThread::msleep(100);
        }
        FAIL() << "the library did not list the models: " << get("/v1/models").body.toStdString();
    }

    RawResponse get(const QByteArray &path) const { return m_daemon.get(path, m_daemon.token()); }
    RawResponse post(const QByteArray &path, const QJsonObject &body) const {
        const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
        return m_daemon.send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                             m_daemon.token() + "\r\nContent-Type: application/json\r\nContent-Length: " +
                             QByteArray::number(json.size()) + "\r\nConnection: close\r\n\r\n" + json);
    }
    static QJsonObject chat(const char *model, const char *text, int maxTokens, bool stream) {
        return QJsonObject{
            {s("model"), s(model)},
            {s("messages"), QJsonArray{QJsonObject{{s("role"), s("user")}, {s("content"), s(text)}}}},
            {s("max_tokens"), maxTokens},
            {s("seed"), 7},
            {s("stream"), stream},
            {s("stream_options"), QJsonObject{{s("include_usage"), true}}}};
    }
    QJsonObject job(qint64 id) const { return parse(get("/api/jobs/" + QByteArray::number(id)).body); }

    QTemporaryDir m_models;
    DaemonHarness m_daemon;
};

TEST_F(OpenAiApi, ModelsComeFromTheLibrary) {
    startDaemon();
    const QJsonArray data = parse(get("/v1/models").body).value(s("data")).toArray();
    QStringList ids;
    for (const QJsonValue &m : data) {
        ids.append(m.toObject().value(s("id")).toString());
        EXPECT_EQ(m.toObject().value(s("object")).toString(), s("model"));
        EXPECT_FALSE(m.toObject().value(s("nemodesk")).toObject().value(s("loaded")).toBool());
    }
    ids.sort();
    EXPECT_EQ(ids, (QStringList{s("tiny-h"), s("tiny-llama")}));
}

TEST_F(OpenAiApi, AnswersThroughAServerJobStreamedAndNot) {
    startDaemon();
    const RawResponse plain = post("/v1/chat/completions", chat("tiny-h", "Hello", 12, false));
    ASSERT_EQ(plain.status, 200) << plain.body.toStdString();
    const QJsonObject answer = parse(plain.body);
    EXPECT_EQ(answer.value(s("object")).toString(), s("chat.completion"));
    EXPECT_EQ(answer.value(s("model")).toString(), s("tiny-h"));
    const QJsonObject choice = answer.value(s("choices")).toArray().first().toObject();
    EXPECT_EQ(choice.value(s("finish_reason")).toString(), s("length"));
    const QJsonObject usage = answer.value(s("usage")).toObject();
    EXPECT_EQ(usage.value(s("completion_tokens")).toInt(), 12);
    EXPECT_GT(usage.value(s("prompt_tokens")).toInt(), 3);
    // Thinking is on by the template's default: a random model's words are reasoning, kept apart.
    const QString reasoning = choice.value(s("message")).toObject().value(s("reasoning_content")).toString();
    EXPECT_FALSE(reasoning.isEmpty());

    // The server is a job of the queue, tagged, running, reporting what it does.
    const qint64 serverJob = parse(get("/v1/models").body)
                                 .value(s("data"))
                                 .toArray()
                                 .at(0)
                                 .toObject()
                                 .value(s("nemodesk"))
                                 .toObject()
                                 .value(s("job_id"))
                                 .toInteger();
    const QJsonArray jobs = parse(get("/api/jobs?tag=model-server").body).value(s("jobs")).toArray();
    ASSERT_EQ(jobs.size(), 1);
    const QJsonObject server = jobs.first().toObject();
    EXPECT_EQ(server.value(s("state")).toString(), s("running"));
    EXPECT_EQ(server.value(s("spec")).toObject().value(s("workload")).toObject().value(s("model")).toString(),
              s("tiny-h"));
    const qint64 id = server.value(s("id")).toInteger();
    EXPECT_TRUE(serverJob == 0 || serverJob == id);
    QDeadlineTimer deadline(10000);
    while (job(id).value(s("progress")).toObject().value(s("requests")).toInt() < 1 && !deadline.hasExpired())
        QThread::msleep(100);
    const QJsonObject progress = job(id).value(s("progress")).toObject();
    EXPECT_EQ(progress.value(s("phase")).toString(), s("serving"));
    EXPECT_GE(progress.value(s("requests")).toInt(), 1);

    // The same request streamed: the same text (same seed), chunk by chunk, usage last, then [DONE].
    const RawResponse streamed = post("/v1/chat/completions", chat("tiny-h", "Hello", 12, true));
    ASSERT_EQ(streamed.status, 200) << streamed.body.toStdString();
    EXPECT_EQ(streamed.header("content-type"), QByteArray("text/event-stream"));
    const QList<QJsonObject> chunks = events(streamed.body);
    ASSERT_GE(chunks.size(), 3);
    EXPECT_TRUE(chunks.last().value(s("done")).toBool());
    QString streamedReasoning;
    QString finish;
    QJsonObject streamedUsage;
    for (const QJsonObject &c : chunks) {
        const QJsonObject choice0 = c.value(s("choices")).toArray().first().toObject();
        streamedReasoning += choice0.value(s("delta")).toObject().value(s("reasoning_content")).toString();
        if (choice0.value(s("finish_reason")).isString())
            finish = choice0.value(s("finish_reason")).toString();
        if (c.contains(s("usage")))
            streamedUsage = c.value(s("usage")).toObject();
    }
    EXPECT_EQ(streamedReasoning, reasoning);
    EXPECT_EQ(finish, s("length"));
    EXPECT_EQ(streamedUsage.value(s("completion_tokens")).toInt(), 12);

    // Thinking off: the words are the answer.
    QJsonObject off = chat("tiny-h", "Hello", 6, false);
    off.insert(s("reasoning"), false);
    const QJsonObject offAnswer = parse(post("/v1/chat/completions", off).body);
    const QJsonObject message =
        offAnswer.value(s("choices")).toArray().first().toObject().value(s("message")).toObject();
    EXPECT_FALSE(message.value(s("content")).toString().isEmpty());
    EXPECT_FALSE(message.contains(s("reasoning_content")));

    // A raw completion.
    const RawResponse completion =
        post("/v1/completions",
             QJsonObject{{s("model"), s("tiny-h")}, {s("prompt"), s("Once upon")}, {s("max_tokens"), 5}});
    ASSERT_EQ(completion.status, 200) << completion.body.toStdString();
    EXPECT_EQ(parse(completion.body).value(s("object")).toString(), s("text_completion"));
}

TEST_F(OpenAiApi, BadRequestsGetOpenAiErrors) {
    startDaemon();
    // A stream whose server is still starting has its head already (with the waiting comment): the
    // worker's 400 comes as a last error event.
    QJsonObject badStream = chat("tiny-h", "Hi", 4, true);
    badStream.insert(s("temperature"), -1);
    const RawResponse late = post("/v1/chat/completions", badStream);
    EXPECT_EQ(late.status, 200);
    const QList<QJsonObject> lateEvents = events(late.body);
    ASSERT_GE(lateEvents.size(), 2) << late.body.toStdString();
    EXPECT_TRUE(lateEvents.first().contains(s("comment")));
    EXPECT_TRUE(lateEvents.last()
                    .value(s("error"))
                    .toObject()
                    .value(s("message"))
                    .toString()
                    .contains(s("temperature")))
        << late.body.toStdString();

    const RawResponse unknown = post("/v1/chat/completions", chat("no-such-model", "Hi", 4, false));
    EXPECT_EQ(unknown.status, 404);
    const QJsonObject error = parse(unknown.body).value(s("error")).toObject();
    EXPECT_EQ(error.value(s("code")).toString(), s("model_not_found"));
    EXPECT_TRUE(error.value(s("message")).toString().contains(s("tiny-llama"))) << unknown.body.toStdString();

    QJsonObject badTemperature = chat("tiny-llama", "Hi", 4, false);
    badTemperature.insert(s("temperature"), s("hot"));
    const RawResponse bad = post("/v1/chat/completions", badTemperature);
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(parse(bad.body)
                    .value(s("error"))
                    .toObject()
                    .value(s("message"))
                    .toString()
                    .contains(s("temperature")));

    // Longer than the context: said with the numbers.
    QString longText;
    for (int i = 0; i < 6000; ++i)
        longText += s("word ");
    QJsonObject tooLong = chat("tiny-llama", "", 4, false);
    tooLong.insert(s("messages"), QJsonArray{QJsonObject{{s("role"), s("user")}, {s("content"), longText}}});
    const RawResponse over = post("/v1/chat/completions", tooLong);
    EXPECT_EQ(over.status, 400);
    EXPECT_EQ(parse(over.body).value(s("error")).toObject().value(s("code")).toString(),
              s("context_length_exceeded"));
    EXPECT_TRUE(
        parse(over.body).value(s("error")).toObject().value(s("message")).toString().contains(s("context")));
}

TEST_F(OpenAiApi, ConcurrentStreamsAreAllServedAndADisconnectStopsOnlyItsOwn) {
    startDaemon();
    ASSERT_EQ(post("/v1/chat/completions", chat("tiny-llama", "warm up", 2, false)).status, 200);

    // A client that reads the first chunk and goes away.
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_daemon.runtime().port);
        ASSERT_TRUE(socket.waitForConnected(5000));
        const QByteArray json =
            QJsonDocument(chat("tiny-llama", "a long story", 100000, true)).toJson(QJsonDocument::Compact);
        socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     m_daemon.token() + "\r\nContent-Length: " + QByteArray::number(json.size()) +
                     "\r\n\r\n" + json);
        QByteArray got;
        const QDeadlineTimer deadline(10000);
        while (!got.contains("data: ") && !deadline.hasExpired())
            if (socket.waitForReadyRead(200))
                got += socket.readAll();
        ASSERT_TRUE(got.contains("data: "));
        socket.abort();
    }

    constexpr int kStreams = 4;
    std::vector<RawResponse> answers(kStreams);
    std::vector<std::thread> threads;
    for (int i = 0; i < kStreams; ++i)
        threads.emplace_back([&, i] {
            answers[static_cast<size_t>(i)] =
                post("/v1/chat/completions", chat("tiny-llama", i % 2 ? "odd" : "even", 16, true));
        });
    for (std::thread &t : threads)
        t.join();
    for (const RawResponse &r : answers) {
        ASSERT_EQ(r.status, 200);
        EXPECT_TRUE(events(r.body).last().value(s("done")).toBool()) << r.body.toStdString();
    }
    // The abandoned generation ended: nothing stays active.
    const qint64 id = parse(get("/api/jobs?tag=model-server").body)
                          .value(s("jobs"))
                          .toArray()
                          .first()
                          .toObject()
                          .value(s("id"))
                          .toInteger();
    const auto settled = [&] {
        const QJsonObject progress = job(id).value(s("progress")).toObject();
        return progress.value(s("requests")).toInt() >= 6 && progress.value(s("active")).toInt() == 0;
    };
    QDeadlineTimer deadline(10000);
    while (!settled() && !deadline.hasExpired())
        QThread::msleep(100);
    EXPECT_EQ(job(id).value(s("progress")).toObject().value(s("active")).toInt(), 0);
    EXPECT_GE(job(id).value(s("progress")).toObject().value(s("requests")).toInt(), 6);
}

TEST_F(OpenAiApi, AnIdleServerIsStoppedAfterTheKeepAlive) {
    startDaemon(1);
    ASSERT_EQ(post("/v1/chat/completions", chat("tiny-llama", "Hi", 2, false)).status, 200);
    const QJsonArray jobs =
        parse(get("/api/jobs?tag=model-server&state=all").body).value(s("jobs")).toArray();
    ASSERT_EQ(jobs.size(), 1);
    const qint64 id = jobs.first().toObject().value(s("id")).toInteger();
    QDeadlineTimer deadline(20000);
    while (job(id).value(s("state")).toString() == s("running") && !deadline.hasExpired())
        QThread::msleep(200);
    EXPECT_EQ(job(id).value(s("state")).toString(), s("cancelled"));
    // The next request starts a new one.
    EXPECT_EQ(post("/v1/chat/completions", chat("tiny-llama", "Hi again", 2, false)).status, 200);
}

TEST_F(OpenAiApi, AServerWhoseDaemonIsGoneEndsItselfWhenIdle) {
    // Run by hand (no job), as a server left behind by a daemon that never came back: --idle-exit ends it.
    startDaemon();
    QProcessEnvironment env = m_daemon.environment();
    env.remove(s("NEMODESK_JOB_ID"));
    const CommandResult r = runProcess(
        nemoctlPath(),
        {s("worker"), s("serve"), s("--model"), QDir(m_models.path()).filePath(s("tiny-llama.gguf")),
         s("--idle-exit"), s("1"), s("--device"), s("cpu")},
        env, {}, 30000);
    EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
    EXPECT_TRUE(r.out.contains("no request for 1 s")) << r.out.toStdString();
}

TEST_F(OpenAiApi, ABatchWorkloadRunsAsAJob) {
    startDaemon();
    const QString input = QDir(m_models.path()).filePath(s("in.jsonl"));
    const QString output = QDir(m_models.path()).filePath(s("out.jsonl"));
    QFile in(input);
    ASSERT_TRUE(in.open(QIODevice::WriteOnly));
    in.write(
        "{\"prompt\": \"one\"}\nnot json\n{\"messages\": [{\"role\": \"user\", \"content\": \"two\"}]}\n");
    in.close();
    const RawResponse submitted =
        post("/api/jobs", QJsonObject{{s("workload"), QJsonObject{{s("kind"), s("batch")},
                                                                  {s("model"), s("tiny-llama")},
                                                                  {s("input"), input},
                                                                  {s("output"), output},
                                                                  {s("max_tokens"), 4}}}});
    ASSERT_EQ(submitted.status, 201) << submitted.body.toStdString();
    const qint64 id = parse(submitted.body).value(s("job_id")).toInteger();
    EXPECT_EQ(job(id).value(s("name")).toString(), s("batch tiny-llama"));
    QDeadlineTimer deadline(60000);
    while (job(id).value(s("state")).toString() != s("completed") && !deadline.hasExpired())
        QThread::msleep(200);
    const QJsonObject done = job(id);
    ASSERT_EQ(done.value(s("state")).toString(), s("completed"))
        << QJsonDocument(done).toJson().toStdString();
    QFile out(output);
    ASSERT_TRUE(out.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = out.readAll().trimmed().split('\n');
    ASSERT_EQ(lines.size(), 3);
    EXPECT_TRUE(parse(lines[1]).contains(s("error")));
    EXPECT_EQ(parse(lines[2]).value(s("line")).toInt(), 3);

    // An unknown model or a stray key is refused at submit, naming what is wrong.
    const RawResponse unknown =
        post("/api/jobs",
             QJsonObject{{s("workload"), QJsonObject{{s("kind"), s("benchmark")}, {s("model"), s("nope")}}}});
    EXPECT_EQ(unknown.status, 400);
    EXPECT_TRUE(unknown.body.contains("tiny-h")) << unknown.body.toStdString();
    const RawResponse stray =
        post("/api/jobs", QJsonObject{{s("workload"), QJsonObject{{s("kind"), s("server")},
                                                                  {s("model"), s("tiny-h")},
                                                                  {s("colour"), s("red")}}}});
    EXPECT_EQ(stray.status, 400);
    EXPECT_TRUE(stray.body.contains("colour"));
}

TEST_F(OpenAiApi, ABenchmarkWorkloadStoresItsResult) {
    startDaemon();
    const RawResponse submitted =
        post("/api/jobs", QJsonObject{{s("workload"), QJsonObject{{s("kind"), s("benchmark")},
                                                                  {s("model"), s("tiny-llama")},
                                                                  {s("prompt_tokens"), 16},
                                                                  {s("gen_tokens"), 8},
                                                                  {s("reps"), 1}}}});
    ASSERT_EQ(submitted.status, 201) << submitted.body.toStdString();
    const qint64 id = parse(submitted.body).value(s("job_id")).toInteger();
    QDeadlineTimer deadline(60000);
    while (!QStringList{s("completed"), s("failed"), s("cancelled")}.contains(
               job(id).value(s("state")).toString()) &&
           !deadline.hasExpired())
        QThread::msleep(200);
    ASSERT_EQ(job(id).value(s("state")).toString(), s("completed"))
        << QJsonDocument(job(id)).toJson().toStdString();
    const QJsonArray stored =
        parse(get("/api/benchmarks?model=tiny-llama").body).value(s("benchmarks")).toArray();
    ASSERT_EQ(stored.size(), 1) << get("/api/benchmarks").body.toStdString();
    const QJsonObject result = stored.first().toObject();
    EXPECT_EQ(result.value(s("job_id")).toInteger(), id) << QJsonDocument(result).toJson().toStdString();
    EXPECT_GT(result.value(s("decode_tps")).toDouble(), 0);
    EXPECT_GT(result.value(s("prompt_tps")).toDouble(), 0);
}

// The official OpenAI client for Node (tools/reference installs it), streaming and not.
TEST_F(OpenAiApi, TheOfficialOpenAiClientWorks) {
    const QString script = QStringLiteral(NEMODESK_SOURCE_DIR "/tests/integration/openai_client.mjs");
    const QString modules = QStringLiteral(NEMODESK_SOURCE_DIR "/tools/reference/node_modules/openai");
    if (!QFile::exists(modules))
        GTEST_SKIP() << "the openai npm package is not installed (tools/reference/setup.sh installs it)";
    startDaemon();
    QProcess node;
    node.start(s("node"), {script, QStringLiteral("http://127.0.0.1:%1/v1").arg(m_daemon.runtime().port),
                           QString::fromUtf8(m_daemon.token()), s("tiny-h")});
    ASSERT_TRUE(node.waitForFinished(60000));
    const QByteArray out = node.readAllStandardOutput();
    EXPECT_EQ(node.exitCode(), 0) << out.toStdString() << node.readAllStandardError().toStdString();
    EXPECT_TRUE(out.contains("ok")) << out.toStdString();
}

}  // namespace
}  // namespace nd::test
