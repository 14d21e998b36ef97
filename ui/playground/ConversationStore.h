#pragma once
// Saved Playground conversations: one JSON file per conversation, <data>/playground/<id>.json, written
// atomically (QSaveFile) so that a crash never leaves half a file. A file that cannot be read is reported
// by name in the listing and otherwise left alone (the user may want it back).
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"
#include "core/paths/Paths.h"
#include "ui/playground/Conversation.h"

namespace nd {

struct ConversationSummary {
    QString id;
    QString title;
    QString model;
    QDateTime updated;
    int messageCount = 0;
};

class ConversationStore {
public:
    explicit ConversationStore(QString dir);
    static QString defaultDir(const Paths &paths);  // <data>/playground

    QString dir() const { return m_dir; }
    // A fresh id: time-ordered and unique ("20250131-142501-3f9a").
    static QString newId();

    // Stamps `updated` (and `created` and `id` when missing) and writes the file.
    VoidResult save(Conversation *conversation) const;
    Result<Conversation> load(const QString &id) const;
    VoidResult remove(const QString &id) const;
    VoidResult rename(const QString &id, const QString &title) const;

    struct Listing {
        QList<ConversationSummary> conversations;  // newest first
        QStringList problems;                      // one sentence per file that could not be read
    };
    Listing list() const;

private:
    Result<QString> fileFor(const QString &id) const;

    QString m_dir;
};

}  // namespace nd
