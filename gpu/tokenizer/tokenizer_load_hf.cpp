// Loads a Hugging Face tokenizer.json: the BPE model, added tokens, normalizer, pre-tokenizer chain and
// decoder exactly as the file describes them. Every field is checked; errors name the file and the field.
// BOS/EOS come from the post-processor's template, else from a tokenizer_config.json next to the file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>

#include "gpu/tokenizer/tokenizer_hf_parts.h"
#include "gpu/tokenizer/tokenizer_impl.h"
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd {

namespace tok {

namespace {

// Ids beyond this are refused before anything is sized by them (real vocabularies stay under 2^20).
constexpr int64_t kMaxTokenId = (1 << 24) - 1;
constexpr uintmax_t kMaxFileBytes = 1ull << 30;

int32_t read_id(const json &v, const std::string &where, size_t n_entries) {
    if (!v.is_number_integer())
        throw TokError(where + " is " + std::string(v.type_name()) + ", expected an integer id");
    const int64_t id = v.get<int64_t>();
    // An id far beyond the number of entries would make us allocate a huge, mostly empty vocabulary.
    const int64_t limit = std::min<int64_t>(kMaxTokenId, static_cast<int64_t>(n_entries) * 4 + 4096);
    if (id < 0 || id > limit)
        throw TokError(where + " id " + std::to_string(id) + " is out of range (0.." + std::to_string(limit) +
                       ")");
    return static_cast<int32_t>(id);
}

void load_vocab(const json &model, const json *added, Tokenizer *t) {
    const json *vocab = find_member(model, "vocab");
    if (!vocab || !vocab->is_object())
        throw TokError("model.vocab is missing or not an object");
    const size_t n_entries = vocab->size() + (added ? added->size() : 0);
    int32_t max_id = -1;
    for (auto it = vocab->begin(); it != vocab->end(); ++it)
        max_id = std::max(max_id,
                          read_id(it.value(), "model.vocab[" + quote_for_message(it.key()) + "]", n_entries));
    if (added) {
        for (size_t i = 0; i < added->size(); ++i) {
            const json &a = (*added)[i];
            if (!a.is_object() || !find_member(a, "id"))
                throw TokError("added_tokens[" + std::to_string(i) + "] has no id");
            max_id =
                std::max(max_id, read_id(a["id"], "added_tokens[" + std::to_string(i) + "].id", n_entries));
        }
    }
    t->text.assign(static_cast<size_t>(max_id + 1), std::string());
    t->type.assign(t->text.size(), TokenType::unused);
    for (auto it = vocab->begin(); it != vocab->end(); ++it) {
        const int32_t id = it.value().get<int32_t>();
        if (t->type[id] != TokenType::unused)
            throw TokError("model.vocab: id " + std::to_string(id) + " is given to both " +
                           quote_for_message(t->text[id]) + " and " + quote_for_message(it.key()));
        t->type[id] = parse_byte_piece(it.key()) >= 0 ? TokenType::byte : TokenType::normal;
        t->text[id] = it.key();
    }
}

void load_merges(const json &model, const StringIdMap &piece_ids, Tokenizer *t) {
    const json *merges = find_member(model, "merges");
    if (!merges)
        return;
    if (!merges->is_array())
        throw TokError("model.merges is " + std::string(merges->type_name()) + ", expected an array");
    t->merges.reserve(merges->size());
    int32_t rank = 0;
    std::string left;
    std::string right;
    for (size_t i = 0; i < merges->size(); ++i) {
        const json &m = (*merges)[i];
        const std::string where = "model.merges[" + std::to_string(i) + "]";
        if (m.is_string()) {
            const std::string &s = m.get_ref<const std::string &>();
            const size_t space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                throw TokError(where + " " + quote_for_message(s) +
                               " is not two pieces separated by one space");
            left.assign(s, 0, space);
            right.assign(s, space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            left = m[0].get<std::string>();
            right = m[1].get<std::string>();
        } else {
            throw TokError(where + " is neither \"a b\" nor [\"a\", \"b\"]");
        }
        const int32_t a = piece_ids.find(left);
        const int32_t b = piece_ids.find(right);
        const int32_t r = piece_ids.find(left + right);
        if (a < 0 || b < 0 || r < 0)
            throw TokError(where + " " + quote_for_message(left + " " + right) + ": " +
                           quote_for_message(a < 0   ? left
                                             : b < 0 ? right
                                                     : left + right) +
                           " is not in model.vocab");
        t->merges.insert(a, b, Merge{rank++, r});
    }
}

void load_model(const json &model, const json *added, Tokenizer *t) {
    if (!model.is_object())
        throw TokError("'model' is missing or not an object");
    const std::string type = get_string(model, "type", "model", "BPE");
    if (type != "BPE")
        throw TokError("model type '" + type + "' is not supported (supported: BPE)");
    for (const char *affix : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        if (!get_string(model, affix, "model", "").empty())
            throw TokError(std::string("model.") + affix + " is not supported");
    }
    load_vocab(model, added, t);
    // Pieces of the model's own vocabulary (merges and the model never produce added-only tokens).
    StringIdMap piece_ids;
    piece_ids.reserve(t->text.size());
    for (size_t id = 0; id < t->text.size(); ++id)
        if (t->type[id] != TokenType::unused)
            piece_ids.insert(t->text[id], static_cast<int32_t>(id));
    t->model_to_id.reserve(t->text.size());
    std::string bytes;
    for (size_t id = 0; id < t->text.size(); ++id) {
        if (t->type[id] == TokenType::unused)
            continue;
        if (!t->byte_level)
            t->model_to_id.insert(t->text[id], static_cast<int32_t>(id));
        else if (byte_level_decode(t->text[id], &bytes))
            t->model_to_id.insert(bytes, static_cast<int32_t>(id));
    }
    t->byte_fallback = get_bool(model, "byte_fallback", "model", false);
    t->fuse_unk = get_bool(model, "fuse_unk", "model", false);
    t->ignore_merges = get_bool(model, "ignore_merges", "model", false);
    const std::string unk = get_string(model, "unk_token", "model", "");
    if (!unk.empty()) {
        t->unk = piece_ids.find(unk);
        if (t->unk < 0)
            throw TokError("model.unk_token " + quote_for_message(unk) + " is not in model.vocab");
        t->type[t->unk] = TokenType::unknown;
    }
    load_merges(model, piece_ids, t);
}

void load_added_tokens(const json *added, Tokenizer *t) {
    std::vector<AddedToken> raw;
    std::vector<AddedToken> normalized;
    if (!added)
        return;
    if (!added->is_array())
        throw TokError("added_tokens is not an array");
    for (size_t i = 0; i < added->size(); ++i) {
        const json &a = (*added)[i];
        const std::string where = "added_tokens[" + std::to_string(i) + "]";
        AddedToken token;
        token.id = a["id"].get<int32_t>();
        token.content = get_string(a, "content", where, "");
        if (token.content.empty())
            throw TokError(where + ".content is missing or empty");
        token.special = get_bool(a, "special", where, false);
        token.lstrip = get_bool(a, "lstrip", where, false);
        token.rstrip = get_bool(a, "rstrip", where, false);
        token.single_word = get_bool(a, "single_word", where, false);
        const bool is_normalized = get_bool(a, "normalized", where, !token.special);
        if (t->type[token.id] != TokenType::unused && t->text[token.id] != token.content)
            throw TokError(where + " " + quote_for_message(token.content) + " has id " +
                           std::to_string(token.id) + ", which model.vocab gives to " +
                           quote_for_message(t->text[token.id]));
        t->text[token.id] = token.content;
        if (t->type[token.id] != TokenType::unknown)
            t->type[token.id] = token.special ? TokenType::control : TokenType::user_defined;
        if (is_normalized && !t->normalizer.empty()) {
            // Hugging Face matches normalized tokens in normalized text, so their content is normalized too.
            std::string content;
            t->normalizer.apply(token.content, &content);
            token.content = content;
        }
        (is_normalized ? normalized : raw).push_back(std::move(token));
    }
    t->raw_added.build(std::move(raw));
    t->normalized_added.build(std::move(normalized));
}

// BOS/EOS from a TemplateProcessing post-processor (also inside a Sequence).
void read_template(const json &node, Tokenizer *t) {
    if (!node.is_object())
        return;
    const std::string type = get_string(node, "type", "post_processor", "");
    if (type == "Sequence") {
        if (const json *list = find_member(node, "processors"); list && list->is_array())
            for (const json &p : *list)
                read_template(p, t);
        return;
    }
    if (type != "TemplateProcessing")
        return;
    const json *single = find_member(node, "single");
    if (!single || !single->is_array())
        return;
    bool seen_sequence = false;
    for (const json &item : *single) {
        if (find_member(item, "Sequence")) {
            seen_sequence = true;
            continue;
        }
        const json *special = find_member(item, "SpecialToken");
        if (!special)
            continue;
        const std::string content = get_string(*special, "id", "post_processor.single", "");
        const int32_t id = t->text_to_id.find(content);
        if (id < 0)
            continue;
        if (!seen_sequence) {
            t->bos = id;
            t->add_bos = true;
        } else {
            if (t->eos < 0)
                t->eos = id;
            t->add_eos = true;
        }
    }
}

std::string config_token(const json &config, const char *key) {
    const json *v = find_member(config, key);
    if (!v)
        return "";
    if (v->is_string())
        return v->get<std::string>();
    if (v->is_object())
        return get_string(*v, "content", key, "");
    return "";
}

void read_specials(const json &root, const json *config, Tokenizer *t) {
    if (const json *post = find_member(root, "post_processor"))
        read_template(*post, t);
    if (config && config->is_object()) {
        if (const int32_t id = t->text_to_id.find(config_token(*config, "bos_token")); id >= 0 && t->bos < 0)
            t->bos = id;
        if (const int32_t id = t->text_to_id.find(config_token(*config, "eos_token")); id >= 0)
            t->eos = id;
        if (const int32_t id = t->text_to_id.find(config_token(*config, "pad_token")); id >= 0)
            t->pad = id;
        if (const json *add = find_member(*config, "add_bos_token"); add && add->is_boolean())
            t->add_bos = add->get<bool>();
    }
    // Neither says: the conventional names, when the file has them as special tokens.
    auto find_special = [&](std::initializer_list<const char *> names) {
        for (const char *name : names) {
            const int32_t id = t->text_to_id.find(name);
            if (id >= 0 && t->type[id] == TokenType::control)
                return id;
        }
        return -1;
    };
    if (t->bos < 0)
        t->bos =
            find_special({"<|begin_of_text|>", "<s>", "<bos>", "<｜begin▁of▁sentence｜>", "<|startoftext|>"});
    if (t->eos < 0)
        t->eos = find_special({"<|end_of_text|>", "</s>", "<eos>", "<｜end▁of▁sentence｜>", "<|endoftext|>"});
}

void load_json(const json &root, const json *config, Tokenizer *t) {
    if (!root.is_object())
        throw TokError("the top level is not a JSON object");
    const json *model = find_member(root, "model");
    if (!model)
        throw TokError("'model' is missing");
    const json *added = find_member(root, "added_tokens");
    if (added && !added->is_array())
        throw TokError("added_tokens is not an array");
    if (const json *n = find_member(root, "normalizer"))
        parse_normalizer(*n, "normalizer", &t->normalizer);
    bool byte_level = false;
    if (const json *p = find_member(root, "pre_tokenizer"))
        parse_pre_tokenizer(*p, "pre_tokenizer", &t->pretokenizer, &byte_level);
    t->byte_level = byte_level;
    if (const json *d = find_member(root, "decoder"))
        parse_decoder(*d, "decoder", &t->decoder);
    else
        t->decoder.join_with_space = true;
    load_model(*model, added, t);
    load_added_tokens(added, t);
    t->kind = ModelKind::bpe;
    t->model = byte_level ? TokenizerModel::bpe : TokenizerModel::spm;
    std::string names;
    for (const std::string &name : t->pretokenizer.names)
        names += (names.empty() ? "" : "+") + name;
    t->pre_name = "hf:" + (names.empty() ? std::string("none") : names);
    finish_tokenizer(t);
    read_specials(root, config, t);
    finish_tokenizer(t);  // again: the EOG set depends on the special ids found
}

Status load_text(std::string_view json_text, const std::string &source, const std::string *config_text,
                 Tokenizer **out) {
    *out = nullptr;
    try {
        auto t = std::make_unique<Tokenizer>();
        t->source = source;
        const json root = json::parse(json_text.begin(), json_text.end());
        json config;
        if (config_text)
            config = json::parse(*config_text, nullptr, false);  // best effort: a broken config is ignored
        load_json(root, config.is_discarded() ? nullptr : &config, t.get());
        *out = t.release();
        return Status::success();
    } catch (const json::exception &e) {
        return ND_STATUS(StatusCode::invalid_argument, source + ": not valid JSON: " + e.what());
    } catch (const TokError &e) {
        return ND_STATUS(StatusCode::invalid_argument, source + ": " + e.what());
    } catch (const std::bad_alloc &) {
        return ND_STATUS(StatusCode::out_of_memory, source + ": out of memory while loading the tokenizer");
    }
}

bool read_file(const std::string &path, std::string *text, std::string *error) {
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) {
        *error = ec.message();
        return false;
    }
    if (size > kMaxFileBytes) {
        *error = "the file is " + std::to_string(size) + " bytes; a tokenizer.json is at most 1 GiB";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot open it";
        return false;
    }
    text->resize(static_cast<size_t>(size));
    in.read(text->data(), static_cast<std::streamsize>(size));
    text->resize(static_cast<size_t>(in.gcount()));
    return true;
}

}  // namespace

}  // namespace tok

Status tokenizer_load_hf_json_text(std::string_view json_text, const std::string &source_name,
                                   Tokenizer **out) {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "tokenizer_load_hf_json_text: null output");
    return tok::load_text(json_text, source_name, nullptr, out);
}

Status tokenizer_load_hf_json_file(const std::string &path, Tokenizer **out) {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "tokenizer_load_hf_json_file: null output");
    *out = nullptr;
    std::string text;
    std::string error;
    if (!tok::read_file(path, &text, &error))
        return ND_STATUS(StatusCode::io_error, path + ": " + error);
    // The special tokens' names live in tokenizer_config.json next to it, when there is one.
    std::string config;
    std::string config_error;
    const std::filesystem::path config_path =
        std::filesystem::path(path).parent_path() / "tokenizer_config.json";
    const bool have_config =
        std::filesystem::exists(config_path) && tok::read_file(config_path.string(), &config, &config_error);
    return tok::load_text(text, path, have_config ? &config : nullptr, out);
}

}  // namespace nd
