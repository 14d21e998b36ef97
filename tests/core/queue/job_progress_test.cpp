// Model workloads in the queue: a running job's progress reports (merged key by key, null removes, only
// running jobs, limits, cleared on a new start), the POST /api/jobs/{id}/progress route, and submitting a
// spec with a "workload" through the queue's workloads hook.
#include <QJsonDocument>
#include <QSignalSpy>

#include "QueueFixture.h"
#include "core/daemon/QueueRoutes.h"
#include "core/http/Router.h"

namespace nd::test {
namespace {

QJsonObject parseObject(const char *json) {
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

class ProgressTest : public QueueFixture {
protected:
    // A running job that stays running until the test ends (TearDown cancels it).
    qint64 runningJob() {
        const qint64 id = submitShell(QStringLiteral("sleep 30"));
        EXPECT_TRUE(waitForState(id, JobState::running));
        return id;
    }
    QJsonObject report(qint64 id, const QJsonObject &progress) {
        QueueResult<QJsonObject> merged = queue->reportProgress(id, progress);
        if (const auto *error = std::get_if<QueueError>(&merged)) {
            ADD_FAILURE() << "reportProgress failed: " << error->message.toStdString();
            return {};
        }
        return std::get<QJsonObject>(merged);
    }
    QueueError reportError(qint64 id, const QJsonObject &progress) {
        QueueResult<QJsonObject> merged = queue->reportProgress(id, progress);
        if (const auto *error = std::get_if<QueueError>(&merged))
            return *error;
        ADD_FAILURE() << "reportProgress should have failed";
        return {};
    }
};

TEST_F(ProgressTest, MergesReportsKeyByKeyAndNullRemoves) {
    const qint64 id = runningJob();
    QSignalSpy spy(queue.get(), &JobQueue::jobProgress);
    EXPECT_EQ(report(id, parseObject(R"({"done":1,"total":10,"phase":"prefill"})")),
              parseObject(R"({"done":1,"total":10,"phase":"prefill"})"));
    EXPECT_EQ(report(id, parseObject(R"({"done":2,"tokens_per_s":40.5,"phase":null})")),
              parseObject(R"({"done":2,"total":10,"tokens_per_s":40.5})"));
    // Removing a key that is not there is no error.
    EXPECT_EQ(report(id, parseObject(R"({"nothing":null})")),
              parseObject(R"({"done":2,"total":10,"tokens_per_s":40.5})"));
    EXPECT_EQ(job(id).progress, parseObject(R"({"done":2,"total":10,"tokens_per_s":40.5})"));
    EXPECT_EQ(jobToJson(job(id)).value(QStringLiteral("progress")).toObject(), job(id).progress);

    ASSERT_EQ(spy.count(), 3);
    EXPECT_EQ(spy.at(0).at(0).toLongLong(), id);
    EXPECT_EQ(spy.at(0).at(1).toJsonObject(), parseObject(R"({"done":1,"total":10,"phase":"prefill"})"));
    EXPECT_EQ(spy.at(2).at(1).toJsonObject(), job(id).progress);
    // Progress is state, not a stored event: the event log only has submitted and started.
    EXPECT_EQ(events.size(), 2u);
}

TEST_F(ProgressTest, OnlyARunningJobReports) {
    const qint64 held = submitShell(QStringLiteral("true"), QJsonObject{{QStringLiteral("hold"), true}});
    const QueueError pending = reportError(held, parseObject(R"({"done":1})"));
    EXPECT_EQ(pending.kind, QueueError::Kind::conflict);
    EXPECT_EQ(pending.message,
              QStringLiteral("job %1 is pending: only a running job reports progress").arg(held));

    const qint64 done = submitShell(QStringLiteral("true"));
    ASSERT_TRUE(waitForState(done, JobState::completed));
    const QueueError ended = reportError(done, parseObject(R"({"done":1})"));
    EXPECT_EQ(ended.kind, QueueError::Kind::conflict);
    EXPECT_EQ(ended.message,
              QStringLiteral("job %1 is completed: only a running job reports progress").arg(done));
    EXPECT_FALSE(jobToJson(job(done)).contains(QStringLiteral("progress")));

    const QueueError unknown = reportError(987654, parseObject(R"({"done":1})"));
    EXPECT_EQ(unknown.kind, QueueError::Kind::notFound);
    EXPECT_EQ(unknown.message, QStringLiteral("no job 987654"));
}

TEST_F(ProgressTest, RefusesMoreThan64KeysOr16KiBAndKeepsWhatItHad) {
    const qint64 id = runningJob();
    QJsonObject many;
    for (int i = 0; i < 64; ++i)
        many.insert(QStringLiteral("k%1").arg(i), i);
    EXPECT_EQ(report(id, many).size(), 64);
    const QueueError keys = reportError(id, QJsonObject{{QStringLiteral("one_more"), 1}});
    EXPECT_EQ(keys.kind, QueueError::Kind::invalid);
    EXPECT_EQ(keys.message, QStringLiteral("progress may hold at most 64 keys"));
    EXPECT_EQ(job(id).progress, many);
    // The limit is on the merged result: replacing one key by another in the same report is fine.
    EXPECT_EQ(
        report(id, QJsonObject{{QStringLiteral("k0"), QJsonValue()}, {QStringLiteral("new"), 1}}).size(), 64);

    report(id, QJsonObject{{QStringLiteral("k1"), QString(8 * 1024, u'a')}});
    const QueueError bytes = reportError(id, QJsonObject{{QStringLiteral("k2"), QString(8 * 1024, u'b')}});
    EXPECT_EQ(bytes.kind, QueueError::Kind::invalid);
    EXPECT_EQ(bytes.message, QStringLiteral("progress may be at most 16 KiB of JSON"));
    EXPECT_EQ(job(id).progress.value(QStringLiteral("k2")).toInt(), 2);
}

TEST_F(ProgressTest, TheLastReportStaysWithTheEndedJob) {
    // A workload's throughput belongs in its history: the last progress is stored with the job's end.
    const qint64 id = submitShell(QStringLiteral("sleep 0.5"));
    ASSERT_TRUE(waitForState(id, JobState::running));
    report(id, parseObject(R"({"done":16,"total":16,"tokens_per_s":321.5})"));
    ASSERT_TRUE(waitForState(id, JobState::completed));
    // An ended job is read from the store.
    EXPECT_EQ(job(id).progress, parseObject(R"({"done":16,"total":16,"tokens_per_s":321.5})"));
}

TEST_F(ProgressTest, ClearedWhenTheJobStartsAgain) {
    const qint64 id = runningJob();
    report(id, parseObject(R"({"done":5})"));
    ASSERT_FALSE(job(id).progress.isEmpty());
    const QueueResult<QList<qint64>> requeued = queue->requeue(QString::number(id));
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(requeued));
    const auto starts = [&] {
        return std::count_if(events.begin(), events.end(), [&](const JobEventRecord &e) {
            return e.type == QLatin1String("started") && e.jobId == id;
        });
    };
    ASSERT_TRUE(waitUntil([&] { return starts() == 2 && job(id).state == JobState::running; }));
    EXPECT_TRUE(job(id).progress.isEmpty());
    EXPECT_FALSE(jobToJson(job(id)).contains(QStringLiteral("progress")));
}

// The route, through a Router as the ApiServer registers it.
class ProgressRouteTest : public ProgressTest {
protected:
    void SetUp() override {
        ProgressTest::SetUp();
        routes = std::make_unique<QueueRoutes>(queue.get());
        routes->registerOn(router);
    }
    void TearDown() override {
        routes.reset();
        ProgressTest::TearDown();
    }
    HttpResponse post(const QString &ref, const QByteArray &body) {
        HttpRequest request;
        request.method = "POST";
        request.path = "/api/jobs/" + ref.toUtf8() + "/progress";
        request.target = request.path;
        request.body = body;
        return router.route(request);
    }
    static QJsonObject json(const HttpResponse &response) {
        return QJsonDocument::fromJson(response.body).object();
    }
    static QString errorCode(const HttpResponse &response) {
        return json(response)
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
    static QString errorMessage(const HttpResponse &response) {
        return json(response)
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("message"))
            .toString();
    }

