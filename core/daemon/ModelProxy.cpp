// ModelProxy: an OpenAI request passed through to its model server.
#include "core/daemon/ModelProxy.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include "core/http/HttpConnection.h"
#include "core/openai/OpenAiProtocol.h"

namespace nd {

ModelProxy::ModelProxy(HttpConnection *client, ModelServers *servers, QString model, QByteArray path,
                       QByteArray body, bool stream, QByteArray token)
    : m_client(client)
    , m_servers(servers)
    , m_model(std::move(model))
    , m_path(std::move(path))
    , m_body(std::move(body))
    , m_stream(stream)
    , m_token(std::move(token)) {
    // The client going away ends everything: the wait, or the worker's generation (its socket closes).
    connect(client, &HttpConnection::closed, this, &ModelProxy::finish);
}

ModelProxy::~ModelProxy() = default;

void ModelProxy::start() {
    QPointer<ModelProxy> self(this);
    m_ticket = m_servers->acquire(
        m_model,
        [self](const Result<ServerLease> &lease) {
            if (self)
                self->onReady(lease);
        },
        [self](const QString &status, bool queued) {
            if (self)
                self->onWaiting(status, queued);
        });
}

void ModelProxy::startStreamHead() {
    if (m_answered || !m_client)
        return;
    m_answered = true;
    m_ownHead = true;
    HttpResponse head = HttpResponse::eventStream([](HttpConnection *) {});
    m_client->answer(std::move(head));
}

void ModelProxy::onWaiting(const QString &status, bool queued) {
    if (m_finished || !m_client)
        return;
    if (!m_stream) {
        // A plain request cannot say "still waiting": one that waits behind other jobs is told now.
        if (queued)
            fail(503, status + QStringLiteral("; the request will be served once it runs — retry then"),
                 QStringLiteral("model_queued"));
        return;
    }
    startStreamHead();
    // An SSE comment: clients skip it, people and our Playground read it.
    QByteArray line = status.toUtf8();
    line.replace('\n', ' ');
    m_client->write(": " + line + "\n\n");
}

void ModelProxy::onReady(const Result<ServerLease> &lease) {
    m_ticket = 0;
    if (m_finished)
        return;
    if (!lease.ok()) {
        fail(503, lease.error(), QStringLiteral("model_unavailable"));
        return;
    }
    m_leaseJob = lease->jobId;
    m_upstream = new QTcpSocket(this);
    connect(m_upstream, &QTcpSocket::readyRead, this, &ModelProxy::onUpstreamBytes);
    connect(m_upstream, &QTcpSocket::disconnected, this, &ModelProxy::onUpstreamClosed);
    connect(m_upstream, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError)
            return;  // disconnected() handles the end of an answer
        if (!m_upstreamHeadDone && m_upstreamBuffer.isEmpty())
            fail(502,
                 QStringLiteral("the model server (job %1) did not answer: %2")
                     .arg(m_leaseJob)
                     .arg(m_upstream->errorString()),
                 QStringLiteral("model_server_unreachable"));
        else
            onUpstreamClosed();
    });
    connect(m_upstream, &QTcpSocket::connected, this, [this] {
        QByteArray request =
            "POST " + m_path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_token +
            "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(m_body.size()) +
            "\r\nConnection: close\r\n\r\n" + m_body;
        m_upstream->write(request);
        m_body.clear();
    });
    m_upstream->connectToHost(lease->endpoint.host(), static_cast<quint16>(lease->endpoint.port()));
}

void ModelProxy::onUpstreamBytes() {
    if (m_finished || !m_client)
        return;
    const QByteArray bytes = m_upstream->readAll();
    if (!m_answered) {
        // The worker's answer is a whole HTTP response ending with its connection: pass it through.
        m_answered = true;
        m_upstreamHeadDone = true;
        m_client->answer(HttpResponse::rawStream([](HttpConnection *) {}));
    }
    if (!m_ownHead) {
        m_client->write(bytes);
        return;
    }
    // Our own SSE head went out already: drop the worker's head and pass its events on; an error answer's
    // body is kept and becomes an error event at the end.
    if (!m_upstreamHeadDone) {
        m_upstreamBuffer += bytes;
        const qsizetype end = m_upstreamBuffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        m_upstreamHeadDone = true;
        m_upstreamFailed = m_upstreamBuffer.first(end).split(' ').value(1) != "200";
        m_upstreamBuffer.remove(0, end + 4);
        if (!m_upstreamFailed)
            m_client->write(std::exchange(m_upstreamBuffer, {}));
        return;
    }
    if (m_upstreamFailed)
        m_upstreamBuffer += bytes;
    else
        m_client->write(bytes);
}

void ModelProxy::onUpstreamClosed() {
    if (m_finished)
        return;
    if (m_client && m_ownHead && m_upstreamFailed) {
        const QJsonObject error = QJsonDocument::fromJson(m_upstreamBuffer).object();
        m_client->write("data: " + QJsonDocument(error).toJson(QJsonDocument::Compact) + "\n\n");
    } else if (m_client && !m_answered) {
        fail(502,
             QStringLiteral("the model server (job %1) closed the connection without an answer")
                 .arg(m_leaseJob),
             QStringLiteral("model_server_failed"));
        return;
    }
    if (m_client)
        m_client->close();
    finish();
}

void ModelProxy::fail(int status, const QString &message, const QString &code) {
    if (m_client) {
        if (!m_answered) {
            m_answered = true;
            HttpResponse response = openai::errorResponse(status, message, code);
            if (status == 503)
                response.setHeader("Retry-After", "10");
            m_client->answer(std::move(response));
        } else {
            m_client->write(openai::errorEvent(status, message, code));
            m_client->close();
        }
    }
    finish();
}

void ModelProxy::finish() {
    if (m_finished)
        return;
    m_finished = true;
    if (m_ticket != 0)
        m_servers->cancel(m_ticket);
    if (m_leaseJob != 0)
        m_servers->release(m_leaseJob);
    if (m_upstream)
        m_upstream->abort();
    deleteLater();
}

}  // namespace nd
