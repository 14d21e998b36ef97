// UTF-8 helpers with Python's character classes (utf8proc provides the Unicode database).
#include "gpu/chat/jinja/jinja_unicode.h"

#include <utf8proc.h>

#include "gpu/common/utf8.h"

namespace nd::jinja {

uint32_t utf8_next(std::string_view text, size_t *pos) {
    const auto *s = reinterpret_cast<const unsigned char *>(text.data());
    size_t i = *pos;
    unsigned char c = s[i];
    int len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
        *pos = i + 1;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        *pos = i + 1;
        return 0xDC00u + c;  // a lone byte, as Python's surrogateescape would keep it
    }
    if (i + static_cast<size_t>(len) > text.size()) {
        *pos = i + 1;
        return 0xDC00u + c;
    }
    for (int k = 1; k < len; ++k) {
        unsigned char cc = s[i + static_cast<size_t>(k)];
        if ((cc & 0xC0) != 0x80) {
            *pos = i + 1;
            return 0xDC00u + c;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    *pos = i + static_cast<size_t>(len);
    return cp;
}

void utf8_append(std::string *out, uint32_t cp) {
    if (cp >= 0xDC80u && cp <= 0xDCFFu)  // a lone byte kept by utf8_next
        out->push_back(static_cast<char>(cp - 0xDC00u));
    else
        nd::utf8_append(out, cp);
}

bool utf8_is_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return false;
    }
    return true;
}

size_t utf8_length(std::string_view text) {
    if (utf8_is_ascii(text))
        return text.size();
    size_t n = 0;
    for (size_t pos = 0; pos < text.size(); ++n)
        utf8_next(text, &pos);
    return n;
}

std::vector<size_t> utf8_offsets(std::string_view text) {
    std::vector<size_t> offsets;
    offsets.reserve(text.size() + 1);
    for (size_t pos = 0; pos < text.size();) {
        offsets.push_back(pos);
        utf8_next(text, &pos);
    }
    offsets.push_back(text.size());
    return offsets;
}

static utf8proc_category_t category(uint32_t cp) {
    if (cp > 0x10FFFF)
        return UTF8PROC_CATEGORY_CN;
    return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

bool py_isspace(uint32_t cp) {
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85)
        return true;
    if (cp < 0x80)
        return false;
    auto c = category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

bool py_isprintable(uint32_t cp) {
    if (cp == ' ')
        return true;
    if (cp < 0x80)
        return cp > 0x20 && cp < 0x7F;
    if (cp >= 0xDC80u && cp <= 0xDCFFu)
        return false;
    switch (category(cp)) {
        case UTF8PROC_CATEGORY_CC:
        case UTF8PROC_CATEGORY_CF:
        case UTF8PROC_CATEGORY_CS:
        case UTF8PROC_CATEGORY_CO:
        case UTF8PROC_CATEGORY_CN:
        case UTF8PROC_CATEGORY_ZL:
        case UTF8PROC_CATEGORY_ZP:
        case UTF8PROC_CATEGORY_ZS:
            return false;
        default:
            return true;
    }
}

bool py_isalpha(uint32_t cp) {
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    auto c = category(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
           c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_LO;
}

bool py_isdigit(uint32_t cp) {
    if (cp < 0x80)
        return cp >= '0' && cp <= '9';
    return category(cp) == UTF8PROC_CATEGORY_ND;
}

bool py_isalnum(uint32_t cp) {
    return py_isalpha(cp) || py_isdigit(cp) || category(cp) == UTF8PROC_CATEGORY_NL;
}

bool py_isupper_cp(uint32_t cp) {
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    return category(cp) == UTF8PROC_CATEGORY_LU || category(cp) == UTF8PROC_CATEGORY_LT;
}

bool py_islower_cp(uint32_t cp) {
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z';
    return category(cp) == UTF8PROC_CATEGORY_LL;
}

uint32_t py_upper_cp(uint32_t cp) {
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
    if (cp > 0x10FFFF)
        return cp;
    return static_cast<uint32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp)));
}

uint32_t py_lower_cp(uint32_t cp) {
    if (cp < 0x80)
        return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    if (cp > 0x10FFFF)
        return cp;
    return static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}

uint32_t py_title_cp(uint32_t cp) {
    if (cp < 0x80)
        return py_upper_cp(cp);
    if (cp > 0x10FFFF)
        return cp;
    return static_cast<uint32_t>(utf8proc_totitle(static_cast<utf8proc_int32_t>(cp)));
}

template <typename F>
static std::string map_cps(std::string_view text, F f) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();)
        utf8_append(&out, f(utf8_next(text, &pos)));
    return out;
}

std::string py_upper(std::string_view text) {
    return map_cps(text, py_upper_cp);
}
std::string py_lower(std::string_view text) {
    return map_cps(text, py_lower_cp);
}

static bool is_cased(uint32_t cp) {
    return py_isupper_cp(cp) || py_islower_cp(cp);
}

std::string py_str_title(std::string_view text) {
    std::string out;
    bool prev_cased = false;
    for (size_t pos = 0; pos < text.size();) {
        uint32_t cp = utf8_next(text, &pos);
        utf8_append(&out, prev_cased ? py_lower_cp(cp) : py_title_cp(cp));
        prev_cased = is_cased(cp);
    }
    return out;
}

// Jinja's do_title: re.sub(r"([-\s\(\{\[\<]+)", ...) splits into words at those characters; each word's
// first character is uppercased and the rest lowercased.
std::string py_title(std::string_view text) {
    std::string out;
    bool at_word_start = true;
    for (size_t pos = 0; pos < text.size();) {
        uint32_t cp = utf8_next(text, &pos);
        bool sep = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || py_isspace(cp);
        if (sep) {
            utf8_append(&out, cp);
            at_word_start = true;
        } else {
            utf8_append(&out, at_word_start ? py_upper_cp(cp) : py_lower_cp(cp));
            at_word_start = false;
        }
    }
    return out;
}

std::string py_capitalize(std::string_view text) {
    std::string out;
    bool first = true;
    for (size_t pos = 0; pos < text.size();) {
        uint32_t cp = utf8_next(text, &pos);
        utf8_append(&out, first ? py_title_cp(cp) : py_lower_cp(cp));
        first = false;
    }
    return out;
}

}  // namespace nd::jinja
