#pragma once
// The Playground page: chat with the daemon's models over its OpenAI-compatible API. Saved conversations
// on the left (new, open, rename, delete; autosaved after each answer), the system prompt, one chat pane
// (or two side by side, each with its own model and parameters, both answering the same prompt at
// once), and the input box (Ctrl+Enter sends) with Send and Stop.
// Edit on a past message of yours puts it back in the input box; sending then cuts the conversation
// there (in both panes) and resends. In side-by-side mode only the left pane's conversation is saved.
#include <QWidget>

#include "core/client/Endpoint.h"
#include "ui/playground/ConversationStore.h"

class QCheckBox;
class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QSplitter;

namespace nd {

class ChatPane;
class ConversationListModel;

class PlaygroundView : public QWidget {
    Q_OBJECT
public:
    explicit PlaygroundView(ConversationStore store, QWidget *parent = nullptr);

    // The daemon to talk to (from the connection controller once connected).
    void setEndpoint(const Endpoint &endpoint);

    void setSideBySide(bool on);
    bool isSideBySide() const;
    void sendInput();
    void stopAll();
    void newConversation();
    VoidResult openConversation(const QString &id);
    VoidResult deleteConversation(const QString &id);
    // Asking before a delete (tests switch it off: no modal dialog offscreen).
    void setConfirmDeletes(bool confirm) { m_confirmDeletes = confirm; }
    QString currentConversationId() const { return m_currentId; }

    // For tests.
    ChatPane *pane(int index) const { return index == 0 ? m_left : m_right; }
    QPlainTextEdit *input() const { return m_input; }
    QPlainTextEdit *systemPromptBox() const { return m_systemPrompt; }
    QPushButton *sendButton() const { return m_send; }
    QPushButton *stopButton() const { return m_stop; }
    ConversationListModel *listModel() const { return m_listModel; }
    QListView *listView() const { return m_list; }
    QString problemText() const;

Q_SIGNALS:
    void conversationSaved(const QString &id);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *buildSideList();
    QWidget *buildChatArea();
    void onEditRequested(int turn, const QString &text);
    void cancelEdit();
    void onBusyChanged();
    void autosave();
    void refreshList();
    void showProblem(const QString &text);
    void renameSelected();
    void deleteSelected();

    ConversationStore m_store;
    ConversationListModel *m_listModel;
    QListView *m_list = nullptr;
    QPlainTextEdit *m_systemPrompt = nullptr;
    QCheckBox *m_sideBySide = nullptr;
    QSplitter *m_panes = nullptr;
    ChatPane *m_left = nullptr;
    ChatPane *m_right = nullptr;
    QLabel *m_editBanner = nullptr;
    QPushButton *m_cancelEdit = nullptr;
    QLabel *m_problem = nullptr;
    QPlainTextEdit *m_input = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_stop = nullptr;
    QString m_currentId;
    int m_editTurn = -1;  // the user message being edited, or -1
    bool m_confirmDeletes = true;
};

}  // namespace nd
