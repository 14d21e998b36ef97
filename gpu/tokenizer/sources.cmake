# Tokenizers: BPE and SentencePiece, from GGUF or tokenizer.json.
nd_gpu_sources(
  tokenizer.cpp
  tokenizer_added.cpp
  tokenizer_bpe.cpp
  tokenizer_decode.cpp
  tokenizer_hf_parts.cpp
  tokenizer_load_gguf.cpp
  tokenizer_load_hf.cpp
  tokenizer_normalizer.cpp
  tokenizer_pretok.cpp
  tokenizer_regex.cpp
  tokenizer_text.cpp
  hf_tokenizer_to_gguf.cpp
)
