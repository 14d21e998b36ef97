// hf_tokenizer_to_gguf(): tokenizer.json -> tokenizer.ggml.* metadata.
//   * on the nine real vocabularies: the model and pre-tokenizer names llama.cpp uses, tokens in id order,
//     token types, and — compared with llama.cpp's own gguf-py (tools/reference/gguf_py_special_vocab.py
//     runs its SpecialVocab) — merges, special token ids, add_bos/add_eos and the chat template;
//   * SentencePiece-style scores: merging highest-score-first (llama.cpp) gives the same pieces as merging
//     lowest-rank-first (HF BPE) on corpus words;
//   * small hand-written files: holes padded with [PAD{id}], token types, array merges, conventions without
//     a tokenizer_config.json, and clean errors for what GGUF cannot express or what is broken.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "conformance_reference.h"
#include "gpu/tokenizer/hf_tokenizer_to_gguf.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd {
namespace {

using namespace nd::conformance;
using json = nlohmann::json;
using Metadata = std::vector<std::pair<std::string, GgufWriteValue>>;

const GgufWriteValue *find(const Metadata &md, const std::string &key) {
    for (const auto &[k, v] : md)
        if (k == key)
            return &v;
    return nullptr;
}

// The value of a key that must be there (a test failure and an empty value when it is not).
const GgufWriteValue &get(const Metadata &md, const std::string &key) {
    static const GgufWriteValue kMissing;
    const GgufWriteValue *v = find(md, key);
    if (!v)
        ADD_FAILURE() << "no key " << key;
    return v ? *v : kMissing;
}

std::vector<std::string> strings(const Metadata &md, const std::string &key) {
    std::vector<std::string> out;
    if (const auto *v = find(md, key))
        for (const auto &e : v->elems)
            out.push_back(e.s);
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// Real vocabularies.

struct Expected {
    const char *model;
    const char *pre;
};
const std::map<std::string, Expected> kExpected = {
    {"gpt2", {"gpt2", "gpt-2"}},
    {"gpt4o", {"gpt2", "gpt-4o"}},
    {"llama2", {"llama", "default"}},
    {"llama3", {"gpt2", "llama-bpe"}},
    {"mistral_nemo", {"gpt2", "tekken"}},
    {"qwen2_5", {"gpt2", "qwen2"}},
    {"qwen3", {"gpt2", "qwen2"}},
    {"gemma", {"llama", "default"}},
    {"deepseek_v3", {"gpt2", "deepseek-v3"}},
};

class ConverterRealVocab : public ::testing::TestWithParam<std::string> {};

TEST_P(ConverterRealVocab, TokensTypesAndNames) {
    ND_CONFORMANCE_NEED(reference_missing(/*need_node=*/false));
    const std::string vocab = GetParam();
    const std::string path = tokenizer_json_path(vocab);
    Metadata md;
    HfToGgufReport report;
    const Status st = hf_tokenizer_to_gguf(path, &md, &report);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(get(md, "tokenizer.ggml.model").s, kExpected.at(vocab).model);
    EXPECT_EQ(get(md, "tokenizer.ggml.pre").s, kExpected.at(vocab).pre);
    EXPECT_EQ(report.model, kExpected.at(vocab).model);

    const json tok = json::parse(read_file(path));
    const auto tokens = strings(md, "tokenizer.ggml.tokens");
    const auto *types = find(md, "tokenizer.ggml.token_type");
    ASSERT_NE(types, nullptr);
    ASSERT_EQ(types->elems.size(), tokens.size());
    ASSERT_EQ(static_cast<int32_t>(tokens.size()), report.n_vocab);
    std::map<int64_t, json> added;
    for (const auto &a : tok["added_tokens"])
        added[a["id"].get<int64_t>()] = a;
    int64_t max_id = 0;
    for (const auto &[piece, id] : tok["model"]["vocab"].items()) {
        max_id = std::max(max_id, id.get<int64_t>());
        if (!added.count(id.get<int64_t>())) {
            ASSERT_EQ(tokens[static_cast<size_t>(id.get<int64_t>())], piece) << "id " << id;
        }
    }
    for (const auto &[id, a] : added) {
        max_id = std::max(max_id, id);
        const auto type = static_cast<TokenType>(types->elems[static_cast<size_t>(id)].i);
        if (a["special"].get<bool>())
            EXPECT_EQ(type, TokenType::control) << a.dump();
        else
            EXPECT_TRUE(type == TokenType::user_defined || type == TokenType::control) << a.dump();
    }
    EXPECT_EQ(static_cast<int64_t>(tokens.size()), max_id + 1);
    int32_t pads = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i] == "[PAD" + std::to_string(i) + "]") {
            ++pads;
            EXPECT_EQ(static_cast<TokenType>(types->elems[i].i), TokenType::unused);
        }
    }
    EXPECT_EQ(pads, report.n_padding);
    const bool spm = std::string(kExpected.at(vocab).model) == "llama";
    EXPECT_EQ(find(md, "tokenizer.ggml.scores") != nullptr, spm);
    EXPECT_EQ(find(md, "tokenizer.ggml.merges") != nullptr, !spm);
    if (spm) {
        EXPECT_EQ(get(md, "tokenizer.ggml.add_space_prefix").u, vocab == "llama2" ? 1u : 0u);
        const int32_t byte_a = static_cast<int32_t>(tok["model"]["vocab"]["<0x41>"].get<int64_t>());
        EXPECT_EQ(static_cast<TokenType>(types->elems[static_cast<size_t>(byte_a)].i), TokenType::byte);
    }
    if (vocab == "qwen2_5" || vocab == "qwen3") {
        ASSERT_EQ(report.dropped.size(), 1u);
        EXPECT_NE(report.dropped[0].find("NFC"), std::string::npos);
    } else {
        EXPECT_TRUE(report.dropped.empty());
    }
}

