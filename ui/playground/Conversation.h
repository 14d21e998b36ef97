#pragma once
// The data of one Playground conversation, without widgets: its messages (an assistant's reasoning kept
// apart from its answer, with the answer's numbers), the model and sampling parameters, the system prompt;
// the cuts that Edit-and-resend and Regenerate make; the request to send; JSON (de)serialisation.
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include "core/client/ChatClient.h"
#include "core/common/Result.h"

namespace nd {

struct PlaygroundMessage {
    enum class Role { user = 1, assistant };
    Role role = Role::user;
    QString content;
    QString reasoning;  // assistant only: the model's thinking, never sent back to it
    QString model;      // assistant only: which model answered
    QString error;      // assistant only: why the answer is missing or cut off
    ChatStats stats;    // assistant only
};

class Conversation {
public:
    static constexpr int formatVersion = 1;

    QString id;
    QString title;
    QString model;
    QString systemPrompt;
    ChatParams params;
    QDateTime created;
    QDateTime updated;

    const QList<PlaygroundMessage> &messages() const { return m_messages; }
    qsizetype size() const { return m_messages.size(); }
    bool isEmpty() const { return m_messages.isEmpty(); }

    void addUser(const QString &text);
    // Starts an (empty) assistant message for `answeringModel`; the deltas go to the last message.
    void beginAssistant(const QString &answeringModel);
    void appendContent(const QString &text);
    void appendReasoning(const QString &text);
    void finishAssistant(const ChatStats &stats);
    void failAssistant(const QString &error);

    // Edit-and-resend: drops user message `index` and everything after it, and returns its text (to edit).
    // An error when `index` is not a user message.
    Result<QString> cutForEdit(qsizetype index);
    // Regenerate: drops the last assistant message so that the user message before it is answered again.
    // An error when the conversation does not end with an answer.
    VoidResult cutForRegenerate();
    // The index of the `n`-th user message (0-based), or -1.
    qsizetype userMessageIndex(int n) const;
    // How many user messages come before `index` (the user turn of a message).
    int userTurnOf(qsizetype index) const;

    // The request that answers the conversation as it stands: the system prompt and the messages' text
    // (reasoning left out, as the chat template drops it; failed answers left out).
    ChatRequest request() const;
    // The first user message, shortened: a title for a conversation the user has not named.
    QString suggestedTitle() const;

    QJsonObject toJson() const;
    static Result<Conversation> fromJson(const QJsonObject &json);

private:
    QList<PlaygroundMessage> m_messages;
};

}  // namespace nd
