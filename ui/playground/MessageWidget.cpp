// MessageWidget: text views that grow with their document, a fold for the reasoning, the numbers.
#include "ui/playground/MessageWidget.h"

#include <QAbstractTextDocumentLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QTextBrowser>
#include <QTextCursor>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace nd {

namespace {

constexpr int flushIntervalMs = 33;  // about 30 repaints a second, whatever the token rate

// A read-only text view as tall as its text: the transcript scrolls, not each message.
QTextBrowser *makeTextView(QWidget *parent, const QString &accessibleName) {
    auto *view = new QTextBrowser(parent);
    view->setAccessibleName(accessibleName);
    view->setOpenExternalLinks(true);
    view->setFrameShape(QFrame::NoFrame);
    view->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    view->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard |
                                  Qt::LinksAccessibleByKeyboard | Qt::LinksAccessibleByMouse);
    auto fit = [view](const QSizeF &size) {
        const int margins = view->contentsMargins().top() + view->contentsMargins().bottom();
        view->setFixedHeight(static_cast<int>(std::ceil(size.height())) + margins + 2);
    };
    QObject::connect(view->document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged,
                     view, fit);
    fit(view->document()->size());
    return view;
}

void appendAtEnd(QTextBrowser *view, const QString &text) {
    QTextCursor cursor(view->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(text);
}

}  // namespace

MessageWidget::MessageWidget(const PlaygroundMessage &message, QWidget *parent)
    : QWidget(parent), m_role(message.role) {
    const bool user = m_role == PlaygroundMessage::Role::user;
    setObjectName(user ? u"userMessage"_s : u"assistantMessage"_s);
    setAccessibleName(user ? tr("Your message") : tr("Answer"));
    setAutoFillBackground(true);
    QPalette shade = palette();
    shade.setColor(QPalette::Window,
                   user ? palette().color(QPalette::AlternateBase) : palette().color(QPalette::Base));
    setPalette(shade);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->setSpacing(3);

    auto *header = new QHBoxLayout;
    QString who = user ? tr("You") : tr("Assistant");
    if (!user && !message.model.isEmpty())
        who += u" · "_s + message.model;
    auto *name = new QLabel(u"<b>%1</b>"_s.arg(who.toHtmlEscaped()), this);
    header->addWidget(name);
    header->addStretch(1);
    if (user) {
        m_editButton = new QToolButton(this);
        m_editButton->setText(tr("Edit"));
        m_editButton->setAccessibleName(tr("Edit and resend this message"));
        m_editButton->setToolTip(
            tr("Put this message back in the input box; sending it drops everything after"));
        connect(m_editButton, &QToolButton::clicked, this, &MessageWidget::editRequested);
        header->addWidget(m_editButton);
    }
    layout->addLayout(header);

    if (!user) {
        m_reasoningToggle = new QToolButton(this);
        m_reasoningToggle->setCheckable(true);
        m_reasoningToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        m_reasoningToggle->setAutoRaise(true);
        m_reasoningToggle->setAccessibleName(tr("Show or hide the reasoning"));
        m_reasoning = makeTextView(this, tr("Reasoning"));
        QPalette dim = m_reasoning->palette();
        dim.setColor(QPalette::Text, palette().color(QPalette::PlaceholderText));
        m_reasoning->setPalette(dim);
        m_reasoning->hide();
        connect(m_reasoningToggle, &QToolButton::toggled, this, &MessageWidget::setReasoningExpanded);
        layout->addWidget(m_reasoningToggle);
        layout->addWidget(m_reasoning);
        m_reasoningToggle->setVisible(!message.reasoning.isEmpty());
        m_reasoning->setPlainText(message.reasoning);
        updateToggleText();
    }
    m_content = makeTextView(this, user ? tr("Message text") : tr("Answer text"));
    m_content->setPlainText(message.content);
    layout->addWidget(m_content);

    if (!user) {
        m_footer = new QLabel(this);
        m_footer->setAccessibleName(tr("Answer numbers"));
        m_footer->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_footer->setWordWrap(true);
        layout->addWidget(m_footer);
        if (!message.error.isEmpty())
            setError(message.error);
        else if (!message.stats.finishReason.isEmpty())
            setStats(message.stats);
    }

    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(flushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &MessageWidget::flush);
}