// The keys gguf-py's SpecialVocab decides, compared with gguf-py itself.
TEST_P(ConverterRealVocab, MatchesGgufPySpecialVocab) {
    ND_CONFORMANCE_NEED(reference_missing(/*need_node=*/false));
    const std::string script = std::string(ND_SOURCE_DIR) + "/tools/reference/gguf_py_special_vocab.py";
    ND_CONFORMANCE_NEED(std::filesystem::exists(std::string(ND_SOURCE_DIR) +
                                                "/tools/reference/llama.cpp/gguf-py/gguf/vocab.py")
                            ? ""
                            : "tools/reference/llama.cpp is missing (run tools/reference/setup.sh)");
    const std::string vocab = GetParam();
    const std::string path = tokenizer_json_path(vocab);
    std::string out;
    ASSERT_EQ(
        run_command("python3 " + shell_quote(script) + " " +
                        shell_quote(std::filesystem::path(path).parent_path().string()) + " 2>/dev/null",
                    &out),
        0)
        << out;
    const json ref = json::parse(out);
    Metadata md;
    ASSERT_TRUE(hf_tokenizer_to_gguf(path, &md).ok());

    if (std::string(kExpected.at(vocab).model) == "gpt2") {
        const auto merges = strings(md, "tokenizer.ggml.merges");
        const auto ref_merges = ref["merges"].get<std::vector<std::string>>();
        ASSERT_EQ(merges.size(), ref_merges.size());
        for (size_t i = 0; i < merges.size(); ++i)
            ASSERT_EQ(merges[i], ref_merges[i]) << "merge " << i;
    }
    const std::map<std::string, std::string> id_keys = {
        {"bos", "tokenizer.ggml.bos_token_id"},     {"eos", "tokenizer.ggml.eos_token_id"},
        {"unk", "tokenizer.ggml.unknown_token_id"}, {"sep", "tokenizer.ggml.seperator_token_id"},
        {"pad", "tokenizer.ggml.padding_token_id"}, {"mask", "tokenizer.ggml.mask_token_id"}};
    for (const auto &[typ, key] : id_keys) {
        const auto *v = find(md, key);
        if (ref["special_token_ids"].contains(typ)) {
            ASSERT_NE(v, nullptr) << key;
            EXPECT_EQ(v->u, ref["special_token_ids"][typ].get<uint64_t>()) << key;
        } else {
            EXPECT_EQ(v, nullptr) << key << " is written but gguf-py has none";
        }
    }
    for (const std::string typ : {"bos", "eos", "sep"}) {
        const auto *v = find(md, "tokenizer.ggml.add_" + typ + "_token");
        if (ref["add_special_token"].contains(typ)) {
            ASSERT_NE(v, nullptr) << "add_" << typ;
            EXPECT_EQ(v->u != 0, ref["add_special_token"][typ].get<bool>()) << "add_" << typ;
        } else {
            EXPECT_EQ(v, nullptr) << "add_" << typ << " is written but gguf-py has none";
        }
    }
    const auto *tmpl = find(md, "tokenizer.chat_template");
    if (ref["chat_template"].is_string()) {
        ASSERT_NE(tmpl, nullptr);
        EXPECT_EQ(tmpl->s, ref["chat_template"].get<std::string>());
    } else {
        EXPECT_EQ(tmpl, nullptr);
    }
}

