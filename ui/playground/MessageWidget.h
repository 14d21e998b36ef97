#pragma once
// One message of the Playground transcript. A user message: its text and an Edit button. An assistant
// message: the reasoning folded above the answer (a toggle, collapsed by default), the answer, then a
// line with the numbers (time to first token, tokens/s, tokens) or the status/error.
// Streaming appends at the end of the text documents, batched on a short timer, so that a long answer
// costs the same per token as a short one and the GUI keeps up with any token rate.
#include <QString>
#include <QTimer>
#include <QWidget>

#include "ui/playground/Conversation.h"

class QLabel;
class QTextBrowser;
class QToolButton;

namespace nd {

class MessageWidget : public QWidget {
    Q_OBJECT
public:
    MessageWidget(const PlaygroundMessage &message, QWidget *parent = nullptr);

    PlaygroundMessage::Role role() const { return m_role; }
    void appendContent(const QString &text);
    void appendReasoning(const QString &text);
    // Writes what is still buffered (the batching timer does it on its own).
    void flush();
    void setStatus(const QString &text);
    void setStats(const ChatStats &stats);
    void setError(const QString &error);

    QString contentText() const;
    QString reasoningText() const;
    QString statsText() const;
    bool isReasoningVisible() const;  // the section exists (there is reasoning)
    bool isReasoningExpanded() const;
    void setReasoningExpanded(bool expanded);
    QToolButton *reasoningToggle() const { return m_reasoningToggle; }
    QToolButton *editButton() const { return m_editButton; }

    static QString describeStats(const ChatStats &stats);

Q_SIGNALS:
    void editRequested();

private:
    void updateToggleText();

    PlaygroundMessage::Role m_role;
    QToolButton *m_reasoningToggle = nullptr;
    QTextBrowser *m_reasoning = nullptr;
    QTextBrowser *m_content = nullptr;
    QLabel *m_footer = nullptr;
    QToolButton *m_editButton = nullptr;
    QString m_pendingContent;
    QString m_pendingReasoning;
    QTimer m_flushTimer;
};

}  // namespace nd
