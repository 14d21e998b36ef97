// Tokenizers from GGUF metadata: the SentencePiece-style "llama" model (scores, byte tokens, space
// prefix), byte-level "gpt2" with named pre-tokenizers, special ids, EOG, and every malformed key.
#include "tok_test_util.h"

namespace nd::toktest {
namespace {

using KV = std::vector<std::pair<std::string, GgufWriteValue>>;
const std::string kSp = "\xE2\x96\x81";  // ▁

struct SpmVocab {
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    int32_t add(const std::string &piece, float score, int32_t type = 1) {
        tokens.push_back(piece);
        scores.push_back(score);
        types.push_back(type);
        return static_cast<int32_t>(tokens.size() - 1);
    }
};

SpmVocab spm_vocab(bool with_whole_word) {
    SpmVocab v;
    v.add("<unk>", 0, 2);
    v.add("<s>", 0, 3);
    v.add("</s>", 0, 3);
    static const char *hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b)
        v.add(std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0, 6);
    for (const char *c : {"h", "e", "l", "o"})
        v.add(c, -2);
    v.add(kSp, -1);         // 263
    v.add(kSp + "h", -5);   // 264 (after the 4 letters at 259..262)
    v.add("he", -3);        // 265
    v.add("ll", -4);        // 266
    v.add("llo", -6);       // 267
    v.add(kSp + "he", -7);  // 268
    if (with_whole_word)
        v.add(kSp + "hello", -8);  // 269
    v.add("<|im_end|>", 0, 3);
    return v;
}

KV spm_keys(const SpmVocab &v) {
    return {{"tokenizer.ggml.model", GgufWriteValue::str("llama")},
            {"tokenizer.ggml.tokens", GgufWriteValue::str_array(v.tokens)},
            {"tokenizer.ggml.scores", GgufWriteValue::f32_array(v.scores)},
            {"tokenizer.ggml.token_type", GgufWriteValue::i32_array(v.types)},
            {"tokenizer.ggml.bos_token_id", GgufWriteValue::u32(1)},
            {"tokenizer.ggml.eos_token_id", GgufWriteValue::u32(2)},
            {"tokenizer.ggml.unknown_token_id", GgufWriteValue::u32(0)}};
}

TokenizerPtr load(const TempDir &dir, const KV &keys) {
    GgufFilePtr file = write_gguf(dir, keys);
    if (!file)
        return nullptr;
    TokenizerPtr t;
    const Status s = try_load_gguf(file.get(), &t);
    EXPECT_TRUE(s.ok()) << s.describe();
    return t;
}

TEST(TokSpm, HighestScoringPiecesMergeFirst) {
    TempDir dir;
    auto t = load(dir, spm_keys(spm_vocab(true)));
    ASSERT_TRUE(t);
    EXPECT_EQ(tokenizer_model(t.get()), TokenizerModel::spm);
    EXPECT_EQ(tokenizer_pre_name(t.get()), "spm");
    // ▁ h e l l o: "he" (-3), "ll" (-4), "llo" (-6), "▁he" (-7), then "▁hello" (-8).
    EXPECT_EQ(enc(t.get(), "hello"), (std::vector<int32_t>{269}));
    auto u = load(dir, spm_keys(spm_vocab(false)));
    EXPECT_EQ(enc(u.get(), "hello"), (std::vector<int32_t>{268, 267}));
    EXPECT_EQ(dec(u.get(), {268, 267}), "hello");
    EXPECT_EQ(dec(u.get(), {268, 267, 268, 267}), "hello hello");
    EXPECT_TRUE(tokenizer_add_bos_default(u.get()));
}

TEST(TokSpm, UnknownCharactersFallBackToBytes) {
    TempDir dir;
    auto t = load(dir, spm_keys(spm_vocab(false)));
    // "hé": ▁h, then the two bytes of é (<0xC3> = id 3 + 0xC3).
    EXPECT_EQ(enc(t.get(), "h\xC3\xA9"), (std::vector<int32_t>{264, 3 + 0xC3, 3 + 0xA9}));
    EXPECT_EQ(dec(t.get(), {264, 3 + 0xC3, 3 + 0xA9}), "h\xC3\xA9");
}

TEST(TokSpm, SpacePrefixAfterSpecialTokensAndNoPrefixWhenOff) {
    TempDir dir;
    SpmVocab v = spm_vocab(false);
    auto t = load(dir, spm_keys(v));
    const int32_t im_end = tokenizer_find_token(t.get(), "<|im_end|>");
    EXPECT_EQ(enc(t.get(), "<s>hello<|im_end|>"), (std::vector<int32_t>{1, 268, 267, im_end}));
    EXPECT_TRUE(tokenizer_is_eog(t.get(), im_end));
    EXPECT_TRUE(tokenizer_is_eog(t.get(), 2));
    EXPECT_EQ(dec(t.get(), {1, 268, 267}), "<s> hello");
    EXPECT_EQ(dec(t.get(), {1, 268, 267}, true), "hello");
    KV keys = spm_keys(v);
    keys.emplace_back("tokenizer.ggml.add_space_prefix", GgufWriteValue::boolean(false));
    keys.emplace_back("tokenizer.ggml.add_bos_token", GgufWriteValue::boolean(false));
    auto np = load(dir, keys);
    EXPECT_EQ(enc(np.get(), "hello"), (std::vector<int32_t>{265, 267}));
    EXPECT_EQ(dec(np.get(), {268}), " he");
    EXPECT_FALSE(tokenizer_add_bos_default(np.get()));
}

// A byte-level GGUF vocabulary: the 256 byte characters, a few merges and special tokens.
KV bpe_keys(const std::string &pre) {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        tokens.push_back(bl(std::string_view(&c, 1)));
        types.push_back(1);
    }
    for (const std::string &t : {bl(" w"), bl("12"), bl("123"), bl(" world")}) {
        tokens.push_back(t);
        types.push_back(1);
    }
    for (const std::string t : {"<s>", "</s>", "<|im_end|>", "<tool>"}) {
        tokens.push_back(t);
        types.push_back(t == "<tool>" ? 4 : 3);
    }
    const std::vector<std::string> merges = {bl(" ") + " w", "1 2", bl("12") + " 3"};
    return {{"tokenizer.ggml.model", GgufWriteValue::str("gpt2")},
            {"tokenizer.ggml.pre", GgufWriteValue::str(pre)},
            {"tokenizer.ggml.tokens", GgufWriteValue::str_array(tokens)},
            {"tokenizer.ggml.token_type", GgufWriteValue::i32_array(types)},
            {"tokenizer.ggml.merges", GgufWriteValue::str_array(merges)},
            {"tokenizer.ggml.bos_token_id", GgufWriteValue::u32(260)},
            {"tokenizer.ggml.eos_token_id", GgufWriteValue::u32(261)}};
}

