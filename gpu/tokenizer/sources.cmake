# Tokenizers: BPE and SentencePiece, from GGUF or tokenizer.json.
nd_gpu_sources(
)
