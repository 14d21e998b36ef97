#pragma once
// The built-in tokenizers of generated models: a small byte-level BPE vocabulary (GGUF "gpt2", pre
// "llama-bpe") with the family's special tokens, or for `nemotron` a SentencePiece-style one ("llama",
// with scores and <0xXX> byte tokens) as the classic files have. Merges and pieces come from BPE training
// on a fixed built-in text, so they are real merges that tokenizers apply, and deterministic.
#include <string>
#include <utility>
#include <vector>

#include "gpu/gguf/gguf_writer.h"
#include "gpu/model/model_arch.h"

namespace nd {

// tokenizer.ggml.* keys; `n_vocab_out` gets the token count.
std::vector<std::pair<std::string, GgufWriteValue>> model_gen_vocab(ModelArch arch, int *n_vocab_out);

// GPT-2's byte -> printable code point table, as UTF-8 ("Ġ" for the space).
std::string gpt2_byte_to_unicode(unsigned char byte);

}  // namespace nd