TEST(TokGgufBpe, PreTypesDigitsIgnoreMergesAndSpecials) {
    TempDir dir;
    auto llama = load(dir, bpe_keys("llama-bpe"));
    ASSERT_TRUE(llama);
    EXPECT_EQ(tokenizer_model(llama.get()), TokenizerModel::bpe);
    // llama3 groups up to three digits; ignore_merges emits " world" whole although no merge builds it.
    EXPECT_EQ(enc(llama.get(), "12345 world"), (std::vector<int32_t>{258, '4', '5', 259}));
    EXPECT_TRUE(tokenizer_add_bos_default(llama.get()));
    auto tekken = load(dir, bpe_keys("tekken"));
    EXPECT_EQ(enc(tekken.get(), "123"), (std::vector<int32_t>{'1', '2', '3'}));
    auto qwen = load(dir, bpe_keys("qwen2"));
    EXPECT_EQ(enc(qwen.get(), " world"), (std::vector<int32_t>{256, 'o', 'r', 'l', 'd'}));
    EXPECT_FALSE(tokenizer_add_bos_default(qwen.get()));
    auto gpt2 = load(dir, bpe_keys("gpt2"));
    EXPECT_EQ(enc(gpt2.get(), "123"), (std::vector<int32_t>{258}));
    // pixtral = llama3's regex with ignore_merges and BOS.
    auto pixtral = load(dir, bpe_keys("pixtral"));
    EXPECT_EQ(enc(pixtral.get(), "12345 world"), (std::vector<int32_t>{258, '4', '5', 259}));
    // Control and user-defined tokens are found in the text; parse_special off keeps user-defined ones.
    EXPECT_EQ(enc(pixtral.get(), "<s>a<|im_end|><tool>"), (std::vector<int32_t>{260, 'a', 262, 263}));
    EXPECT_EQ(enc(pixtral.get(), "<s><tool>", false), (std::vector<int32_t>{'<', 's', '>', 263}));
    EXPECT_EQ(tokenizer_bos(pixtral.get()), 260);
    EXPECT_EQ(tokenizer_eos(pixtral.get()), 261);
    EXPECT_EQ(tokenizer_eog_ids(pixtral.get()), (std::vector<int32_t>{261, 262}));
    EXPECT_EQ(dec(pixtral.get(), {260, 'a', 259, 262}), "<s>a world<|im_end|>");
    EXPECT_EQ(dec(pixtral.get(), {260, 'a', 259, 262, 263}, true), "a world<tool>");
}

