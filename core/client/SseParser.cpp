// SseParser: line splitting on CR, LF or CRLF (even across chunks) and field dispatch.
#include "core/client/SseParser.h"

namespace nd {

QList<SseEvent> SseParser::feed(QByteArrayView bytes) {
    QList<SseEvent> out;
    for (char c : bytes) {
        if (m_skipLf) {
            m_skipLf = false;
            if (c == '\n')
                continue;
        }
        if (c == '\r' || c == '\n') {
            m_skipLf = c == '\r';
            processLine(m_line, &out);
            m_line.clear();
        } else {
            m_line.append(c);
        }
    }
    return out;
}

void SseParser::processLine(QByteArrayView line, QList<SseEvent> *out) {
    if (m_firstLine) {
        m_firstLine = false;
        if (line.startsWith("\xEF\xBB\xBF"))
            line = line.sliced(3);  // a UTF-8 BOM may start the stream
    }
    if (line.isEmpty()) {
        // A blank line dispatches the event collected so far (events without data are dropped).
        if (m_hasData) {
            SseEvent event;
            if (!m_type.isEmpty())
                event.type = m_type;
            event.id = m_lastId;
            event.data = m_data;
            out->append(std::move(event));
        }
        m_type.clear();
        m_data.clear();
        m_hasData = false;
        return;
    }
    if (line.startsWith(':'))
        return;  // a comment
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (field == "event") {
        m_type = value.toByteArray();
    } else if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value.data(), value.size());
        m_hasData = true;
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_lastId = value.toByteArray();
    } else if (field == "retry") {
        bool ok = false;
        const int ms = value.toByteArray().toInt(&ok);
        if (ok && ms >= 0)
            m_retryMs = ms;
    }
}

}  // namespace nd
