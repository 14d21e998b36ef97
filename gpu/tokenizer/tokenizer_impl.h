#pragma once
// The Tokenizer's private layout, shared by the loaders (GGUF, tokenizer.json), the encoder and the
// decoder. Everything is built once at load time; encode/decode only read it.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/tokenizer/tokenizer.h"
#include "gpu/tokenizer/tokenizer_added.h"
#include "gpu/tokenizer/tokenizer_maps.h"
#include "gpu/tokenizer/tokenizer_normalizer.h"
#include "gpu/tokenizer/tokenizer_pretok.h"

namespace nd {

namespace tok {

// Hugging Face decoders. Steps before the first Fuse work token by token (precomputed per id); the ones
// after it see the whole text.
struct DecoderStep {
    enum class Kind { replace = 1, byte_level, byte_fallback, fuse, strip, metaspace };
    Kind kind = Kind::replace;
    std::string pattern;      // replace: the literal to find
    std::string content;      // replace: what goes in; strip: the character stripped
    size_t strip_start = 0;   // strip: at most this many from the start
    size_t strip_stop = 0;    // strip: at most this many from the end
    std::string replacement;  // metaspace ("▁")
    bool prepend = true;      // metaspace: the first token's replacement characters are dropped
};

struct Decoder {
    std::vector<DecoderStep> per_token;
    std::vector<DecoderStep> whole;
    bool first_token_rule = false;  // a Metaspace step treats the first token differently
    bool join_with_space = false;   // no decoder at all: Hugging Face joins the tokens with spaces
    // The text of one token through the per-token steps (`first`: it is the first token decoded).
    std::string token_bytes(std::string_view text, bool first) const;
    void apply_whole(std::string *text) const;
    // Only a Strip of leading characters after the fuse: the stream decoder can follow it exactly.
    bool whole_is_leading_strip() const;
};

enum class ModelKind { bpe = 1, spm };

}  // namespace tok

struct Tokenizer {
    std::string source;  // file name for messages
    TokenizerModel model = TokenizerModel::bpe;
    tok::ModelKind kind = tok::ModelKind::bpe;
    std::string pre_name;

    // Vocabulary, by id.
    std::vector<std::string> text;  // the stored piece ("Ġthe", "▁the", "<0x0A>", "<|im_end|>")
    std::vector<TokenType> type;
    std::vector<float> score;          // SentencePiece: merge priority of the piece
    std::vector<std::string> decoded;  // bytes each id decodes to when not first (precomputed)
    tok::StringIdMap text_to_id;       // stored piece -> id (tokenizer_find_token)
    tok::StringIdMap model_to_id;  // what the model looks up: raw bytes for byte-level BPE, else the piece

    // BPE.
    tok::PairMergeMap merges;
    bool byte_level = false;     // pieces are raw bytes shown through GPT-2's alphabet
    bool ignore_merges = false;  // a pre-token that is a whole vocabulary entry is emitted directly
    bool byte_fallback = false;  // unknown characters become <0xAB> tokens
    bool fuse_unk = false;
    std::array<int32_t, 256> byte_token{};  // byte-level: token of each byte; otherwise the <0xAB> tokens

    // Special ids (-1 when none).
    int32_t bos = -1, eos = -1, unk = -1, pad = -1, eot = -1, eom = -1;
    bool add_bos = false;
    bool add_eos = false;
    bool spm_add_space_prefix = false;  // GGUF "llama": " " before the first fragment and after specials
    std::vector<int32_t> eog;
    std::vector<uint8_t> is_eog;

    // Encoding pipeline.
    tok::AddedTokenMatcher raw_added;         // matched on the text as given
    tok::AddedTokenMatcher normalized_added;  // matched after the normalizer
    tok::Normalizer normalizer;
    tok::PreTokenizer pretokenizer;
    tok::Decoder decoder;
};

namespace tok {

int32_t vocab_size(const Tokenizer &t);
// Encodes one pre-token with the model, appending ids.
void bpe_encode_piece(const Tokenizer &t, std::string_view piece, std::vector<int32_t> *ids);
void spm_encode_piece(const Tokenizer &t, std::string_view piece, std::vector<int32_t> *ids);
// Fills byte_token, is_eog/eog (from the special ids and end-of-turn texts) and the decoded bytes.
void finish_tokenizer(Tokenizer *t);
bool is_skippable_special(const Tokenizer &t, int32_t id);

}  // namespace tok

}  // namespace nd
