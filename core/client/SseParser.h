#pragma once
// Client-side parser of a text/event-stream (WHATWG HTML "event stream interpretation"): feed it bytes
// as they arrive, in pieces of any size, and take out whole events. Comments (": keep-alive") count as
// activity but produce no event.
#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace nd {

struct SseEvent {
    QByteArray type = "message";  // the `event:` field, "message" when absent
    QByteArray id;                // the last `id:` seen on the stream (it carries over, as the spec says)
    QByteArray data;              // `data:` lines joined with '\n'
};

class SseParser {
public:
    // Appends bytes and returns the events they complete.
    QList<SseEvent> feed(QByteArrayView bytes);
    QByteArray lastEventId() const { return m_lastId; }
    // A `retry:` field from the server (ms), or -1.
    int retryMs() const { return m_retryMs; }
    // Bytes of an incomplete line still buffered.
    qsizetype pendingBytes() const { return m_line.size(); }

private:
    void processLine(QByteArrayView line, QList<SseEvent> *out);

    QByteArray m_line;
    bool m_skipLf = false;  // the previous chunk ended in '\r': a following '\n' belongs to it
    bool m_firstLine = true;
    QByteArray m_type;
    QByteArray m_data;
    bool m_hasData = false;
    QByteArray m_lastId;
    int m_retryMs = -1;
};

}  // namespace nd
