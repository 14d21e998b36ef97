#pragma once
// The harness of the ui tests that run a real `nemoctl daemon` in a temporary NEMODESK_HOME: point the
// daemon at the home, start it through a ConnectionController, make the test's own blocking requests, cancel
// what it left queued and stop it (also when a check failed, so no daemon outlives its test).
#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

#include "core/common/Result.h"

namespace nd {
class ApiClient;
class ConnectionController;
}  // namespace nd

namespace nd::test {

// The daemon is a child of the test (through the ConnectionController or `nemoctl`): it inherits these.
// `fakeGpus` is NEMODESK_FAKE_GPUS, e.g. "2x24576".
void useHome(const QString &home, const QByteArray &fakeGpus);

// Writes `json` as the settings.json of `home`, creating its folder; false when it cannot.
bool writeSettings(const QString &home, const QByteArray &json);

// Starts the daemon through `controller` (30 s for it to come up) and waits until it is connected.
bool startDaemon(ConnectionController &controller);

// Writes a small llama q8_0 GGUF model to `out` with `genModel` (nemodesk-gen-model) and `extraArgs`; what
// went wrong, or "" when it worked.
QString generateModel(const QString &genModel, const QString &out, const QStringList &extraArgs = {});

// The standard output of `nemoctl args`, waiting up to 15 s.
QByteArray runNemoctl(const QString &nemoctl, const QStringList &args);

// Cancels every job still in `nemoctl queue`: jobs outlive the daemon.
void cancelQueuedJobs(const QString &nemoctl);

// `nemoctl stop`, then SIGTERM to the pid in the runtime file of `home` when it is still alive; waits up to
// `waitMs` for it to go. True when no daemon of `home` is left running.
bool stopDaemon(const QString &home, const QString &nemoctl, int waitMs = 0);

// `method` (GET, POST, PUT, PATCH, DELETE) `path` with `body` through `api`, waiting for the answer; an
// error when it fails or does not answer within `timeoutMs`.
Result<QJsonDocument> callSync(ApiClient &api, const QString &method, const QString &path,
                               const QJsonObject &body = {}, int timeoutMs = 10000);

// The same for an answer that is an object; nothing (and a warning saying why) when the call failed.
std::optional<QJsonObject> callObject(ApiClient &api, const QString &method, const QString &path,
                                      const QJsonObject &body = {});

}  // namespace nd::test
