// Normalizer steps, applied in order to a text segment.
#include "gpu/tokenizer/tokenizer_normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

namespace {

// Applies utf8proc to each valid UTF-8 run of `in`; invalid bytes are copied as they are.
void map_valid_runs(std::string_view in, std::string *out, int options, bool lowercase) {
    out->clear();
    size_t i = 0;
    while (i < in.size()) {
        const size_t run = utf8_valid_prefix(in, i);
        if (run == 0) {
            out->push_back(in[i++]);
            continue;
        }
        const std::string_view valid = in.substr(i, run);
        i += run;
        if (lowercase) {
            for (size_t k = 0; k < valid.size();) {
                uint32_t cp = 0;
                const size_t len = utf8_char_len(valid, k, &cp);
                utf8_append(out, static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
                k += len;
            }
            continue;
        }
        utf8proc_uint8_t *mapped = nullptr;
        const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(valid.data()),
                                                static_cast<utf8proc_ssize_t>(valid.size()), &mapped,
                                                static_cast<utf8proc_option_t>(options));
        if (n < 0) {
            out->append(valid);  // cannot happen for valid UTF-8; keep the text rather than lose it
        } else {
            out->append(reinterpret_cast<const char *>(mapped), static_cast<size_t>(n));
        }
        std::free(mapped);
    }
}

void strip_accents(std::string_view in, std::string *out) {
    out->clear();
    for (size_t i = 0; i < in.size();) {
        uint32_t cp = 0;
        const size_t len = utf8_char_len(in, i, &cp);
        if (len == 0) {
            out->push_back(in[i++]);
            continue;
        }
        const utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
        if (cat != UTF8PROC_CATEGORY_MN)
            out->append(in.substr(i, len));
        i += len;
    }
}

void strip_spaces(std::string_view in, bool left, bool right, std::string *out) {
    size_t begin = 0;
    size_t end = in.size();
    if (left) {
        while (begin < end) {
            uint32_t cp = 0;
            const size_t len = utf8_char_len(in, begin, &cp);
            if (len == 0 || !is_unicode_white_space(cp))
                break;
            begin += len;
        }
    }
    if (right) {
        while (end > begin) {
            size_t start = end - 1;
            while (start > begin && (static_cast<uint8_t>(in[start]) & 0xC0) == 0x80 && end - start < 4)
                --start;
            uint32_t cp = 0;
            const size_t len = utf8_char_len(in, start, &cp);
            if (len != end - start || !is_unicode_white_space(cp))
                break;
            end = start;
        }
    }
    out->assign(in.substr(begin, end - begin));
}

}  // namespace

void Normalizer::apply(std::string_view in, std::string *out) const {
    std::string current(in);
    std::string next;
    for (const NormalizerStep &step : steps) {
        switch (step.kind) {
            case NormalizerStep::Kind::nfc:
                map_valid_runs(current, &next, UTF8PROC_STABLE | UTF8PROC_COMPOSE, false);
                break;
            case NormalizerStep::Kind::nfd:
                map_valid_runs(current, &next, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, false);
                break;
            case NormalizerStep::Kind::nfkc:
                map_valid_runs(current, &next, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT, false);
                break;
            case NormalizerStep::Kind::nfkd:
                map_valid_runs(current, &next, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, false);
                break;
            case NormalizerStep::Kind::lowercase:
                map_valid_runs(current, &next, 0, true);
                break;
            case NormalizerStep::Kind::prepend:
                // HF prepends only to non-empty text.
                next = current.empty() ? current : step.text + current;
                break;
            case NormalizerStep::Kind::replace: {
                next.clear();
                size_t last = 0;
                step.pattern->for_each_match(current, [&](size_t s, size_t e) {
                    next.append(current, last, s - last);
                    next += step.text;
                    last = e;
                });
                next.append(current, last, std::string::npos);
                break;
            }
            case NormalizerStep::Kind::strip:
                strip_spaces(current, step.strip_left, step.strip_right, &next);
                break;
            case NormalizerStep::Kind::strip_accents:
                strip_accents(current, &next);
                break;
        }
        current.swap(next);
    }
    *out = std::move(current);
}

std::string Normalizer::describe() const {
    static const char *names[] = {"",          "NFC",     "NFD",     "NFKC",  "NFKD",
                                  "Lowercase", "Prepend", "Replace", "Strip", "StripAccents"};
    std::string s;
    for (const NormalizerStep &step : steps) {
        if (!s.empty())
            s += "+";
        s += names[static_cast<int>(step.kind)];
    }
    return s;
}

}  // namespace nd::tok
