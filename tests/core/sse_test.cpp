// Server-Sent Events: the server's encoder and the client's parser, separately and together.
#include <gtest/gtest.h>

#include "core/client/SseParser.h"
#include "core/http/Sse.h"

namespace nd {
namespace {

TEST(SseEncode, WritesEventIdAndData) {
    EXPECT_EQ(sseEncodeEvent("telemetry", 17, "{\"a\":1}"), "event: telemetry\nid: 17\ndata: {\"a\":1}\n\n");
}

TEST(SseEncode, SplitsMultiLineDataAndLeavesOutZeroId) {
    EXPECT_EQ(sseEncodeEvent("", 0, "one\ntwo\r\nthree\rfour"),
              "data: one\ndata: two\ndata: three\ndata: four\n\n");
    EXPECT_EQ(sseEncodeEvent("x", 0, ""), "event: x\ndata: \n\n");
}

TEST(SseEncode, KeepsFieldValuesOnOneLine) {
    EXPECT_EQ(sseEncodeEvent("a\nb", 1, "d"), "event: a b\nid: 1\ndata: d\n\n");
    EXPECT_EQ(sseEncodeComment("keep-alive"), ": keep-alive\n\n");
}

TEST(SseParser, ParsesEventsAndIgnoresComments) {
    SseParser parser;
    const QList<SseEvent> events =
        parser.feed(": keep-alive\n\nevent: telemetry\nid: 3\ndata: {\"x\":1}\n\ndata: plain\n\n");
    ASSERT_EQ(events.size(), 2);
    EXPECT_EQ(events[0].type, "telemetry");
    EXPECT_EQ(events[0].id, "3");
    EXPECT_EQ(events[0].data, "{\"x\":1}");
    EXPECT_EQ(events[1].type, "message");
    EXPECT_EQ(events[1].id, "3");  // the last id carries over
    EXPECT_EQ(events[1].data, "plain");
}

TEST(SseParser, JoinsDataLinesAndHandlesAllLineEnds) {
    SseParser parser;
    const QList<SseEvent> events = parser.feed("data: a\r\ndata:b\rdata:  c\n\r\n");
    ASSERT_EQ(events.size(), 1);
    EXPECT_EQ(events[0].data, "a\nb\n c");
}

TEST(SseParser, EventsWithoutDataAreDropped) {
    SseParser parser;
    EXPECT_TRUE(parser.feed("event: nothing\n\n").isEmpty());
    EXPECT_TRUE(parser.feed("retry: 1500\n\n").isEmpty());
    EXPECT_EQ(parser.retryMs(), 1500);
}

TEST(SseParser, RoundTripsTheEncoderSplitAtEveryByte) {
    const QByteArray stream =
        sseEncodeComment("keep-alive") + sseEncodeEvent("telemetry", 1, "{\"a\":[1,2]}") +
        sseEncodeEvent("telemetry", 2, "line1\nline2") + sseEncodeEvent("other", 3, "x");
    for (qsizetype step = 1; step <= stream.size(); ++step) {
        SseParser parser;
        QList<SseEvent> events;
        for (qsizetype pos = 0; pos < stream.size(); pos += step)
            events += parser.feed(QByteArrayView(stream).sliced(pos, std::min(step, stream.size() - pos)));
        ASSERT_EQ(events.size(), 3) << "step " << step;
        EXPECT_EQ(events[0].data, "{\"a\":[1,2]}");
        EXPECT_EQ(events[1].data, "line1\nline2");
        EXPECT_EQ(events[1].id, "2");
        EXPECT_EQ(events[2].type, "other");
    }
}

TEST(SseParser, CrLfSplitAcrossChunksIsOneLineEnd) {
    SseParser parser;
    EXPECT_TRUE(parser.feed("data: x\r").isEmpty());
    // The '\n' completes the CRLF; the next '\r\n' is the blank line that dispatches.
    const QList<SseEvent> events = parser.feed("\n\r\n");
    ASSERT_EQ(events.size(), 1);
    EXPECT_EQ(events[0].data, "x");
}

}  // namespace
}  // namespace nd
