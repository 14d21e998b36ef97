#pragma once
// PCRE2 for the pre-tokenizer patterns: UTF + UCP (Unicode classes), JIT-compiled, invalid UTF-8 allowed
// in the subject (it never matches, so it stays in the gaps between matches), and match/heap limits so a
// hostile pattern ends with an error instead of a hang.
//
// Patterns come from tokenizer.json files written for Oniguruma / Rust's regex crate, whose \s and \w
// are the Unicode White_Space property and Unicode word characters. PCRE2's \s adds U+180E and its \w
// lacks combining marks, so compile() rewrites \s, \S, \w and \W to the Unicode properties PCRE2 knows.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace nd::tok {

class Regex {
public:
    enum class Syntax { regex = 1, literal };
    ~Regex();
    Regex(const Regex &) = delete;
    Regex &operator=(const Regex &) = delete;

    // nullptr with *error set ("missing ) at offset 12") when the pattern does not compile.
    static std::unique_ptr<Regex> compile(std::string_view pattern, Syntax syntax, std::string *error);

    // Calls fn(start, end) for every non-overlapping match from left to right (empty matches included,
    // the search then moves on by one character). Throws TokError when a match limit is hit.
    template <class F>
    void for_each_match(std::string_view text, F &&fn) const {
        size_t pos = 0;
        size_t start = 0;
        size_t end = 0;
        while (pos <= text.size() && find(text, pos, &start, &end)) {
            fn(start, end);
            if (end > start) {
                pos = end;
            } else {
                pos = end + next_char_len(text, end);
                if (end >= text.size())
                    break;
            }
        }
    }
    const std::string &pattern() const { return m_pattern; }

private:
    Regex() = default;
    bool find(std::string_view text, size_t from, size_t *start, size_t *end) const;
    static size_t next_char_len(std::string_view text, size_t at);

    void *m_code = nullptr;  // pcre2_code_8
    std::string m_pattern;   // as given, for messages
};

// Rewrites \s \S \w \W (see above); exposed for tests.
std::string regex_rewrite_unicode_classes(std::string_view pattern);

}  // namespace nd::tok
