// fuzz_settings: arbitrary bytes as the contents of settings.json, through nd::Settings::parse (the
// in-memory half of Settings::load, so no file is written per input). The user edits this file by hand;
// whatever is in it, the daemon must either get values inside the documented ranges or an error that
// names the file, never a crash. The same bytes must also give the same answer twice (no hidden state).
#include <QByteArray>
#include <QString>

#include "core/settings/Settings.h"
#include "tests/fuzz/FuzzCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const QString file = QStringLiteral("/fuzz/settings.json");
    const nd::Result<nd::Settings> result = nd::Settings::parse(bytes, file);
    if (result.ok()) {
        ND_FUZZ_CHECK(result->daemonPort >= 0 && result->daemonPort <= 65535);
        ND_FUZZ_CHECK(result->telemetryIntervalMs >= nd::Settings::minTelemetryIntervalMs);
        ND_FUZZ_CHECK(result->telemetryIntervalMs <= nd::Settings::maxTelemetryIntervalMs);
    } else {
        ND_FUZZ_CHECK(result.error().contains(file));
    }
    const nd::Result<nd::Settings> again = nd::Settings::parse(bytes, file);
    ND_FUZZ_CHECK(again.ok() == result.ok());
    if (result.ok()) {
        ND_FUZZ_CHECK(again->daemonPort == result->daemonPort);
        ND_FUZZ_CHECK(again->telemetryIntervalMs == result->telemetryIntervalMs);
    } else {
        ND_FUZZ_CHECK(again.error() == result.error());
    }
    return 0;
}
