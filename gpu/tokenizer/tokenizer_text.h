#pragma once
// UTF-8 and byte-level helpers shared by the tokenizer's stages (private to gpu/tokenizer).
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gpu/common/utf8.h"

namespace nd::tok {

// Thrown inside the tokenizer and turned into a Status at the API boundary.
struct TokError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Length of the valid UTF-8 character starting at s[i], or 0 when the bytes there are not one (overlong,
// surrogate, truncated, stray continuation byte). *cp receives the code point when valid.
size_t utf8_char_len(std::string_view s, size_t i, uint32_t *cp = nullptr);
// Length of the longest prefix of s[i..] that is valid UTF-8.
size_t utf8_valid_prefix(std::string_view s, size_t i);
using nd::utf8_append;  // gpu/common/utf8.h
// The length of a complete-or-invalid prefix that can be emitted without splitting a character that later
// bytes may still complete: bytes of a trailing incomplete (but so far valid) sequence are excluded.
size_t utf8_complete_prefix(std::string_view s);

// Unicode White_Space (the property Rust's char::is_whitespace and Oniguruma's \s use).
bool is_unicode_white_space(uint32_t cp);

// GPT-2's byte-level alphabet: every byte is shown as a printable character ("Ġ" for space).
struct ByteLevelAlphabet {
    std::array<std::string, 256> byte_to_text;  // UTF-8 of the character standing for each byte
    std::array<int16_t, 324> cp_to_byte;        // code point (< 324) -> byte, or -1
};
const ByteLevelAlphabet &byte_level_alphabet();
// Converts a byte-level piece ("Ġthe") to raw bytes (" the"); false when a character is not in the alphabet.
bool byte_level_decode(std::string_view text, std::string *bytes);
std::string byte_level_encode(std::string_view bytes);

// "<0x0A>" -> 10; -1 when the text is not a byte-fallback piece.
int parse_byte_piece(std::string_view text);

// A quoted, shortened rendering of untrusted text for error messages.
std::string quote_for_message(std::string_view text, size_t max_bytes = 40);

}  // namespace nd::tok
