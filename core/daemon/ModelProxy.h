#pragma once
// One OpenAI request on its way to a model server: waits for the server (ModelServers), then sends the
// request to the worker over its own TCP connection and passes the answer back byte for byte. When the
// client goes away, the worker's connection is closed too, which stops the generation there.
#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

#include "core/daemon/ModelServers.h"

class QTcpSocket;

namespace nd {

class HttpConnection;

class ModelProxy : public QObject {
    Q_OBJECT
public:
    ModelProxy(HttpConnection *client, ModelServers *servers, QString model, QByteArray path, QByteArray body,
               bool stream, QByteArray token);
    ~ModelProxy() override;
    void start();

private:
    void onWaiting(const QString &status, bool queued);
    void onReady(const Result<ServerLease> &lease);
    void onUpstreamBytes();
    void onUpstreamClosed();
    void fail(int status, const QString &message, const QString &code);
    void startStreamHead();
    void finish();

    QPointer<HttpConnection> m_client;
    ModelServers *m_servers;
    QString m_model;
    QByteArray m_path;
    QByteArray m_body;
    bool m_stream;
    QByteArray m_token;
    qint64 m_ticket = 0;
    qint64 m_leaseJob = 0;
    QTcpSocket *m_upstream = nullptr;
    bool m_answered = false;  // the client has a head (ours or the worker's)
    bool m_ownHead = false;   // we wrote an SSE head ourselves (waiting comments)
    bool m_upstreamHeadDone = false;
    bool m_upstreamFailed = false;  // the worker answered an error status after our head went out
    QByteArray m_upstreamBuffer;    // the worker's head while we parse it, then an error answer's body
    bool m_finished = false;
};

}  // namespace nd
