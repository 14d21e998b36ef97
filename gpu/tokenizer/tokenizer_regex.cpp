// PCRE2 wrapper: compile (with the class rewrite), JIT, thread-local match data and limits.
#include "gpu/tokenizer/tokenizer_regex.h"

#include <pcre2.h>

#include <algorithm>

#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

namespace {

constexpr const char *kWord = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";

// Per-thread matching state: a Tokenizer is shared by threads, PCRE2 match data and JIT stacks are not.
struct ThreadMatchState {
    pcre2_match_data *data = nullptr;
    pcre2_match_context *context = nullptr;
    pcre2_jit_stack *jit_stack = nullptr;
    ThreadMatchState() {
        data = pcre2_match_data_create(16, nullptr);
        context = pcre2_match_context_create(nullptr);
        // Deep alternations over long runs (\s*[\r\n]+ on a megabyte of spaces) need more than the 32 KiB
        // default; 16 MiB keeps such lines working while staying bounded.
        jit_stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
        if (context && jit_stack)
            pcre2_jit_stack_assign(context, nullptr, jit_stack);
        if (context)
            pcre2_set_heap_limit(context, 256 * 1024);  // KiB, for the interpreter fallback
    }
    ~ThreadMatchState() {
        pcre2_match_data_free(data);
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(jit_stack);
    }
};

ThreadMatchState &thread_state() {
    thread_local ThreadMatchState state;
    return state;
}

}  // namespace

std::string regex_rewrite_unicode_classes(std::string_view p) {
    std::string out;
    out.reserve(p.size() + 32);
    bool in_class = false;
    bool quoted = false;  // inside \Q...\E
    for (size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (quoted) {
            if (c == '\\' && i + 1 < p.size() && p[i + 1] == 'E') {
                quoted = false;
                out += "\\E";
                ++i;
            } else {
                out.push_back(c);
            }
            continue;
        }
        if (c == '\\' && i + 1 < p.size()) {
            const char e = p[i + 1];
            ++i;
            if (e == 'Q') {
                quoted = true;
                out += "\\Q";
            } else if (e == 's') {
                out += in_class ? "\\p{White_Space}" : "\\p{White_Space}";
            } else if (e == 'S' && !in_class) {
                out += "\\P{White_Space}";
            } else if (e == 'w') {
                out += in_class ? std::string(kWord) : "[" + std::string(kWord) + "]";
            } else if (e == 'W' && !in_class) {
                out += "[^" + std::string(kWord) + "]";
            } else {
                out.push_back('\\');
                out.push_back(e);
            }
            continue;
        }
        if (!in_class && c == '[') {
            in_class = true;
            out.push_back(c);
            // A ']' right after '[' or '[^' is a literal member, not the end of the class.
            if (i + 1 < p.size() && p[i + 1] == '^') {
                out.push_back('^');
                ++i;
            }
            if (i + 1 < p.size() && p[i + 1] == ']') {
                out.push_back(']');
                ++i;
            }
            continue;
        }
        if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
            // POSIX class [:alpha:] inside a class: copy through its closing ":]".
            const size_t close = p.find(":]", i + 2);
            if (close != std::string_view::npos) {
                out.append(p.substr(i, close + 2 - i));
                i = close + 1;
                continue;
            }
        }
        if (in_class && c == ']')
            in_class = false;
        out.push_back(c);
    }
    return out;
}

Regex::~Regex() {
    pcre2_code_free(static_cast<pcre2_code *>(m_code));
}

std::unique_ptr<Regex> Regex::compile(std::string_view pattern, Syntax syntax, std::string *error) {
    std::string source =
        syntax == Syntax::regex ? regex_rewrite_unicode_classes(pattern) : std::string(pattern);
    // PCRE2_LITERAL refuses PCRE2_UCP (it has no classes to apply it to).
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    options |= syntax == Syntax::literal ? PCRE2_LITERAL : PCRE2_UCP;
    int code_error = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), options,
                                     &code_error, &error_offset, nullptr);
    if (!code) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(code_error, buffer, sizeof(buffer));
        *error = std::string(reinterpret_cast<const char *>(buffer)) + " at offset " +
                 std::to_string(error_offset);
        return nullptr;
    }
    // JIT is an optimisation: where it is unavailable the interpreter gives the same matches.
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    std::unique_ptr<Regex> regex(new Regex());
    regex->m_code = code;
    regex->m_pattern = std::string(pattern);
    return regex;
}

size_t Regex::next_char_len(std::string_view text, size_t at) {
    if (at >= text.size())
        return 1;
    const size_t len = utf8_char_len(text, at);
    return len == 0 ? 1 : len;
}

bool Regex::find(std::string_view text, size_t from, size_t *start, size_t *end) const {
    ThreadMatchState &state = thread_state();
    if (!state.data || !state.context)
        throw TokError("out of memory for regex match data");
    // The budget grows with the subject so long legitimate lines pass, while exponential backtracking on
    // a hostile pattern still stops.
    pcre2_set_match_limit(state.context, static_cast<uint32_t>(std::min<size_t>(
                                             10'000'000 + 32 * (text.size() - from), 4'000'000'000u)));
    const int rc = pcre2_match(static_cast<pcre2_code *>(m_code), reinterpret_cast<PCRE2_SPTR>(text.data()),
                               text.size(), from, 0, state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH)
        return false;
    if (rc < 0) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(rc, buffer, sizeof(buffer));
        throw TokError("regex " + quote_for_message(m_pattern, 60) + " failed on a " +
                       std::to_string(text.size()) +
                       "-byte piece: " + reinterpret_cast<const char *>(buffer));
    }
    const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(state.data);
    *start = ovector[0];
    *end = ovector[1];
    // \K in a lookbehind can report a start after the end; treat such a match as empty.
    if (*end < *start)
        *end = *start;
    return true;
}

}  // namespace nd::tok
