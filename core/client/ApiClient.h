#pragma once
// Asynchronous JSON client of the daemon's HTTP API. Every call returns at once; the callback runs on
// the thread that owns the ApiClient (the GUI thread in nemodesk), with the parsed body or an error
// message that says what went wrong ("daemon not reachable at http://127.0.0.1:4711: Connection refused",
// "401 unauthorized: …").
#include <QJsonDocument>
#include <QObject>

#include <functional>

#include "core/client/Endpoint.h"
#include "core/common/Result.h"

class QNetworkAccessManager;

namespace nd {

class ApiClient : public QObject {
    Q_OBJECT
public:
    using JsonCallback = std::function<void(const Result<QJsonDocument> &)>;

    explicit ApiClient(Endpoint endpoint, QObject *parent = nullptr);
    ~ApiClient() override;

    // The client for the daemon at `endpoint`: `current` when it already talks to that daemon (same
    // address and token), else a new one owned by `owner`, `current` being deleted once its pending
    // callbacks are done. A view compares the result with `current` to know that the daemon changed.
    static ApiClient *forEndpoint(ApiClient *current, const Endpoint &endpoint, QObject *owner);

    const Endpoint &endpoint() const { return m_endpoint; }
    QNetworkAccessManager *network() const { return m_network; }

    // `context` guards the callback: when it is destroyed first, the callback is not called.
    void getJson(const QString &path, QObject *context, JsonCallback done, int timeoutMs = 5000);
    void postJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                  int timeoutMs = 5000);
    void putJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                 int timeoutMs = 5000);
    void patchJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                   int timeoutMs = 5000);
    // DELETE with a JSON body (a folder path may hold any character; a body keeps it out of the URL).
    void deleteJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                    int timeoutMs = 5000);

private:
    void sendJson(const QByteArray &method, const QString &path, const QJsonDocument &body, QObject *context,
                  JsonCallback done, int timeoutMs);

    Endpoint m_endpoint;
    QNetworkAccessManager *m_network;
};

}  // namespace nd
