#pragma once
// UTF-8 text as Python's str sees it: code points for length, indexing and slicing; Python's idea of
// whitespace (str.isspace), printable characters (repr), and case mapping (upper/lower/title).
// Invalid UTF-8 bytes are taken as one code point each (U+FFFD-like) so nothing ever reads out of bounds.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nd::jinja {

// Decodes the code point at text[*pos] and advances *pos (by 1 for an invalid byte).
uint32_t utf8_next(std::string_view text, size_t *pos);
void utf8_append(std::string *out, uint32_t cp);
bool utf8_is_ascii(std::string_view text);
// Number of code points.
size_t utf8_length(std::string_view text);
// Byte offsets of every code point start, plus text.size() at the end.
std::vector<size_t> utf8_offsets(std::string_view text);

bool py_isspace(uint32_t cp);
bool py_isprintable(uint32_t cp);
bool py_isalpha(uint32_t cp);
bool py_isdigit(uint32_t cp);
bool py_isalnum(uint32_t cp);
bool py_isupper_cp(uint32_t cp);
bool py_islower_cp(uint32_t cp);
uint32_t py_upper_cp(uint32_t cp);
uint32_t py_lower_cp(uint32_t cp);
uint32_t py_title_cp(uint32_t cp);

std::string py_upper(std::string_view text);
std::string py_lower(std::string_view text);
std::string py_title(std::string_view text);       // Jinja's title filter: words start after whitespace/-/()
std::string py_str_title(std::string_view text);   // str.title(): words are runs of cased letters
std::string py_capitalize(std::string_view text);  // first upper, rest lower

}  // namespace nd::jinja
