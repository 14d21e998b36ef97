// Decoding to exact bytes, decoder chains (ByteLevel, ByteFallback/Fuse/Strip, Metaspace) and the
// streaming decoder, which never prints a broken UTF-8 character.
#include "tok_test_util.h"

namespace nd::toktest {
namespace {

std::string stream(const Tokenizer *t, const std::vector<int32_t> &ids,
                   std::vector<std::string> *pieces = nullptr, bool skip_special = false) {
    DecodeOptions options;
    options.skip_special = skip_special;
    TokenStreamDecoder decoder(t, options);
    std::string all;
    for (const int32_t id : ids) {
        std::string piece;
        const Status s = decoder.push(id, &piece);
        EXPECT_TRUE(s.ok()) << s.describe();
        if (pieces)
            pieces->push_back(piece);
        all += piece;
    }
    const std::string rest = decoder.flush();
    if (pieces)
        pieces->push_back(rest);
    return all + rest;
}

TEST(TokDecode, ByteLevelGivesExactBytesEvenWhenNotUtf8) {
    auto t = load_json(byte_level_json({}, {}));
    EXPECT_EQ(dec(t.get(), {0xFF, 'a', 0xC3}),
              "\xFF"
              "a\xC3");
    // Invalid UTF-8 in the input is encoded byte by byte and comes back unchanged.
    const std::string invalid = "a\xFF\xC3(\xE2\x82 \xED\xA0\x80 ok";
    EXPECT_EQ(dec(t.get(), enc(t.get(), invalid)), invalid);
    std::string out;
    const int32_t bad[] = {300};
    const Status s = tokenizer_decode(t.get(), bad, DecodeOptions{}, &out);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message.find("token id 300"), std::string::npos) << s.message;
    EXPECT_NE(s.message.find("test.json"), std::string::npos) << s.message;
}

TEST(TokStream, CharactersSplitAcrossTokensAreHeldUntilComplete) {
    auto t = load_json(byte_level_json({}, {}));
    std::vector<std::string> pieces;
    // "é" (C3 A9) and "😀" (F0 9F 98 80), one byte per token.
    EXPECT_EQ(stream(t.get(), {'a', 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 'b'}, &pieces), "a\u00e9\U0001F600b");
    EXPECT_EQ(pieces, (std::vector<std::string>{"a", "", "\u00e9", "", "", "", "\U0001F600", "b", ""}));
}

TEST(TokStream, InvalidBytesBecomeReplacementCharacters) {
    auto t = load_json(byte_level_json({}, {}));
    std::vector<std::string> pieces;
    // A lone continuation byte and a lead byte followed by ASCII are invalid at once; a lead byte at the
    // end is only known to be invalid at flush().
    EXPECT_EQ(stream(t.get(), {0x80, 'x', 0xE2, 'y', 0xE2, 0x82}, &pieces), "\uFFFDx\uFFFDy\uFFFD");
    EXPECT_EQ(pieces.back(), "\uFFFD");
    // An impossible second byte (E0 80) is not held back.
    pieces.clear();
    EXPECT_EQ(stream(t.get(), {0xE0, 0x80, 'z'}, &pieces), "\uFFFD\uFFFDz");
}

json llama2_style_json() {
    // Like Llama 2's tokenizer.json: Prepend("▁") + Replace(" ", "▁") normalizer, byte fallback, and the
    // Replace / ByteFallback / Fuse / Strip decoder chain.
    json vocab = {{"<unk>", 0},  {"<s>", 1},           {"\xE2\x96\x81", 2},   {"h", 3},
                  {"i", 4},      {"\xE2\x96\x81h", 5}, {"\xE2\x96\x81hi", 6}, {"<0xC3>", 7},
                  {"<0xA9>", 8}, {"<0xF0>", 9},        {"<0x9F>", 10},        {"<0x98>", 11},
                  {"<0x80>", 12}};
    return json{
        {"added_tokens",
         json::array({{{"id", 0}, {"content", "<unk>"}, {"special", true}, {"normalized", false}},
                      {{"id", 1}, {"content", "<s>"}, {"special", true}, {"normalized", false}}})},
        {"normalizer",
         {{"type", "Sequence"},
          {"normalizers",
           json::array(
               {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}})}}},
        {"pre_tokenizer", nullptr},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders",
           json::array({{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
                        {{"type", "ByteFallback"}},
                        {{"type", "Fuse"}},
                        {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}}},
        {"model",
         {{"type", "BPE"},
          {"vocab", vocab},
          {"merges", json::array({"\xE2\x96\x81 h", "\xE2\x96\x81h i"})},
          {"unk_token", "<unk>"},
          {"byte_fallback", true},
          {"fuse_unk", true}}}};
}

TEST(TokStream, StripDecoderStreamsLikeTheWholeDecode) {
    auto t = load_json(llama2_style_json());
    ASSERT_TRUE(t);
    const std::vector<int32_t> ids = enc(t.get(), "hi hi \xC3\xA9\xF0\x9F\x98\x80");
    EXPECT_EQ(ids, (std::vector<int32_t>{6, 6, 2, 7, 8, 9, 10, 11, 12}));
    const std::string whole = dec(t.get(), ids);
    EXPECT_EQ(whole, "hi hi \xC3\xA9\xF0\x9F\x98\x80");
    EXPECT_EQ(stream(t.get(), ids), whole);
    // With BOS first, the strip finds no leading space; skipping BOS, it strips the first word's.
    std::vector<int32_t> with_bos = {1};
    with_bos.insert(with_bos.end(), ids.begin(), ids.end());
    EXPECT_EQ(stream(t.get(), with_bos), dec(t.get(), with_bos));
    EXPECT_EQ(dec(t.get(), with_bos), "<s> hi hi \xC3\xA9\xF0\x9F\x98\x80");
    EXPECT_EQ(stream(t.get(), with_bos, nullptr, true), dec(t.get(), with_bos, true));
    EXPECT_EQ(dec(t.get(), with_bos, true), whole);
    // Each prefix streams to the prefix of the whole text.
    for (size_t n = 1; n <= ids.size(); ++n) {
        const std::vector<int32_t> prefix(ids.begin(), ids.begin() + static_cast<long>(n));
        const std::string expected = dec(t.get(), prefix);
        const std::string streamed = stream(t.get(), prefix);
        // An unfinished character at the end of a prefix becomes U+FFFD in the stream.
        if (streamed != expected) {
            EXPECT_EQ(streamed.substr(streamed.size() - 3), "\uFFFD") << n;
        }
    }
}

TEST(TokDecode, MetaspaceDecoderDropsTheFirstTokensSpace) {
    json j = llama2_style_json();
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "Metaspace"},
                          {"replacement", "\xE2\x96\x81"},
                          {"prepend_scheme", "first"},
                          {"split", false}};
    j["decoder"] = {{"type", "Metaspace"},
                    {"replacement", "\xE2\x96\x81"},
                    {"prepend_scheme", "first"},
                    {"split", false}};
    auto t = load_json(j);
    ASSERT_TRUE(t);
    // Only the first piece of the input gets the "▁" prefix.
    EXPECT_EQ(enc(t.get(), "hi hi"), (std::vector<int32_t>{6, 6}));
    EXPECT_EQ(enc(t.get(), "<s>hi"), (std::vector<int32_t>{1, 3, 4}));
    EXPECT_EQ(dec(t.get(), {6, 6}), "hi hi");
    EXPECT_EQ(stream(t.get(), {6, 6}), "hi hi");
    EXPECT_EQ(dec(t.get(), {1, 6}, true), "hi");
}

TEST(TokDecode, MetaspaceFirstTokenLosesEveryReplacementCharacter) {
    // Expected values from the Hugging Face library: the first token's "▁"s are all dropped, later ones
    // become spaces.
    const std::string sp = "\xE2\x96\x81";
    json meta = {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "first"}, {"split", false}};
    json j = {
        {"added_tokens", json::array()},
        {"pre_tokenizer", meta},
        {"decoder", meta},
        {"model",
         {{"type", "BPE"},
          {"vocab", {{sp, 0}, {"a", 1}, {"b", 2}, {sp + "a", 3}, {sp + "a" + sp + "b", 4}, {sp + sp, 5}}},
          {"merges", json::array()}}}};
    auto t = load_json(j);
    ASSERT_TRUE(t);
    EXPECT_EQ(dec(t.get(), {4, 3}), "ab a");
    EXPECT_EQ(dec(t.get(), {5, 1}), "a");
    EXPECT_EQ(dec(t.get(), {1, 5, 1}), "a  a");
    EXPECT_EQ(stream(t.get(), {4, 3}), "ab a");
    EXPECT_EQ(enc(t.get(), "a a"), (std::vector<int32_t>{0, 1, 0, 1}));
}

}  // namespace
}  // namespace nd::toktest
