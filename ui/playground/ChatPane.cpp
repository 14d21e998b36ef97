// ChatPane: controls, transcript and one ChatClient.
#include "ui/playground/ChatPane.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>

#include "ui/playground/MessageWidget.h"

using namespace Qt::StringLiterals;

namespace nd {

ChatPane::ChatPane(const QString &name, QWidget *parent)
    : QWidget(parent), m_client(new ChatClient(Endpoint{}, this)) {
    setAccessibleName(name);
    buildControls(name);
    connect(m_client, &ChatClient::modelsListed, this, &ChatPane::onModels);
    connect(m_client, &ChatClient::modelsFailed, this,
            [this](const QString &message) { setStatus(tr("Could not list the models: %1").arg(message)); });
    connect(m_client, &ChatClient::statusText, this, [this](const QString &text) {
        if (!m_messageWidgets.isEmpty())
            m_messageWidgets.last()->setStatus(text);
        setStatus(text);
    });
    connect(m_client, &ChatClient::reasoningDelta, this, [this](const QString &text) {
        m_conversation.appendReasoning(text);
        m_messageWidgets.last()->appendReasoning(text);
    });
    connect(m_client, &ChatClient::contentDelta, this, [this](const QString &text) {
        m_conversation.appendContent(text);
        m_messageWidgets.last()->appendContent(text);
    });
    connect(m_client, &ChatClient::finished, this, &ChatPane::onFinished);
    connect(m_client, &ChatClient::failed, this, &ChatPane::onFailed);
    updateButtons();
}

void ChatPane::buildControls(const QString &name) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *modelRow = new QHBoxLayout;
    auto *modelLabel = new QLabel(tr("&Model:"), this);
    m_modelBox = new QComboBox(this);
    m_modelBox->setAccessibleName(tr("Model (%1)").arg(name));
    m_modelBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_modelBox->setMinimumContentsLength(16);
    m_modelBox->setPlaceholderText(tr("no model"));
    modelLabel->setBuddy(m_modelBox);
    m_refreshModels = new QToolButton(this);
    m_refreshModels->setText(tr("Refresh"));
    m_refreshModels->setAccessibleName(tr("Refresh the model list (%1)").arg(name));
    m_refreshModels->setToolTip(tr("Ask the daemon for its models again"));
    connect(m_refreshModels, &QToolButton::clicked, this, &ChatPane::refreshModels);
    modelRow->addWidget(modelLabel);
    modelRow->addWidget(m_modelBox, 1);
    modelRow->addWidget(m_refreshModels);
    layout->addLayout(modelRow);

    const ChatParams defaults;
    auto *params = new QHBoxLayout;
    auto addField = [this, params](const QString &label, QWidget *field) {
        auto *text = new QLabel(label, this);
        text->setBuddy(field);
        params->addWidget(text);
        params->addWidget(field);
    };
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setRange(0.0, 2.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setValue(defaults.temperature);
    m_temperature->setAccessibleName(tr("Temperature (%1)").arg(name));
    addField(tr("&Temp:"), m_temperature);
    m_topP = new QDoubleSpinBox(this);
    m_topP->setRange(0.0, 1.0);
    m_topP->setSingleStep(0.05);
    m_topP->setValue(defaults.topP);
    m_topP->setAccessibleName(tr("Top p (%1)").arg(name));
    addField(tr("Top &p:"), m_topP);
    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setRange(1, 131072);
    m_maxTokens->setValue(defaults.maxTokens);
    m_maxTokens->setAccessibleName(tr("Maximum tokens of an answer (%1)").arg(name));
    addField(tr("Ma&x tokens:"), m_maxTokens);
    m_seed = new QSpinBox(this);
    m_seed->setRange(-1, std::numeric_limits<int>::max());
    m_seed->setSpecialValueText(tr("random"));
    m_seed->setValue(-1);
    m_seed->setAccessibleName(tr("Seed, random when unset (%1)").arg(name));
    addField(tr("S&eed:"), m_seed);
    m_reasoningBox = new QCheckBox(tr("&Reasoning"), this);
    m_reasoningBox->setChecked(defaults.reasoning);
    m_reasoningBox->setAccessibleName(tr("Reasoning on (%1)").arg(name));
    m_reasoningBox->setToolTip(tr("Let the model think before it answers (Nemotron's reasoning mode)"));
    params->addWidget(m_reasoningBox);
    params->addStretch(1);
    layout->addLayout(params);

    m_transcript = new QWidget;
    m_transcriptLayout = new QVBoxLayout(m_transcript);
    m_transcriptLayout->setContentsMargins(4, 4, 4, 4);
    m_transcriptLayout->setSpacing(6);
    m_transcriptLayout->addStretch(1);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_transcript);
    m_scroll->setWidgetResizable(true);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setAccessibleName(tr("Transcript (%1)").arg(name));
    QScrollBar *bar = m_scroll->verticalScrollBar();
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (m_followEnd)
            bar->setValue(max);
    });
    connect(bar, &QScrollBar::valueChanged, this,
            [this, bar](int value) { m_followEnd = value >= bar->maximum() - 8; });
    layout->addWidget(m_scroll, 1);

    auto *bottom = new QHBoxLayout;
    m_status = new QLabel(this);
    m_status->setAccessibleName(tr("Status (%1)").arg(name));
    m_status->setWordWrap(true);
    m_regenerate = new QPushButton(tr("Re&generate"), this);
    m_regenerate->setAccessibleName(tr("Regenerate the last answer (%1)").arg(name));
    m_regenerate->setToolTip(tr("Drop the last answer and ask again"));
    connect(m_regenerate, &QPushButton::clicked, this, [this] {
        const VoidResult done = regenerate();
        if (!done)
            setStatus(done.error());
    });
    bottom->addWidget(m_status, 1);
    bottom->addWidget(m_regenerate);
    layout->addLayout(bottom);
}

