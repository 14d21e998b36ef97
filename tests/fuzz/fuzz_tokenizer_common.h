#pragma once
// Shared by fuzz_tokenizer_json and fuzz_tokenizer_gguf: what every loaded tokenizer must do with a few
// fixed strings. Uses the tokenizer's private layout (gpu/tokenizer/tokenizer_impl.h) only to decide
// which invariants apply to the vocabulary the fuzzer made up.
#include <string>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "gpu/tokenizer/tokenizer.h"
#include "gpu/tokenizer/tokenizer_impl.h"
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::fuzz {

inline bool valid_utf8(std::string_view s) {
    return tok::utf8_valid_prefix(s, 0) == s.size();
}

// Byte-level BPE whose pipeline keeps every byte: no normalizer, no splits that drop text, no prefix
// space, all 256 byte tokens, a ByteLevel-only decoder and no byte-type tokens (their "<0xAB>" text would
// come back as one byte), no added tokens that swallow whitespace.
inline bool round_trips(const Tokenizer &t) {
    if (!t.byte_level || !t.normalizer.empty() || !t.decoder.whole.empty() || t.decoder.join_with_space)
        return false;
    for (const tok::DecoderStep &s : t.decoder.per_token)
        if (s.kind != tok::DecoderStep::Kind::byte_level)
            return false;
    for (const tok::PreTokStep &s : t.pretokenizer.steps)
        if ((s.kind == tok::PreTokStep::Kind::split && s.behavior == tok::SplitBehavior::removed) ||
            (s.kind == tok::PreTokStep::Kind::byte_level && s.add_prefix_space) ||
            s.kind == tok::PreTokStep::Kind::metaspace)
            return false;
    for (const int32_t id : t.byte_token)
        if (id < 0)
            return false;
    for (size_t id = 0; id < t.type.size(); ++id) {
        if (t.type[id] == TokenType::byte)
            return false;
        // An added token's decoded text must be its own text for the round trip (GGUF: raw text).
        if ((t.type[id] == TokenType::control || t.type[id] == TokenType::user_defined ||
             t.type[id] == TokenType::unknown) &&
            t.decoded[id] != t.text[id])
            return false;
    }
    return !t.raw_added.has_stripping() && t.normalized_added.empty();
}

// Invalid UTF-8 and a NUL byte (sizeof keeps the NUL inside the text).
inline constexpr char kWithNulBytes[] = "bad \xFF\xFE\xC3 \xE2\x82 \xED\xA0\x80 \x00 end";
inline constexpr std::string_view kWithNul(kWithNulBytes, sizeof(kWithNulBytes) - 1);

inline void exercise_tokenizer(const Tokenizer *t) {
    const int32_t n = tokenizer_vocab_size(t);
    ND_FUZZ_CHECK(n > 0);
    (void)tokenizer_pre_name(t);
    for (const int32_t id : tokenizer_eog_ids(t))
        ND_FUZZ_CHECK(id >= 0 && id < n && tokenizer_is_eog(t, id));
    ND_FUZZ_CHECK(tokenizer_bos(t) >= -1 && tokenizer_bos(t) < n);
    ND_FUZZ_CHECK(tokenizer_eos(t) >= -1 && tokenizer_eos(t) < n);
    const bool exact = round_trips(*t);
    static const std::string_view texts[] = {
        "Hello world 12345, I'M here!\r\n\tok  ",
        "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 e\xCC\x81",
        kWithNul,
        "<s><|im_start|>user\n<unk></s><|endoftext|>",
        "",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for (const std::string_view text : texts) {
        for (const bool parse_special : {true, false}) {
            EncodeOptions options;
            options.parse_special = parse_special;
            options.add_bos = parse_special;
            std::vector<int32_t> ids;
            const Status s = tokenizer_encode(t, text, options, &ids);
            if (!s.ok()) {
                // Only a pattern that hits its match limit may refuse a text.
                ND_FUZZ_CHECK(s.code == StatusCode::invalid_argument && ids.empty());
                continue;
            }
            for (const int32_t id : ids)
                ND_FUZZ_CHECK(id >= 0 && id < n);
            std::string decoded;
            ND_FUZZ_CHECK(tokenizer_decode(t, ids, DecodeOptions{}, &decoded).ok());
            if (exact && !options.add_bos)
                ND_FUZZ_CHECK(decoded == text);
            TokenStreamDecoder stream(t);
            std::string streamed;
            for (const int32_t id : ids) {
                std::string piece;
                ND_FUZZ_CHECK(stream.push(id, &piece).ok());
                ND_FUZZ_CHECK(valid_utf8(piece));
                streamed += piece;
            }
            streamed += stream.flush();
            ND_FUZZ_CHECK(valid_utf8(streamed));
            if (valid_utf8(decoded) && t->decoder.whole_is_leading_strip())
                ND_FUZZ_CHECK(streamed == decoded);
        }
    }
    std::string out;
    const int32_t bad[] = {n};
    ND_FUZZ_CHECK(!tokenizer_decode(t, bad, DecodeOptions{}, &out).ok());
}

}  // namespace nd::fuzz
