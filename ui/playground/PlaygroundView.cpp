// PlaygroundView: side list, panes, input; saving and the edit flow.
#include "ui/playground/PlaygroundView.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "ui/playground/ChatPane.h"
#include "ui/playground/ConversationListModel.h"

using namespace Qt::StringLiterals;

namespace nd {

PlaygroundView::PlaygroundView(ConversationStore store, QWidget *parent)
    : QWidget(parent), m_store(std::move(store)), m_listModel(new ConversationListModel(&m_store, this)) {
    setObjectName(u"playground"_s);
    setAccessibleName(tr("Playground"));
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildSideList());
    splitter->addWidget(buildChatArea());
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({220, 900});
    splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_listModel, &ConversationListModel::storeError, this, &PlaygroundView::showProblem);
    for (ChatPane *pane : {m_left, m_right}) {
        connect(pane, &ChatPane::busyChanged, this, &PlaygroundView::onBusyChanged);
        connect(pane, &ChatPane::editRequested, this, &PlaygroundView::onEditRequested);
    }
    // Saved once the left pane's answer is complete; the right pane's is not saved.
    connect(m_left, &ChatPane::answerEnded, this, &PlaygroundView::autosave);
    refreshList();
    onBusyChanged();
}

QWidget *PlaygroundView::buildSideList() {
    auto *side = new QWidget(this);
    auto *layout = new QVBoxLayout(side);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *label = new QLabel(tr("&Conversations"), side);
    m_list = new QListView(side);
    m_list->setModel(m_listModel);
    m_list->setAccessibleName(tr("Saved conversations"));
    m_list->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::SelectedClicked);
    label->setBuddy(m_list);
    // A click opens (whatever the style says about single-click activation); Enter too.
    auto open = [this](const QModelIndex &index) {
        if (m_listModel->idAt(index.row()) == m_currentId)
            return;
        const VoidResult opened = openConversation(m_listModel->idAt(index.row()));
        if (!opened)
            showProblem(opened.error());
    };
    connect(m_list, &QListView::clicked, this, open);
    connect(m_list, &QListView::activated, this, open);
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("&New"), side);
    add->setAccessibleName(tr("New conversation"));
    connect(add, &QPushButton::clicked, this, &PlaygroundView::newConversation);
    auto *rename = new QPushButton(tr("Rena&me"), side);
    rename->setAccessibleName(tr("Rename the selected conversation"));
    connect(rename, &QPushButton::clicked, this, &PlaygroundView::renameSelected);
    auto *remove = new QPushButton(tr("&Delete"), side);
    remove->setAccessibleName(tr("Delete the selected conversation"));
    connect(remove, &QPushButton::clicked, this, &PlaygroundView::deleteSelected);
    buttons->addWidget(add);
    buttons->addWidget(rename);
    buttons->addWidget(remove);
    layout->addWidget(label);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);
    return side;
}

