// fuzz_sse_parser: arbitrary bytes into nd::SseParser, which reads the daemon's event stream in the GUI
// and nemoctl. Besides "no crash, no sanitizer report" it checks:
//   - where the stream is split does not matter (a CR at the end of one read and the LF at the start of
//     the next are one line end): whole, input-derived chunks and byte by byte give the same events,
//     last event id, retry and pending bytes;
//   - events are well formed: a type without line ends, an id without line ends or NUL, data without CR
//     (lines are joined with LF only), and never a retry below -1.
#include <QByteArray>
#include <QList>

#include "core/client/SseParser.h"
#include "tests/fuzz/FuzzCheck.h"

namespace {

struct Run {
    QList<nd::SseEvent> events;
    QByteArray lastEventId;
    int retryMs = -1;
    qsizetype pendingBytes = 0;
};

Run parse(QByteArrayView input, const std::vector<size_t> &lengths) {
    nd::SseParser parser;
    Run run;
    qsizetype offset = 0;
    for (const size_t n : lengths) {
        const qsizetype pendingBefore = parser.pendingBytes();
        const QList<nd::SseEvent> events = parser.feed(input.sliced(offset, static_cast<qsizetype>(n)));
        offset += static_cast<qsizetype>(n);
        // Nothing is lost or invented: the pending line only grows by what was fed.
        ND_FUZZ_CHECK(parser.pendingBytes() <= pendingBefore + static_cast<qsizetype>(n));
        for (const nd::SseEvent &e : events) {
            ND_FUZZ_CHECK(!e.type.isEmpty());
            ND_FUZZ_CHECK(!e.type.contains('\r') && !e.type.contains('\n'));
            ND_FUZZ_CHECK(!e.id.contains('\r') && !e.id.contains('\n') && !e.id.contains('\0'));
            ND_FUZZ_CHECK(!e.data.contains('\r'));
            run.events.append(e);
        }
        ND_FUZZ_CHECK(parser.retryMs() >= -1);
    }
    run.lastEventId = parser.lastEventId();
    run.retryMs = parser.retryMs();
    run.pendingBytes = parser.pendingBytes();
    return run;
}

void checkSame(const Run &a, const Run &b) {
    ND_FUZZ_CHECK(a.events.size() == b.events.size());
    for (qsizetype i = 0; i < a.events.size(); ++i) {
        ND_FUZZ_CHECK(a.events[i].type == b.events[i].type);
        ND_FUZZ_CHECK(a.events[i].id == b.events[i].id);
        ND_FUZZ_CHECK(a.events[i].data == b.events[i].data);
    }
    ND_FUZZ_CHECK(a.lastEventId == b.lastEventId);
    ND_FUZZ_CHECK(a.retryMs == b.retryMs);
    ND_FUZZ_CHECK(a.pendingBytes == b.pendingBytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const Run whole = parse(input, {size});
    checkSame(whole, parse(input, nd::fuzz::chunkLengths(size, nd::fuzz::hashBytes(data, size))));
    // Byte by byte builds a result list per byte; it quarters the executions on long inputs, so only
    // the shorter ones (where most line-end splits are found anyway) take that path.
    if (size <= 1024)
        checkSame(whole, parse(input, std::vector<size_t>(size, 1)));
    return 0;
}
