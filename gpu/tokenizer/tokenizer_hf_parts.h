#pragma once
// Reading the parts of a tokenizer.json (private to gpu/tokenizer): typed field access that throws
// TokError naming the field, and the normalizer / pre-tokenizer / decoder sections.
#include <nlohmann/json.hpp>

#include <string>

#include "gpu/tokenizer/tokenizer_impl.h"

namespace nd::tok {

using json = nlohmann::json;

const json *find_member(const json &object, const char *key);  // nullptr when absent or null
std::string get_string(const json &object, const char *key, const std::string &where,
                       const std::string &fallback);
bool get_bool(const json &object, const char *key, const std::string &where, bool fallback);
int64_t get_int(const json &object, const char *key, const std::string &where, int64_t fallback);

void parse_normalizer(const json &node, const std::string &where, Normalizer *out);
// `byte_level` is set when a ByteLevel step is present (the model then works on raw bytes).
void parse_pre_tokenizer(const json &node, const std::string &where, PreTokenizer *out, bool *byte_level);
void parse_decoder(const json &node, const std::string &where, Decoder *out);

}  // namespace nd::tok