QWidget *PlaygroundView::buildChatArea() {
    auto *area = new QWidget(this);
    auto *layout = new QVBoxLayout(area);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *top = new QHBoxLayout;
    auto *promptLabel = new QLabel(tr("S&ystem prompt:"), area);
    m_systemPrompt = new QPlainTextEdit(area);
    m_systemPrompt->setAccessibleName(tr("System prompt"));
    m_systemPrompt->setPlaceholderText(tr("Optional instructions for the model"));
    m_systemPrompt->setTabChangesFocus(true);
    m_systemPrompt->setMaximumHeight(60);
    promptLabel->setBuddy(m_systemPrompt);
    m_sideBySide = new QCheckBox(tr("Side &by side"), area);
    m_sideBySide->setAccessibleName(tr("Compare two models or parameter sets side by side"));
    connect(m_sideBySide, &QCheckBox::toggled, this, &PlaygroundView::setSideBySide);
    top->addWidget(promptLabel);
    top->addWidget(m_systemPrompt, 1);
    top->addWidget(m_sideBySide);
    layout->addLayout(top);

    m_panes = new QSplitter(Qt::Horizontal, area);
    m_left = new ChatPane(tr("left"), m_panes);
    m_right = new ChatPane(tr("right"), m_panes);
    m_right->setPreferredModelIndex(1);
    m_right->hide();
    m_panes->addWidget(m_left);
    m_panes->addWidget(m_right);
    layout->addWidget(m_panes, 1);

    m_problem = new QLabel(area);
    m_problem->setAccessibleName(tr("Playground problem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(u"color: #c0392b"_s);
    m_problem->hide();
    layout->addWidget(m_problem);

    auto *editRow = new QHBoxLayout;
    m_editBanner = new QLabel(area);
    m_cancelEdit = new QPushButton(tr("Cancel edit"), area);
    m_cancelEdit->setAccessibleName(tr("Cancel editing the message"));
    connect(m_cancelEdit, &QPushButton::clicked, this, &PlaygroundView::cancelEdit);
    editRow->addWidget(m_editBanner, 1);
    editRow->addWidget(m_cancelEdit);
    m_editBanner->hide();
    m_cancelEdit->hide();
    layout->addLayout(editRow);

    auto *inputRow = new QHBoxLayout;
    m_input = new QPlainTextEdit(area);
    m_input->setAccessibleName(tr("Message to send"));
    m_input->setPlaceholderText(tr("Type a message; Ctrl+Enter sends"));
    m_input->setTabChangesFocus(true);
    m_input->setMaximumHeight(110);
    m_input->installEventFilter(this);
    auto *buttons = new QVBoxLayout;
    m_send = new QPushButton(tr("&Send"), area);
    m_send->setAccessibleName(tr("Send the message"));
    m_send->setToolTip(tr("Send (Ctrl+Enter)"));
    connect(m_send, &QPushButton::clicked, this, &PlaygroundView::sendInput);
    m_stop = new QPushButton(tr("S&top"), area);
    m_stop->setAccessibleName(tr("Stop the answer"));
    connect(m_stop, &QPushButton::clicked, this, &PlaygroundView::stopAll);
    buttons->addWidget(m_send);
    buttons->addWidget(m_stop);
    buttons->addStretch(1);
    inputRow->addWidget(m_input, 1);
    inputRow->addLayout(buttons);
    layout->addLayout(inputRow);
    return area;
}

bool PlaygroundView::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
        if (enter && key->modifiers().testFlag(Qt::ControlModifier)) {
            sendInput();
            return true;
        }
        if (key->key() == Qt::Key_Escape && m_editTurn >= 0) {
            cancelEdit();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PlaygroundView::setEndpoint(const Endpoint &endpoint) {
    m_left->setEndpoint(endpoint);
    m_right->setEndpoint(endpoint);
}

void PlaygroundView::setSideBySide(bool on) {
    if (m_sideBySide->isChecked() != on)
        m_sideBySide->setChecked(on);
    if (on && m_right->isHidden()) {
        // The right pane starts from the left one's conversation so that both continue the same one.
        Conversation start = m_left->conversation();
        start.model.clear();
        m_right->setConversation(start);
    }
    m_right->setVisible(on);
}

bool PlaygroundView::isSideBySide() const {
    return m_sideBySide->isChecked();
}

void PlaygroundView::sendInput() {
    const QString text = m_input->toPlainText();
    QList<ChatPane *> panes{m_left};
    if (isSideBySide())
        panes << m_right;
    for (ChatPane *pane : std::as_const(panes)) {
        if (pane->isBusy()) {
            showProblem(tr("An answer is still coming: stop it first"));
            return;
        }
    }
    if (m_editTurn >= 0) {
        for (ChatPane *pane : std::as_const(panes)) {
            // A pane that never had this turn (the right one opened later) just continues.
            (void)pane->cutAtUserTurn(m_editTurn);
        }
    }
    QStringList problems;
    for (ChatPane *pane : std::as_const(panes)) {
        pane->setSystemPrompt(m_systemPrompt->toPlainText());
        const VoidResult sent = pane->send(text);
        if (!sent)
            problems << sent.error();
    }
    problems.removeDuplicates();
    showProblem(problems.join(u'\n'));
    if (problems.size() < panes.size()) {
        m_input->clear();
        cancelEdit();
    }
}

void PlaygroundView::stopAll() {
    m_left->stop();
    m_right->stop();
}

void PlaygroundView::onEditRequested(int turn, const QString &text) {
    m_editTurn = turn;
    m_input->setPlainText(text);
    m_input->setFocus();
    m_editBanner->setText(tr("Editing message %1: sending it drops that message and everything after it, "
                             "then asks again (Esc cancels).")
                              .arg(turn + 1));
    m_editBanner->show();
    m_cancelEdit->show();
}

void PlaygroundView::cancelEdit() {
    if (m_editTurn < 0)
        return;
    m_editTurn = -1;
    m_editBanner->hide();
    m_cancelEdit->hide();
}

void PlaygroundView::onBusyChanged() {
    const bool busy = m_left->isBusy() || m_right->isBusy();
    m_stop->setEnabled(busy);
    m_send->setEnabled(!busy);
    m_sideBySide->setEnabled(!busy);
    m_list->setEnabled(!busy);
}

void PlaygroundView::autosave() {
    Conversation conversation = m_left->conversation();
    if (conversation.isEmpty())
        return;
    conversation.id = m_currentId;
    conversation.systemPrompt = m_systemPrompt->toPlainText();
    if (!m_currentId.isEmpty()) {
        // The file's title and creation date win: the user may have renamed it in the list meanwhile.
        const Result<Conversation> saved = m_store.load(m_currentId);
        if (saved) {
            conversation.title = saved->title;
            conversation.created = saved->created;
        }
    }
    if (conversation.title.isEmpty())
        conversation.title = conversation.suggestedTitle();
    const VoidResult saved = m_store.save(&conversation);
    if (!saved) {
        showProblem(tr("The conversation was not saved: %1").arg(saved.error()));
        return;
    }
    m_currentId = conversation.id;
    refreshList();
    Q_EMIT conversationSaved(m_currentId);
}

void PlaygroundView::refreshList() {
    m_listModel->refresh();
    const QStringList problems = m_listModel->problems();
    if (!problems.isEmpty())
        showProblem(tr("Some saved conversations cannot be read: %1").arg(problems.join(u"; "_s)));
    const int row = m_listModel->rowOf(m_currentId);
    if (row >= 0)
        m_list->setCurrentIndex(m_listModel->index(row));
}

void PlaygroundView::newConversation() {
    stopAll();
    cancelEdit();
    m_currentId.clear();
    Conversation empty;
    Conversation left = m_left->conversation();
    empty.params = left.params;  // a new conversation keeps the settings the user chose
    empty.model = left.model;
    m_left->setConversation(empty);
    Conversation right;
    right.params = m_right->conversation().params;
    right.model = m_right->currentModel();
    m_right->setConversation(right);
    m_input->clear();
    m_list->clearSelection();
    showProblem(QString());
}

VoidResult PlaygroundView::openConversation(const QString &id) {
    Result<Conversation> conversation = m_store.load(id);
    if (!conversation)
        return Error{conversation.error()};
    stopAll();
    cancelEdit();
    m_currentId = id;
    m_systemPrompt->setPlainText(conversation->systemPrompt);
    m_left->setConversation(*conversation);
    Conversation right = *conversation;
    right.model = m_right->currentModel();
    right.params = m_right->conversation().params;
    m_right->setConversation(right);
    const int row = m_listModel->rowOf(id);
    if (row >= 0)
        m_list->setCurrentIndex(m_listModel->index(row));
    showProblem(QString());
    return success();
}

VoidResult PlaygroundView::deleteConversation(const QString &id) {
    const VoidResult removed = m_store.remove(id);
    if (!removed)
        return removed;
    if (id == m_currentId)
        newConversation();
    refreshList();
    return success();
}

void PlaygroundView::renameSelected() {
    const QModelIndex index = m_list->currentIndex();
    if (index.isValid())
        m_list->edit(index);
}

void PlaygroundView::deleteSelected() {
    const QModelIndex index = m_list->currentIndex();
    if (!index.isValid())
        return;
    if (m_confirmDeletes &&
        QMessageBox::question(this, tr("Delete conversation"),
                              tr("Delete \"%1\"? This cannot be undone.").arg(index.data().toString())) !=
            QMessageBox::Yes)
        return;
    const VoidResult removed = deleteConversation(m_listModel->idAt(index.row()));
    if (!removed)
        showProblem(removed.error());
}

void PlaygroundView::showProblem(const QString &text) {
    m_problem->setText(text);
    m_problem->setVisible(!text.isEmpty());
}

QString PlaygroundView::problemText() const {
    return m_problem->text();
}

}  // namespace nd
