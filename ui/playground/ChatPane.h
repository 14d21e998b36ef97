#pragma once
// One column of the Playground: a model picker (from /v1/models, with Refresh), the sampling parameters
// and the reasoning switch, the transcript of its Conversation, and a ChatClient streaming into it.
// The Playground has one pane, or two side by side that get the same prompts.
#include <QList>
#include <QWidget>

#include "core/client/ChatClient.h"
#include "ui/playground/Conversation.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QToolButton;
class QVBoxLayout;

namespace nd {

class MessageWidget;

class ChatPane : public QWidget {
    Q_OBJECT
public:
    explicit ChatPane(const QString &name, QWidget *parent = nullptr);

    void setEndpoint(const Endpoint &endpoint);
    bool hasEndpoint() const { return !m_client->endpoint().baseUrl.isEmpty(); }
    ChatClient *client() const { return m_client; }

    // The conversation with the parameters as the controls show them.
    Conversation conversation() const;
    void setConversation(const Conversation &conversation);
    void setSystemPrompt(const QString &prompt) { m_conversation.systemPrompt = prompt; }

    bool isBusy() const { return m_client->isRunning(); }
    // Sends `text` as the next user message. An error (nothing sent) when busy, not connected or no
    // model is chosen.
    VoidResult send(const QString &text);
    void stop();
    VoidResult regenerate();
    // Edit-and-resend: drops user message number `turn` (0-based) and everything after.
    VoidResult cutAtUserTurn(int turn);

    QStringList models() const;
    QString currentModel() const;
    void setCurrentModel(const QString &model);
    // Which entry of the model list to pick when none is chosen yet (the second pane picks the second).
    void setPreferredModelIndex(int index) { m_preferredModelIndex = index; }
    void refreshModels();

    // For tests.
    QList<MessageWidget *> messageWidgets() const { return m_messageWidgets; }
    QString statusText() const;
    QComboBox *modelBox() const { return m_modelBox; }
    QDoubleSpinBox *temperatureBox() const { return m_temperature; }
    QCheckBox *reasoningBox() const { return m_reasoningBox; }
    QPushButton *regenerateButton() const { return m_regenerate; }

Q_SIGNALS:
    void busyChanged(bool busy);
    // An answer ended (finished, stopped or failed): time to save.
    void answerEnded();
    // The user asked to edit user message number `turn`; `text` is what it said.
    void editRequested(int turn, const QString &text);

private:
    void buildControls(const QString &name);
    void readParams(ChatParams *params) const;
    void showParams(const ChatParams &params);
    void rebuildTranscript();
    MessageWidget *addMessageWidget(const PlaygroundMessage &message);
    void startAnswer();
    void onModels(const QStringList &models);
    void onFinished(const ChatStats &stats);
    void onFailed(const QString &message);
    void setStatus(const QString &text);
    void updateButtons();
    void scrollToEnd();

    ChatClient *m_client;
    Conversation m_conversation;
    QComboBox *m_modelBox = nullptr;
    QToolButton *m_refreshModels = nullptr;
    QDoubleSpinBox *m_temperature = nullptr;
    QDoubleSpinBox *m_topP = nullptr;
    QSpinBox *m_maxTokens = nullptr;
    QSpinBox *m_seed = nullptr;
    QCheckBox *m_reasoningBox = nullptr;
    QScrollArea *m_scroll = nullptr;
    QWidget *m_transcript = nullptr;
    QVBoxLayout *m_transcriptLayout = nullptr;
    QList<MessageWidget *> m_messageWidgets;
    QLabel *m_status = nullptr;
    QPushButton *m_regenerate = nullptr;
    int m_preferredModelIndex = 0;
    bool m_followEnd = true;  // the transcript stays scrolled to the end while the user has not scrolled up
};

}  // namespace nd
