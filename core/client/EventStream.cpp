// EventStream: one long GET per connection attempt; events parsed by SseParser.
#include "core/client/EventStream.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "core/client/ApiErrors.h"

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcEvents, "nemodesk.events")
constexpr int initialRetryDelayMs = 500;
}  // namespace

EventStream::EventStream(Endpoint endpoint, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_network(new QNetworkAccessManager(this)) {
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &EventStream::connectNow);
    m_silenceTimer.setSingleShot(true);
    m_silenceTimer.setInterval(defaultSilenceTimeoutMs);
    connect(&m_silenceTimer, &QTimer::timeout, this, &EventStream::onSilence);
}

EventStream::~EventStream() {
    stop();
}

void EventStream::start() {
    if (m_running)
        return;
    m_running = true;
    m_retryDelayMs = initialRetryDelayMs;
    connectNow();
}

void EventStream::stop() {
    m_running = false;
    m_retryTimer.stop();
    m_silenceTimer.stop();
    m_connected = false;
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void EventStream::connectNow() {
    if (!m_running || m_reply)
        return;
    QUrl url = m_endpoint.baseUrl;
    const qsizetype question = m_path.indexOf(u'?');
    url.setPath(question < 0 ? m_path : m_path.first(question));
    if (question >= 0)
        url.setQuery(m_path.sliced(question + 1));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + m_endpoint.token);
    if (!m_lastEventId.isEmpty())
        request.setRawHeader("Last-Event-ID", m_lastEventId);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    m_parser = SseParser{};
    m_abortReason.clear();
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this] {
        const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status != 200 || m_connected)
            return;
        m_connected = true;
        m_retryDelayMs = initialRetryDelayMs;
        Q_EMIT connected();
    });
    connect(m_reply, &QNetworkReply::readyRead, this, &EventStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &EventStream::onFinished);
    // Also covers a connect that hangs: no bytes at all within the silence timeout.
    m_silenceTimer.start();
}

void EventStream::onReadyRead() {
    if (!m_reply)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return;  // an error body: onFinished() reads and reports it
    m_silenceTimer.start();
    const QList<SseEvent> events = m_parser.feed(m_reply->readAll());
    for (const SseEvent &event : events) {
        // Remembered before the receivers run: one that stops the stream and starts it again (or reads
        // lastEventId()) resumes after this event.
        if (!event.id.isEmpty())
            m_lastEventId = event.id;
        QJsonParseError parseError{};
        const QJsonDocument doc = QJsonDocument::fromJson(event.data, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
            qCWarning(lcEvents, "ignoring a '%s' event whose data is not a JSON object",
                      event.type.constData());
            continue;
        }
        Q_EMIT eventReceived(QString::fromUtf8(event.type), doc.object());
        if (!m_reply)
            return;  // a receiver called stop()
    }
}

void EventStream::onSilence() {
    QNetworkReply *reply = m_reply.data();
    if (!reply)
        return;
    m_abortReason = QStringLiteral("no data from the daemon at %1 for %2 s")
                        .arg(m_endpoint.baseUrl.toString())
                        .arg(m_silenceTimer.interval() / 1000);
    reply->abort();  // finished() follows, synchronously
}

void EventStream::onFinished() {
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_reply = nullptr;
    reply->deleteLater();
    m_silenceTimer.stop();
    QString reason = m_abortReason;
    if (reason.isEmpty()) {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 200 && (reply->error() == QNetworkReply::NoError ||
                              reply->error() == QNetworkReply::RemoteHostClosedError))
            reason =
                QStringLiteral("the daemon at %1 closed the event stream").arg(m_endpoint.baseUrl.toString());
        else
            reason = describeReplyError(reply, m_endpoint.baseUrl, m_silenceTimer.interval());
    }
    m_connected = false;
    if (!m_running)
        return;
    Q_EMIT disconnected(reason);
    scheduleRetry();
}

void EventStream::scheduleRetry() {
    if (!m_running)
        return;
    m_retryTimer.start(m_retryDelayMs);
    m_retryDelayMs = std::min(m_retryDelayMs * 2, maxRetryDelayMs);
}

}  // namespace nd
