#pragma once
// Converts a Hugging Face tokenizer.json into the tokenizer.ggml.* metadata llama.cpp's converter writes
// (convert_hf_to_gguf.py): model "gpt2" (byte-level BPE, with the pre-tokenizer name its regexes identify:
// llama-bpe, tekken, qwen2, gpt-2, deepseek-v3, gpt-4o, …) or "llama" (SentencePiece-style BPE with byte
// fallback, scores from merge order), tokens, token types, merges, special ids and add_bos/add_eos.
// Used by the model generator and by the tokenizer conformance tests, which compare the GGUF path with
// the Hugging Face library on real vocabularies.
//
// What is read besides tokenizer.json (as llama.cpp's gguf.SpecialVocab reads it from the model folder):
// tokenizer_config.json next to it (bos/eos/unk/sep/pad/cls/mask token names, add_bos_token/add_eos_token,
// chat_template) and config.json next to it (*_token_id, vocab_size: the vocabulary is padded with
// "[PAD{id}]" tokens of type UNUSED up to it). Both are optional.
//
// Where llama.cpp cannot express the file, and what we do:
//   * llama.cpp identifies the pre-tokenizer by hashing the ids of a test string; we identify it by the
//     regex chain in the file (the honest equivalent). An unknown chain is an error that quotes it.
//   * Normalizers of byte-level files: NFC (Qwen) is dropped, as llama.cpp's converter drops it (its
//     runtime has no NFC); the report says so. Other normalizers are an error.
//   * SentencePiece-style files ("llama"): real SentencePiece scores are not in tokenizer.json. A token's
//     score is -(rank of the first merge that produces it), so llama.cpp's highest-score-first merging
//     applies merges in the file's order; tokens no merge produces get -1e9 (initial symbols, added tokens
//     and pieces only reachable whole). Exact except when two different merges produce the same token and
//     both apply in one word (SentencePiece then takes the leftmost, HF the lower rank): llama2 and gemma
//     list every merge of a token next to each other in order of the token, so this never changed an id on
//     the conformance corpus. Ranks above 2^24 would lose precision in f32: an error.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_writer.h"

namespace nd {

// Key/value pairs in the order the converter writes them. An error names the file and what has no GGUF
// equivalent ("tokenizer.json: normalizer 'NFKC' cannot be expressed in GGUF").
Status hf_tokenizer_to_gguf(const std::string &tokenizer_json_path,
                            std::vector<std::pair<std::string, GgufWriteValue>> *metadata);

// What the conversion decided, for tools and tests.
struct HfToGgufReport {
    std::string model;                 // "gpt2" or "llama"
    std::string pre;                   // tokenizer.ggml.pre
    int32_t n_vocab = 0;               // tokens written (holes and padding included)
    int32_t n_padding = 0;             // "[PAD{id}]" tokens among them
    std::vector<std::string> dropped;  // parts of tokenizer.json GGUF cannot express ("normalizer NFC")
    std::vector<std::string> sources;  // files read (tokenizer.json, tokenizer_config.json, config.json)
};
Status hf_tokenizer_to_gguf(const std::string &tokenizer_json_path,
                            std::vector<std::pair<std::string, GgufWriteValue>> *metadata,
                            HfToGgufReport *report);

}  // namespace nd
