#pragma once
// Server-Sent Events wire format (WHATWG HTML, "event stream interpretation"): the server side encoder.
#include <QByteArray>
#include <QByteArrayView>

namespace nd {

// "event: TYPE\nid: ID\ndata: LINE\n…\n\n". Multi-line data becomes one data: line per line, which the
// client joins back with '\n'. A zero id is left out.
QByteArray sseEncodeEvent(QByteArrayView type, quint64 id, QByteArrayView data);
// ": TEXT\n\n" — a comment, ignored by clients; keeps idle connections (and proxies) from timing out.
QByteArray sseEncodeComment(QByteArrayView text);

}  // namespace nd
