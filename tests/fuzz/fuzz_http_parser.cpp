// fuzz_http_parser: arbitrary bytes into nd::HttpParser, the first code that sees what a local client
// sends to the daemon. Besides "no crash, no sanitizer report" it checks what the parser promises:
//   - every request it returns is well formed (token method, origin-form target, lowercase token
//     header names, trimmed values, a Host header on HTTP/1.1, no Transfer-Encoding) and its body is
//     exactly Content-Length bytes;
//   - errors carry a documented status, a code and a message, and stay: once failed, always failed;
//   - where a request is split does not matter: the input fed whole, in input-derived chunks and byte by
//     byte yields the same requests and the same failed / not failed outcome.
#include <QByteArray>
#include <QList>

#include "core/http/HttpParser.h"
#include "tests/fuzz/FuzzCheck.h"

namespace {

using nd::HttpParser;
using nd::HttpRequest;

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView s) {
    if (s.isEmpty())
        return false;
    for (char c : s)
        if (!isTokenChar(c))
            return false;
    return true;
}

void checkRequest(const HttpRequest &r, const HttpParser::Limits &limits) {
    ND_FUZZ_CHECK(isToken(r.method));
    ND_FUZZ_CHECK(r.target.startsWith('/'));
    for (char c : r.target) {
        const auto u = static_cast<unsigned char>(c);
        ND_FUZZ_CHECK(u > 0x20 && u < 0x7f);
    }
    const qsizetype question = r.target.indexOf('?');
    ND_FUZZ_CHECK(r.query == (question < 0 ? QByteArray() : r.target.sliced(question + 1)));
    ND_FUZZ_CHECK(r.version == nd::HttpVersion::http10 || r.version == nd::HttpVersion::http11);
    if (r.version == nd::HttpVersion::http11)
        ND_FUZZ_CHECK(r.hasHeader("host"));
    ND_FUZZ_CHECK(!r.hasHeader("transfer-encoding"));
    for (const auto &[name, value] : r.headers) {
        ND_FUZZ_CHECK(isToken(name));
        ND_FUZZ_CHECK(name == name.toLower());
        ND_FUZZ_CHECK(!value.startsWith(' ') && !value.startsWith('\t'));
        ND_FUZZ_CHECK(!value.endsWith(' ') && !value.endsWith('\t'));
        for (char c : value) {
            const auto u = static_cast<unsigned char>(c);
            ND_FUZZ_CHECK((u >= 0x20 || u == '\t') && u != 0x7f);
        }
    }
    // All Content-Length values agree (else the parser must have failed), so the first one decides.
    qsizetype expectedBody = 0;
    if (r.hasHeader("content-length")) {
        bool ok = false;
        expectedBody = r.header("content-length").split(',').first().trimmed().toLongLong(&ok);
        ND_FUZZ_CHECK(ok);
    }
    ND_FUZZ_CHECK(r.body.size() == expectedBody);
    ND_FUZZ_CHECK(r.body.size() <= limits.maxBodyBytes);
}

bool sameRequest(const HttpRequest &a, const HttpRequest &b) {
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.version == b.version && a.headers == b.headers && a.body == b.body;
}

struct Run {
    QList<HttpRequest> requests;
    bool failed = false;
    qsizetype bufferedBytes = 0;
};

// Takes out everything the bytes fed so far complete, as HttpConnection does after each read.
void drain(HttpParser &parser, const HttpParser::Limits &limits, bool *continueSent, Run *run) {
    while (true) {
        const qsizetype before = parser.bufferedBytes();
        switch (parser.next()) {
            case HttpParser::Outcome::needMore:
                ND_FUZZ_CHECK(!parser.failed());
                return;
            case HttpParser::Outcome::expectContinue:
                // Once per request: a second "100 Continue" would be a protocol error on the wire.
                ND_FUZZ_CHECK(!*continueSent);
                *continueSent = true;
                break;
            case HttpParser::Outcome::request: {
                // Every request consumes bytes, so draining always ends.
                ND_FUZZ_CHECK(parser.bufferedBytes() < before);
                const HttpRequest request = parser.takeRequest();
                checkRequest(request, limits);
                run->requests.append(request);
                *continueSent = false;
                break;
            }
            case HttpParser::Outcome::error: {
                ND_FUZZ_CHECK(parser.failed());
                const nd::HttpParseError &e = parser.error();
                ND_FUZZ_CHECK(e.status == 400 || e.status == 411 || e.status == 413 || e.status == 431 ||
                              e.status == 505);
                ND_FUZZ_CHECK(!e.code.isEmpty());
                ND_FUZZ_CHECK(!e.message.isEmpty());
                run->failed = true;
                return;
            }
        }
    }
}

Run parse(QByteArrayView input, const std::vector<size_t> &lengths, const HttpParser::Limits &limits) {
    HttpParser parser(limits);
    Run run;
    bool continueSent = false;
    qsizetype offset = 0;
    int failedStatus = 0;
    for (const size_t n : lengths) {
        parser.feed(input.sliced(offset, static_cast<qsizetype>(n)));
        offset += static_cast<qsizetype>(n);
        if (run.failed) {
            // After an error more bytes change nothing: the connection answers the error and closes.
            ND_FUZZ_CHECK(parser.next() == HttpParser::Outcome::error);
            ND_FUZZ_CHECK(parser.failed() && parser.error().status == failedStatus);
            continue;
        }
        drain(parser, limits, &continueSent, &run);
        if (run.failed)
            failedStatus = parser.error().status;
    }
    if (!run.failed)
        drain(parser, limits, &continueSent, &run);  // an empty input has no chunk at all
    run.bufferedBytes = parser.bufferedBytes();
    return run;
}

void checkSame(const Run &a, const Run &b) {
    ND_FUZZ_CHECK(a.failed == b.failed);
    ND_FUZZ_CHECK(a.requests.size() == b.requests.size());
    for (qsizetype i = 0; i < a.requests.size(); ++i)
        ND_FUZZ_CHECK(sameRequest(a.requests[i], b.requests[i]));
    // Unless failed (where an early, partial-line error may stop buffering sooner), the bytes of an
    // unfinished request left in the buffer are the same too.
    if (!a.failed)
        ND_FUZZ_CHECK(a.bufferedBytes == b.bufferedBytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const uint64_t seed = nd::fuzz::hashBytes(data, size);

    // Half of the inputs run against small limits so the 413 and 431 paths are reachable with short
    // inputs; the other half against the daemon's real limits.
    HttpParser::Limits limits;
    if ((seed >> 60) & 1) {
        limits.maxHeadBytes = 1024;
        limits.maxBodyBytes = 2048;
    }

    const Run whole = parse(input, {size}, limits);
    checkSame(whole, parse(input, nd::fuzz::chunkLengths(size, seed), limits));
    // Byte by byte is quadratic in the first line's length (each byte rechecks it); keep it for the
    // sizes where it stays fast.
    if (size <= 1024)
        checkSame(whole, parse(input, std::vector<size_t>(size, 1), limits));
    return 0;
}
