#include "UiDaemon.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QTest>
#include <QTimer>

#include <csignal>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"

using namespace Qt::StringLiterals;

namespace nd::test {

void useHome(const QString &home, const QByteArray &fakeGpus) {
    qputenv("NEMODESK_HOME", home.toLocal8Bit());
    qputenv("NEMODESK_FAKE_GPUS", fakeGpus);
}

bool writeSettings(const QString &home, const QByteArray &json) {
    const QString settings = Paths::underHome(home).settingsFile();
    if (!QDir().mkpath(QFileInfo(settings).absolutePath()))
        return false;
    QFile file(settings);
    return file.open(QIODevice::WriteOnly) && file.write(json) == json.size();
}

bool startDaemon(ConnectionController &controller) {
    controller.setStartTimeoutMs(30000);
    controller.start();
    return QTest::qWaitFor([&] { return controller.state() == ConnectionController::State::connected; },
                           45000);
}

QString generateModel(const QString &genModel, const QString &out, const QStringList &extraArgs) {
    QProcess gen;
    gen.start(genModel, QStringList{u"--arch"_s, u"llama"_s, u"--type"_s, u"q8_0"_s} + extraArgs +
                            QStringList{u"--out"_s, out});
    if (!gen.waitForFinished(60000) || gen.exitCode() != 0)
        return u"%1 for %2: %3"_s.arg(genModel, out, QString::fromLocal8Bit(gen.readAllStandardError()));
    return QString();
}

QByteArray runNemoctl(const QString &nemoctl, const QStringList &args) {
    QProcess process;
    process.start(nemoctl, args);
    process.waitForFinished(15000);
    return process.readAllStandardOutput();
}

void cancelQueuedJobs(const QString &nemoctl) {
    const QJsonArray jobs = QJsonDocument::fromJson(runNemoctl(nemoctl, {u"queue"_s, u"--json"_s}))
                                .object()
                                .value(u"jobs"_s)
                                .toArray();
    for (const QJsonValue &job : jobs)
        runNemoctl(nemoctl, {u"cancel"_s, QString::number(job.toObject().value(u"id"_s).toInteger())});
}

bool stopDaemon(const QString &home, const QString &nemoctl, int waitMs) {
    // The pid first: `nemoctl stop` removes the runtime file.
    QFile file(Paths::underHome(home).runtimeFile());
    const auto pid =
        static_cast<pid_t>(file.open(QIODevice::ReadOnly)
                               ? QJsonDocument::fromJson(file.readAll()).object().value(u"pid"_s).toInteger()
                               : 0);
    QProcess stop;
    stop.start(nemoctl, {u"stop"_s});
    stop.waitForFinished(10000);
    if (pid <= 0 || ::kill(pid, 0) != 0)
        return true;
    ::kill(pid, SIGTERM);  // `nemoctl stop` did not get it down in time
    return QTest::qWaitFor([pid] { return ::kill(pid, 0) != 0; }, waitMs);
}

Result<QJsonDocument> callSync(ApiClient &api, const QString &method, const QString &path,
                               const QJsonObject &body, int timeoutMs) {
    std::optional<Result<QJsonDocument>> answer;
    QEventLoop loop;
    const auto done = [&](const Result<QJsonDocument> &result) {
        answer = result;
        loop.quit();
    };
    const QJsonDocument json(body);
    if (method == u"GET"_s)
        api.getJson(path, &loop, done, timeoutMs);
    else if (method == u"POST"_s)
        api.postJson(path, json, &loop, done, timeoutMs);
    else if (method == u"PUT"_s)
        api.putJson(path, json, &loop, done, timeoutMs);
    else if (method == u"PATCH"_s)
        api.patchJson(path, json, &loop, done, timeoutMs);
    else if (method == u"DELETE"_s)
        api.deleteJson(path, json, &loop, done, timeoutMs);
    else
        return Error{u"callSync: unknown method %1"_s.arg(method)};
    // The client times out on its own; this guard only keeps a lost answer from hanging the test.
    QTimer::singleShot(timeoutMs + 2000, &loop, &QEventLoop::quit);
    if (!answer)
        loop.exec();
    if (!answer)
        return Error{u"no answer to %1 %2"_s.arg(method, path)};
    return *answer;
}

std::optional<QJsonObject> callObject(ApiClient &api, const QString &method, const QString &path,
                                      const QJsonObject &body) {
    const Result<QJsonDocument> answer = callSync(api, method, path, body);
    if (!answer) {
        qWarning("%s %s: %s", qPrintable(method), qPrintable(path), qPrintable(answer.error()));
        return std::nullopt;
    }
    return answer->object();
}

}  // namespace nd::test
