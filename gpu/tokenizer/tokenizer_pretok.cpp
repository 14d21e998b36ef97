// Pre-tokenizer steps (Hugging Face semantics) and the GGUF pre-type table.
#include "gpu/tokenizer/tokenizer_pretok.h"

#include <utility>

#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

const char *const kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

std::shared_ptr<const Regex> compile_or_throw(std::string_view pattern, Regex::Syntax syntax,
                                              const std::string &what) {
    std::string error;
    std::unique_ptr<Regex> regex = Regex::compile(pattern, syntax, &error);
    if (!regex)
        throw TokError(what + ": pattern " + quote_for_message(pattern, 80) + " does not compile: " + error);
    return std::shared_ptr<const Regex>(std::move(regex));
}

namespace {

struct Segment {
    size_t start;
    size_t end;
    bool is_match;
};

// Hugging Face's Split: the matches and the gaps between them, then the delimiter behavior.
void split_segments(const PreTokStep &step, std::string_view text, std::vector<Segment> *out) {
    std::vector<Segment> all;
    size_t prev = 0;
    step.pattern->for_each_match(text, [&](size_t s, size_t e) {
        if (s != prev)
            all.push_back({prev, s, false});
        all.push_back({s, e, true});
        prev = e;
    });
    if (prev != text.size())
        all.push_back({prev, text.size(), false});
    if (step.invert) {
        for (Segment &s : all)
            s.is_match = !s.is_match;
    }
    out->clear();
    bool previous_match = false;
    switch (step.behavior) {
        case SplitBehavior::removed:
            for (const Segment &s : all)
                if (!s.is_match)
                    out->push_back(s);
            break;
        case SplitBehavior::isolated:
            *out = std::move(all);
            break;
        case SplitBehavior::merged_with_previous:
            for (const Segment &s : all) {
                if (s.is_match && !previous_match && !out->empty())
                    out->back().end = s.end;
                else
                    out->push_back(s);
                previous_match = s.is_match;
            }
            break;
        case SplitBehavior::merged_with_next:
            for (size_t k = all.size(); k-- > 0;) {
                const Segment &s = all[k];
                if (s.is_match && !previous_match && !out->empty())
                    out->back().start = s.start;
                else
                    out->push_back(s);
                previous_match = s.is_match;
            }
            for (size_t a = 0, b = out->size(); a + 1 < b; ++a, --b)
                std::swap((*out)[a], (*out)[b - 1]);
            break;
        case SplitBehavior::contiguous:
            for (size_t k = 0; k < all.size(); ++k) {
                const Segment &s = all[k];
                if (k > 0 && s.is_match == previous_match && !out->empty())
                    out->back().end = s.end;
                else
                    out->push_back(s);
                previous_match = s.is_match;
            }
            break;
    }
}

}  // namespace

void PreTokenizer::run(std::string_view text, bool first, const PieceSink &sink) const {
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t valid = utf8_valid_prefix(text, pos);
        if (valid == text.size() - pos && pos == 0) {
            run_from(0, text, first, sink);  // the usual case: all valid
            return;
        }
        if (valid > 0) {
            run_from(0, text.substr(pos, valid), first && pos == 0, sink);
            pos += valid;
            continue;
        }
        size_t invalid = 1;
        while (pos + invalid < text.size() && utf8_char_len(text, pos + invalid) == 0)
            ++invalid;
        sink(text.substr(pos, invalid), first && pos == 0);
        pos += invalid;
    }
}