void ChatPane::setEndpoint(const Endpoint &endpoint) {
    const bool changed =
        endpoint.baseUrl != m_client->endpoint().baseUrl || endpoint.token != m_client->endpoint().token;
    m_client->setEndpoint(endpoint);
    if (changed || m_modelBox->count() == 0)
        refreshModels();
    updateButtons();
}

void ChatPane::refreshModels() {
    if (!hasEndpoint()) {
        setStatus(tr("Not connected to the daemon"));
        return;
    }
    m_client->listModels();
}

void ChatPane::onModels(const QStringList &models) {
    const QString keep = currentModel();
    m_modelBox->clear();
    m_modelBox->addItems(models);
    if (models.isEmpty()) {
        setStatus(tr("The daemon has no model: add one (nemoctl models) and press Refresh"));
        return;
    }
    if (!keep.isEmpty()) {
        setCurrentModel(keep);
    } else {
        m_modelBox->setCurrentIndex(
            std::min<int>(m_preferredModelIndex, static_cast<int>(models.size()) - 1));
    }
    if (!isBusy())
        setStatus(QString());
}

QStringList ChatPane::models() const {
    QStringList list;
    for (int i = 0; i < m_modelBox->count(); ++i)
        list << m_modelBox->itemText(i);
    return list;
}

QString ChatPane::currentModel() const {
    return m_modelBox->currentText();
}

void ChatPane::setCurrentModel(const QString &model) {
    if (model.isEmpty())
        return;
    int index = m_modelBox->findText(model);
    if (index < 0) {
        // A saved conversation's model the daemon does not list (now): keep it visible rather than
        // silently switching models.
        m_modelBox->addItem(model);
        index = m_modelBox->count() - 1;
    }
    m_modelBox->setCurrentIndex(index);
}

void ChatPane::readParams(ChatParams *params) const {
    params->temperature = m_temperature->value();
    params->topP = m_topP->value();
    params->maxTokens = m_maxTokens->value();
    params->seed = m_seed->value() < 0 ? std::nullopt : std::optional<qint64>(m_seed->value());
    params->reasoning = m_reasoningBox->isChecked();
}

void ChatPane::showParams(const ChatParams &params) {
    m_temperature->setValue(params.temperature);
    m_topP->setValue(params.topP);
    m_maxTokens->setValue(params.maxTokens);
    m_seed->setValue(params.seed ? static_cast<int>(*params.seed) : -1);
    m_reasoningBox->setChecked(params.reasoning);
}

Conversation ChatPane::conversation() const {
    Conversation copy = m_conversation;
    copy.model = currentModel();
    readParams(&copy.params);
    return copy;
}

void ChatPane::setConversation(const Conversation &conversation) {
    stop();
    m_conversation = conversation;
    showParams(conversation.params);
    // Shown at once (even before the model list arrives, or when the daemon no longer lists it).
    setCurrentModel(conversation.model);
    rebuildTranscript();
    setStatus(QString());
}

