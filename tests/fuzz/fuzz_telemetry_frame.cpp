// fuzz_telemetry_frame: arbitrary bytes as JSON from the daemon (a `telemetry` event's data, a
// GET /api/gpus body) through nd::parseTelemetryFrame and nd::parseGpuInventory, as the GUI and nemoctl
// read them. The client must survive any daemon answer, including a wrong or hostile one: no crash, no
// undefined behaviour on out-of-range numbers, and an error that names what is malformed.
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/client/TelemetryFrame.h"
#include "tests/fuzz/FuzzCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    // The client parses each payload with QJsonDocument and hands the object over; a payload that is no
    // object arrives as an empty one, which must be refused rather than read as an empty frame.
    const QJsonObject json = QJsonDocument::fromJson(bytes).object();

    const nd::Result<nd::TelemetryFrame> frame = nd::parseTelemetryFrame(json);
    if (frame.ok()) {
        ND_FUZZ_CHECK(json.value(QStringLiteral("gpus")).isArray());
        ND_FUZZ_CHECK(frame->gpus.size() == json.value(QStringLiteral("gpus")).toArray().size());
    } else {
        ND_FUZZ_CHECK(frame.error().contains(QStringLiteral("malformed")));
    }

    const nd::Result<nd::GpuInventory> inventory = nd::parseGpuInventory(json);
    if (inventory.ok()) {
        ND_FUZZ_CHECK(!inventory->source.isEmpty());
        ND_FUZZ_CHECK(inventory->gpus.size() == json.value(QStringLiteral("gpus")).toArray().size());
    } else {
        ND_FUZZ_CHECK(inventory.error().contains(QStringLiteral("malformed")));
    }
    return 0;
}
