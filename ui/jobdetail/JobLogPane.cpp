// JobLogPane: a job's log, followed or read once, appended in chunks under a cap (see the header).
#include "ui/jobdetail/JobLogPane.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTimer>
#include <QUrlQuery>
#include <QVBoxLayout>

#include "core/client/ApiClient.h"

namespace nd {

using namespace Qt::Literals::StringLiterals;

namespace {

QNetworkRequest logRequest(const ApiClient &api, const QString &path, const QUrlQuery &query,
                           const QByteArray &accept) {
    QUrl url = api.endpoint().baseUrl;
    url.setPath(path);
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + api.endpoint().token);
    request.setRawHeader("Accept", accept);
    return request;
}

QString sizeText(qint64 chars) {
    if (chars >= 1024 * 1024)
        return u"%1 MiB"_s.arg(double(chars) / (1024.0 * 1024.0), 0, 'f', 1);
    if (chars >= 1024)
        return u"%1 KiB"_s.arg(double(chars) / 1024.0, 0, 'f', 1);
    return u"%1 bytes"_s.arg(chars);
}

}  // namespace

JobLogPane::JobLogPane(QWidget *parent) : QWidget(parent), m_drain(new QTimer(this)) {
    m_drain->setInterval(0);
    connect(m_drain, &QTimer::timeout, this, &JobLogPane::drainChunk);

    m_stream = new QComboBox(this);
    m_stream->addItem(tr("Standard output"), u"stdout"_s);
    m_stream->addItem(tr("Standard error"), u"stderr"_s);
    m_stream->setAccessibleName(tr("Log stream"));
    m_follow = new QCheckBox(tr("&Follow"), this);
    m_follow->setChecked(true);
    m_follow->setAccessibleName(tr("Follow the log as it grows"));
    m_wrap = new QCheckBox(tr("&Wrap lines"), this);
    m_wrap->setAccessibleName(tr("Wrap long lines"));
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search the log"));
    m_search->setAccessibleName(tr("Search the log"));
    m_search->setClearButtonEnabled(true);
    m_previous = new QPushButton(tr("Pre&vious"), this);
    m_previous->setAccessibleName(tr("Previous match"));
    m_next = new QPushButton(tr("&Next"), this);
    m_next->setAccessibleName(tr("Next match"));
    m_searchStatus = new QLabel(this);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setAccessibleName(tr("Log status"));
    m_loadAll = new QPushButton(tr("&Load all"), this);
    m_loadAll->setAccessibleName(tr("Load the whole log"));
    m_loadAll->setVisible(false);
    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    m_text->setAccessibleName(tr("Job log"));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_text->setFont(QFont(u"monospace"_s));
    m_text->setTextInteractionFlags(Qt::TextSelectableByKeyboard | Qt::TextSelectableByMouse);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_stream);
    bar->addWidget(m_follow);
    bar->addWidget(m_wrap);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_previous);
    bar->addWidget(m_next);
    bar->addWidget(m_searchStatus);
    auto *noteBar = new QHBoxLayout;
    noteBar->addWidget(m_note, 1);
    noteBar->addWidget(m_loadAll);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(noteBar);
    layout->addWidget(m_text, 1);

    connect(m_stream, &QComboBox::currentIndexChanged, this, &JobLogPane::reload);
    connect(m_follow, &QCheckBox::toggled, this, &JobLogPane::onFollowToggled);
    connect(m_wrap, &QCheckBox::toggled, this, [this](bool on) {
        m_text->setLineWrapMode(on ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap);
    });
    connect(m_search, &QLineEdit::returnPressed, this, [this] { findNext(false); });
    connect(m_next, &QPushButton::clicked, this, [this] { findNext(false); });
    connect(m_previous, &QPushButton::clicked, this, [this] { findNext(true); });
    connect(m_loadAll, &QPushButton::clicked, this, [this] {
        m_capChars = 0;  // no cap from now on: the user asked for everything
        reload();
    });
}

JobLogPane::~JobLogPane() {
    stopReading();
}

void JobLogPane::setSource(ApiClient *api, qint64 jobId) {
    m_api = api;
    m_jobId = jobId;
    reload();
}

void JobLogPane::reload() {
    stopReading();
    m_text->clear();
    m_queue.clear();
    m_decoder.resetState();
    m_parser = SseParser();
    m_skippedBytes = 0;
    m_trimmedChars = 0;
    m_nextOffset = 0;
    m_started = false;
    m_ended = false;
    m_error.clear();
    // The tail only, unless the cap was lifted: reading a 1 GiB log to show its end would take minutes.
    startReading(m_capChars > 0 ? -m_capChars : 0);
}

