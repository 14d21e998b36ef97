// The BPE model on hand-checked vocabularies: merge order, ignore_merges, byte fallback and unknown
// tokens, long pieces, and added/special tokens (lstrip, rstrip, single_word, parse_special).
#include <random>

#include "tok_test_util.h"

namespace nd::toktest {
namespace {

TEST(TokBpe, MergesApplyInRankOrder) {
    // h e l l o: "l l" (rank 0) first, then "h e", then "he ll"; "ll o" (rank 3) loses to "he ll".
    const std::vector<std::string> extra = {bl("ll"), bl("he"), bl("hell"), bl("llo")};
    auto t = load_json(byte_level_json(extra, {"l l", "h e", "he ll", "ll o"}));
    ASSERT_TRUE(t);
    EXPECT_EQ(enc(t.get(), "hello"), (std::vector<int32_t>{258, byte_id('o')}));
    // The same pieces with "ll o" ranked first: once "ll" exists it takes the "o".
    auto u = load_json(byte_level_json(extra, {"ll o", "l l", "h e", "he ll"}));
    EXPECT_EQ(enc(u.get(), "hello"), (std::vector<int32_t>{257, 259}));
    EXPECT_EQ(dec(u.get(), {257, 259}), "hello");
}

TEST(TokBpe, EqualRanksMergeLeftmostFirst) {
    auto t = load_json(byte_level_json({bl("aa")}, {"a a"}));
    EXPECT_EQ(enc(t.get(), "aaa"), (std::vector<int32_t>{256, byte_id('a')}));
    EXPECT_EQ(enc(t.get(), "aaaa"), (std::vector<int32_t>{256, 256}));
}

TEST(TokBpe, IgnoreMergesEmitsWholeVocabularyPieces) {
    // "hello" is in the vocabulary but no merge leads to it.
    json j = byte_level_json({bl("he"), bl("hello")}, {"h e"});
    auto plain = load_json(j);
    EXPECT_EQ(enc(plain.get(), "hello"), (std::vector<int32_t>{256, 'l', 'l', 'o'}));
    j["model"]["ignore_merges"] = true;
    auto ignoring = load_json(j);
    EXPECT_EQ(enc(ignoring.get(), "hello"), (std::vector<int32_t>{257}));
    EXPECT_EQ(enc(ignoring.get(), "help"), (std::vector<int32_t>{256, 'l', 'p'}));
}

TEST(TokBpe, SpacesBelongToTheFollowingWord) {
    auto t = load_json(byte_level_json({bl(" w")}, {bl(" ") + " w"}));
    EXPECT_EQ(enc(t.get(), "a w"), (std::vector<int32_t>{'a', 256}));
    EXPECT_EQ(dec(t.get(), {'a', 256}), "a w");
}

json spm_style_json(bool byte_fallback, bool fuse_unk) {
    json vocab = {{"<unk>", 0}, {"<0xC3>", 1}, {"<0xA9>", 2},      {"a", 3},
                  {"b", 4},     {"ab", 5},     {"\xE2\x96\x81", 6}};
    return json{
        {"added_tokens", json::array({{{"id", 0}, {"content", "<unk>"}, {"special", true}}})},
        {"normalizer", nullptr},
        {"pre_tokenizer", nullptr},
        {"decoder",
         {{"type", "Sequence"}, {"decoders", json::array({{{"type", "ByteFallback"}}, {{"type", "Fuse"}}})}}},
        {"model",
         {{"type", "BPE"},
          {"vocab", vocab},
          {"merges", json::array({"a b"})},
          {"unk_token", "<unk>"},
          {"byte_fallback", byte_fallback},
          {"fuse_unk", fuse_unk}}}};
}

TEST(TokBpe, ByteFallbackAndUnknownTokens) {
    auto fallback = load_json(spm_style_json(true, false));
    EXPECT_EQ(enc(fallback.get(), "ab\xC3\xA9"), (std::vector<int32_t>{5, 1, 2}));
    EXPECT_EQ(dec(fallback.get(), {5, 1, 2}), "ab\xC3\xA9");
    EXPECT_EQ(tokenizer_model(fallback.get()), TokenizerModel::spm);
    EXPECT_EQ(tokenizer_token_type(fallback.get(), 1), TokenType::byte);
    // "é" without byte tokens for its bytes ("ü" = C3 BC: no <0xBC>) is unknown.
    EXPECT_EQ(enc(fallback.get(), "\xC3\xBC"), (std::vector<int32_t>{0}));
    auto unk = load_json(spm_style_json(false, false));
    EXPECT_EQ(enc(unk.get(), "ab\xC3\xA9\xC3\xA9"), (std::vector<int32_t>{5, 0, 0}));
    auto fused = load_json(spm_style_json(false, true));
    EXPECT_EQ(enc(fused.get(),
                  "ab\xC3\xA9\xC3\xA9"
                  "a"),
              (std::vector<int32_t>{5, 0, 3}));
    EXPECT_EQ(tokenizer_token_type(fused.get(), 0), TokenType::unknown);
}

// A plain re-implementation of BPE (repeatedly merge the lowest-rank adjacent pair, leftmost first).
std::vector<std::string> naive_bpe(const std::string &word,
                                   const std::vector<std::pair<std::string, std::string>> &merges) {
    std::vector<std::string> s;
    for (const char c : word)
        s.emplace_back(1, c);
    while (true) {
        size_t best = s.size();
        size_t best_rank = merges.size();
        for (size_t i = 0; i + 1 < s.size(); ++i)
            for (size_t r = 0; r < best_rank; ++r)
                if (merges[r].first == s[i] && merges[r].second == s[i + 1]) {
                    best_rank = r;
                    best = i;
                    break;
                }
        if (best == s.size())
            return s;
        s[best] += s[best + 1];
        s.erase(s.begin() + static_cast<long>(best) + 1);
    }
}

TEST(TokBpe, LongPiecesMergeLikeShortOnes) {
    // Random merges over {a, b, c}; words of 1..300 letters exercise both merge strategies (the heap one
    // starts above 64 symbols) and must agree with the naive algorithm.
    std::mt19937 rng(7);
    std::vector<std::pair<std::string, std::string>> merges;
    std::vector<std::string> pieces = {"a", "b", "c"};
    std::vector<std::string> extra;
    std::vector<std::string> merge_text;
    for (int k = 0; k < 40; ++k) {
        const std::string x = pieces[rng() % pieces.size()];
        const std::string y = pieces[rng() % pieces.size()];
        if (std::find(pieces.begin(), pieces.end(), x + y) != pieces.end() || (x + y).size() > 12)
            continue;
        merges.emplace_back(x, y);
        merge_text.push_back(x + " " + y);
        pieces.push_back(x + y);
        extra.push_back(x + y);
    }
    // The words are letters only, so the GPT-2 regex keeps each one whole.
    auto t = load_json(byte_level_json(extra, merge_text));
    ASSERT_TRUE(t);
    for (int n : {1, 2, 5, 17, 64, 65, 100, 300}) {
        std::string word;
        for (int i = 0; i < n; ++i)
            word.push_back("abc"[rng() % 3]);
        std::vector<int32_t> expected;
        for (const std::string &p : naive_bpe(word, merges))
            expected.push_back(tokenizer_find_token(t.get(), p));
        EXPECT_EQ(enc(t.get(), word), expected) << word;
        EXPECT_EQ(dec(t.get(), expected), word);
    }
}

json with_added(json j, json added) {
    for (json &a : added) {
        for (const char *flag : {"single_word", "lstrip", "rstrip", "normalized", "special"})
            if (!a.contains(flag))
                a[flag] = false;
        j["added_tokens"].push_back(a);
    }
    return j;
}

TEST(TokAdded, SpecialTokensSplitFirstUnlessParseSpecialIsOff) {
    auto t =
        load_json(with_added(byte_level_json({}, {}), {{{"id", 256}, {"content", "<x>"}, {"special", true}},
                                                       {{"id", 257}, {"content", "<y>"}}}));
    ASSERT_TRUE(t);
    EXPECT_EQ(enc(t.get(), "a<x>b"), (std::vector<int32_t>{'a', 256, 'b'}));
    EXPECT_EQ(enc(t.get(), "a<x>b", false), (std::vector<int32_t>{'a', '<', 'x', '>', 'b'}));
    // A non-special added token is matched either way (as Hugging Face and llama.cpp do).
    EXPECT_EQ(enc(t.get(), "<y>", false), (std::vector<int32_t>{257}));
    EXPECT_EQ(tokenizer_token_type(t.get(), 256), TokenType::control);
    EXPECT_EQ(tokenizer_token_type(t.get(), 257), TokenType::user_defined);
    EXPECT_EQ(dec(t.get(), {'a', 256, 'b'}), "a<x>b");
    EXPECT_EQ(dec(t.get(), {'a', 256, 257, 'b'}, true), "a<y>b");
}

TEST(TokAdded, LongestMatchWins) {
    auto t = load_json(
        with_added(byte_level_json({}, {}), {{{"id", 256}, {"content", "<a>"}, {"special", true}},
                                             {{"id", 257}, {"content", "<a><b>"}, {"special", true}}}));
    EXPECT_EQ(enc(t.get(), "<a><b><a>"), (std::vector<int32_t>{257, 256}));
}

TEST(TokAdded, LstripRstripAbsorbWhitespace) {
    auto t = load_json(with_added(byte_level_json({}, {}),
                                  {{{"id", 256}, {"content", "<m>"}, {"special", true}, {"lstrip", true}},
                                   {{"id", 257}, {"content", "<n>"}, {"special", true}, {"rstrip", true}},
                                   {{"id", 258}, {"content", "<p>"}, {"special", true}}}));
    EXPECT_EQ(enc(t.get(), "a  <m>b"), (std::vector<int32_t>{'a', 256, 'b'}));
    EXPECT_EQ(enc(t.get(), "a<n> \t b"), (std::vector<int32_t>{'a', 257, 'b'}));
    // Without the flags the spaces stay text.
    EXPECT_EQ(enc(t.get(), "a <p> b"), (std::vector<int32_t>{'a', byte_id(' '), 258, byte_id(' '), 'b'}));
}

TEST(TokAdded, SingleWordTokensMatchOnlyWholeWords) {
    auto t = load_json(
        with_added(byte_level_json({}, {}),
                   {{{"id", 256}, {"content", "ab"}, {"single_word", true}, {"normalized", false}}}));
    EXPECT_EQ(enc(t.get(), "ab cd"), (std::vector<int32_t>{256, byte_id(' '), 'c', 'd'}));
    EXPECT_EQ(enc(t.get(), "xab"), (std::vector<int32_t>{'x', 'a', 'b'}));
    EXPECT_EQ(enc(t.get(), "ab_"), (std::vector<int32_t>{'a', 'b', '_'}));
    EXPECT_EQ(enc(t.get(), "(ab)"), (std::vector<int32_t>{'(', 256, ')'}));
}

TEST(TokAdded, NormalizedTokensMatchTheNormalizedText) {
    json j = with_added(byte_level_json({}, {}), {{{"id", 256}, {"content", "HI"}, {"normalized", true}}});
    j["normalizer"] = {{"type", "Lowercase"}};
    auto t = load_json(j);
    // The token's content is normalised too ("hi"), then found in the lowercased text.
    EXPECT_EQ(enc(t.get(), "Hi"), (std::vector<int32_t>{256}));
    EXPECT_EQ(enc(t.get(), "xHI"), (std::vector<int32_t>{'x', 256}));
}

TEST(TokAdded, BosIsAddedOnRequest) {
    json j = with_added(byte_level_json({}, {}), {{{"id", 256}, {"content", "<s>"}, {"special", true}}});
    j["post_processor"] = {{"type", "TemplateProcessing"},
                           {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                   {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})}};
    auto t = load_json(j);
    EXPECT_EQ(tokenizer_bos(t.get()), 256);
    EXPECT_TRUE(tokenizer_add_bos_default(t.get()));
    std::vector<int32_t> ids;
    EncodeOptions options;
    options.add_bos = true;
    ASSERT_TRUE(tokenizer_encode(t.get(), "a", options, &ids).ok());
    EXPECT_EQ(ids, (std::vector<int32_t>{256, 'a'}));
    EXPECT_EQ(enc(t.get(), "a"), (std::vector<int32_t>{'a'}));
}

}  // namespace
}  // namespace nd::toktest
