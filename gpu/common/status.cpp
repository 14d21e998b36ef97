#include "gpu/common/status.h"

namespace nd {

const char *status_code_name(StatusCode code) {
    switch (code) {
        case StatusCode::ok:
            return "ok";
        case StatusCode::invalid_argument:
            return "invalid_argument";
        case StatusCode::not_found:
            return "not_found";
        case StatusCode::unavailable:
            return "unavailable";
        case StatusCode::io_error:
            return "io_error";
        case StatusCode::unsupported:
            return "unsupported";
        case StatusCode::out_of_memory:
            return "out_of_memory";
        case StatusCode::device_error:
            return "device_error";
        case StatusCode::internal:
            return "internal";
    }
    return "unknown";
}

std::string Status::describe() const {
    if (ok())
        return "ok";
    std::string out = std::string(status_code_name(code)) + ": " + message;
    if (file && *file)
        out += " (" + std::string(file) + ":" + std::to_string(line) + ")";
    return out;
}

}  // namespace nd