void PreTokenizer::run_from(size_t index, std::string_view text, bool first, const PieceSink &sink) const {
    if (text.empty())
        return;
    if (index == steps.size()) {
        sink(text, first);
        return;
    }
    const PreTokStep &step = steps[index];
    switch (step.kind) {
        case PreTokStep::Kind::split: {
            if (step.behavior == SplitBehavior::isolated ||
                (step.behavior == SplitBehavior::removed && !step.invert)) {
                // The common case streams the pieces without building a segment list.
                const bool keep_matches = step.behavior == SplitBehavior::isolated;
                size_t prev = 0;
                step.pattern->for_each_match(text, [&](size_t s, size_t e) {
                    if (s != prev)
                        run_from(index + 1, text.substr(prev, s - prev), first && prev == 0, sink);
                    if (keep_matches && e > s)
                        run_from(index + 1, text.substr(s, e - s), first && s == 0, sink);
                    prev = e;
                });
                if (prev != text.size())
                    run_from(index + 1, text.substr(prev), first && prev == 0, sink);
                return;
            }
            std::vector<Segment> segments;
            split_segments(step, text, &segments);
            for (const Segment &s : segments)
                run_from(index + 1, text.substr(s.start, s.end - s.start), first && s.start == 0, sink);
            return;
        }
        case PreTokStep::Kind::byte_level: {
            if (step.add_prefix_space && text[0] != ' ') {
                std::string prefixed(1, ' ');
                prefixed += text;
                run_from(index + 1, prefixed, first, sink);
            } else {
                run_from(index + 1, text, first, sink);
            }
            return;
        }
        case PreTokStep::Kind::metaspace: {
            std::string replaced;
            replaced.reserve(text.size() + step.replacement.size());
            const bool starts_with_replacement =
                text.substr(0, step.replacement.size()) == step.replacement ||
                (text[0] == ' ' && !step.replacement.empty());
            if (!starts_with_replacement && (step.prepend == PreTokStep::Prepend::always ||
                                             (step.prepend == PreTokStep::Prepend::first && first)))
                replaced = step.replacement;
            for (const char c : text) {
                if (c == ' ')
                    replaced += step.replacement;
                else
                    replaced.push_back(c);
            }
            if (!step.metaspace_split) {
                run_from(index + 1, replaced, first, sink);
                return;
            }
            // Split before each replacement character (MergedWithNext).
            const std::string_view r(replaced);
            size_t start = 0;
            size_t pos = r.find(step.replacement, step.replacement.empty() ? r.size() : 1);
            while (pos != std::string_view::npos && !step.replacement.empty()) {
                run_from(index + 1, r.substr(start, pos - start), first && start == 0, sink);
                start = pos;
                pos = r.find(step.replacement, pos + step.replacement.size());
            }
            run_from(index + 1, r.substr(start), first && start == 0, sink);
            return;
        }
    }
}

namespace {

constexpr const char *kLlama3 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kQwen2 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kQwen35 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kTekken =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}|"
    " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kGpt4o =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
    "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kGpt2Gguf =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
constexpr const char *kDeepseekV3Words =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kBloom = " ?[^(\\s|.,!?…。，、।۔،)]+";

struct PreEntry {
    const char *names;  // space-separated aliases
    std::vector<const char *> patterns;
    bool ignore_merges;
    bool add_bos;
};

const std::vector<PreEntry> &pre_table() {
    static const std::vector<PreEntry> table = {
        {"llama-bpe llama3 llama-v3 pixtral falcon3 falcon-h1 midm-2.0 lfm2", {kLlama3}, true, true},
        {"tekken", {kTekken}, true, true},
        {"dbrx smaug-bpe glm4 chatglm-bpe", {kLlama3}, false, false},
        {"qwen2 deepseek-r1-qwen stablelm2 hunyuan", {kQwen2}, false, false},
        {"qwen35", {kQwen35}, false, false},
        {"gpt2 gpt-2 phi-2 mpt olmo jais trillion roberta-bpe jina-es jina-de jina-v2-es jina-v2-de gigachat "
         "a.x-4.0 mellum modern-bert jina-v1-en jina-v2-code",
         {kGpt2Gguf},
         false,
         false},
        {"starcoder refact command-r smollm codeshell exaone minerva-7b",
         {"\\p{N}", kGpt2Gguf},
         false,
         false},
        {"deepseek-v3", {"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", kDeepseekV3Words}, false, false},
        {"deepseek-coder",
         {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"},
         false,
         false},
        {"falcon",
         {"[\\p{P}\\$\\+<=>\\^~\\|`]+",
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", "[0-9][0-9][0-9]"},
         false,
         false},
        {"gpt-4o llama4", {kGpt4o}, false, false},
        {"poro-chat bloom gpt3-finnish", {kBloom}, false, false},
        {"viking", {kBloom, "\\p{N}"}, false, false},
        {"default", {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2Gguf, "\\p{N}+", "[0-9][0-9][0-9]"}, false, false},
    };
    return table;
}

bool name_in(std::string_view names, std::string_view name) {
    size_t pos = 0;
    while (pos < names.size()) {
        size_t end = names.find(' ', pos);
        if (end == std::string_view::npos)
            end = names.size();
        if (names.substr(pos, end - pos) == name)
            return true;
        pos = end + 1;
    }
    return false;
}

}  // namespace

bool gguf_pre_type(std::string_view name, GgufPreType *out) {
    for (const PreEntry &entry : pre_table()) {
        if (!name_in(entry.names, name))
            continue;
        out->patterns.assign(entry.patterns.begin(), entry.patterns.end());
        out->ignore_merges = entry.ignore_merges;
        out->add_bos = entry.add_bos;
        return true;
    }
    return false;
}

std::string gguf_pre_supported_list() {
    std::string list;
    for (const PreEntry &entry : pre_table()) {
        std::string names = entry.names;
        for (char &c : names)
            if (c == ' ')
                c = ',';
        if (!list.empty())
            list += ",";
        list += names;
    }
    std::string out;
    for (const char c : list) {
        out.push_back(c);
        if (c == ',')
            out.push_back(' ');
    }
    return out;
}

}  // namespace nd::tok