void ChatPane::rebuildTranscript() {
    for (MessageWidget *widget : std::as_const(m_messageWidgets))
        delete widget;
    m_messageWidgets.clear();
    for (const PlaygroundMessage &message : m_conversation.messages())
        addMessageWidget(message);
    updateButtons();
}

MessageWidget *ChatPane::addMessageWidget(const PlaygroundMessage &message) {
    auto *widget = new MessageWidget(message, m_transcript);
    // Before the stretch that keeps messages at the top.
    m_transcriptLayout->insertWidget(m_transcriptLayout->count() - 1, widget);
    m_messageWidgets.append(widget);
    if (message.role == PlaygroundMessage::Role::user) {
        connect(widget, &MessageWidget::editRequested, this, [this, widget] {
            const qsizetype index = m_messageWidgets.indexOf(widget);
            if (index >= 0)
                Q_EMIT editRequested(m_conversation.userTurnOf(index),
                                     m_conversation.messages()[index].content);
        });
    }
    return widget;
}

VoidResult ChatPane::send(const QString &text) {
    if (isBusy())
        return Error{tr("An answer is still coming: stop it first")};
    if (text.trimmed().isEmpty())
        return Error{tr("Type a message first")};
    if (!hasEndpoint())
        return Error{tr("Not connected to the daemon: wait for the connection (see the status bar)")};
    if (currentModel().isEmpty())
        return Error{tr("Choose a model first (press Refresh if the list is empty)")};
    m_conversation.addUser(text);
    addMessageWidget(m_conversation.messages().last());
    startAnswer();
    return success();
}

void ChatPane::startAnswer() {
    m_conversation.model = currentModel();
    readParams(&m_conversation.params);
    const ChatRequest request = m_conversation.request();
    m_conversation.beginAssistant(request.model);
    addMessageWidget(m_conversation.messages().last())->setStatus(tr("Sending…"));
    m_followEnd = true;
    scrollToEnd();
    m_client->send(request);
    setStatus(tr("Waiting for %1…").arg(request.model));
    updateButtons();
    Q_EMIT busyChanged(true);
}

void ChatPane::stop() {
    m_client->abort();  // emits finished("aborted") when a request was running
}

VoidResult ChatPane::regenerate() {
    if (isBusy())
        return Error{tr("An answer is still coming: stop it first")};
    if (!hasEndpoint())
        return Error{tr("Not connected to the daemon: wait for the connection (see the status bar)")};
    const VoidResult cut = m_conversation.cutForRegenerate();
    if (!cut)
        return cut;
    delete m_messageWidgets.takeLast();
    startAnswer();
    return success();
}

VoidResult ChatPane::cutAtUserTurn(int turn) {
    if (isBusy())
        return Error{tr("An answer is still coming: stop it first")};
    const qsizetype index = m_conversation.userMessageIndex(turn);
    const Result<QString> cut = m_conversation.cutForEdit(index);
    if (!cut)
        return Error{cut.error()};
    while (m_messageWidgets.size() > index)
        delete m_messageWidgets.takeLast();
    updateButtons();
    return success();
}

void ChatPane::onFinished(const ChatStats &stats) {
    m_conversation.finishAssistant(stats);
    m_messageWidgets.last()->setStats(stats);
    setStatus(stats.finishReason == u"aborted"_s ? tr("Stopped") : QString());
    updateButtons();
    Q_EMIT busyChanged(false);
    Q_EMIT answerEnded();
}

void ChatPane::onFailed(const QString &message) {
    m_conversation.failAssistant(message);
    m_messageWidgets.last()->setError(message);
    setStatus(message);
    updateButtons();
    Q_EMIT busyChanged(false);
    Q_EMIT answerEnded();
}

QString ChatPane::statusText() const {
    return m_status->text();
}

void ChatPane::setStatus(const QString &text) {
    m_status->setText(text);
}

void ChatPane::updateButtons() {
    const bool busy = isBusy();
    const auto &messages = m_conversation.messages();
    m_regenerate->setEnabled(!busy && messages.size() >= 2 &&
                             messages.last().role == PlaygroundMessage::Role::assistant);
    m_modelBox->setEnabled(!busy);
    m_refreshModels->setEnabled(!busy);
}

void ChatPane::scrollToEnd() {
    QScrollBar *bar = m_scroll->verticalScrollBar();
    bar->setValue(bar->maximum());
}

}  // namespace nd