void MessageWidget::appendContent(const QString &text) {
    m_pendingContent += text;
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void MessageWidget::appendReasoning(const QString &text) {
    if (!m_reasoning)
        return;
    m_pendingReasoning += text;
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void MessageWidget::flush() {
    m_flushTimer.stop();
    if (!m_pendingReasoning.isEmpty()) {
        appendAtEnd(m_reasoning, m_pendingReasoning);
        m_pendingReasoning.clear();
        if (m_reasoningToggle->isHidden())
            m_reasoningToggle->show();
        updateToggleText();
    }
    if (!m_pendingContent.isEmpty()) {
        appendAtEnd(m_content, m_pendingContent);
        m_pendingContent.clear();
    }
}

void MessageWidget::setStatus(const QString &text) {
    if (m_footer)
        m_footer->setText(u"<i>%1</i>"_s.arg(text.toHtmlEscaped()));
}

QString MessageWidget::describeStats(const ChatStats &stats) {
    QStringList parts;
    if (stats.ttftMs >= 0)
        parts << tr("first token %1 ms").arg(stats.ttftMs);
    if (stats.tokensPerS > 0)
        parts << tr("%1 tok/s").arg(stats.tokensPerS, 0, 'f', 1);
    const int tokens = stats.completionTokens >= 0 ? stats.completionTokens : stats.deltaChunks;
    if (tokens > 0)
        parts << (tokens == 1 ? tr("1 token") : tr("%1 tokens").arg(tokens));
    if (stats.promptTokens >= 0)
        parts << tr("prompt %1").arg(stats.promptTokens);
    if (stats.finishReason == u"length"_s)
        parts << tr("stopped at the token limit");
    else if (stats.finishReason == u"aborted"_s)
        parts << tr("stopped");
    return parts.join(u" · "_s);
}

void MessageWidget::setStats(const ChatStats &stats) {
    flush();
    if (!m_footer)
        return;
    m_footer->setText(describeStats(stats).toHtmlEscaped());
    QStringList server;
    if (stats.serverTtftMs >= 0)
        server << tr("server: first token %1 ms").arg(stats.serverTtftMs, 0, 'f', 0);
    if (stats.serverPromptMs >= 0)
        server << tr("prompt %1 ms").arg(stats.serverPromptMs, 0, 'f', 0);
    if (stats.serverDecodeMs >= 0)
        server << tr("decode %1 ms").arg(stats.serverDecodeMs, 0, 'f', 0);
    if (stats.serverTokensPerS > 0)
        server << tr("%1 tok/s").arg(stats.serverTokensPerS, 0, 'f', 1);
    m_footer->setToolTip(server.isEmpty() ? tr("Measured by this window") : server.join(u", "_s));
}

void MessageWidget::setError(const QString &error) {
    flush();
    if (m_footer)
        m_footer->setText(u"<span style=\"color:#c0392b\">%1</span>"_s.arg(error.toHtmlEscaped()));
}

QString MessageWidget::contentText() const {
    return m_content->toPlainText() + m_pendingContent;
}

QString MessageWidget::reasoningText() const {
    return m_reasoning ? m_reasoning->toPlainText() + m_pendingReasoning : QString();
}

QString MessageWidget::statsText() const {
    return m_footer ? m_footer->text() : QString();
}

bool MessageWidget::isReasoningVisible() const {
    return m_reasoningToggle && !m_reasoningToggle->isHidden();
}

bool MessageWidget::isReasoningExpanded() const {
    return m_reasoning && !m_reasoning->isHidden();
}

void MessageWidget::setReasoningExpanded(bool expanded) {
    if (!m_reasoning)
        return;
    m_reasoning->setVisible(expanded);
    if (m_reasoningToggle->isChecked() != expanded)
        m_reasoningToggle->setChecked(expanded);
    updateToggleText();
}

void MessageWidget::updateToggleText() {
    const bool expanded = m_reasoningToggle->isChecked();
    m_reasoningToggle->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    // characterCount() is kept by the document: no pass over a long text per flush.
    const int chars = std::max(0, m_reasoning->document()->characterCount() - 1);
    m_reasoningToggle->setText(expanded ? tr("Hide reasoning") : tr("Reasoning (%1 characters)").arg(chars));
}

}  // namespace nd
