#pragma once
// The Job detail's log: stdout or stderr of one job, followed live (GET /api/jobs/{id}/log/follow, SSE `log`
// events with base64 data, then `end`) or read once (GET /api/jobs/{id}/log), with search (next/previous,
// wrapping around) and line wrap. A large log never freezes the GUI: bytes arrive into a queue that a
// zero-delay timer moves into the text a chunk at a time, and the text holds at most capChars (the tail;
// a note says how much earlier output is not shown, and "Load all" lifts the cap and reads from the start).
#include <QByteArray>
#include <QPointer>
#include <QStringDecoder>
#include <QWidget>

#include "core/client/SseParser.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QNetworkReply;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace nd {

class ApiClient;

class JobLogPane : public QWidget {
    Q_OBJECT
public:
    static constexpr qint64 defaultCapChars = 2 * 1024 * 1024;
    static constexpr qint64 defaultChunkBytes = 64 * 1024;

    explicit JobLogPane(QWidget *parent = nullptr);
    ~JobLogPane() override;

    // The daemon to read from (owned by the caller) and the job; starts reading at once.
    void setSource(ApiClient *api, qint64 jobId);
    // Starts over: clears the text and reads the chosen stream again (following it when Follow is on).
    void reload();

    // For tests and the view: bytes as if they came from the daemon (queued, appended in chunks).
    void appendBytes(const QByteArray &bytes);
    void setCapChars(qint64 chars) { m_capChars = chars; }
    void setChunkBytes(qint64 bytes) { m_chunkBytes = bytes; }
    qint64 queuedBytes() const { return m_queue.size(); }
    // Characters of earlier output not shown (the file's bytes before where reading began, plus what the
    // cap trimmed); 0 when the whole log is shown.
    qint64 hiddenAmount() const { return m_skippedBytes + m_trimmedChars; }
    bool followEnded() const { return m_ended; }
    QString plainText() const;

    // Finds the search box's text after (or before) the cursor, wrapping around; false when it is nowhere.
    bool findNext(bool backwards = false);

    QPlainTextEdit *textView() const { return m_text; }
    QComboBox *streamBox() const { return m_stream; }
    QCheckBox *followBox() const { return m_follow; }
    QCheckBox *wrapBox() const { return m_wrap; }
    QLineEdit *searchBox() const { return m_search; }
    QPushButton *nextButton() const { return m_next; }
    QPushButton *previousButton() const { return m_previous; }
    QPushButton *loadAllButton() const { return m_loadAll; }
    QLabel *noteLabel() const { return m_note; }

Q_SIGNALS:
    // Every queued byte is in the text (tests wait on it).
    void caughtUp();
    // The followed job ended and its whole log was sent (`end`): "completed", "failed", …
    void logEnded(const QString &state);

private:
    void startReading(qint64 offset);
    void stopReading();
    void onFollowData();
    void onSnapshotFinished(QNetworkReply *reply);
    void drainChunk();
    void trimToCap();
    void updateNote();
    void onFollowToggled(bool on);

    QPointer<ApiClient> m_api;
    qint64 m_jobId = 0;
    QPointer<QNetworkReply> m_reply;
    SseParser m_parser;
    QStringDecoder m_decoder{QStringDecoder::Utf8};
    QByteArray m_queue;
    QTimer *m_drain;
    qint64 m_capChars = defaultCapChars;
    qint64 m_chunkBytes = defaultChunkBytes;
    qint64 m_nextOffset = 0;    // the file offset after the last byte received
    qint64 m_skippedBytes = 0;  // bytes of the file before where reading began
    qint64 m_trimmedChars = 0;
    bool m_started = false;  // a first byte offset was seen for this reading
    bool m_ended = false;
    QString m_error;

    QComboBox *m_stream;
    QCheckBox *m_follow;
    QCheckBox *m_wrap;
    QLineEdit *m_search;
    QPushButton *m_previous;
    QPushButton *m_next;
    QLabel *m_searchStatus;
    QLabel *m_note;
    QPushButton *m_loadAll;
    QPlainTextEdit *m_text;
};

}  // namespace nd
