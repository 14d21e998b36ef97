#pragma once
// Incremental HTTP/1.x request parser: feed it bytes as they arrive, take complete requests out. It
// owns no socket, so every rule (limits, pipelining, a request split anywhere) is tested by feeding
// bytes. Supports the request line, headers and a Content-Length body; refuses Transfer-Encoding (411),
// head sections over the header limit (431), bodies over the body limit (413) and anything malformed
// (400). After an error the parser stays failed: the connection must answer and close, because the
// stream can no longer be split into requests reliably.
#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include "core/http/HttpRequest.h"

namespace nd {

struct HttpParseError {
    int status = 0;   // 400, 411, 413, 431, 505
    QByteArray code;  // "bad_request", … (docs/api.md)
    QString message;  // for the person reading the error body
};

class HttpParser {
public:
    struct Limits {
        qsizetype maxHeadBytes = 16 * 1024;        // request line + headers
        qsizetype maxBodyBytes = 8 * 1024 * 1024;  // Content-Length
    };

    enum class Outcome {
        needMore = 1,    // no complete request yet
        request,         // takeRequest() returns it; call next() again for pipelined ones
        expectContinue,  // headers announced "Expect: 100-continue": send "100 Continue", then go on
        error,           // error() says what; the connection should answer it and close
    };

    HttpParser() = default;
    explicit HttpParser(Limits limits) : m_limits(limits) {}

    void feed(QByteArrayView bytes) { m_buffer.append(bytes.data(), bytes.size()); }
    Outcome next();
    HttpRequest takeRequest() { return std::move(m_request); }
    const HttpParseError &error() const { return m_error; }

    // Bytes received but not yet part of a returned request (a partial request is in progress).
    qsizetype bufferedBytes() const { return m_buffer.size(); }
    bool failed() const { return m_state == State::failed; }

private:
    enum class State { head = 1, body, failed };

    Outcome fail(int status, QByteArrayView code, const QString &message);
    Outcome parseHead(qsizetype headEnd);
    bool parseRequestLine(QByteArrayView line, Outcome *outcome);
    bool parseHeaderLine(QByteArrayView line, Outcome *outcome);
    bool firstLineLooksWrong(QByteArrayView partial);
    void resetFirstLineCheck();

    Limits m_limits;
    State m_state = State::head;
    QByteArray m_buffer;
    qsizetype m_scanFrom = 0;          // where to resume looking for the end of the head
    qsizetype m_firstLineChecked = 0;  // bytes of the partial request line already validated
    qsizetype m_firstLineSpace = -1;   // where its method ends, once seen
    qsizetype m_bodyLength = 0;
    bool m_continueSent = false;
    HttpRequest m_request;
    HttpParseError m_error;
};

}  // namespace nd