void JobLogPane::startReading(qint64 offset) {
    if (!m_api || m_jobId <= 0)
        return;
    const QString stream = m_stream->currentData().toString();
    QUrlQuery query;
    query.addQueryItem(u"stream"_s, stream);
    query.addQueryItem(u"offset"_s, QString::number(offset));
    QNetworkAccessManager *network = m_api->network();
    if (m_follow->isChecked()) {
        const QNetworkRequest request =
            logRequest(*m_api, u"/api/jobs/%1/log/follow"_s.arg(m_jobId), query, "text/event-stream");
        m_reply = network->get(request);
        connect(m_reply, &QNetworkReply::readyRead, this, &JobLogPane::onFollowData);
        connect(m_reply, &QNetworkReply::finished, this, [this, reply = m_reply.data()] {
            reply->deleteLater();
            if (reply->error() != QNetworkReply::NoError &&
                reply->error() != QNetworkReply::OperationCanceledError)
                m_error = tr("Reading the log stopped: %1").arg(reply->errorString());
            if (m_reply == reply)
                m_reply = nullptr;
            updateNote();
        });
    } else {
        query.addQueryItem(u"limit"_s, QString::number(4 * 1024 * 1024));
        const QNetworkRequest request =
            logRequest(*m_api, u"/api/jobs/%1/log"_s.arg(m_jobId), query, "application/octet-stream");
        m_reply = network->get(request);
        connect(m_reply, &QNetworkReply::finished, this,
                [this, reply = m_reply.data()] { onSnapshotFinished(reply); });
    }
    updateNote();
}

void JobLogPane::stopReading() {
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void JobLogPane::onFollowToggled(bool on) {
    stopReading();
    if (on && !m_ended)
        startReading(m_started ? m_nextOffset : (m_capChars > 0 ? -m_capChars : 0));
    if (on)
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
    updateNote();
}

void JobLogPane::onFollowData() {
    if (!m_reply)
        return;
    for (const SseEvent &event : m_parser.feed(m_reply->readAll())) {
        const QJsonObject body = QJsonDocument::fromJson(event.data).object();
        if (event.type == "log") {
            const qint64 offset = body.value("offset"_L1).toInteger();
            const QByteArray bytes = QByteArray::fromBase64(body.value("data"_L1).toString().toLatin1());
            if (!m_started) {
                m_started = true;
                m_skippedBytes = offset;
            }
            m_nextOffset = offset + bytes.size();
            appendBytes(bytes);
        } else if (event.type == "end") {
            m_ended = true;
            updateNote();
            Q_EMIT logEnded(body.value("state"_L1).toString());
        }
    }
}

void JobLogPane::onSnapshotFinished(QNetworkReply *reply) {
    reply->deleteLater();
    if (m_reply == reply)
        m_reply = nullptr;
    if (reply->error() != QNetworkReply::NoError) {
        if (reply->error() != QNetworkReply::OperationCanceledError)
            m_error = tr("Could not read the log: %1").arg(reply->errorString());
        updateNote();
        return;
    }
    const QByteArray bytes = reply->readAll();
    const qint64 offset = reply->rawHeader("X-Log-Offset").toLongLong();
    if (!m_started) {
        m_started = true;
        m_skippedBytes = offset;
    }
    m_nextOffset = offset + bytes.size();
    appendBytes(bytes);
}

void JobLogPane::appendBytes(const QByteArray &bytes) {
    m_queue.append(bytes);
    if (!m_drain->isActive())
        m_drain->start();
}

void JobLogPane::drainChunk() {
    // One chunk per turn of the event loop: input and painting get their turn between chunks.
    const QByteArray chunk = m_queue.left(m_chunkBytes);
    m_queue.remove(0, chunk.size());
    const QString text = m_decoder.decode(chunk);
    QScrollBar *bar = m_text->verticalScrollBar();
    const bool atEnd = bar->value() >= bar->maximum() - 1;
    QTextCursor cursor(m_text->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(text);
    trimToCap();
    if (m_follow->isChecked() && atEnd)
        bar->setValue(bar->maximum());
    if (m_queue.isEmpty()) {
        m_drain->stop();
        updateNote();
        Q_EMIT caughtUp();
    }
}

void JobLogPane::trimToCap() {
    const qint64 chars = m_text->document()->characterCount();
    // A quarter over the cap before trimming, so that trimming (which re-lays out the text) is rare.
    if (m_capChars <= 0 || chars <= m_capChars + m_capChars / 4)
        return;
    QTextCursor cursor(m_text->document());
    cursor.setPosition(int(chars - m_capChars), QTextCursor::KeepAnchor);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);  // whole lines only
    cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
    m_trimmedChars += cursor.selectionEnd() - cursor.selectionStart();
    cursor.removeSelectedText();
}

void JobLogPane::updateNote() {
    QStringList parts;
    if (!m_error.isEmpty())
        parts << m_error;
    if (hiddenAmount() > 0)
        parts << tr("Showing the end of the log: about %1 of earlier output is not shown.")
                     .arg(sizeText(hiddenAmount()));
    if (m_ended)
        parts << tr("The job has ended; this is its whole log.");
    else if (m_reply && m_follow->isChecked())
        parts << tr("Following the log.");
    m_note->setText(parts.join(u' '));
    m_loadAll->setVisible(hiddenAmount() > 0);
}

bool JobLogPane::findNext(bool backwards) {
    const QString needle = m_search->text();
    if (needle.isEmpty()) {
        m_searchStatus->clear();
        return false;
    }
    const QTextDocument::FindFlags flags =
        backwards ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    bool found = m_text->find(needle, flags);
    if (!found) {  // wrap around
        QTextCursor cursor = m_text->textCursor();
        cursor.movePosition(backwards ? QTextCursor::End : QTextCursor::Start);
        m_text->setTextCursor(cursor);
        found = m_text->find(needle, flags);
    }
    m_searchStatus->setText(found ? QString() : tr("Not found"));
    m_searchStatus->setAccessibleName(m_searchStatus->text());
    return found;
}

QString JobLogPane::plainText() const {
    return m_text->toPlainText();
}

}  // namespace nd
