// Encoding (added tokens, normalizer, pre-tokenizer, model), the accessors and the common load-time finish.
#include "gpu/tokenizer/tokenizer.h"

#include <new>

#include "gpu/tokenizer/tokenizer_impl.h"
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd {

namespace tok {

int32_t vocab_size(const Tokenizer &t) {
    return static_cast<int32_t>(t.text.size());
}

void finish_tokenizer(Tokenizer *t) {
    const size_t n = t->text.size();
    t->type.resize(n, TokenType::normal);
    t->score.resize(n, 0.0f);
    if (t->text_to_id.size() == 0) {
        t->text_to_id.reserve(n);
        for (size_t id = 0; id < n; ++id)
            if (t->type[id] != TokenType::unused || !t->text[id].empty())
                t->text_to_id.insert(t->text[id], static_cast<int32_t>(id));
    }
    if (t->decoded.size() != n) {
        t->decoded.resize(n);
        for (size_t id = 0; id < n; ++id)
            t->decoded[id] = t->decoder.token_bytes(t->text[id], false);
    }
    t->byte_token.fill(-1);
    for (int b = 0; b < 256; ++b) {
        if (t->byte_level) {
            t->byte_token[b] = t->model_to_id.find(std::string_view(reinterpret_cast<const char *>(&b), 1));
        } else {
            static const char *hex = "0123456789ABCDEF";
            const char piece[6] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
            t->byte_token[b] = t->text_to_id.find(std::string_view(piece, 6));
        }
    }
    // End of generation: the explicit ids, and control/added tokens that end a turn in known chat formats.
    static const char *const kEndOfTurn[] = {"<|im_end|>",
                                             "<|eot_id|>",
                                             "<|end|>",
                                             "<|endoftext|>",
                                             "</s>",
                                             "<SPECIAL_12>",
                                             "<end_of_turn>",
                                             "<|return|>",
                                             "<|eom_id|>",
                                             "<|end_of_text|>",
                                             "<EOT>",
                                             "<|call|>",
                                             "<｜end▁of▁sentence｜>",
                                             "<eos>"};
    t->is_eog.assign(n, 0);
    for (const int32_t id : {t->eos, t->eot, t->eom})
        if (id >= 0 && static_cast<size_t>(id) < n)
            t->is_eog[id] = 1;
    for (const char *text : kEndOfTurn) {
        const int32_t id = t->text_to_id.find(text);
        if (id >= 0 && (t->type[id] == TokenType::control || t->type[id] == TokenType::user_defined))
            t->is_eog[id] = 1;
    }
    t->eog.clear();
    for (size_t id = 0; id < n; ++id)
        if (t->is_eog[id])
            t->eog.push_back(static_cast<int32_t>(id));
}

namespace {

void encode_text(const Tokenizer &t, std::string_view text, bool first, bool after_special,
                 std::vector<int32_t> *ids) {
    if (t.kind == ModelKind::spm) {
        // llama.cpp's SentencePiece path: a space before the first fragment and after each special token,
        // then every space shown as "▁".
        std::string escaped;
        escaped.reserve(text.size() + 8);
        if (t.spm_add_space_prefix && after_special)
            escaped += "\xE2\x96\x81";
        for (const char c : text) {
            if (c == ' ')
                escaped += "\xE2\x96\x81";
            else
                escaped.push_back(c);
        }
        spm_encode_piece(t, escaped, ids);
        return;
    }
    auto sink = [&](std::string_view piece, bool) { bpe_encode_piece(t, piece, ids); };
    t.pretokenizer.run(text, first, PieceSink(sink));
}

void encode_all(const Tokenizer &t, std::string_view text, const EncodeOptions &options,
                std::vector<int32_t> *ids) {
    if (options.add_bos && t.bos >= 0)
        ids->push_back(t.bos);
    std::vector<AddedTokenMatcher::Part> parts;
    std::vector<AddedTokenMatcher::Part> normalized_parts;
    std::string normalized;
    t.raw_added.split(text, options.parse_special, &parts);
    bool after_special = true;
    for (const AddedTokenMatcher::Part &part : parts) {
        if (part.id >= 0) {
            ids->push_back(part.id);
            after_special = true;
            continue;
        }
        std::string_view segment = text.substr(part.start, part.end - part.start);
        const bool first = part.start == 0;
        if (!t.normalizer.empty()) {
            t.normalizer.apply(segment, &normalized);
            segment = normalized;
        }
        if (t.normalized_added.empty()) {
            encode_text(t, segment, first, after_special, ids);
            after_special = false;
            continue;
        }
        t.normalized_added.split(segment, options.parse_special, &normalized_parts);
        for (const AddedTokenMatcher::Part &inner : normalized_parts) {
            if (inner.id >= 0) {
                ids->push_back(inner.id);
                after_special = true;
                continue;
            }
            encode_text(t, segment.substr(inner.start, inner.end - inner.start), first && inner.start == 0,
                        after_special, ids);
            after_special = false;
        }
    }
}

}  // namespace

}  // namespace tok

Status tokenizer_encode(const Tokenizer *tokenizer, std::string_view text, const EncodeOptions &options,
                        std::vector<int32_t> *ids) {
    if (!tokenizer || !ids)
        return ND_STATUS(StatusCode::invalid_argument, "tokenizer_encode: null tokenizer or output");
    ids->clear();
    try {
        tok::encode_all(*tokenizer, text, options, ids);
    } catch (const tok::TokError &e) {
        ids->clear();
        return ND_STATUS(StatusCode::invalid_argument, tokenizer->source + ": cannot encode: " + e.what());
    } catch (const std::bad_alloc &) {
        ids->clear();
        return ND_STATUS(StatusCode::out_of_memory, tokenizer->source + ": out of memory encoding " +
                                                        std::to_string(text.size()) + " bytes");
    }
    return Status::success();
}

void tokenizer_free(Tokenizer *tokenizer) {
    delete tokenizer;
}

TokenizerModel tokenizer_model(const Tokenizer *t) {
    return t->model;
}
const std::string &tokenizer_pre_name(const Tokenizer *t) {
    return t->pre_name;
}
int32_t tokenizer_vocab_size(const Tokenizer *t) {
    return tok::vocab_size(*t);
}

std::string_view tokenizer_token_text(const Tokenizer *t, int32_t id) {
    if (id < 0 || id >= tok::vocab_size(*t))
        return {};
    return t->text[id];
}

TokenType tokenizer_token_type(const Tokenizer *t, int32_t id) {
    if (id < 0 || id >= tok::vocab_size(*t))
        return TokenType::unused;
    return t->type[id];
}

int32_t tokenizer_find_token(const Tokenizer *t, std::string_view piece) {
    return t->text_to_id.find(piece);
}
int32_t tokenizer_bos(const Tokenizer *t) {
    return t->bos;
}
int32_t tokenizer_eos(const Tokenizer *t) {
    return t->eos;
}
bool tokenizer_add_bos_default(const Tokenizer *t) {
    return t->add_bos && t->bos >= 0;
}
const std::vector<int32_t> &tokenizer_eog_ids(const Tokenizer *t) {
    return t->eog;
}

bool tokenizer_is_eog(const Tokenizer *t, int32_t id) {
    return id >= 0 && id < tok::vocab_size(*t) && t->is_eog[id] != 0;
}

}  // namespace nd
