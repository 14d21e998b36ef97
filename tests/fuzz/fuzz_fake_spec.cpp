// fuzz_fake_spec: arbitrary bytes as NEMODESK_FAKE_GPUS through nd::telemetry_parse_fake_spec, which the
// user types by hand into an environment variable. Accepted specs must describe 1 to 64 GPUs of 1 MiB to
// 4 TiB each; rejected ones must say so as invalid_argument with a message that quotes the spec, and
// leave the output empty (a caller that ignores the status still gets no GPUs).
#include <string>
#include <vector>

#include "gpu/telemetry/telemetry.h"
#include "tests/fuzz/FuzzCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string spec(reinterpret_cast<const char *>(data), size);
    // Starts non-empty: the parser must clear what the caller passed in, whatever the outcome.
    std::vector<uint64_t> memoryMib{1, 2, 3};
    const nd::Status status = nd::telemetry_parse_fake_spec(spec, &memoryMib);
    if (status.ok()) {
        ND_FUZZ_CHECK(!memoryMib.empty() && memoryMib.size() <= 64);
        for (const uint64_t mib : memoryMib)
            ND_FUZZ_CHECK(mib >= 1 && mib <= 4ull * 1024 * 1024);
        // Only digits, 'x'/'X', ',', spaces and tabs can make up a valid spec.
        for (const char c : spec)
            ND_FUZZ_CHECK((c >= '0' && c <= '9') || c == 'x' || c == 'X' || c == ',' || c == ' ' ||
                          c == '\t');
    } else {
        ND_FUZZ_CHECK(status.code == nd::StatusCode::invalid_argument);
        ND_FUZZ_CHECK(memoryMib.empty());
        ND_FUZZ_CHECK(status.message.find("fake GPU spec") != std::string::npos);
        ND_FUZZ_CHECK(status.message.find(spec) != std::string::npos);
    }
    ND_FUZZ_CHECK(nd::telemetry_parse_fake_spec(spec, nullptr).code == nd::StatusCode::invalid_argument);
    return 0;
}
