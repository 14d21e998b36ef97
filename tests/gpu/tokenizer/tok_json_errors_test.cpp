// Malformed tokenizer.json files: each broken field gives an error naming the file and the field.
#include "tok_test_util.h"

namespace nd::toktest {
namespace {

void expect_error(const std::string &text, std::initializer_list<std::string> needles) {
    Tokenizer *t = nullptr;
    const Status s = tokenizer_load_hf_json_text(text, "broken.json", &t);
    EXPECT_FALSE(s.ok()) << text.substr(0, 200);
    EXPECT_EQ(t, nullptr);
    tokenizer_free(t);
    EXPECT_EQ(s.message.rfind("broken.json: ", 0), 0u) << s.message;
    for (const std::string &n : needles)
        EXPECT_NE(s.message.find(n), std::string::npos) << "'" << n << "' not in: " << s.message;
}

void expect_error(const json &j, std::initializer_list<std::string> needles) {
    expect_error(j.dump(), needles);
}

TEST(TokJsonErrors, StructureAndModel) {
    const json good = byte_level_json({bl("ab")}, {"a b"});
    expect_error(std::string("{\"model\": "), {"not valid JSON"});
    expect_error(std::string("[]"), {"not a JSON object"});
    json j = good;
    j.erase("model");
    expect_error(j, {"'model' is missing"});
    j = good;
    j["model"]["type"] = "Unigram";
    expect_error(j, {"model type 'Unigram' is not supported"});
    j = good;
    j["model"]["vocab"] = json::array();
    expect_error(j, {"model.vocab"});
    j = good;
    j["model"]["vocab"]["zz"] = -1;
    expect_error(j, {"model.vocab['zz']", "out of range"});
    j = good;
    j["model"]["vocab"]["zz"] = 2000000000;
    expect_error(j, {"model.vocab['zz']", "out of range"});
    j = good;
    j["model"]["vocab"]["zz"] = "7";
    expect_error(j, {"model.vocab['zz']", "expected an integer"});
    j = good;
    j["model"]["vocab"]["zz"] = 256;
    expect_error(j, {"id 256 is given to both"});
    j = good;
    j["model"]["merges"] = json::array({"ab"});
    expect_error(j, {"model.merges[0]", "two pieces"});
    j["model"]["merges"] = json::array({"a zz"});
    expect_error(j, {"model.merges[0]", "'zz'", "not in model.vocab"});
    j["model"]["merges"] = json::array({"a q"});
    expect_error(j, {"model.merges[0]", "'aq' is not in model.vocab"});
    j["model"]["merges"] = json::array({json::array({"a"})});
    expect_error(j, {"model.merges[0]"});
    j["model"]["merges"] = "a b";
    expect_error(j, {"model.merges", "expected an array"});
    j = good;
    j["model"]["unk_token"] = "<nope>";
    expect_error(j, {"model.unk_token", "'<nope>'"});
    j = good;
    j["model"]["byte_fallback"] = "yes";
    expect_error(j, {"model.byte_fallback", "true or false"});
    j = good;
    j["model"]["continuing_subword_prefix"] = "##";
    expect_error(j, {"continuing_subword_prefix"});
}

TEST(TokJsonErrors, AddedTokens) {
    json j = byte_level_json({}, {});
    j["added_tokens"] = json::object();
    expect_error(j, {"added_tokens is not an array"});
    j["added_tokens"] = json::array({{{"content", "<x>"}}});
    expect_error(j, {"added_tokens[0] has no id"});
    j["added_tokens"] = json::array({{{"id", 300}, {"content", ""}}});
    expect_error(j, {"added_tokens[0].content"});
    j["added_tokens"] = json::array({{{"id", 97}, {"content", "<x>"}}});
    expect_error(j, {"added_tokens[0]", "'<x>'", "id 97", "'a'"});
    j["added_tokens"] = json::array({{{"id", 300}, {"content", "<x>"}, {"special", 1}}});
    expect_error(j, {"added_tokens[0].special"});
}

TEST(TokJsonErrors, NormalizerPreTokenizerDecoder) {
    json j = byte_level_json({}, {});
    j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
    expect_error(j, {"normalizer: normalizer 'Precompiled' is not supported"});
    j["normalizer"] = {{"type", "Sequence"},
                       {"normalizers", json::array({{{"type", "NFC"}}, {{"kind", "x"}}})}};
    expect_error(j, {"normalizer.normalizers[1].type is missing"});
    j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "("}}}, {"content", "x"}};
    expect_error(j, {"normalizer.pattern", "does not compile"});
    j = byte_level_json({}, {});
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "[a-"}}}, {"behavior", "Isolated"}};
    expect_error(j, {"pre_tokenizer.pattern", "'[a-'", "does not compile"});
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
    expect_error(j, {"pre_tokenizer.behavior 'Sideways'"});
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Glob", "a"}}}, {"behavior", "Isolated"}};
    expect_error(j, {"pre_tokenizer.pattern kind 'Glob'"});
    j["pre_tokenizer"] = {{"type", "UnicodeScripts"}};
    expect_error(j, {"pre-tokenizer 'UnicodeScripts' is not supported"});
    j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{"type", "ByteLevel"}}}};
    expect_error(j, {"pre_tokenizer.pretokenizers", "not an array"});
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "ab"}};
    expect_error(j, {"pre_tokenizer.replacement", "not one character"});
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"prepend_scheme", "sometimes"}};
    expect_error(j, {"prepend_scheme 'sometimes'"});
    j = byte_level_json({}, {});
    j["decoder"] = {{"type", "WordPiece"}};
    expect_error(j, {"decoder: decoder 'WordPiece' is not supported"});
    j["decoder"] = {{"type", "Strip"}, {"content", " "}, {"start", -1}};
    expect_error(j, {"decoder.start"});
    j["decoder"] = {{"type", "Replace"}, {"pattern", {{"Regex", " "}}}, {"content", "x"}};
    expect_error(j, {"decoder.pattern"});
}

TEST(TokJsonErrors, MissingFileNamesThePath) {
    Tokenizer *t = nullptr;
    const Status s = tokenizer_load_hf_json_file("/nonexistent/dir/tokenizer.json", &t);
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.code, StatusCode::io_error);
    EXPECT_NE(s.message.find("/nonexistent/dir/tokenizer.json"), std::string::npos) << s.message;
}

}  // namespace
}  // namespace nd::toktest
