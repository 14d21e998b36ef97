// gpu/telemetry public entry points: choose a source at open, then dispatch to it.
#include "gpu/telemetry/telemetry.h"

#include "gpu/telemetry/telemetry_impl.h"

namespace nd {

const char *telemetry_source_name(TelemetrySource source) {
    switch (source) {
        case TelemetrySource::nvml:
            return "nvml";
        case TelemetrySource::fake:
            return "fake";
        case TelemetrySource::none:
            return "none";
    }
    return "unknown";
}

Status telemetry_open(const TelemetryOptions &options, Telemetry **out) {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "telemetry_open: out must not be null");
    *out = nullptr;
    auto telemetry = std::make_unique<Telemetry>();

    if (!options.fake_spec.empty()) {
        std::vector<uint64_t> memory_mib;
        Status parsed = telemetry_parse_fake_spec(options.fake_spec, &memory_mib);
        if (!parsed.ok())
            return parsed;
        telemetry->source = TelemetrySource::fake;
        telemetry->inventory = fake_source_inventory(memory_mib);
        const size_t n = telemetry->inventory.size();
        telemetry->message = "synthetic telemetry from fake GPU spec \"" + options.fake_spec +
                             "\": " + std::to_string(n) + (n == 1 ? " GPU" : " GPUs") +
                             ", not real hardware (every reading is generated)";
        *out = telemetry.release();
        return Status::success();
    }

    NvmlOpenResult opened = nvml_source_open(options.nvml_library);
    telemetry->message = std::move(opened.message);
    telemetry->driver_version = std::move(opened.driver_version);
    if (opened.session) {
        telemetry->source = TelemetrySource::nvml;
        telemetry->inventory = std::move(opened.inventory);
        telemetry->nvml = std::move(opened.session);
    }
    *out = telemetry.release();
    return Status::success();
}

void telemetry_free(Telemetry *telemetry) {
    delete telemetry;
}

TelemetrySource telemetry_source(const Telemetry *telemetry) {
    return telemetry->source;
}
const std::string &telemetry_message(const Telemetry *telemetry) {
    return telemetry->message;
}
const std::string &telemetry_driver_version(const Telemetry *telemetry) {
    return telemetry->driver_version;
}
const std::vector<GpuInfo> &telemetry_inventory(const Telemetry *telemetry) {
    return telemetry->inventory;
}

Status telemetry_sample(Telemetry *telemetry, int64_t time_ms, std::vector<GpuSample> *out) {
    if (!telemetry || !out)
        return ND_STATUS(StatusCode::invalid_argument,
                         "telemetry_sample: telemetry and out must not be null");
    out->clear();
    switch (telemetry->source) {
        case TelemetrySource::nvml:
            return nvml_source_sample(telemetry->nvml.get(), time_ms, out);
        case TelemetrySource::fake:
            out->reserve(telemetry->inventory.size());
            for (const GpuInfo &gpu : telemetry->inventory)
                out->push_back(fake_source_sample(gpu, time_ms));
            return Status::success();
        case TelemetrySource::none:
            return Status::success();  // nothing to read is not a failure
    }
    return ND_STATUS(StatusCode::internal, "telemetry_sample: unknown telemetry source");
}

}  // namespace nd
