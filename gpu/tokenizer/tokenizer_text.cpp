// UTF-8 validation/encoding, Unicode White_Space and GPT-2's byte-level alphabet.
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

size_t utf8_char_len(std::string_view s, size_t i, uint32_t *cp) {
    const size_t n = s.size() - i;
    const auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
        if (cp)
            *cp = b0;
        return 1;
    }
    size_t len = 0;
    uint32_t c = 0;
    uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, c = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, c = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, c = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; ++k) {
        const auto b = static_cast<uint8_t>(s[i + k]);
        if ((b & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    if (cp)
        *cp = c;
    return len;
}

size_t utf8_valid_prefix(std::string_view s, size_t i) {
    size_t j = i;
    while (j < s.size()) {
        if (static_cast<uint8_t>(s[j]) < 0x80) {
            ++j;
            continue;
        }
        const size_t len = utf8_char_len(s, j);
        if (len == 0)
            break;
        j += len;
    }
    return j - i;
}

size_t utf8_complete_prefix(std::string_view s) {
    // Find the last lead byte among the final 3 bytes; hold back what follows it only while those bytes can
    // still become a valid character (a truly invalid sequence is emitted as it is).
    const size_t n = s.size();
    for (size_t back = 1; back <= 3 && back <= n; ++back) {
        const auto lead = static_cast<uint8_t>(s[n - back]);
        if ((lead & 0xC0) == 0x80)
            continue;
        size_t need = 0;
        if (lead >= 0xC2 && lead <= 0xDF)
            need = 2;
        else if (lead >= 0xE0 && lead <= 0xEF)
            need = 3;
        else if (lead >= 0xF0 && lead <= 0xF4)
            need = 4;
        if (need <= back)
            return n;
        if (back >= 2) {
            const auto b1 = static_cast<uint8_t>(s[n - back + 1]);
            const uint8_t lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
            const uint8_t hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
            if (b1 < lo || b1 > hi)
                return n;
        }
        return n - back;
    }
    return n;
}

bool is_unicode_white_space(uint32_t cp) {
    if (cp <= 0x20)
        return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    if (cp < 0x85)
        return false;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static ByteLevelAlphabet make_alphabet() {
    // GPT-2: printable Latin-1 bytes stand for themselves, the other 68 bytes take code points 256.. in
    // order.
    ByteLevelAlphabet a;
    a.cp_to_byte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable =
            (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        const uint32_t cp = printable ? static_cast<uint32_t>(b) : next++;
        utf8_append(&a.byte_to_text[b], cp);
        a.cp_to_byte[cp] = static_cast<int16_t>(b);
    }
    return a;
}

const ByteLevelAlphabet &byte_level_alphabet() {
    static const ByteLevelAlphabet alphabet = make_alphabet();
    return alphabet;
}

bool byte_level_decode(std::string_view text, std::string *bytes) {
    const ByteLevelAlphabet &a = byte_level_alphabet();
    bytes->clear();
    for (size_t i = 0; i < text.size();) {
        uint32_t cp = 0;
        const size_t len = utf8_char_len(text, i, &cp);
        if (len == 0 || cp >= a.cp_to_byte.size() || a.cp_to_byte[cp] < 0)
            return false;
        bytes->push_back(static_cast<char>(a.cp_to_byte[cp]));
        i += len;
    }
    return true;
}

std::string byte_level_encode(std::string_view bytes) {
    const ByteLevelAlphabet &a = byte_level_alphabet();
    std::string out;
    for (const char c : bytes)
        out += a.byte_to_text[static_cast<uint8_t>(c)];
    return out;
}

int parse_byte_piece(std::string_view t) {
    if (t.size() != 6 || t[0] != '<' || t[1] != '0' || t[2] != 'x' || t[5] != '>')
        return -1;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return -1;
    };
    const int hi = hex(t[3]);
    const int lo = hex(t[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string quote_for_message(std::string_view text, size_t max_bytes) {
    std::string out = "'";
    size_t i = 0;
    while (i < text.size() && i < max_bytes) {
        const auto b = static_cast<uint8_t>(text[i]);
        const size_t len = b < 0x80 ? 1 : utf8_char_len(text, i);
        if (b < 0x20 || b == 0x7F || len == 0) {
            static const char *digits = "0123456789abcdef";
            out += "\\x";
            out.push_back(digits[b >> 4]);
            out.push_back(digits[b & 15]);
            ++i;
        } else {
            out.append(text.substr(i, len));
            i += len;
        }
    }
    if (i < text.size())
        out += "…";
    return out + "'";
}

}  // namespace nd::tok
