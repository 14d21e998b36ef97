// Built-in vocabularies for generated models (see model_gen_vocab.h).
#include "gpu/model/model_gen_vocab.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <set>

namespace nd {

namespace {

// Training text for the merges: ordinary English, code, numbers and a little non-ASCII, so the merges look
// like a real vocabulary's first ones.
constexpr const char *kTrainingText =
    "The quick brown fox jumps over the lazy dog. The model reads the tokens and then writes the answer.\n"
    "In the beginning there was the word, and the word was the token; the tokens were merged into words.\n"
    "def main():\n    return the_answer + 42\n\nfor i in range(10): print(i, \"hello world\")\n"
    "Numbers like 123, 2048 and 3.14159 appear in the text, as do dates: 2026-11-26.\n"
    "She said that they would go there and that it was the best thing to do. It is what it is.\n"
    "Les modèles de langue lisent le texte; die Sprache ist schön; el niño está aquí.\n"
    "What is the capital of France? The capital of France is Paris. And of Germany? Berlin.\n";

constexpr int kMerges = 240;

void append_utf8(std::string *s, uint32_t cp) {
    if (cp < 0x80) {
        *s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        *s += static_cast<char>(0xC0 | (cp >> 6));
        *s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        *s += static_cast<char>(0xE0 | (cp >> 12));
        *s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *s += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool is_letter_byte(unsigned char c) {
    return std::isalpha(c) || c >= 0x80;
}

// Pieces as a Llama-3-like pre-tokenizer would cut them: an optional space with a run of letters, up to 3
// digits, an optional space with punctuation, or whitespace.
std::vector<std::string> pre_split(const std::string &text) {
    std::vector<std::string> pieces;
    size_t i = 0;
    while (i < text.size()) {
        size_t j = i;
        const auto c = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
        if (c(j) == ' ' && j + 1 < text.size() && c(j + 1) != ' ' && c(j + 1) != '\n')
            ++j;
        if (is_letter_byte(c(j))) {
            while (j < text.size() && is_letter_byte(c(j)))
                ++j;
        } else if (std::isdigit(c(j))) {
            const size_t start = j;
            while (j < text.size() && std::isdigit(c(j)) && j - start < 3)
                ++j;
        } else if (std::isspace(c(j))) {
            while (j < text.size() && std::isspace(c(j)) && c(j) == c(i))
                ++j;
        } else {
            while (j < text.size() && !std::isspace(c(j)) && !is_letter_byte(c(j)) && !std::isdigit(c(j)))
                ++j;
        }
        if (j == i)
            ++j;
        pieces.push_back(text.substr(i, j - i));
        i = j;
    }
    return pieces;
}

// Splits a UTF-8 string into characters.
std::vector<std::string> utf8_chars(const std::string &s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        const auto b = static_cast<unsigned char>(s[i]);
        if (b >= 0xF0)
            n = 4;
        else if (b >= 0xE0)
            n = 3;
        else if (b >= 0xC0)
            n = 2;
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

// Classic BPE training: repeatedly merge the most frequent adjacent pair (ties: the smaller pair text).
std::vector<std::pair<std::string, std::string>> train_merges(std::vector<std::vector<std::string>> words,
                                                              int n_merges) {
    std::vector<std::pair<std::string, std::string>> merges;
    for (int m = 0; m < n_merges; ++m) {
        std::map<std::pair<std::string, std::string>, int> counts;
        for (const auto &w : words)
            for (size_t k = 0; k + 1 < w.size(); ++k)
                ++counts[{w[k], w[k + 1]}];
        // The most frequent pair; once only singletons are left they merge too (whole words become
        // tokens), so the vocabulary reaches its size on this short text.
        const std::pair<std::string, std::string> *best = nullptr;
        int best_n = 0;
        for (const auto &[pair, n] : counts)
            if (n > best_n) {
                best = &pair;
                best_n = n;
            }
        if (!best)
            break;
        const auto merge = *best;
        merges.push_back(merge);
        for (auto &w : words) {
            std::vector<std::string> next;
            for (size_t k = 0; k < w.size(); ++k) {
                if (k + 1 < w.size() && w[k] == merge.first && w[k + 1] == merge.second) {
                    next.push_back(w[k] + w[k + 1]);
                    ++k;
                } else {
                    next.push_back(w[k]);
                }
            }
            w = std::move(next);
        }
    }
    return merges;
}

struct Vocab {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::vector<float> scores;
    std::set<std::string> seen;
    void add(const std::string &t, int32_t type, float score = 0) {
        if (!seen.insert(t).second)
            return;
        tokens.push_back(t);
        types.push_back(type);
        scores.push_back(score);
    }
    int32_t id(const std::string &t) const {
        for (size_t k = 0; k < tokens.size(); ++k)
            if (tokens[k] == t)
                return static_cast<int32_t>(k);
        return -1;
    }
};

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6;

std::vector<std::pair<std::string, GgufWriteValue>> bpe_vocab(ModelArch arch, int *n_vocab) {
    Vocab v;
    std::string bos, eos;
    std::vector<std::string> tail_specials;
    if (arch == ModelArch::llama) {
        // Llama 3 keeps its specials after the ordinary tokens.
        tail_specials = {"<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                         "<|eot_id|>"};
        bos = "<|begin_of_text|>";
        eos = "<|eot_id|>";
    } else {
        // Nemotron-H / Nemotron 3 (spec §4.3): <unk> <s> </s>, then the chat markers at ids 10..15.
        v.add("<unk>", kUnknown);
        v.add("<s>", kControl);
        v.add("</s>", kControl);
        for (int k = 3; k < 10; ++k)
            v.add("<SPECIAL_" + std::to_string(k) + ">", kControl);
        for (const char *t :
             {"<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "</tool_call>"})
            v.add(t, kControl);
        bos = "<s>";
        eos = "</s>";
    }
    for (int b = 0; b < 256; ++b)
        v.add(gpt2_byte_to_unicode(static_cast<unsigned char>(b)), kNormal);
    std::vector<std::vector<std::string>> words;
    for (const std::string &piece : pre_split(kTrainingText)) {
        std::vector<std::string> w;
        for (unsigned char b : piece)
            w.push_back(gpt2_byte_to_unicode(b));
        words.push_back(std::move(w));
    }
    std::vector<std::string> merges;
    for (const auto &[a, b] : train_merges(std::move(words), kMerges)) {
        merges.push_back(a + " " + b);
        v.add(a + b, kNormal);
    }
    for (const std::string &t : tail_specials)
        v.add(t, kControl);
    *n_vocab = static_cast<int>(v.tokens.size());
    std::vector<std::pair<std::string, GgufWriteValue>> kv;
    kv.emplace_back("tokenizer.ggml.model", GgufWriteValue::str("gpt2"));
    kv.emplace_back("tokenizer.ggml.pre", GgufWriteValue::str("llama-bpe"));
    kv.emplace_back("tokenizer.ggml.tokens", GgufWriteValue::str_array(v.tokens));
    kv.emplace_back("tokenizer.ggml.token_type", GgufWriteValue::i32_array(v.types));
    kv.emplace_back("tokenizer.ggml.merges", GgufWriteValue::str_array(merges));
    kv.emplace_back("tokenizer.ggml.bos_token_id", GgufWriteValue::u32(static_cast<uint32_t>(v.id(bos))));
    kv.emplace_back("tokenizer.ggml.eos_token_id", GgufWriteValue::u32(static_cast<uint32_t>(v.id(eos))));
    if (arch != ModelArch::nemotron_h_moe)  // spec §2.5: forced for the dense hybrids, not for _moe
        kv.emplace_back("tokenizer.ggml.add_bos_token", GgufWriteValue::boolean(true));
    return kv;
}

std::vector<std::pair<std::string, GgufWriteValue>> spm_vocab(int *n_vocab) {
    Vocab v;
    v.add("<unk>", kUnknown);
    v.add("<s>", kControl);
    v.add("</s>", kControl);
    v.add("<extra_id_0>", kControl);
    v.add("<extra_id_1>", kControl);
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        v.add(buf, kByte);
    }
    // SentencePiece sees the text with spaces as "▁" and a leading "▁".
    std::string text = " ";
    text += kTrainingText;
    std::vector<std::vector<std::string>> words;
    std::set<std::string> chars;
    for (const std::string &piece : pre_split(text)) {
        if (piece.find('\n') != std::string::npos)
            continue;  // newlines go through byte fallback, as in Nemotron's vocabulary
        std::string spm;
        for (char ch : piece)
            spm += ch == ' ' ? std::string("\xE2\x96\x81") : std::string(1, ch);
        words.push_back(utf8_chars(spm));
        for (const std::string &c : words.back())
            chars.insert(c);
    }
    // Merged pieces score higher the earlier they were learned (the SPM merge order); single characters
    // score below every merge.
    const auto merges = train_merges(words, kMerges);
    float score = 0;
    for (const auto &[a, b] : merges)
        v.add(a + b, kNormal, score -= 1);
    for (const std::string &c : chars)
        v.add(c, kNormal, score -= 1);
    *n_vocab = static_cast<int>(v.tokens.size());
    std::vector<std::pair<std::string, GgufWriteValue>> kv;
    kv.emplace_back("tokenizer.ggml.model", GgufWriteValue::str("llama"));
    kv.emplace_back("tokenizer.ggml.tokens", GgufWriteValue::str_array(v.tokens));
    kv.emplace_back("tokenizer.ggml.scores", GgufWriteValue::f32_array(v.scores));
    kv.emplace_back("tokenizer.ggml.token_type", GgufWriteValue::i32_array(v.types));
    kv.emplace_back("tokenizer.ggml.bos_token_id", GgufWriteValue::u32(1));
    kv.emplace_back("tokenizer.ggml.eos_token_id", GgufWriteValue::u32(2));
    kv.emplace_back("tokenizer.ggml.unknown_token_id", GgufWriteValue::u32(0));
    kv.emplace_back("tokenizer.ggml.add_bos_token", GgufWriteValue::boolean(true));
    return kv;
}

}  // namespace

std::string gpt2_byte_to_unicode(unsigned char b) {
    // Printable bytes map to themselves; the others, in order, to U+0100 upwards.
    const auto printable = [](int c) {
        return (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174);
    };
    uint32_t cp = b;
    if (!printable(b)) {
        int n = 0;
        for (int c = 0; c < b; ++c)
            if (!printable(c))
                ++n;
        cp = 256 + static_cast<uint32_t>(n);
    }
    std::string s;
    append_utf8(&s, cp);
    return s;
}

std::vector<std::pair<std::string, GgufWriteValue>> model_gen_vocab(ModelArch arch, int *n_vocab_out) {
    if (arch == ModelArch::nemotron)
        return spm_vocab(n_vocab_out);
    return bpe_vocab(arch, n_vocab_out);
}

}  // namespace nd
