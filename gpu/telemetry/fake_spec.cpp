// Parses the synthetic-GPU spec (NEMODESK_FAKE_GPUS): ITEM[,ITEM…], ITEM = [COUNTx]MEMORY_MIB.
// Every error quotes the part that is wrong, because the spec usually comes from an environment
// variable the user typed by hand.
#include <charconv>
#include <string_view>

#include "gpu/telemetry/telemetry.h"

namespace nd {
namespace {

constexpr uint64_t kMaxMemoryMib = 4ull * 1024 * 1024;  // 4 TiB per GPU: far beyond any GPU made
constexpr uint64_t kMaxGpus = 64;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// A plain decimal number, digits only. Returns false for anything else (signs, units, spaces, overflow).
bool parse_number(std::string_view s, uint64_t *out) {
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && end == s.data() + s.size();
}

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

Status bad(const std::string &spec, const std::string &what) {
    return ND_STATUS(StatusCode::invalid_argument, "fake GPU spec " + quoted(spec) + ": " + what +
                                                       " (expected e.g. \"2x24576\" or \"1x81920,1x24576\":"
                                                       " [COUNTx]MEMORY_MIB, comma-separated)");
}

}  // namespace

Status telemetry_parse_fake_spec(const std::string &spec, std::vector<uint64_t> *memory_mib) {
    if (!memory_mib)
        return ND_STATUS(StatusCode::invalid_argument, "telemetry_parse_fake_spec: null output");
    memory_mib->clear();
    if (trim(spec).empty())
        return bad(spec, "it is empty");

    std::vector<uint64_t> result;
    std::string_view rest(spec);
    int item_number = 0;
    while (true) {
        ++item_number;
        const size_t comma = rest.find(',');
        const std::string_view raw = comma == std::string_view::npos ? rest : rest.substr(0, comma);
        const std::string_view item = trim(raw);
        if (item.empty())
            return bad(spec, "item " + std::to_string(item_number) + " is empty");

        // Name the item only when there are several; a one-item spec is already quoted in full.
        const bool several = spec.find(',') != std::string::npos;
        const std::string where = several ? "item " + quoted(item) + ": " : "";

        uint64_t count = 1;
        std::string_view memory_part = item;
        const size_t x = item.find_first_of("xX");
        if (x != std::string_view::npos) {
            const std::string_view count_part = trim(item.substr(0, x));
            memory_part = trim(item.substr(x + 1));
            if (!parse_number(count_part, &count))
                return bad(spec, where + "the count " + quoted(count_part) + " is not a whole number");
            if (count == 0)
                return bad(spec, where + "the GPU count must be at least 1");
        }
        uint64_t mib = 0;
        if (!parse_number(memory_part, &mib)) {
            return bad(spec, where + "the memory size " + quoted(memory_part) +
                                 " is not a whole number of MiB (write 24576 for 24 GiB, no unit)");
        }
        if (mib == 0)
            return bad(spec, where + "the memory size must be at least 1 MiB");
        if (mib > kMaxMemoryMib) {
            return bad(spec, where + std::to_string(mib) +
                                 " MiB is more than 4 TiB per GPU; sizes are in MiB (24576 = 24 GiB)");
        }
        // Compare before adding so a huge count cannot overflow the total.
        if (count > kMaxGpus) {
            return bad(spec, where + "asks for " + std::to_string(count) +
                                 " GPUs; a fake inventory may have at most " + std::to_string(kMaxGpus));
        }
        if (result.size() + count > kMaxGpus) {
            return bad(spec, where + "brings the total to " + std::to_string(result.size() + count) +
                                 " GPUs; a fake inventory may have at most " + std::to_string(kMaxGpus));
        }
        result.insert(result.end(), count, mib);

        if (comma == std::string_view::npos)
            break;
        rest.remove_prefix(comma + 1);
    }
    *memory_mib = std::move(result);
    return Status::success();
}

}  // namespace nd
