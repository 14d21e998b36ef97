// Pre-tokenizer steps (Hugging Face semantics), the regex class rewrite and match limits, and the
// normalizers.
#include "gpu/tokenizer/tokenizer_normalizer.h"
#include "gpu/tokenizer/tokenizer_pretok.h"
#include "gpu/tokenizer/tokenizer_text.h"
#include "tok_test_util.h"

namespace nd::toktest {
namespace {

using tok::PreTokenizer;
using tok::PreTokStep;
using tok::Regex;
using tok::SplitBehavior;

std::vector<std::string> run(const PreTokenizer &p, std::string_view text, bool first = true) {
    std::vector<std::string> out;
    auto sink = [&](std::string_view piece, bool) { out.emplace_back(piece); };
    p.run(text, first, tok::PieceSink(sink));
    return out;
}

PreTokenizer split(std::string_view pattern, SplitBehavior behavior, bool invert = false,
                   Regex::Syntax syntax = Regex::Syntax::literal) {
    PreTokenizer p;
    PreTokStep step;
    step.pattern = tok::compile_or_throw(pattern, syntax, "test");
    step.behavior = behavior;
    step.invert = invert;
    p.steps.push_back(step);
    return p;
}

using V = std::vector<std::string>;

TEST(TokPretok, SplitBehaviors) {
    // The examples of Hugging Face's documentation.
    const std::string text = "the-final--countdown";
    EXPECT_EQ(run(split("-", SplitBehavior::removed), text), (V{"the", "final", "countdown"}));
    EXPECT_EQ(run(split("-", SplitBehavior::isolated), text),
              (V{"the", "-", "final", "-", "-", "countdown"}));
    EXPECT_EQ(run(split("-", SplitBehavior::merged_with_previous), text),
              (V{"the-", "final-", "-", "countdown"}));
    EXPECT_EQ(run(split("-", SplitBehavior::merged_with_next), text),
              (V{"the", "-final", "-", "-countdown"}));
    EXPECT_EQ(run(split("-", SplitBehavior::contiguous), text), (V{"the", "-", "final", "--", "countdown"}));
    // invert: what the pattern matches is kept, the rest is the delimiter.
    EXPECT_EQ(run(split("-", SplitBehavior::removed, true), text), (V{"-", "-", "-"}));
    EXPECT_EQ(run(split("\\p{L}+", SplitBehavior::removed, true, Regex::Syntax::regex), "ab, cd!"),
              (V{"ab", "cd"}));
    EXPECT_EQ(run(split("-", SplitBehavior::isolated), ""), V{});
}

TEST(TokPretok, ChainedStepsAndByteLevelPrefix) {
    PreTokenizer p;
    PreTokStep bl;
    bl.kind = PreTokStep::Kind::byte_level;
    bl.add_prefix_space = true;
    p.steps.push_back(bl);
    PreTokStep gpt2;
    gpt2.pattern = tok::compile_or_throw(tok::kGpt2Pattern, Regex::Syntax::regex, "test");
    p.steps.push_back(gpt2);
    EXPECT_EQ(run(p, "hello world's  end"), (V{" hello", " world", "'s", " ", " end"}));
    EXPECT_EQ(run(p, " x"), (V{" x"}));
}

TEST(TokPretok, Metaspace) {
    PreTokenizer p;
    PreTokStep m;
    m.kind = PreTokStep::Kind::metaspace;
    m.replacement = "\xE2\x96\x81";
    p.steps.push_back(m);
    EXPECT_EQ(run(p, "hello  world"), (V{"▁hello", "▁", "▁world"}));
    p.steps[0].prepend = PreTokStep::Prepend::first;
    EXPECT_EQ(run(p, "hello world", true), (V{"▁hello", "▁world"}));
    EXPECT_EQ(run(p, "hello world", false), (V{"hello", "▁world"}));
    p.steps[0].prepend = PreTokStep::Prepend::never;
    p.steps[0].metaspace_split = false;
    EXPECT_EQ(run(p, "a b"), (V{"a▁b"}));
}

TEST(TokPretok, DigitsWhitespaceAndPunctuationFromJson) {
    auto pieces_of = [](json pre, std::string_view text) {
        // A vocabulary of bytes only: each pre-token comes back as its bytes; the pieces are found again by
        // decoding each id run between the splits, so use a Split-only chain and look at the ids.
        json j = byte_level_json(
            {}, {},
            json{{"type", "Sequence"},
                 {"pretokenizers",
                  json::array(
                      {pre, {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}});
        auto t = load_json(j);
        return t ? tokenizer_pre_name(t.get()) + ":" + dec(t.get(), enc(t.get(), text)) : std::string();
    };
    EXPECT_EQ(pieces_of({{"type", "Digits"}, {"individual_digits", true}}, "a123"),
              "hf:Digits+ByteLevel:a123");
    // The pieces themselves, through the internal steps the loader builds.
    EXPECT_EQ(run(split("\\p{N}", SplitBehavior::isolated, false, Regex::Syntax::regex), "a123b"),
              (V{"a", "1", "2", "3", "b"}));
    EXPECT_EQ(run(split("\\p{N}+", SplitBehavior::contiguous, false, Regex::Syntax::regex), "a123b"),
              (V{"a", "123", "b"}));
    EXPECT_EQ(run(split("\\w+|[^\\w\\s]+", SplitBehavior::removed, true, Regex::Syntax::regex),
                  "Hey friend!  How?"),
              (V{"Hey", "friend", "!", "How", "?"}));
}

TEST(TokRegex, WhiteSpaceIsTheUnicodeProperty) {
    // \s is Unicode White_Space as in Oniguruma/Rust: U+3000 and U+0085 are, U+180E is not (PCRE2's own \s
    // would say it is).
    auto s = split("\\s+", SplitBehavior::isolated, false, Regex::Syntax::regex);
    EXPECT_EQ(run(s, "a\u3000b"), (V{"a", "\u3000", "b"}));
    EXPECT_EQ(run(s, "a\u0085b"), (V{"a", "\u0085", "b"}));
    EXPECT_EQ(run(s, "a\u180Eb"), (V{"a\u180Eb"}));
    EXPECT_EQ(tok::regex_rewrite_unicode_classes("[^\\s\\p{L}]\\S"),
              "[^\\p{White_Space}\\p{L}]\\P{White_Space}");
    EXPECT_EQ(tok::regex_rewrite_unicode_classes("\\Q\\s\\E[\\]\\s]"), "\\Q\\s\\E[\\]\\p{White_Space}]");
    // \w includes combining marks (Rust's Unicode word characters).
    auto w = split("\\w+", SplitBehavior::isolated, false, Regex::Syntax::regex);
    EXPECT_EQ(run(w, "e\u0301x y"), (V{"e\u0301x", " ", "y"}));
}

TEST(TokRegex, CaseInsensitiveGroupsAndLookahead) {
    auto p =
        split("(?i:'s|'t)|\\s+(?!\\S)|\\s+|\\p{L}+", SplitBehavior::isolated, false, Regex::Syntax::regex);
    EXPECT_EQ(run(p, "IT'S  ok"), (V{"IT", "'S", " ", " ", "ok"}));
}

TEST(TokRegex, InvalidUtf8StaysInTheGaps) {
    auto p = split("\\p{L}+", SplitBehavior::isolated, false, Regex::Syntax::regex);
    EXPECT_EQ(run(p,
                  "ab\xFF"
                  "cd\xC3"),
              (V{"ab", "\xFF", "cd", "\xC3"}));
}

TEST(TokRegex, CatastrophicBacktrackingEndsWithAnError) {
    json j = byte_level_json(
        {}, {},
        json{{"type", "Sequence"},
             {"pretokenizers",
              json::array({{{"type", "Split"},
                            {"pattern", {{"Regex", "(a+)+$"}}},
                            {"behavior", "Isolated"},
                            {"invert", false}},
                           {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}});
    auto t = load_json(j);
    ASSERT_TRUE(t);
    std::vector<int32_t> ids;
    const Status s = tokenizer_encode(t.get(), std::string(40, 'a') + "b", EncodeOptions{}, &ids);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message.find("(a+)+$"), std::string::npos) << s.message;
    EXPECT_TRUE(ids.empty());
}

std::string normalize(std::vector<tok::NormalizerStep> steps, std::string_view text) {
    tok::Normalizer n;
    n.steps = std::move(steps);
    std::string out;
    n.apply(text, &out);
    return out;
}

tok::NormalizerStep step(tok::NormalizerStep::Kind kind) {
    tok::NormalizerStep s;
    s.kind = kind;
    return s;
}

TEST(TokNormalizer, UnicodeForms) {
    using K = tok::NormalizerStep::Kind;
    EXPECT_EQ(normalize({step(K::nfc)}, "e\u0301"), "\u00e9");
    EXPECT_EQ(normalize({step(K::nfd)}, "\u00e9"), "e\u0301");
    EXPECT_EQ(normalize({step(K::nfkc)}, "\ufb01 \u2460 \uff21"), "fi 1 A");
    EXPECT_EQ(normalize({step(K::nfkd)}, "\u00e9\ufb01"), "e\u0301fi");
    EXPECT_EQ(normalize({step(K::lowercase)}, "ÀBÇ Σ"), "àbç σ");
    // Invalid bytes pass through; the valid text around them is still normalised.
    EXPECT_EQ(normalize({step(K::nfc)},
                        "e\u0301\xFF"
                        "e\u0301"),
              "\u00e9\xFF\u00e9");
}

TEST(TokNormalizer, PrependReplaceStrip) {
    using K = tok::NormalizerStep::Kind;
    tok::NormalizerStep prepend = step(K::prepend);
    prepend.text = "▁";
    tok::NormalizerStep replace = step(K::replace);
    replace.pattern = tok::compile_or_throw(" ", Regex::Syntax::literal, "test");
    replace.text = "▁";
    EXPECT_EQ(normalize({prepend, replace}, "a b"), "▁a▁b");
    EXPECT_EQ(normalize({prepend}, ""), "");
    tok::NormalizerStep strip = step(K::strip);
    strip.strip_left = true;
    strip.strip_right = true;
    EXPECT_EQ(normalize({strip}, " \t a b \u3000"), "a b");
    strip.strip_left = false;
    EXPECT_EQ(normalize({strip}, "  a  "), "  a");
    EXPECT_EQ(normalize({step(K::nfd), step(K::strip_accents)}, "café"), "cafe");
}

TEST(TokNormalizer, NfcThroughTheTokenizer) {
    json j = byte_level_json({}, {});
    j["normalizer"] = {{"type", "NFC"}};
    auto t = load_json(j);
    EXPECT_EQ(enc(t.get(), "e\u0301"), enc(t.get(), "\u00e9"));
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFKC"}}})}};
    auto k = load_json(j);
    EXPECT_EQ(enc(k.get(), "\ufb01"), (std::vector<int32_t>{'f', 'i'}));
}

}  // namespace
}  // namespace nd::toktest
