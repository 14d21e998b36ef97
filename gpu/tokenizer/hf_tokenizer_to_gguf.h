#pragma once
// Converts a Hugging Face tokenizer.json into the tokenizer.ggml.* metadata llama.cpp's converter writes
// (convert_hf_to_gguf.py): model "gpt2" (byte-level BPE, with the pre-tokenizer name its regexes identify:
// llama-bpe, tekken, qwen2, gpt2, deepseek-v3, gpt-4o, …) or "llama" (SentencePiece-style BPE with byte
// fallback, scores from merge order), tokens, token types, merges, special ids and add_bos/add_eos.
// Used by the model generator and by the tokenizer conformance tests, which compare the GGUF path with
// the Hugging Face library on real vocabularies.
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

}  // namespace nd
