// Sse: encoding events and comments for text/event-stream responses.
#include "core/http/Sse.h"

namespace nd {

namespace {

// Field values must not contain line breaks, which would end the field early.
QByteArray singleLine(QByteArrayView text) {
    QByteArray out = text.toByteArray();
    out.replace('\r', ' ').replace('\n', ' ');
    return out;
}

}  // namespace

QByteArray sseEncodeEvent(QByteArrayView type, quint64 id, QByteArrayView data) {
    QByteArray out;
    out.reserve(data.size() + type.size() + 40);
    if (!type.isEmpty())
        out += "event: " + singleLine(type) + '\n';
    if (id != 0)
        out += "id: " + QByteArray::number(id) + '\n';
    // Split on \r\n, \r or \n: all three end a line for the client.
    qsizetype start = 0;
    for (qsizetype i = 0; i <= data.size(); ++i) {
        if (i == data.size() || data[i] == '\n' || data[i] == '\r') {
            out += "data: ";
            out.append(data.sliced(start, i - start).data(), i - start);
            out += '\n';
            if (i < data.size() && data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n')
                ++i;
            start = i + 1;
        }
    }
    out += '\n';
    return out;
}

QByteArray sseEncodeComment(QByteArrayView text) {
    return ": " + singleLine(text) + "\n\n";
}

}  // namespace nd
