// HttpParser: framing, pipelining, requests split at every byte, limits and malformed input.
#include <gtest/gtest.h>

#include <QList>

#include "core/http/HttpParser.h"

namespace nd {
namespace {

struct Fed {
    QList<HttpRequest> requests;
    bool failed = false;
    HttpParseError error;
    int continues = 0;
};

// Feeds `bytes` in pieces of `step` bytes, collecting everything the parser gives back.
Fed feedAll(const QByteArray &bytes, qsizetype step = 0, HttpParser::Limits limits = {}) {
    HttpParser parser(limits);
    Fed fed;
    if (step <= 0)
        step = bytes.size();
    for (qsizetype pos = 0; pos < bytes.size() && !fed.failed; pos += step) {
        parser.feed(QByteArrayView(bytes).sliced(pos, std::min(step, bytes.size() - pos)));
        while (true) {
            const HttpParser::Outcome o = parser.next();
            if (o == HttpParser::Outcome::needMore)
                break;
            if (o == HttpParser::Outcome::expectContinue) {
                ++fed.continues;
                continue;
            }
            if (o == HttpParser::Outcome::error) {
                fed.failed = true;
                fed.error = parser.error();
                break;
            }
            fed.requests.append(parser.takeRequest());
        }
    }
    return fed;
}

const QByteArray kGet =
    "GET /api/gpus?x=1&y=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer abc\r\n"
    "X-Empty:\r\n\r\n";
const QByteArray kPost =
    "POST /api/shutdown HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n"
    "Content-Type: application/json\r\n\r\n{\"a\":\"bcd\"}";

TEST(HttpParser, ParsesAGetRequest) {
    const Fed fed = feedAll(kGet);
    ASSERT_FALSE(fed.failed) << fed.error.message.toStdString();
    ASSERT_EQ(fed.requests.size(), 1);
    const HttpRequest &r = fed.requests[0];
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/api/gpus?x=1&y=2");
    EXPECT_EQ(r.path, "/api/gpus");
    EXPECT_EQ(r.query, "x=1&y=2");
    EXPECT_EQ(r.version, HttpVersion::http11);
    EXPECT_EQ(r.header("host"), "127.0.0.1");
    EXPECT_EQ(r.header("authorization"), "Bearer abc");
    EXPECT_TRUE(r.hasHeader("x-empty"));
    EXPECT_EQ(r.header("x-empty"), "");
    EXPECT_TRUE(r.body.isEmpty());
    EXPECT_TRUE(r.keepAlive());
}

TEST(HttpParser, ParsesABodyByContentLength) {
    const Fed fed = feedAll(kPost);
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_EQ(fed.requests[0].method, "POST");
    EXPECT_EQ(fed.requests[0].body, "{\"a\":\"bcd\"}");
}

TEST(HttpParser, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
    const Fed fed = feedAll("GET / HTTP/1.1\r\nHOST:   example  \r\nX-Mixed-Case:\tv\t\r\n\r\n");
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_EQ(fed.requests[0].header("host"), "example");
    EXPECT_EQ(fed.requests[0].header("x-mixed-case"), "v");
}

TEST(HttpParser, PercentDecodesThePath) {
    const Fed fed = feedAll("GET /api/a%20b?q=%20 HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_EQ(fed.requests[0].path, "/api/a b");
    EXPECT_EQ(fed.requests[0].query, "q=%20");
}

TEST(HttpParser, PipelinedRequestsComeOutInOrder) {
    const QByteArray three = kGet + kPost + "GET /third HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    const Fed fed = feedAll(three);
    ASSERT_FALSE(fed.failed);
    ASSERT_EQ(fed.requests.size(), 3);
    EXPECT_EQ(fed.requests[0].path, "/api/gpus");
    EXPECT_EQ(fed.requests[1].body, "{\"a\":\"bcd\"}");
    EXPECT_EQ(fed.requests[2].path, "/third");
    EXPECT_FALSE(fed.requests[2].keepAlive());
}

TEST(HttpParser, GivesTheSameResultWhenSplitAtEveryByte) {
    const QByteArray stream = kGet + kPost + kGet;
    const Fed whole = feedAll(stream);
    ASSERT_EQ(whole.requests.size(), 3);
    for (qsizetype step = 1; step <= 7; ++step) {
        const Fed fed = feedAll(stream, step);
        ASSERT_FALSE(fed.failed) << "step " << step;
        ASSERT_EQ(fed.requests.size(), 3) << "step " << step;
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(fed.requests[i].target, whole.requests[i].target);
            EXPECT_EQ(fed.requests[i].headers, whole.requests[i].headers);
            EXPECT_EQ(fed.requests[i].body, whole.requests[i].body);
        }
    }
    // Every split point of a two-part feed, too.
    for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
        HttpParser parser;
        int count = 0;
        for (const QByteArrayView part :
             {QByteArrayView(stream).first(cut), QByteArrayView(stream).sliced(cut)}) {
            parser.feed(part);
            while (parser.next() == HttpParser::Outcome::request) {
                parser.takeRequest();
                ++count;
            }
        }
        EXPECT_EQ(count, 3) << "cut at " << cut;
        EXPECT_FALSE(parser.failed());
    }
}

TEST(HttpParser, AcceptsBareLineFeedsAndLeadingEmptyLines) {
    const Fed fed = feedAll("\r\n\nGET /x HTTP/1.1\nHost: h\n\n");
    ASSERT_FALSE(fed.failed) << fed.error.message.toStdString();
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_EQ(fed.requests[0].path, "/x");
}

TEST(HttpParser, Http10ClosesUnlessKeepAlive) {
    Fed fed = feedAll("GET / HTTP/1.0\r\n\r\n");
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_EQ(fed.requests[0].version, HttpVersion::http10);
    EXPECT_FALSE(fed.requests[0].keepAlive());
    fed = feedAll("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_TRUE(fed.requests[0].keepAlive());
}

TEST(HttpParser, WaitsForTheWholeBody) {
    HttpParser parser;
    parser.feed("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab");
    EXPECT_EQ(parser.next(), HttpParser::Outcome::needMore);
    parser.feed("cde");
    ASSERT_EQ(parser.next(), HttpParser::Outcome::request);
    EXPECT_EQ(parser.takeRequest().body, "abcde");
    EXPECT_EQ(parser.bufferedBytes(), 0);
}

TEST(HttpParser, AnnouncesExpectContinueOnce) {
    const Fed fed = feedAll(
        "POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
        "abc",
        1);
    EXPECT_EQ(fed.continues, 1);
    ASSERT_EQ(fed.requests.size(), 1);
    EXPECT_EQ(fed.requests[0].body, "abc");
}

TEST(HttpParser, HeadersOverTheLimitAre431) {
    QByteArray big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + QByteArray(17 * 1024, 'a') + "\r\n\r\n";
    Fed fed = feedAll(big);
    ASSERT_TRUE(fed.failed);
    EXPECT_EQ(fed.error.status, 431);
    EXPECT_EQ(fed.error.code, "headers_too_large");
    // Also while the head is still arriving: the parser must not buffer without bound.
    fed = feedAll(big.first(16 * 1024 + 100), 1000);
    ASSERT_TRUE(fed.failed);
    EXPECT_EQ(fed.error.status, 431);
}

TEST(HttpParser, HeadersJustUnderTheLimitAreFine) {
    const QByteArray start = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ";
    const QByteArray head = start + QByteArray(16 * 1024 - start.size() - 4, 'a') + "\r\n\r\n";
    ASSERT_EQ(head.size(), 16 * 1024);
    const Fed fed = feedAll(head);
    EXPECT_FALSE(fed.failed);
    EXPECT_EQ(fed.requests.size(), 1);
}

TEST(HttpParser, BodiesOverTheLimitAre413BeforeTheyArrive) {
    const Fed fed = feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8388609\r\n\r\n");
    ASSERT_TRUE(fed.failed);
    EXPECT_EQ(fed.error.status, 413);
    EXPECT_EQ(fed.error.code, "payload_too_large");
    const Fed huge = feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n");
    ASSERT_TRUE(huge.failed);
    EXPECT_EQ(huge.error.status, 413);
}

TEST(HttpParser, BodyLimitIsConfigurable) {
    HttpParser::Limits limits;
    limits.maxBodyBytes = 4;
    EXPECT_FALSE(feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd", 0, limits).failed);
    EXPECT_EQ(feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde", 0, limits).error.status,
              413);
}

TEST(HttpParser, ChunkedBodiesAre411) {
    const Fed fed =
        feedAll("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    ASSERT_TRUE(fed.failed);
    EXPECT_EQ(fed.error.status, 411);
    EXPECT_EQ(fed.error.code, "length_required");
    EXPECT_TRUE(fed.requests.isEmpty());
}

TEST(HttpParser, ConflictingContentLengthsAre400) {
    Fed fed = feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    EXPECT_EQ(fed.error.status, 400);
    fed = feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc");
    EXPECT_FALSE(fed.failed);
    fed = feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -3\r\n\r\n");
    EXPECT_EQ(fed.error.status, 400);
    fed = feedAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n");
    EXPECT_EQ(fed.error.status, 400);
}

TEST(HttpParser, GarbageIs400) {
    const QList<QByteArray> garbage{
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",
        "GET / FOO/1.1\r\nHost: h\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET http://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET / HTTP/1.1\r\nName : value\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",                                        // HTTP/1.1 without Host
        QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS ClientHello
    };
    for (const QByteArray &g : garbage) {
        const Fed fed = feedAll(g);
        EXPECT_TRUE(fed.failed) << g.toStdString();
        EXPECT_EQ(fed.error.status, 400) << g.toStdString();
        EXPECT_EQ(fed.error.code, "bad_request") << g.toStdString();
        EXPECT_FALSE(fed.error.message.isEmpty());
    }
}

TEST(HttpParser, BinaryGarbageFailsWithoutWaitingForALineEnd) {
    HttpParser parser;
    parser.feed(QByteArray("\x00\x01\x02\x03", 4));
    EXPECT_EQ(parser.next(), HttpParser::Outcome::error);
    EXPECT_EQ(parser.error().status, 400);
}

TEST(HttpParser, UnsupportedVersionIs505) {
    const Fed fed = feedAll("GET / HTTP/2.0\r\nHost: h\r\n\r\n");
    EXPECT_EQ(fed.error.status, 505);
}

TEST(HttpParser, StaysFailedAfterAnError) {
    HttpParser parser;
    parser.feed("BAD\r\n\r\n");
    EXPECT_EQ(parser.next(), HttpParser::Outcome::error);
    parser.feed(kGet);
    EXPECT_EQ(parser.next(), HttpParser::Outcome::error);
    EXPECT_TRUE(parser.failed());
}

TEST(HttpParser, RequestBeforeAnErrorIsStillDelivered) {
    const Fed fed = feedAll(kGet + "NONSENSE\r\n\r\n");
    EXPECT_EQ(fed.requests.size(), 1);
    EXPECT_TRUE(fed.failed);
}

}  // namespace
}  // namespace nd
