// Loads the tokenizer.ggml.* metadata of a GGUF file (spec §4.1): "gpt2" (byte-level BPE with a named
// pre-tokenizer) or "llama" (SentencePiece-style with scores and byte tokens). Errors name the file and key.
#include <new>

#include "gpu/gguf/gguf_file.h"
#include "gpu/tokenizer/tokenizer_impl.h"
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd {

namespace tok {

namespace {

// "[17]" (built by appending: GCC 12 warns falsely about "literal" + std::string temporaries).
std::string at(size_t i) {
    std::string s = "[";
    s += std::to_string(i);
    s += ']';
    return s;
}

struct GgufReader {
    const GgufFile *file;
    std::string name;

    [[noreturn]] void fail(std::string_view key, const std::string &what) const {
        throw TokError(std::string(key) + (what.starts_with("[") ? "" : " ") + what);
    }
    void check(const Status &s) const {
        if (!s.ok())
            throw TokError(s.message);
    }
    const GgufValue &array(std::string_view key, GgufType elem, bool required, bool *present) const {
        static const GgufValue empty;
        const GgufValue *v = gguf_find(file, key);
        *present = v != nullptr;
        if (!v) {
            if (required)
                fail(key, "is missing");
            return empty;
        }
        if (v->type != GgufType::array)
            fail(key, "is " + v->describe() + ", expected an array");
        if (elem == GgufType::string && v->elem_type != GgufType::string)
            fail(key, "is " + v->describe() + ", expected an array of strings");
        return *v;
    }
    int32_t id(std::string_view key, int32_t n_tokens) const {
        std::optional<int64_t> v;
        check(gguf_get_int(file, key, &v));
        if (!v)
            return -1;
        // Some converters write -1 (as a signed or wrapped value) for "none".
        if (*v == -1 || *v == 0xFFFFFFFFll)
            return -1;
        if (*v < 0 || *v >= n_tokens)
            fail(key, "is " + std::to_string(*v) + ", outside the vocabulary (0.." +
                          std::to_string(n_tokens - 1) + ")");
        return static_cast<int32_t>(*v);
    }
    std::optional<bool> flag(std::string_view key) const {
        std::optional<bool> v;
        check(gguf_get_bool(file, key, &v));
        return v;
    }
};

void load_vocab(const GgufReader &r, Tokenizer *t) {
    bool present = false;
    const GgufValue &tokens = r.array("tokenizer.ggml.tokens", GgufType::string, true, &present);
    if (tokens.strings.empty())
        r.fail("tokenizer.ggml.tokens", "is empty");
    if (tokens.strings.size() > (1u << 24))
        r.fail("tokenizer.ggml.tokens",
               "has " + std::to_string(tokens.strings.size()) + " entries (at most 16777216)");
    const size_t n = tokens.strings.size();
    t->text.assign(tokens.strings.begin(), tokens.strings.end());
    t->type.assign(n, TokenType::normal);
    const GgufValue &types = r.array("tokenizer.ggml.token_type", GgufType::int32, false, &present);
    if (present) {
        if (types.count != n)
            r.fail("tokenizer.ggml.token_type", "has " + std::to_string(types.count) +
                                                    " entries but there are " + std::to_string(n) +
                                                    " tokens");
        for (size_t i = 0; i < n; ++i) {
            const std::optional<int64_t> v = types.array_int(i);
            if (!v || *v < 0 || *v > 6)
                r.fail("tokenizer.ggml.token_type", at(i) + " is not a token type (1 normal … 6 byte)");
            t->type[i] = *v == 0 ? TokenType::normal : static_cast<TokenType>(*v);
        }
    }
    t->score.assign(n, 0.0f);
    const GgufValue &scores = r.array("tokenizer.ggml.scores", GgufType::float32, false, &present);
    if (present) {
        if (scores.count != n)
            r.fail("tokenizer.ggml.scores", "has " + std::to_string(scores.count) +
                                                " entries but there are " + std::to_string(n) + " tokens");
        for (size_t i = 0; i < n; ++i) {
            const std::optional<double> v = scores.array_float(i);
            if (!v)
                r.fail("tokenizer.ggml.scores", at(i) + " is not a number");
            t->score[i] = static_cast<float>(*v);
        }
    }
}

void load_merges(const GgufReader &r, Tokenizer *t) {
    bool present = false;
    const GgufValue &merges = r.array("tokenizer.ggml.merges", GgufType::string, true, &present);
    t->merges.reserve(merges.strings.size());
    std::string left;
    std::string right;
    std::string merged;
    for (size_t i = 0; i < merges.strings.size(); ++i) {
        const std::string_view m = merges.strings[i];
        // The first space after the first character separates the two pieces (llama.cpp's reading).
        const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
        if (space == std::string_view::npos)
            r.fail("tokenizer.ggml.merges", at(i) + " " + quote_for_message(m) + " has no space");
        left.assign(m.substr(0, space));
        right.assign(m.substr(space + 1));
        merged = left + right;
        const int32_t a = t->text_to_id.find(left);
        const int32_t b = t->text_to_id.find(right);
        const int32_t c = t->text_to_id.find(merged);
        if (a < 0 || b < 0 || c < 0)
            r.fail("tokenizer.ggml.merges", at(i) + " " + quote_for_message(m) + ": " +
                                                quote_for_message(a < 0   ? left
                                                                  : b < 0 ? right
                                                                          : merged) +
                                                " is not in tokenizer.ggml.tokens");
        t->merges.insert(a, b, Merge{static_cast<int32_t>(i), c});
    }
}

// Control, user-defined and unknown tokens are matched literally in the text, as llama.cpp does.
void build_added(Tokenizer *t) {
    std::vector<AddedToken> added;
    for (size_t id = 0; id < t->text.size(); ++id) {
        const TokenType type = t->type[id];
        if (type != TokenType::control && type != TokenType::user_defined && type != TokenType::unknown)
            continue;
        if (t->text[id].empty())
            continue;
        AddedToken a;
        a.id = static_cast<int32_t>(id);
        a.content = t->text[id];
        a.special = type != TokenType::user_defined;
        added.push_back(std::move(a));
    }
    t->raw_added.build(std::move(added));
}

void load(const GgufFile *file, Tokenizer *t) {
    GgufReader r{file, gguf_path(file)};
    std::optional<std::string_view> model;
    r.check(gguf_get_string(file, "tokenizer.ggml.model", &model));
    if (!model)
        r.fail("tokenizer.ggml.model", "is missing");
    load_vocab(r, t);
    const int32_t n = static_cast<int32_t>(t->text.size());
    t->text_to_id.reserve(t->text.size());
    for (int32_t id = 0; id < n; ++id)
        t->text_to_id.insert(t->text[id], id);
    t->decoded.resize(t->text.size());
    std::string bytes;
    if (*model == "gpt2") {
        t->kind = ModelKind::bpe;
        t->model = TokenizerModel::bpe;
        t->byte_level = true;
        // Normal tokens first: where another token's text shows the same bytes, the model's piece wins.
        t->model_to_id.reserve(t->text.size());
        for (const bool normal_pass : {true, false})
            for (int32_t id = 0; id < n; ++id)
                if ((t->type[id] == TokenType::normal) == normal_pass &&
                    byte_level_decode(t->text[id], &bytes))
                    t->model_to_id.insert(bytes, id);
        for (int32_t id = 0; id < n; ++id) {
            const bool decodable = byte_level_decode(t->text[id], &bytes);
            // Normal tokens are shown through the byte alphabet; added/control tokens are their own text.
            const TokenType type = t->type[id];
            const int byte = type == TokenType::byte ? parse_byte_piece(t->text[id]) : -1;
            if (byte >= 0)
                t->decoded[id] = std::string(1, static_cast<char>(byte));
            else if ((type == TokenType::normal || type == TokenType::unused) && decodable)
                t->decoded[id] = bytes;
            else
                t->decoded[id] = t->text[id];
        }
        load_merges(r, t);
        std::optional<std::string_view> pre;
        r.check(gguf_get_string(file, "tokenizer.ggml.pre", &pre));
        t->pre_name = pre && !pre->empty() ? std::string(*pre) : "default";
        GgufPreType pre_type;
        if (!gguf_pre_type(t->pre_name, &pre_type))
            throw TokError("pre-tokenizer '" + t->pre_name +
                           "' is not supported (supported: " + gguf_pre_supported_list() + ")");
        for (const std::string &pattern : pre_type.patterns) {
            PreTokStep step;
            step.kind = PreTokStep::Kind::split;
            step.pattern =
                compile_or_throw(pattern, Regex::Syntax::regex, "tokenizer.ggml.pre " + t->pre_name);
            step.behavior = SplitBehavior::isolated;
            t->pretokenizer.steps.push_back(std::move(step));
            t->pretokenizer.names.push_back("Split");
        }
        t->ignore_merges = pre_type.ignore_merges;
        t->add_bos = pre_type.add_bos;
    } else if (*model == "llama") {
        t->kind = ModelKind::spm;
        t->model = TokenizerModel::spm;
        t->pre_name = "spm";
        t->model_to_id.reserve(t->text.size());
        for (const bool normal_pass : {true, false})
            for (int32_t id = 0; id < n; ++id)
                if ((t->type[id] == TokenType::normal) == normal_pass)
                    t->model_to_id.insert(t->text[id], id);
        for (int32_t id = 0; id < n; ++id) {
            const int byte = t->type[id] == TokenType::byte ? parse_byte_piece(t->text[id]) : -1;
            if (byte >= 0) {
                t->decoded[id] = std::string(1, static_cast<char>(byte));
            } else {
                // "▁" shows a space.
                const std::string_view text = t->text[id];
                std::string &d = t->decoded[id];
                for (size_t i = 0; i < text.size(); ++i) {
                    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
                        d.push_back(' ');
                        i += 2;
                    } else {
                        d.push_back(text[i]);
                    }
                }
            }
        }
        t->spm_add_space_prefix = r.flag("tokenizer.ggml.add_space_prefix").value_or(true);
        t->add_bos = true;
        if (t->spm_add_space_prefix) {
            DecoderStep strip;
            strip.kind = DecoderStep::Kind::strip;
            strip.content = " ";
            strip.strip_start = 1;
            t->decoder.whole.push_back(strip);
        }
    } else {
        throw TokError("tokenizer.ggml.model '" + std::string(*model) +
                       "' is not supported (supported: gpt2, llama)");
    }
    t->bos = r.id("tokenizer.ggml.bos_token_id", n);
    t->eos = r.id("tokenizer.ggml.eos_token_id", n);
    t->unk = r.id("tokenizer.ggml.unknown_token_id", n);
    t->pad = r.id("tokenizer.ggml.padding_token_id", n);
    t->eot = r.id("tokenizer.ggml.eot_token_id", n);
    t->eom = r.id("tokenizer.ggml.eom_token_id", n);
    if (const std::optional<bool> add_bos = r.flag("tokenizer.ggml.add_bos_token"))
        t->add_bos = *add_bos;
    if (const std::optional<bool> add_eos = r.flag("tokenizer.ggml.add_eos_token"))
        t->add_eos = *add_eos;
    build_added(t);
    finish_tokenizer(t);
}

}  // namespace

}  // namespace tok

Status tokenizer_load_gguf(const GgufFile *file, Tokenizer **out) {
    if (!file || !out)
        return ND_STATUS(StatusCode::invalid_argument, "tokenizer_load_gguf: null file or output");
    *out = nullptr;
    const std::string &path = gguf_path(file);
    try {
        auto t = std::make_unique<Tokenizer>();
        t->source = path;
        tok::load(file, t.get());
        *out = t.release();
        return Status::success();
    } catch (const tok::TokError &e) {
        // Messages from the GGUF reader already name the file.
        const std::string what = e.what();
        return ND_STATUS(StatusCode::invalid_argument, what.rfind(path, 0) == 0 ? what : path + ": " + what);
    } catch (const std::bad_alloc &) {
        return ND_STATUS(StatusCode::out_of_memory, path + ": out of memory while loading the tokenizer");
    }
}

}  // namespace nd
