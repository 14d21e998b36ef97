#pragma once
// Shared by the tokenizer tests: tiny tokenizer.json vocabularies built in the test, GGUF tokenizers
// written to a temporary directory, and short encode/decode helpers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gpu/gguf/gguf_file.h"
#include "gpu/gguf/gguf_writer.h"
#include "gpu/tokenizer/tokenizer.h"

#include "temp_dir.h"

namespace nd::toktest {

using json = nlohmann::json;

using nd::test::TempDir;  // tests/gpu/temp_dir.h

// GPT-2's byte-level character for a byte ("Ġ" for ' ').
std::string bl(std::string_view bytes);

// A byte-level BPE tokenizer.json: ids 0..255 are the 256 byte characters (in byte order), then `extra`
// pieces (byte-level text, e.g. bl("he")), with `merges` ("a b" in byte-level text) and the
// pre-tokenizer given (default: ByteLevel with the GPT-2 regex, no prefix space).
json byte_level_json(const std::vector<std::string> &extra, const std::vector<std::string> &merges,
                     json pre_tokenizer = nullptr);
// id of a byte in byte_level_json vocabularies
inline int32_t byte_id(char c) {
    return static_cast<uint8_t>(c);
}

TokenizerPtr load_json(const json &j);
Status try_load_json(const json &j, TokenizerPtr *out);

std::vector<int32_t> enc(const Tokenizer *t, std::string_view text, bool parse_special = true);
std::string dec(const Tokenizer *t, const std::vector<int32_t> &ids, bool skip_special = false);

// Writes the tokenizer.ggml.* keys to a GGUF file and opens it.
GgufFilePtr write_gguf(const TempDir &dir, const std::vector<std::pair<std::string, GgufWriteValue>> &keys,
                       const std::string &name = "tok.gguf");
Status try_load_gguf(const GgufFile *file, TokenizerPtr *out);

// Vocabularies of the reference tools (tools/reference), "" when absent (the test then skips).
std::string reference_vocab(const std::string &name);
// The reference vocabulary loaded once per test program (nullptr when absent); tests share it read-only.
const Tokenizer *reference_tokenizer(const std::string &name);
// GTEST_SKIP()s unless NEMODESK_REQUIRE_REFERENCE=1, where it fails.
#define ND_SKIP_WITHOUT_REFERENCE(path)                                                        \
    do {                                                                                       \
        if ((path).empty()) {                                                                  \
            const char *require = std::getenv("NEMODESK_REQUIRE_REFERENCE");                   \
            if (require && std::string(require) == "1")                                        \
                FAIL() << "reference vocabulary missing (run tools/reference/setup.sh)";       \
            GTEST_SKIP() << "reference vocabularies not installed (tools/reference/setup.sh)"; \
        }                                                                                      \
    } while (false)

}  // namespace nd::toktest
