#pragma once
// UTF-8 encoding shared by the engine's text code (tokenizers, chat templates).
#include <cstdint>
#include <string>

namespace nd {

// Appends code point cp (at most 0x10FFFF; callers pass valid scalar values) as UTF-8.
void utf8_append(std::string *out, uint32_t cp);

}  // namespace nd
