// Tokenizer conformance against the Hugging Face tokenizers library on real vocabularies.
//
// For each vocabulary (gpt2, gpt4o, llama2, llama3, mistral_nemo, qwen2_5, qwen3, gemma, deepseek_v3) and
// every entry of the corpus (tools/reference/corpus.py: > 40,000 entries, translations in ~100
// languages, documentation, source code, numbers, whitespace runs, emoji, …):
//   HfJson - our tokenizer loaded from tokenizer.json: the ids of encode(entry) (no BOS) must equal HF's
//            encode(entry, addSpecialTokens=false) on 100 % of the entries, decode(ids) must equal HF's
//            decode, and for byte-level vocabularies decode(ids) must give back the entry itself;
//   Gguf   - the same through GGUF: hf_tokenizer_to_gguf() -> GgufWriter -> gguf_open ->
//            tokenizer_load_gguf (llama.cpp's semantics). Where GGUF cannot carry part of the file the
//            comparison is restricted and the test says so: Qwen's NFC normalizer (llama.cpp drops it, as
//            the converter does) -> only entries NFC leaves unchanged are compared.
// The corpus and the HF outputs are built once into <build>/conformance/ (cached by content hash);
// mismatches are written there too (mismatches-<vocab>-<path>.txt), the first five in the failure message.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "conformance_reference.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/gguf/gguf_writer.h"
#include "gpu/tokenizer/hf_tokenizer_to_gguf.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd {
namespace {

using namespace nd::conformance;

constexpr size_t kMinEntries = 10000;
constexpr size_t kShownMismatches = 5;
constexpr size_t kWrittenMismatches = 200;

enum class Path { hf_json = 1, gguf = 2 };

struct Tally {
    size_t compared = 0;
    size_t skipped_nfc = 0;
    size_t skipped_nfc_differ = 0;  // of those, how many really tokenize differently without NFC
    size_t id_matches = 0;
    size_t decode_matches = 0;     // ours decode(HF ids) == HF decode
    size_t roundtrip_checked = 0;  // byte-level: decode(our ids) == entry
    size_t roundtrip_ok = 0;
    size_t errors = 0;
    std::vector<std::string> mismatches;
};

std::string token_piece(const Tokenizer *tok, int32_t id) {
    if (id < 0 || id >= tokenizer_vocab_size(tok))
        return "<out of range>";
    return escape(std::string(tokenizer_token_text(tok, id)), 60);
}

std::string describe_mismatch(const Tokenizer *tok, size_t index, const std::string &text,
                              const std::vector<int32_t> &expected, const std::vector<int32_t> &ours) {
    size_t k = 0;
    while (k < expected.size() && k < ours.size() && expected[k] == ours[k])
        ++k;
    const size_t from = k > 2 ? k - 2 : 0;
    std::string s = "entry #" + std::to_string(index) + " " + escape(text) + "\n";
    s += "    HF   (" + std::to_string(expected.size()) + " ids) from token " + std::to_string(from) + ": " +
         ids_text(expected, from, 8) + "\n";
    s += "    ours (" + std::to_string(ours.size()) + " ids) from token " + std::to_string(from) + ": " +
         ids_text(ours, from, 8) + "\n";
    s += "    first difference at token " + std::to_string(k) + ": HF " +
         (k < expected.size() ? std::to_string(expected[k]) + " " + token_piece(tok, expected[k]) : "(end)") +
         " vs ours " +
         (k < ours.size() ? std::to_string(ours[k]) + " " + token_piece(tok, ours[k]) : "(end)");
    return s;
}

bool is_byte_level(const std::string &vocab) {
    return vocab != "llama2" && vocab != "gemma";
}
// HF normalises these with NFC: their decode gives the NFC form, and GGUF cannot carry the normalizer.
bool has_nfc_normalizer(const std::string &vocab) {
    return vocab == "qwen2_5" || vocab == "qwen3";
}

void compare(const std::string &vocab, Path path, const Tokenizer *tok,
             const std::vector<std::string> &corpus, const std::vector<ReferenceEntry> &ref, Tally *t) {
    const bool only_nfc_stable = path == Path::gguf && has_nfc_normalizer(vocab);
    EncodeOptions eo;  // no BOS, special tokens recognised (as HF always does for added tokens)
    DecodeOptions dopt;
    std::vector<int32_t> ids;
    std::string text;
    for (size_t i = 0; i < corpus.size(); ++i) {
        if (only_nfc_stable && !ref[i].nfc) {
            ++t->skipped_nfc;
            ids.clear();
            if (!tokenizer_encode(tok, corpus[i], eo, &ids).ok() || ids != ref[i].ids)
                ++t->skipped_nfc_differ;
            continue;
        }
        ++t->compared;
        ids.clear();
        const Status st = tokenizer_encode(tok, corpus[i], eo, &ids);
        if (!st.ok()) {
            ++t->errors;
            if (t->mismatches.size() < kWrittenMismatches)
                t->mismatches.push_back("entry #" + std::to_string(i) + " " + escape(corpus[i]) +
                                        "\n    encode failed: " + st.describe());
            continue;
        }
        if (ids == ref[i].ids) {
            ++t->id_matches;
        } else if (t->mismatches.size() < kWrittenMismatches) {
            t->mismatches.push_back(describe_mismatch(tok, i, corpus[i], ref[i].ids, ids));
        }
        text.clear();
        if (tokenizer_decode(tok, ref[i].ids, dopt, &text).ok() && text == ref[i].text) {
            ++t->decode_matches;
        } else if (t->mismatches.size() < kWrittenMismatches) {
            t->mismatches.push_back("entry #" + std::to_string(i) + " decode(HF ids " +
                                    ids_text(ref[i].ids, 0, 12) + ")\n    HF   " + escape(ref[i].text) +
                                    "\n    ours " + escape(text));
        }
        if (is_byte_level(vocab) && (ref[i].nfc || !has_nfc_normalizer(vocab))) {
            ++t->roundtrip_checked;
            text.clear();
            if (tokenizer_decode(tok, ids, dopt, &text).ok() && text == corpus[i])
                ++t->roundtrip_ok;
        }
    }
}

class TokenizerConformance : public ::testing::TestWithParam<std::string> {
protected:
    void run(Path path);
};

void TokenizerConformance::run(Path path) {
    const std::string vocab = GetParam();
    ND_CONFORMANCE_NEED(reference_missing(/*need_node=*/true));
    std::vector<std::string> corpus;
    std::string corpus_path;
    const std::string corpus_error = load_corpus(&corpus, &corpus_path);
    ASSERT_EQ(corpus_error, "");
    ASSERT_GE(corpus.size(), kMinEntries) << corpus_path << " is too small; delete it to rebuild";
    std::vector<ReferenceEntry> ref;
    const std::string ref_error = load_reference(vocab, corpus_path, &ref);
    ASSERT_EQ(ref_error, "");
    ASSERT_EQ(ref.size(), corpus.size()) << "stale reference for " << vocab << ": delete " << cache_dir();

    const std::string json_path = tokenizer_json_path(vocab);
    Tokenizer *raw = nullptr;
    std::string tmp_dir;
    std::string note;
    if (path == Path::hf_json) {
        const Status st = tokenizer_load_hf_json_file(json_path, &raw);
        ASSERT_TRUE(st.ok()) << st.describe();
    } else {
        std::vector<std::pair<std::string, GgufWriteValue>> md;
        HfToGgufReport report;
        const Status conv = hf_tokenizer_to_gguf(json_path, &md, &report);
        ASSERT_TRUE(conv.ok()) << conv.describe();
        for (const auto &d : report.dropped)
            note += "GGUF cannot carry: " + d + "\n";
        GgufWriter writer;
        writer.set("general.architecture", GgufWriteValue::str("llama"));
        writer.set("general.name", GgufWriteValue::str("conformance-" + vocab));
        for (auto &[key, value] : md)
            writer.set(key, std::move(value));
        tmp_dir = testing::TempDir() + "/nd-conformance-" + vocab + "-" + std::to_string(::getpid());
        std::filesystem::create_directories(tmp_dir);
        const std::string gguf_path = tmp_dir + "/" + vocab + ".gguf";
        std::vector<std::string> written;
        const Status ws = writer.write(gguf_path, GgufWriteOptions{}, &written);
        ASSERT_TRUE(ws.ok()) << ws.describe();
        GgufFile *file_raw = nullptr;
        const Status os = gguf_open(gguf_path, GgufOpenOptions{}, &file_raw);
        GgufFilePtr file(file_raw);
        ASSERT_TRUE(os.ok()) << os.describe();
        const Status ls = tokenizer_load_gguf(file.get(), &raw);
        std::filesystem::remove_all(tmp_dir);
        ASSERT_TRUE(ls.ok()) << ls.describe();
    }
    TokenizerPtr tok(raw);

    const auto t0 = std::chrono::steady_clock::now();
    Tally t;
    compare(vocab, path, tok.get(), corpus, ref, &t);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const std::string path_name = path == Path::hf_json ? "tokenizer.json" : "gguf";
    const std::string summary =
        vocab + " via " + path_name + ": " + std::to_string(t.compared) + " entries compared (" +
        std::to_string(t.skipped_nfc) + " skipped: NFC changes them and GGUF has no NFC; " +
        std::to_string(t.skipped_nfc_differ) + " of those differ), " + std::to_string(t.id_matches) +
        " identical ids, " + std::to_string(t.decode_matches) + " identical decodes, round trip " +
        std::to_string(t.roundtrip_ok) + "/" + std::to_string(t.roundtrip_checked) + ", " +
        std::to_string(t.errors) + " errors";
    std::printf("[ CONFORM  ] %s (%.1f s)\n%s", summary.c_str(), seconds, note.c_str());
    RecordProperty("summary", summary);

    const std::string mismatch_file = cache_dir() + "/mismatches-" + vocab + "-" + path_name + ".txt";
    if (!t.mismatches.empty()) {
        std::ofstream out(mismatch_file, std::ios::binary);
        out << summary << "\n\n";
        for (const auto &m : t.mismatches)
            out << m << "\n\n";
    } else {
        std::filesystem::remove(mismatch_file);
    }
    std::string shown;
    for (size_t i = 0; i < t.mismatches.size() && i < kShownMismatches; ++i)
        shown += t.mismatches[i] + "\n";
    EXPECT_GE(t.compared, kMinEntries) << summary;
    EXPECT_EQ(t.id_matches, t.compared) << summary << "\nfirst mismatches (all in " << mismatch_file << "):\n"
                                        << shown;
    EXPECT_EQ(t.decode_matches, t.compared) << summary << "\n" << shown;
    EXPECT_EQ(t.roundtrip_ok, t.roundtrip_checked) << summary;
}

TEST_P(TokenizerConformance, HfJson) {
    run(Path::hf_json);
}
TEST_P(TokenizerConformance, Gguf) {
    run(Path::gguf);
}

INSTANTIATE_TEST_SUITE_P(Vocab, TokenizerConformance, ::testing::ValuesIn(vocab_names()),
                         [](const testing::TestParamInfo<std::string> &p) { return p.param; });

}  // namespace
}  // namespace nd
