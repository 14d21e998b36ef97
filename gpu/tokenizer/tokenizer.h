#pragma once
// Text <-> token ids for every vocabulary the engine runs:
//   bpe - byte-level BPE (GGUF tokenizer.ggml.model = "gpt2"; HF tokenizer.json "BPE" with a ByteLevel
//         pre-tokenizer/decoder), with the pre-tokenizer regexes of llama3/pixtral, tekken, qwen2, gpt2, …
//         run by PCRE2 (Unicode classes from PCRE2's tables, never hand-made);
//   spm - SentencePiece style (GGUF "llama" with scores and byte fallback; HF "BPE" with a Metaspace/
//         Replace("▁") normalizer and byte_fallback).
// Encoding splits special and added tokens out of the text first, then normalises, pre-tokenises and runs the
// model. Decoding returns the exact bytes; a token that ends inside a UTF-8 character is completed by the
// next one (TokenStreamDecoder never prints a broken character).
//
// A Tokenizer is immutable after loading; any number of threads may encode/decode with it.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/common/status.h"

namespace nd {

struct GgufFile;

// GGUF token types (spec §4.1); HF added tokens map to control (special: true) or user_defined.
enum class TokenType : int32_t {
    normal = 1,
    unknown = 2,
    control = 3,
    user_defined = 4,
    unused = 5,
    byte = 6,
};

enum class TokenizerModel { bpe = 1, spm = 2 };

struct Tokenizer;  // opaque

// From a GGUF file's tokenizer.ggml.* metadata. Errors name the file and the key: "model.gguf:
// tokenizer.ggml.merges[17] 'Ġt' has no space", "model.gguf: pre-tokenizer 'foo' is not supported
// (supported: llama-bpe, pixtral, tekken, qwen2, gpt2, …)".
Status tokenizer_load_gguf(const GgufFile *file, Tokenizer **out);
// From a Hugging Face tokenizer.json (the model, merges, added tokens, normalizer, pre-tokenizer chain and
// decoder are read from the file, not guessed). `source_name` names the file in errors.
Status tokenizer_load_hf_json_file(const std::string &path, Tokenizer **out);
Status tokenizer_load_hf_json_text(std::string_view json_text, const std::string &source_name,
                                   Tokenizer **out);
void tokenizer_free(Tokenizer *tokenizer);
struct TokenizerDeleter {
    void operator()(Tokenizer *t) const { tokenizer_free(t); }
};
using TokenizerPtr = std::unique_ptr<Tokenizer, TokenizerDeleter>;

struct EncodeOptions {
    // Prepend BOS (when the vocabulary has one). Off by default: callers decide (the model's add_bos rule
    // is tokenizer_add_bos_default()).
    bool add_bos = false;
    // Recognise special/control and added tokens written in the text ("<|im_start|>"). Off: they are
    // ordinary text and get split like any other (use for untrusted user text inside a chat).
    bool parse_special = true;
};

struct DecodeOptions {
    bool skip_special = false;  // drop control tokens (BOS, EOS, <|im_end|>) from the text
};

// Invalid UTF-8 in the input is encoded byte by byte (it is never an error).
Status tokenizer_encode(const Tokenizer *tokenizer, std::string_view text, const EncodeOptions &options,
                        std::vector<int32_t> *ids);
// An id outside the vocabulary is an error that names it; bytes are returned exactly (possibly not UTF-8).
Status tokenizer_decode(const Tokenizer *tokenizer, std::span<const int32_t> ids,
                        const DecodeOptions &options, std::string *text);

TokenizerModel tokenizer_model(const Tokenizer *tokenizer);
// "llama-bpe", "pixtral", "tekken", "qwen2", "gpt2", "hf:Split+ByteLevel", "spm", …: what `nemoctl info`
// shows.
const std::string &tokenizer_pre_name(const Tokenizer *tokenizer);
int32_t tokenizer_vocab_size(const Tokenizer *tokenizer);
std::string_view tokenizer_token_text(const Tokenizer *tokenizer, int32_t id);  // the stored piece ("Ġthe")
TokenType tokenizer_token_type(const Tokenizer *tokenizer, int32_t id);
int32_t tokenizer_find_token(const Tokenizer *tokenizer, std::string_view piece);  // -1 when absent
int32_t tokenizer_bos(const Tokenizer *tokenizer);                                 // -1 when none
int32_t tokenizer_eos(const Tokenizer *tokenizer);                                 // -1 when none
bool tokenizer_add_bos_default(const Tokenizer *tokenizer);
// End-of-generation ids: EOS, EOT and tokens whose text is an end-of-turn marker (<|im_end|>, <|eot_id|>,
// <|end|>, </s>, <SPECIAL_12> for Nano 2 …).
const std::vector<int32_t> &tokenizer_eog_ids(const Tokenizer *tokenizer);
bool tokenizer_is_eog(const Tokenizer *tokenizer, int32_t id);

// Incremental decoding for streaming: push ids, get back only complete UTF-8 characters; bytes of a
// character split across tokens are held until it is complete. flush() returns what is left (invalid
// sequences as U+FFFD), at the end of a stream.
class TokenStreamDecoder {
public:
    explicit TokenStreamDecoder(const Tokenizer *tokenizer, DecodeOptions options = {});
    Status push(int32_t id, std::string *text_out);
    std::string flush();

private:
    const Tokenizer *m_tokenizer;
    DecodeOptions m_options;
    std::vector<int32_t> m_ids;    // the stream so far, for decoder chains that must re-decode it all
    std::string m_pending;         // bytes of an unfinished UTF-8 character
    size_t m_emitted_tokens = 0;   // tokens decoded so far (the first one may decode differently)
    size_t m_decoded_bytes = 0;    // re-decoding chains: bytes of the full text already taken
    size_t m_strip_left_done = 0;  // leading characters a Strip decoder has removed so far
    bool m_strip_closed = false;   // text other than the stripped character has been seen
};

}  // namespace nd
