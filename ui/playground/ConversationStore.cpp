// ConversationStore: JSON files in one folder.
#include "ui/playground/ConversationStore.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace nd {

ConversationStore::ConversationStore(QString dir) : m_dir(std::move(dir)) {}

QString ConversationStore::defaultDir(const Paths &paths) {
    return QDir(paths.dataDir()).filePath(u"playground"_s);
}

QString ConversationStore::newId() {
    const quint32 random = QRandomGenerator::global()->bounded(0x10000u);
    return QDateTime::currentDateTime().toString(u"yyyyMMdd-HHmmss"_s) + u'-' +
           QString::number(random, 16).rightJustified(4, u'0');
}

Result<QString> ConversationStore::fileFor(const QString &id) const {
    // The id becomes a file name: nothing that could leave the folder.
    static const QRegularExpression valid(u"^[A-Za-z0-9_-]{1,64}$"_s);
    if (!valid.match(id).hasMatch())
        return Error{u"\"%1\" is not a conversation id (letters, digits, '-' and '_' only)"_s.arg(id)};
    return QDir(m_dir).filePath(id + u".json"_s);
}

VoidResult ConversationStore::save(Conversation *conversation) const {
    if (conversation->id.isEmpty())
        conversation->id = newId();
    const Result<QString> path = fileFor(conversation->id);
    if (!path)
        return Error{path.error()};
    if (!QDir().mkpath(m_dir))
        return Error{u"cannot create the folder %1 for saved conversations"_s.arg(m_dir)};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!conversation->created.isValid())
        conversation->created = now;
    conversation->updated = now;
    QSaveFile file(*path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{u"cannot write %1: %2"_s.arg(*path, file.errorString())};
    file.write(QJsonDocument(conversation->toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Error{u"cannot write %1: %2"_s.arg(*path, file.errorString())};
    return success();
}

Result<Conversation> ConversationStore::load(const QString &id) const {
    const Result<QString> path = fileFor(id);
    if (!path)
        return Error{path.error()};
    QFile file(*path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{u"cannot read %1: %2"_s.arg(*path, file.errorString())};
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return Error{u"%1 is not a saved conversation (invalid JSON at byte %2: %3)"_s.arg(*path)
                         .arg(parseError.offset)
                         .arg(parseError.errorString())};
    Result<Conversation> conversation = Conversation::fromJson(doc.object());
    if (!conversation)
        return Error{u"%1: %2"_s.arg(*path, conversation.error())};
    conversation->id = id;  // the file name is the truth, whatever the copy inside says
    return conversation;
}

VoidResult ConversationStore::remove(const QString &id) const {
    const Result<QString> path = fileFor(id);
    if (!path)
        return Error{path.error()};
    QFile file(*path);
    if (!file.exists())
        return success();
    if (!file.remove())
        return Error{u"cannot delete %1: %2"_s.arg(*path, file.errorString())};
    return success();
}

VoidResult ConversationStore::rename(const QString &id, const QString &title) const {
    Result<Conversation> conversation = load(id);
    if (!conversation)
        return Error{conversation.error()};
    conversation->title = title.trimmed();
    return save(&conversation.value());
}

ConversationStore::Listing ConversationStore::list() const {
    Listing listing;
    const QStringList files = QDir(m_dir).entryList({u"*.json"_s}, QDir::Files);
    for (const QString &name : files) {
        const QString id = name.chopped(5);
        const Result<Conversation> conversation = load(id);
        if (!conversation) {
            listing.problems << conversation.error();
            continue;
        }
        ConversationSummary summary;
        summary.id = id;
        summary.title = conversation->title.isEmpty() ? conversation->suggestedTitle() : conversation->title;
        summary.model = conversation->model;
        summary.updated = conversation->updated;
        summary.messageCount = static_cast<int>(conversation->size());
        listing.conversations << summary;
    }
    std::sort(listing.conversations.begin(), listing.conversations.end(),
              [](const ConversationSummary &a, const ConversationSummary &b) {
                  return a.updated != b.updated ? a.updated > b.updated : a.id > b.id;
              });
    return listing;
}

}  // namespace nd