    Router router;
    std::unique_ptr<QueueRoutes> routes;
};

TEST_F(ProgressRouteTest, PostsProgressOfARunningJob) {
    const qint64 id = runningJob();
    const HttpResponse first = post(QString::number(id), R"({"done":1,"total":4})");
    ASSERT_EQ(first.status, 200) << first.body.toStdString();
    EXPECT_EQ(json(first).value(QStringLiteral("job_id")).toInteger(), id);
    EXPECT_EQ(json(first).value(QStringLiteral("progress")).toObject(),
              parseObject(R"({"done":1,"total":4})"));
    const HttpResponse second = post(QString::number(id), R"({"done":2,"total":null})");
    ASSERT_EQ(second.status, 200) << second.body.toStdString();
    EXPECT_EQ(json(second).value(QStringLiteral("progress")).toObject(), parseObject(R"({"done":2})"));
}

TEST_F(ProgressRouteTest, AnswersErrorsWithTheirStatus) {
    const qint64 id = runningJob();
    const QString ref = QString::number(id);
    EXPECT_EQ(post(ref, "").status, 400);
    EXPECT_EQ(errorMessage(post(ref, "")), QStringLiteral("the request needs a JSON object body"));
    const HttpResponse notJson = post(ref, "{done");
    EXPECT_EQ(notJson.status, 400);
    EXPECT_TRUE(errorMessage(notJson).startsWith(QStringLiteral("the body is not valid JSON")))
        << notJson.body.toStdString();
    EXPECT_EQ(post(ref, "[1]").status, 400);

    const HttpResponse arrayTask = post(QStringLiteral("%1_2").arg(id), R"({"done":1})");
    EXPECT_EQ(arrayTask.status, 400);
    EXPECT_EQ(errorMessage(arrayTask), QStringLiteral("progress is reported by one job, by its numeric id"));
    EXPECT_EQ(post(QStringLiteral("abc"), R"({"done":1})").status, 400);

    const HttpResponse unknown = post(QStringLiteral("987654"), R"({"done":1})");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(errorCode(unknown), QStringLiteral("not_found"));

    const qint64 held = submitShell(QStringLiteral("true"), QJsonObject{{QStringLiteral("hold"), true}});
    const HttpResponse pending = post(QString::number(held), R"({"done":1})");
    EXPECT_EQ(pending.status, 409);
    EXPECT_EQ(errorCode(pending), QStringLiteral("conflict"));

    QJsonObject many;
    for (int i = 0; i < 65; ++i)
        many.insert(QStringLiteral("k%1").arg(i), i);
    const HttpResponse tooMany = post(ref, QJsonDocument(many).toJson());
    EXPECT_EQ(tooMany.status, 400);
    EXPECT_EQ(errorMessage(tooMany), QStringLiteral("progress may hold at most 64 keys"));
}

// A queue with a workloads hook that records what it was asked and runs a short shell command instead of
// the worker.
class WorkloadSubmitTest : public QueueFixture {
protected:
    void restartWithHook(decltype(JobQueue::Options::workloads) hook) {
        queue.reset();
        JobQueue::Options options = queueOptions(dir.path());
        options.workloads = std::move(hook);
        queue = std::make_unique<JobQueue>(options);
        QObject::connect(queue.get(), &JobQueue::jobEvent, queue.get(),
                         [this](const JobEventRecord &e) { events.push_back(e); });
        const VoidResult started = queue->start();
        ASSERT_TRUE(started.ok()) << started.error().toStdString();
    }
    void restartWithRecordingHook() {
        restartWithHook([this](const QJsonObject &workload,
                               const QString &workdir) -> Result<WorkloadCommand> {
            asked.append({workload, workdir});
            if (workload.value(QStringLiteral("model")).toString() == QLatin1String("missing"))
                return Error{QStringLiteral("workload.model: no model 'missing'; available: nano")};
            WorkloadCommand command;
            command.kind = WorkloadKind::server;
            command.model = workload.value(QStringLiteral("model")).toString();
            command.argv = {QStringLiteral("/bin/sh"), QStringLiteral("-c"), QStringLiteral("echo worker")};
            command.name = QStringLiteral("serve ") + command.model;
            return command;
        });
    }

