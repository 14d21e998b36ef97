// SyncHttp: request bytes out, one answer (status line, headers, Content-Length body) in, on a socket kept
// open for the next request.
#include "SyncHttp.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>

#include "core/client/ApiErrors.h"

namespace nd::cli {

namespace {

constexpr qsizetype maxHeadBytes = 64 * 1024;

struct Head {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    qsizetype contentLength = -1;  // -1: none given, the body ends with the connection
    bool closeAfter = false;
};

bool parseHead(QByteArrayView head, Head *out) {
    const QList<QByteArray> lines = head.toByteArray().split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    if (statusLine.size() < 2 || !statusLine[0].startsWith("HTTP/1."))
        return false;
    bool ok = false;
    out->status = statusLine[1].toInt(&ok);
    if (!ok)
        return false;
    out->closeAfter = statusLine[0] == "HTTP/1.0";
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = lines[i].first(colon).trimmed().toLower();
        const QByteArray value = lines[i].sliced(colon + 1).trimmed();
        out->headers.append({name, value});
        if (name == "content-length")
            out->contentLength = value.toLongLong(&ok);
        else if (name == "connection")
            out->closeAfter = value.toLower() == "close";
    }
    return out->contentLength >= -1;
}

}  // namespace

QByteArray HttpReply::header(QByteArrayView lowercaseName) const {
    for (const auto &h : headers)
        if (h.first == lowercaseName)
            return h.second;
    return {};
}

QString HttpReply::errorMessage() const {
    const QString described = describeErrorBody(status, body, QStringLiteral("error"));
    // The daemon's own sentence is what a person needs for the errors a job command can meet.
    if (status == 400 || status == 404 || status == 409) {
        const QJsonObject error =
            QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
        const QString message = error.value(QStringLiteral("message")).toString();
        if (!message.isEmpty())
            return message;
    }
    return described;
}

SyncHttp::SyncHttp(Endpoint endpoint) : m_endpoint(std::move(endpoint)) {}

SyncHttp::~SyncHttp() = default;

QString SyncHttp::baseText() const {
    return m_endpoint.baseUrl.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
}

Result<HttpReply> SyncHttp::request(QByteArrayView method, const QString &pathAndQuery,
                                    const QByteArray &body, int timeoutMs) {
    QByteArray bytes;
    bytes.reserve(256 + body.size());
    bytes += method.toByteArray() + ' ' + pathAndQuery.toUtf8() +
             " HTTP/1.1\r\nHost: " + m_endpoint.baseUrl.authority().toUtf8() + "\r\nAuthorization: Bearer " +
             m_endpoint.token + "\r\nAccept: application/json\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PATCH" || method == "PUT")
        bytes +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    bytes += "\r\n";
    bytes += body;
    return exchange(bytes, timeoutMs, Attempt::first);
}

Result<HttpReply> SyncHttp::exchange(const QByteArray &bytes, int timeoutMs, Attempt attempt) {
    const QDeadlineTimer deadline(timeoutMs);
    const auto timedOut = [&] {
        m_socket.reset();
        return Error{QStringLiteral("daemon at %1 did not answer within %2 s")
                         .arg(baseText())
                         .arg(static_cast<double>(timeoutMs) / 1000.0)};
    };
    const bool reused = m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
    if (!reused) {
        m_socket = std::make_unique<QTcpSocket>();
        m_socket->setProxy(QNetworkProxy::NoProxy);
        m_buffer.clear();
        m_socket->connectToHost(QHostAddress(m_endpoint.baseUrl.host()),
                                static_cast<quint16>(m_endpoint.baseUrl.port(80)));
        if (!m_socket->waitForConnected(static_cast<int>(deadline.remainingTime()))) {
            if (m_socket->error() == QAbstractSocket::SocketTimeoutError)
                return timedOut();
            const QString why = m_socket->errorString();
            m_socket.reset();
            return Error{QStringLiteral("daemon not reachable at %1: %2").arg(baseText(), why)};
        }
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    }
    m_socket->write(bytes);

    Head head;
    qsizetype headEnd = -1;
    bool closed = false;
    while (true) {
        if (headEnd < 0) {
            headEnd = m_buffer.indexOf("\r\n\r\n");
            if (headEnd >= 0 && !parseHead(QByteArrayView(m_buffer).first(headEnd), &head)) {
                m_socket.reset();
                return Error{QStringLiteral("the daemon at %1 sent a malformed HTTP answer").arg(baseText())};
            }
            if (headEnd < 0 && m_buffer.size() > maxHeadBytes) {
                m_socket.reset();
                return Error{QStringLiteral("the daemon at %1 sent an oversized HTTP head").arg(baseText())};
            }
        }
        if (headEnd >= 0 && head.contentLength >= 0 && m_buffer.size() >= headEnd + 4 + head.contentLength)
            break;
        if (closed)
            break;
        if (deadline.hasExpired())
            return timedOut();
        // Flushes what is still to be written, then waits for bytes (or the close).
        if (m_socket->bytesToWrite() > 0)
            m_socket->waitForBytesWritten(static_cast<int>(deadline.remainingTime()));
        if (m_socket->waitForReadyRead(static_cast<int>(deadline.remainingTime()))) {
            m_buffer += m_socket->readAll();
        } else if (m_socket->state() != QAbstractSocket::ConnectedState ||
                   m_socket->error() == QAbstractSocket::RemoteHostClosedError) {
            m_buffer += m_socket->readAll();
            closed = true;
        }
    }
    if (headEnd < 0) {
        m_socket.reset();
        // A kept-alive connection the daemon closed while idle: the request never reached it.
        if (reused && m_buffer.isEmpty() && attempt == Attempt::first)
            return exchange(bytes, static_cast<int>(deadline.remainingTime()),
                            Attempt::retryOnFreshConnection);
        return Error{QStringLiteral("daemon not reachable at %1: the connection closed before an answer")
                         .arg(baseText())};
    }
    if (head.contentLength >= 0 && m_buffer.size() < headEnd + 4 + head.contentLength) {
        m_socket.reset();
        return Error{QStringLiteral("the daemon at %1 closed the connection in the middle of an answer")
                         .arg(baseText())};
    }
    HttpReply reply;
    reply.status = head.status;
    reply.headers = std::move(head.headers);
    const qsizetype bodyStart = headEnd + 4;
    const qsizetype bodySize = head.contentLength >= 0 ? head.contentLength : m_buffer.size() - bodyStart;
    reply.body = m_buffer.sliced(bodyStart, bodySize);
    m_buffer.remove(0, bodyStart + bodySize);
    if (closed || head.closeAfter)
        m_socket.reset();
    return reply;
}

}  // namespace nd::cli
