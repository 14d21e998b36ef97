// HttpParser: RFC 9112 message framing, strict where leniency would let requests be smuggled or memory
// be exhausted (conflicting lengths, Transfer-Encoding, oversized heads), lenient where clients differ
// harmlessly (bare LF line ends, empty lines before a request).
#include "core/http/HttpParser.h"

#include <QByteArrayList>
#include <algorithm>

namespace nd {

namespace {

// RFC 9110 "tchar": what a method or header name may consist of.
bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool isToken(QByteArrayView s) {
    if (s.isEmpty())
        return false;
    for (char c : s)
        if (!isTokenChar(c))
            return false;
    return true;
}

// Header values: visible ASCII, obs-text (bytes >= 0x80), space and tab; no other control characters.
bool isFieldValue(QByteArrayView s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

QByteArrayView trimmedView(QByteArrayView s) {
    while (!s.isEmpty() && (s.front() == ' ' || s.front() == '\t'))
        s = s.sliced(1);
    while (!s.isEmpty() && (s.back() == ' ' || s.back() == '\t'))
        s.chop(1);
    return s;
}

// Strips the line end: "\r\n" or a bare "\n".
QByteArrayView withoutLineEnd(QByteArrayView line) {
    if (line.endsWith('\n'))
        line.chop(1);
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

}  // namespace

HttpParser::Outcome HttpParser::fail(int status, QByteArrayView code, const QString &message) {
    m_state = State::failed;
    m_error = HttpParseError{status, code.toByteArray(), message};
    return Outcome::error;
}

bool HttpParser::firstLineLooksWrong(QByteArrayView partial) {
    // Lets garbage (binary data, a TLS handshake) fail at once instead of waiting for 16 KiB or a line end.
    // Incremental: only bytes not looked at before are checked, so a request line that trickles in one
    // byte at a time costs linear, not quadratic, time.
    for (qsizetype i = m_firstLineChecked; i < partial.size(); ++i) {
        const char c = partial[i];
        if (m_firstLineSpace < 0) {
            if (c == ' ')
                m_firstLineSpace = i;
            else if (!isTokenChar(c))
                return true;
        } else if (!isFieldValue(partial.sliced(i, 1))) {
            return true;
        }
    }
    m_firstLineChecked = partial.size();
    return false;
}

void HttpParser::resetFirstLineCheck() {
    m_firstLineChecked = 0;
    m_firstLineSpace = -1;
}

HttpParser::Outcome HttpParser::next() {
    if (m_state == State::failed)
        return Outcome::error;

    if (m_state == State::head) {
        // Tolerate empty lines between requests (RFC 9112 2.2): some clients send CRLF after a body.
        if (m_scanFrom == 0) {
            qsizetype skip = 0;
            while (skip < m_buffer.size() && (m_buffer.at(skip) == '\r' || m_buffer.at(skip) == '\n'))
                ++skip;
            if (skip > 0) {
                m_buffer.remove(0, skip);
                resetFirstLineCheck();
            }
        }
        // Find the empty line that ends the head, resuming where the previous call stopped.
        qsizetype headEnd = -1;
        qsizetype lineStart = m_scanFrom;
        while (true) {
            const qsizetype nl = m_buffer.indexOf('\n', lineStart);
            if (nl < 0)
                break;
            const qsizetype lineLength = nl - lineStart;  // without the '\n'
            if (lineStart > 0 && (lineLength == 0 || (lineLength == 1 && m_buffer.at(lineStart) == '\r'))) {
                headEnd = nl + 1;
                break;
            }
            lineStart = nl + 1;
        }
        if (headEnd < 0) {
            m_scanFrom = lineStart;
            const qsizetype firstNl = m_buffer.indexOf('\n');
            const QByteArrayView firstLine =
                firstNl < 0 ? QByteArrayView(m_buffer) : QByteArrayView(m_buffer).first(firstNl);
            if (firstLineLooksWrong(withoutLineEnd(firstLine)))
                return fail(400, "bad_request", QStringLiteral("malformed request line"));
            if (m_buffer.size() > m_limits.maxHeadBytes)
                return fail(431, "headers_too_large",
                            QStringLiteral("the request line and headers exceed %1 KiB")
                                .arg(m_limits.maxHeadBytes / 1024));
            return Outcome::needMore;
        }
        if (headEnd > m_limits.maxHeadBytes)
            return fail(431, "headers_too_large",
                        QStringLiteral("the request line and headers exceed %1 KiB")
                            .arg(m_limits.maxHeadBytes / 1024));
        const Outcome outcome = parseHead(headEnd);
        if (outcome == Outcome::error)
            return outcome;
        m_buffer.remove(0, headEnd);
        m_scanFrom = 0;
        resetFirstLineCheck();
        m_state = State::body;
        m_continueSent = false;
    }

    // State::body
    if (m_buffer.size() < m_bodyLength) {
        const QByteArray expect = m_request.header("expect").toLower();
        if (!m_continueSent && m_request.version == HttpVersion::http11 && expect == "100-continue") {
            m_continueSent = true;
            return Outcome::expectContinue;
        }
        return Outcome::needMore;
    }
    m_request.body = m_buffer.first(m_bodyLength);
    m_buffer.remove(0, m_bodyLength);
    m_bodyLength = 0;
    m_state = State::head;
    return Outcome::request;
}

HttpParser::Outcome HttpParser::parseHead(qsizetype headEnd) {
    m_request = HttpRequest{};
    m_bodyLength = 0;
    const QByteArrayView head = QByteArrayView(m_buffer).first(headEnd);
    qsizetype pos = 0;
    bool first = true;
    Outcome outcome = Outcome::needMore;
    while (pos < head.size()) {
        const qsizetype nl = head.indexOf('\n', pos);
        const QByteArrayView line = withoutLineEnd(head.sliced(pos, nl - pos + 1));
        pos = nl + 1;
        if (line.isEmpty())
            break;  // the end of the head
        if (first) {
            if (!parseRequestLine(line, &outcome))
                return outcome;
            first = false;
        } else if (!parseHeaderLine(line, &outcome)) {
            return outcome;
        }
    }

    // Message framing (RFC 9112 6.3). Transfer-Encoding is refused outright: we never need chunked
    // uploads, and a request carrying both it and Content-Length is the classic smuggling vector.
    if (m_request.hasHeader("transfer-encoding"))
        return fail(411, "length_required",
                    QStringLiteral("Transfer-Encoding is not accepted; send the body with a Content-Length"));
    QByteArray length;
    for (const auto &h : m_request.headers) {
        if (h.first != "content-length")
            continue;
        // "Content-Length: 5, 5" and repeated headers are allowed when every value agrees.
        for (const QByteArray &part : h.second.split(',')) {
            const QByteArray value = part.trimmed();
            if (value.isEmpty() ||
                !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return fail(400, "bad_request", QStringLiteral("Content-Length is not a number"));
            if (!length.isEmpty() && value != length)
                return fail(400, "bad_request", QStringLiteral("conflicting Content-Length values"));
            length = value;
        }
    }
    if (!length.isEmpty()) {
        // More than 10 digits is over any limit we have; checking first avoids overflow.
        bool ok = false;
        const qlonglong n = length.size() > 10 ? -1 : length.toLongLong(&ok);
        if (!ok || n < 0 || n > m_limits.maxBodyBytes)
            return fail(
                413, "payload_too_large",
                QStringLiteral("the body is larger than %1 MiB").arg(m_limits.maxBodyBytes / (1024 * 1024)));
        m_bodyLength = static_cast<qsizetype>(n);
    }
    if (m_request.version == HttpVersion::http11 && !m_request.hasHeader("host"))
        return fail(400, "bad_request", QStringLiteral("an HTTP/1.1 request needs a Host header"));
    return Outcome::needMore;
}

bool HttpParser::parseRequestLine(QByteArrayView line, Outcome *outcome) {
    const QList<QByteArrayView> parts = [&line] {
        QList<QByteArrayView> out;
        qsizetype start = 0;
        while (true) {
            const qsizetype sp = line.indexOf(' ', start);
            out.append(line.sliced(start, (sp < 0 ? line.size() : sp) - start));
            if (sp < 0)
                break;
            start = sp + 1;
        }
        return out;
    }();
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
        *outcome = fail(400, "bad_request", QStringLiteral("malformed request line"));
        return false;
    }
    const QByteArrayView version = parts[2];
    if (version == "HTTP/1.1") {
        m_request.version = HttpVersion::http11;
    } else if (version == "HTTP/1.0") {
        m_request.version = HttpVersion::http10;
    } else if (version.size() == 8 && version.startsWith("HTTP/") && version[6] == '.') {
        *outcome = fail(505, "http_version_not_supported",
                        QStringLiteral("HTTP version %1 is not supported; use HTTP/1.1")
                            .arg(QString::fromLatin1(version.sliced(5))));
        return false;
    } else {
        *outcome = fail(400, "bad_request", QStringLiteral("malformed request line"));
        return false;
    }
    const QByteArrayView target = parts[1];
    for (char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
            *outcome =
                fail(400, "bad_request", QStringLiteral("the request target contains invalid characters"));
            return false;
        }
    }
    if (!target.startsWith('/')) {
        *outcome =
            fail(400, "bad_request", QStringLiteral("the request target must be a path starting with '/'"));
        return false;
    }
    m_request.method = parts[0].toByteArray();
    m_request.target = target.toByteArray();
    const qsizetype question = target.indexOf('?');
    const QByteArrayView rawPath = question < 0 ? target : target.first(question);
    m_request.query = question < 0 ? QByteArray() : target.sliced(question + 1).toByteArray();
    m_request.path = QByteArray::fromPercentEncoding(rawPath.toByteArray());
    return true;
}

bool HttpParser::parseHeaderLine(QByteArrayView line, Outcome *outcome) {
    if (line.front() == ' ' || line.front() == '\t') {
        *outcome = fail(400, "bad_request", QStringLiteral("folded header lines are not accepted"));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    // No whitespace is allowed between the name and the colon (RFC 9112 5.1).
    if (colon <= 0 || !isToken(line.first(colon))) {
        *outcome = fail(400, "bad_request", QStringLiteral("malformed header line"));
        return false;
    }
    const QByteArrayView value = trimmedView(line.sliced(colon + 1));
    if (!isFieldValue(value)) {
        *outcome = fail(400, "bad_request", QStringLiteral("a header value contains control characters"));
        return false;
    }
    m_request.headers.emplaceBack(line.first(colon).toByteArray().toLower(), value.toByteArray());
    return true;
}

}  // namespace nd