    QList<QPair<QJsonObject, QString>> asked;
};

const QJsonObject serveNano{{QStringLiteral("kind"), QStringLiteral("server")},
                            {QStringLiteral("model"), QStringLiteral("nano")}};

TEST_F(WorkloadSubmitTest, TheHookMakesTheCommandAndTheName) {
    restartWithRecordingHook();
    ASSERT_TRUE(QDir().mkpath(path(QStringLiteral("sub"))));
    const std::vector<qint64> ids = submit(QJsonObject{{QStringLiteral("workload"), serveNano},
                                                       {QStringLiteral("workdir"), QStringLiteral("sub")}});
    ASSERT_EQ(ids.size(), 1u);
    ASSERT_EQ(asked.size(), 1);
    EXPECT_EQ(asked[0].first, serveNano);
    EXPECT_EQ(asked[0].second, path(QStringLiteral("sub")));  // the workdir as resolved for the job
    const Job submitted = job(ids.front());
    EXPECT_EQ(submitted.spec.name, QStringLiteral("serve nano"));
    EXPECT_EQ(submitted.spec.argv,
              (QStringList{QStringLiteral("/bin/sh"), QStringLiteral("-c"), QStringLiteral("echo worker")}));
    EXPECT_EQ(submitted.spec.workload, serveNano);  // kept, to show and to resubmit
    ASSERT_TRUE(waitForState(ids.front(), JobState::completed));
    EXPECT_EQ(readFile(job(ids.front()).stdoutFile), QByteArray("worker\n"));
}

TEST_F(WorkloadSubmitTest, AGivenNameWins) {
    restartWithRecordingHook();
    const std::vector<qint64> ids = submit(QJsonObject{{QStringLiteral("workload"), serveNano},
                                                       {QStringLiteral("name"), QStringLiteral("mine")}});
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(job(ids.front()).spec.name, QStringLiteral("mine"));
}

TEST_F(WorkloadSubmitTest, TheRealWorkloadCommandAsTheHook) {
    // nemoctl is /bin/echo here, so the job prints the worker command line it was given.
    restartWithHook([](const QJsonObject &workload, const QString &workdir) {
        return workloadCommand(
            workload, QStringLiteral("/bin/echo"), workdir,
            [](const QString &name) -> std::optional<QString> {
                if (name == QLatin1String("nano"))
                    return QStringLiteral("/models/nano.gguf");
                return std::nullopt;
            },
            [] { return QStringList{QStringLiteral("nano")}; });
    });
    QJsonObject workload = serveNano;
    workload.insert(QStringLiteral("slots"), 2);
    const std::vector<qint64> ids = submit(QJsonObject{{QStringLiteral("workload"), workload}});
    ASSERT_EQ(ids.size(), 1u);
    ASSERT_TRUE(waitForState(ids.front(), JobState::completed));
    EXPECT_EQ(readFile(job(ids.front()).stdoutFile),
              QByteArray("worker serve --model /models/nano.gguf --slots 2\n"));
    EXPECT_EQ(submitError(QJsonObject{{QStringLiteral("workload"),
                                       QJsonObject{{QStringLiteral("kind"), QStringLiteral("server")},
                                                   {QStringLiteral("model"), QStringLiteral("llama")}}}}),
              QStringLiteral("workload.model: no model 'llama'; available: nano"));
}

TEST_F(WorkloadSubmitTest, RefusesArgvOrScriptWithAWorkloadAndHookErrors) {
    restartWithRecordingHook();
    const QString both = QStringLiteral("a workload job runs its worker: give no argv or script with it");
    EXPECT_EQ(submitError(QJsonObject{{QStringLiteral("workload"), serveNano},
                                      {QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}}}),
              both);
    EXPECT_EQ(submitError(QJsonObject{{QStringLiteral("workload"), serveNano},
                                      {QStringLiteral("script"), QStringLiteral("#!/bin/bash\ntrue\n")}}),
              both);
    EXPECT_TRUE(asked.isEmpty());  // refused before the hook
    EXPECT_EQ(submitError(QJsonObject{{QStringLiteral("workload"),
                                       QJsonObject{{QStringLiteral("kind"), QStringLiteral("server")},
                                                   {QStringLiteral("model"), QStringLiteral("missing")}}}}),
              QStringLiteral("workload.model: no model 'missing'; available: nano"));
    EXPECT_EQ(submitError(QJsonObject{{QStringLiteral("workload"), QStringLiteral("server")}}),
              QStringLiteral("workload must be an object: {\"kind\": \"batch\", \"model\": …}"));
    // Nothing was left behind by the refusals.
    EXPECT_TRUE(events.empty());
}

TEST_F(WorkloadSubmitTest, AQueueWithoutTheHookRefusesWorkloads) {
    // The fixture's queue has no workloads hook.
    const QueueResult<std::vector<SubmitResult>> result =
        queue->submit(QJsonObject{{QStringLiteral("workload"), serveNano}});
    const auto *error = std::get_if<QueueError>(&result);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->kind, QueueError::Kind::invalid);
    EXPECT_EQ(error->message, QStringLiteral("this queue runs no model workloads (no model library)"));
}

}  // namespace
}  // namespace nd::test