TEST(TokGgufBpe, AddBosKeyOverridesThePreType) {
    TempDir dir;
    KV keys = bpe_keys("pixtral");
    keys.emplace_back("tokenizer.ggml.add_bos_token", GgufWriteValue::boolean(false));
    auto t = load(dir, keys);
    EXPECT_FALSE(tokenizer_add_bos_default(t.get()));
}

// Loads `keys` and expects an error mentioning every string in `needles` and the file's name.
void expect_error(const KV &keys, std::initializer_list<std::string> needles) {
    TempDir dir;
    GgufFilePtr file = write_gguf(dir, keys);
    ASSERT_TRUE(file);
    TokenizerPtr t;
    const Status s = try_load_gguf(file.get(), &t);
    ASSERT_FALSE(s.ok());
    EXPECT_FALSE(t);
    EXPECT_NE(s.message.find("tok.gguf"), std::string::npos) << s.message;
    for (const std::string &n : needles)
        EXPECT_NE(s.message.find(n), std::string::npos) << "'" << n << "' not in: " << s.message;
}

KV without(KV keys, const std::string &key) {
    std::erase_if(keys, [&](const auto &kv) { return kv.first == key; });
    return keys;
}

KV with(KV keys, const std::string &key, GgufWriteValue value) {
    keys = without(keys, key);
    keys.emplace_back(key, std::move(value));
    return keys;
}

TEST(TokGgufErrors, MalformedKeysNameTheFileAndKey) {
    const KV good = bpe_keys("llama-bpe");
    expect_error(without(good, "tokenizer.ggml.model"), {"tokenizer.ggml.model", "missing"});
    expect_error(without(good, "tokenizer.ggml.tokens"), {"tokenizer.ggml.tokens", "missing"});
    expect_error(without(good, "tokenizer.ggml.merges"), {"tokenizer.ggml.merges", "missing"});
    expect_error(with(good, "tokenizer.ggml.model", GgufWriteValue::str("bert")),
                 {"'bert'", "not supported"});
    expect_error(with(good, "tokenizer.ggml.pre", GgufWriteValue::str("foo")),
                 {"pre-tokenizer 'foo' is not supported", "llama-bpe", "tekken", "qwen2"});
    expect_error(with(good, "tokenizer.ggml.tokens", GgufWriteValue::str("x")),
                 {"tokenizer.ggml.tokens", "array"});
    expect_error(with(good, "tokenizer.ggml.token_type", GgufWriteValue::i32_array({1, 1})),
                 {"tokenizer.ggml.token_type", "2 entries"});
    expect_error(
        with(good, "tokenizer.ggml.token_type", GgufWriteValue::i32_array(std::vector<int32_t>(264, 9))),
        {"tokenizer.ggml.token_type[0]"});
    expect_error(with(good, "tokenizer.ggml.merges", GgufWriteValue::str_array({"1 2", bl(" w")})),
                 {"tokenizer.ggml.merges[1]", "has no space"});
    expect_error(with(good, "tokenizer.ggml.merges", GgufWriteValue::str_array({"x yz"})),
                 {"tokenizer.ggml.merges[0]", "'yz' is not in tokenizer.ggml.tokens"});
    expect_error(with(good, "tokenizer.ggml.bos_token_id", GgufWriteValue::u32(5000)),
                 {"tokenizer.ggml.bos_token_id", "5000", "outside the vocabulary"});
    expect_error(with(good, "tokenizer.ggml.eos_token_id", GgufWriteValue::str("2")),
                 {"tokenizer.ggml.eos_token_id"});
    expect_error(with(good, "tokenizer.ggml.add_bos_token", GgufWriteValue::u32(1)),
                 {"tokenizer.ggml.add_bos_token"});
    const KV spm = spm_keys(spm_vocab(false));
    expect_error(with(spm, "tokenizer.ggml.scores", GgufWriteValue::f32_array({1, 2})),
                 {"tokenizer.ggml.scores", "2 entries"});
    expect_error(with(spm, "tokenizer.ggml.scores", GgufWriteValue::str_array({"a"})),
                 {"tokenizer.ggml.scores"});
    expect_error(with(spm, "tokenizer.ggml.tokens", GgufWriteValue::str_array({})),
                 {"tokenizer.ggml.tokens", "empty"});
}

}  // namespace
}  // namespace nd::toktest
