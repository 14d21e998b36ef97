#pragma once
// JSON in and out of the template language. Variables arrive as nlohmann::ordered_json (key order kept,
// as Python's json.load keeps it); `tojson` writes what Python's json.dumps writes, byte for byte
// (separators, indent, ensure_ascii, sort_keys, float repr, NaN/Infinity).
#include <string>

#include <nlohmann/json.hpp>

#include "gpu/chat/jinja/jinja_value.h"

namespace nd::jinja {

Value value_from_json(const nlohmann::ordered_json &json);

struct JsonDumpOptions {
    bool ensure_ascii = false;
    bool has_indent = false;
    std::string indent;  // the text of one level (an int n becomes n spaces)
    std::string item_separator = ", ";
    std::string key_separator = ": ";
    bool sort_keys = false;
};

// Throws Error for values JSON cannot hold (undefined, namespaces, macros), as json.dumps raises.
// `budget_bytes` bounds the output: past it, BudgetError.
std::string json_dumps(const Value &v, const JsonDumpOptions &options, size_t budget_bytes);

}  // namespace nd::jinja