INSTANTIATE_TEST_SUITE_P(Vocab, ConverterRealVocab, ::testing::ValuesIn(vocab_names()),
                         [](const testing::TestParamInfo<std::string> &p) { return p.param; });

// ---------------------------------------------------------------------------------------------------------
// SentencePiece scores from merge order.

std::vector<std::string> utf8_chars(const std::string &s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

// HF BPE: repeatedly merge the adjacent pair of lowest rank (leftmost among equals).
std::vector<std::string> merge_by_rank(std::vector<std::string> sym,
                                       const std::unordered_map<std::string, size_t> &rank) {
    for (;;) {
        size_t best = SIZE_MAX, at = 0;
        for (size_t i = 0; i + 1 < sym.size(); ++i) {
            const auto it = rank.find(sym[i] + " " + sym[i + 1]);
            if (it != rank.end() && it->second < best) {
                best = it->second;
                at = i;
            }
        }
        if (best == SIZE_MAX)
            return sym;
        sym[at] += sym[at + 1];
        sym.erase(sym.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    }
}

// llama.cpp's SentencePiece: repeatedly merge the adjacent pair whose concatenation is a token of highest
// score (leftmost among equals).
std::vector<std::string> merge_by_score(std::vector<std::string> sym,
                                        const std::unordered_map<std::string, double> &score) {
    for (;;) {
        double best = -1e30;
        size_t at = SIZE_MAX;
        for (size_t i = 0; i + 1 < sym.size(); ++i) {
            const auto it = score.find(sym[i] + sym[i + 1]);
            if (it != score.end() && it->second > best) {
                best = it->second;
                at = i;
            }
        }
        if (at == SIZE_MAX)
            return sym;
        sym[at] += sym[at + 1];
        sym.erase(sym.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    }
}

class ConverterSpmScores : public ::testing::TestWithParam<std::string> {};

TEST_P(ConverterSpmScores, HighestScoreFirstReproducesMergeOrder) {
    ND_CONFORMANCE_NEED(reference_missing(/*need_node=*/false));
    const std::string vocab = GetParam();
    const std::string path = tokenizer_json_path(vocab);
    Metadata md;
    ASSERT_TRUE(hf_tokenizer_to_gguf(path, &md).ok());
    const auto tokens = strings(md, "tokenizer.ggml.tokens");
    const auto *scores = find(md, "tokenizer.ggml.scores");
    ASSERT_NE(scores, nullptr);
    std::unordered_map<std::string, double> score;
    for (size_t i = 0; i < tokens.size(); ++i)
        score[tokens[i]] = static_cast<float>(scores->elems[i].f);  // as stored: f32
    const json tok = json::parse(read_file(path));
    std::unordered_map<std::string, size_t> rank;
    size_t r = 0;
    for (const auto &m : tok["model"]["merges"])
        rank.emplace(
            m.is_string() ? m.get<std::string>() : m[0].get<std::string>() + " " + m[1].get<std::string>(),
            r++);
    // The first merge's result scores highest (-0); scores follow the merge order.
    EXPECT_EQ(score.at(tok["model"]["merges"][0].get<std::string>().erase(
                  tok["model"]["merges"][0].get<std::string>().find(' '), 1)),
              0.0);

    std::vector<std::string> corpus;
    std::string corpus_path;
    ASSERT_EQ(load_corpus(&corpus, &corpus_path), "");
    const bool prefix = get(md, "tokenizer.ggml.add_space_prefix").u != 0;
    size_t words = 0, same = 0;
    std::string first_diff;
    for (size_t i = 0; i < corpus.size() && words < 4000; ++i) {
        // Short pieces keep the quadratic reference merges fast; spaces become U+2581 as the normalizer does.
        std::string text = (prefix ? " " : "") + corpus[i].substr(0, 48);
        std::string norm;
        for (char c : text)
            norm += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
        const auto chars = utf8_chars(norm);
        const auto a = merge_by_rank(chars, rank);
        const auto b = merge_by_score(chars, score);
        ++words;
        if (a == b)
            ++same;
        else if (first_diff.empty())
            first_diff = escape(norm);
    }
    EXPECT_EQ(same, words) << "first text where the orders differ: " << first_diff;
}

INSTANTIATE_TEST_SUITE_P(Vocab, ConverterSpmScores, ::testing::Values("llama2", "gemma"));

// ---------------------------------------------------------------------------------------------------------
// Hand-written files.

class ConverterSynthetic : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = testing::TempDir() + "/nd-conv-" + std::to_string(::getpid()) + "-" +
                testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::create_directories(m_dir);
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }
    std::string write(const std::string &name, const std::string &text) {
        std::ofstream(m_dir + "/" + name, std::ios::binary) << text;
        return m_dir + "/" + name;
    }
    static json bpe(json vocab, json merges,
                    json pre = json{
                        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}) {
        return json{{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
                    {"pre_tokenizer", pre},
                    {"added_tokens", json::array()},
                    {"normalizer", nullptr}};
    }
    Status convert(const json &tok, Metadata *md, HfToGgufReport *report = nullptr) {
        return hf_tokenizer_to_gguf(write("tokenizer.json", tok.dump()), md, report);
    }
    std::string m_dir;
};

TEST_F(ConverterSynthetic, HolesArePaddedAndTypesFollowAddedTokens) {
    json tok = bpe({{"a", 0}, {"b", 1}, {"ab", 3}}, {"a b"});
    tok["added_tokens"] = json::array({{{"id", 5}, {"content", "<|x|>"}, {"special", true}},
                                       {{"id", 6}, {"content", "<|fim|>"}, {"special", false}},
                                       {{"id", 7},
                                        {"content",
                                         "<tool\xE2\x96\x81"
                                         "call>"},
                                        {"special", false}}});
    Metadata md;
    HfToGgufReport report;
    ASSERT_TRUE(convert(tok, &md, &report).ok());
    EXPECT_EQ(
        strings(md, "tokenizer.ggml.tokens"),
        (std::vector<std::string>{"a", "b", "[PAD2]", "ab", "[PAD4]", "<|x|>", "<|fim|>", "<tool call>"}));
    std::vector<int64_t> types;
    for (const auto &e : get(md, "tokenizer.ggml.token_type").elems)
        types.push_back(e.i);
    EXPECT_EQ(types, (std::vector<int64_t>{1, 1, 5, 1, 5, 3, 3, 4}));  // <|fim|> looks special: control
    EXPECT_EQ(report.n_padding, 2);
    EXPECT_EQ(get(md, "tokenizer.ggml.pre").s, "gpt-2");
    EXPECT_EQ(strings(md, "tokenizer.ggml.merges"), std::vector<std::string>{"a b"});
    EXPECT_EQ(md.front().first, "tokenizer.ggml.model");
}

TEST_F(ConverterSynthetic, ArrayMergesEncodeSpacesAsG) {
    json tok = bpe({{"a", 0}, {" ", 1}, {"a ", 2}}, json::array({json::array({"a", " "})}));
    Metadata md;
    ASSERT_TRUE(convert(tok, &md).ok());
    EXPECT_EQ(strings(md, "tokenizer.ggml.merges"), std::vector<std::string>{"a \xC4\xA0"});
}

TEST_F(ConverterSynthetic, ConventionsWithoutTokenizerConfig) {
    json tok = bpe({{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"a", 3}}, json::array());
    tok["model"]["unk_token"] = "<unk>";
    tok["added_tokens"] = json::array({{{"id", 1}, {"content", "<s>"}, {"special", true}},
                                       {{"id", 2}, {"content", "</s>"}, {"special", true}}});
    tok["post_processor"] = {{"type", "TemplateProcessing"},
                             {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                     {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})}};
    write("config.json", R"({"vocab_size": 8})");
    Metadata md;
    HfToGgufReport report;
    ASSERT_TRUE(convert(tok, &md, &report).ok());
    EXPECT_EQ(get(md, "tokenizer.ggml.bos_token_id").u, 1u);
    EXPECT_EQ(get(md, "tokenizer.ggml.unknown_token_id").u, 0u);
    EXPECT_EQ(get(md, "tokenizer.ggml.add_bos_token").u, 1u);
    EXPECT_EQ(strings(md, "tokenizer.ggml.tokens").size(), 8u);  // padded to config.json's vocab_size
    EXPECT_EQ(report.n_padding, 4);
}

TEST_F(ConverterSynthetic, SpmStyleFile) {
    json tok = bpe({{"<unk>", 0},
                    {"<0x41>", 1},
                    {"\xE2\x96\x81", 2},
                    {"a", 3},
                    {"\xE2\x96\x81"
                     "a",
                     4}},
                   {"\xE2\x96\x81 a"}, nullptr);
    tok["model"]["byte_fallback"] = true;
    tok["normalizer"] = {
        {"type", "Sequence"},
        {"normalizers",
         json::array({{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                      {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}})}};
    Metadata md;
    ASSERT_TRUE(convert(tok, &md).ok());
    EXPECT_EQ(get(md, "tokenizer.ggml.model").s, "llama");
    EXPECT_EQ(get(md, "tokenizer.ggml.add_space_prefix").u, 1u);
    const auto *scores = find(md, "tokenizer.ggml.scores");
    ASSERT_NE(scores, nullptr);
    EXPECT_EQ(scores->elems[4].f, 0.0);   // produced by merge 0
    EXPECT_LT(scores->elems[3].f, -1e8);  // no merge produces "a"
    EXPECT_EQ(get(md, "tokenizer.ggml.token_type").elems[1].i, static_cast<int64_t>(TokenType::byte));
    EXPECT_EQ(find(md, "tokenizer.ggml.merges"), nullptr);
}

void expect_error(const Status &st, StatusCode code, const std::string &fragment) {
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.code, code) << st.describe();
    EXPECT_NE(st.message.find(fragment), std::string::npos) << st.describe();
    EXPECT_NE(st.message.find("tokenizer.json"), std::string::npos) << "names the file: " << st.describe();
}

TEST_F(ConverterSynthetic, Errors) {
    Metadata md;
    json unknown_regex =
        bpe({{"a", 0}}, json::array(),
            {{"type", "Sequence"},
             {"pretokenizers", json::array({{{"type", "Split"},
                                             {"pattern", {{"Regex", "\\p{L}+|x"}}},
                                             {"behavior", "Isolated"},
                                             {"invert", false}},
                                            {{"type", "ByteLevel"}, {"use_regex", false}}})}});
    expect_error(convert(unknown_regex, &md), StatusCode::unsupported, "'\\p{L}+|x'");
    json nfkc = bpe({{"a", 0}}, json::array());
    nfkc["normalizer"] = {{"type", "NFKC"}};
    expect_error(convert(nfkc, &md), StatusCode::unsupported,
                 "normalizer 'NFKC' cannot be expressed in GGUF");
    expect_error(convert(bpe({{"a", 0}, {"b", 2000000000}}, json::array()), &md),
                 StatusCode::invalid_argument, "model.vocab['b']");
    expect_error(convert(bpe({{"a", 0}, {"b", 5000000}}, json::array()), &md), StatusCode::invalid_argument,
                 "only 2 tokens");
    expect_error(convert(bpe({{"a", 0}}, {"a b", "ab"}), &md), StatusCode::invalid_argument,
                 "model.merges[1]");
    json unigram = {{"model", {{"type", "Unigram"}, {"vocab", json::array()}}}};
    expect_error(convert(unigram, &md), StatusCode::unsupported, "model type 'Unigram'");
    json metaspace = bpe({{"a", 0}}, json::array(),
                         {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"split", true}});
    metaspace["model"]["byte_fallback"] = true;
    expect_error(convert(metaspace, &md), StatusCode::unsupported, "split=true");
    expect_error(hf_tokenizer_to_gguf(write("tokenizer.json", "{\"model\": [1, 2"), &md),
                 StatusCode::invalid_argument, "not valid JSON");
    expect_error(hf_tokenizer_to_gguf(m_dir + "/missing/tokenizer.json", &md), StatusCode::not_found,
                 "cannot read");
    EXPECT_TRUE(md.empty()) << "nothing is returned on error";
}

}  // namespace
}  // namespace nd
