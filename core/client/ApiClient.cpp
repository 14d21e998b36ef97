// ApiClient: QNetworkAccessManager requests with the bearer token, and errors turned into sentences.
#include "core/client/ApiClient.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

#include "core/client/ApiErrors.h"

namespace nd {

ApiClient::ApiClient(Endpoint endpoint, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_network(new QNetworkAccessManager(this)) {
    // The daemon is on this machine: a proxy from the environment (http_proxy) would only get in the way.
    m_network->setProxy(QNetworkProxy::NoProxy);
}

ApiClient::~ApiClient() = default;

ApiClient *ApiClient::forEndpoint(ApiClient *current, const Endpoint &endpoint, QObject *owner) {
    if (current && current->m_endpoint.baseUrl == endpoint.baseUrl &&
        current->m_endpoint.token == endpoint.token)
        return current;
    if (current)
        current->deleteLater();
    return new ApiClient(endpoint, owner);
}

namespace {

QNetworkRequest makeRequest(const Endpoint &endpoint, const QString &path, int timeoutMs) {
    QUrl url = endpoint.baseUrl;
    const qsizetype question = path.indexOf(u'?');
    url.setPath(question < 0 ? path : path.first(question));
    if (question >= 0)
        url.setQuery(path.sliced(question + 1));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + endpoint.token);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(timeoutMs);
    return request;
}

void finish(QNetworkReply *reply, const QUrl &baseUrl, int timeoutMs, const ApiClient::JsonCallback &done) {
    reply->deleteLater();
    done(jsonFromReply(reply, baseUrl, timeoutMs));
}

}  // namespace

void ApiClient::getJson(const QString &path, QObject *context, JsonCallback done, int timeoutMs) {
    QNetworkReply *reply = m_network->get(makeRequest(m_endpoint, path, timeoutMs));
    // The reply is cleaned up even when `context` dies first and the callback is dropped.
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    connect(reply, &QNetworkReply::finished, context,
            [reply, base = m_endpoint.baseUrl, timeoutMs, done = std::move(done)] {
                finish(reply, base, timeoutMs, done);
            });
}

void ApiClient::postJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                         int timeoutMs) {
    sendJson(QByteArrayLiteral("POST"), path, body, context, std::move(done), timeoutMs);
}

void ApiClient::putJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                        int timeoutMs) {
    sendJson(QByteArrayLiteral("PUT"), path, body, context, std::move(done), timeoutMs);
}

void ApiClient::patchJson(const QString &path, const QJsonDocument &body, QObject *context, JsonCallback done,
                          int timeoutMs) {
    sendJson(QByteArrayLiteral("PATCH"), path, body, context, std::move(done), timeoutMs);
}

void ApiClient::deleteJson(const QString &path, const QJsonDocument &body, QObject *context,
                           JsonCallback done, int timeoutMs) {
    sendJson(QByteArrayLiteral("DELETE"), path, body, context, std::move(done), timeoutMs);
}

void ApiClient::sendJson(const QByteArray &method, const QString &path, const QJsonDocument &body,
                         QObject *context, JsonCallback done, int timeoutMs) {
    QNetworkRequest request = makeRequest(m_endpoint, path, timeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QByteArray bytes = body.isNull() ? QByteArrayLiteral("{}") : body.toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, bytes);
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    connect(reply, &QNetworkReply::finished, context,
            [reply, base = m_endpoint.baseUrl, timeoutMs, done = std::move(done)] {
                finish(reply, base, timeoutMs, done);
            });
}

}  // namespace nd
