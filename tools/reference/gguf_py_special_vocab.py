#!/usr/bin/env python3
"""What llama.cpp's gguf-py (gguf.SpecialVocab, the part of convert_hf_to_gguf.py that reads tokenizer.json,
tokenizer_config.json and config.json) would write for a model folder, as one JSON object:

    tools/reference/gguf_py_special_vocab.py MODEL_DIR

    {"merges": [...], "special_token_ids": {"bos": 1, ...}, "add_special_token": {"bos": true, ...},
     "chat_template": "..." | null}

The converter tests compare NemoDesk's hf_tokenizer_to_gguf() with it. gguf-py normally needs numpy (for
tensors); SpecialVocab does not, so its module is loaded with the writer replaced by a stub.
"""
import importlib
import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
GGUF_PY = os.path.join(HERE, "llama.cpp", "gguf-py", "gguf")


def load_vocab_module():
    if not os.path.isfile(os.path.join(GGUF_PY, "vocab.py")):
        raise SystemExit(f"gguf_py_special_vocab: {GGUF_PY}/vocab.py not found (run tools/reference/setup.sh)")
    package = types.ModuleType("gguf")
    package.__path__ = [GGUF_PY]
    writer = types.ModuleType("gguf.gguf_writer")
    writer.GGUFWriter = object
    sys.modules["gguf"] = package
    sys.modules["gguf.gguf_writer"] = writer
    return importlib.import_module("gguf.vocab")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: gguf_py_special_vocab.py MODEL_DIR")
    vocab = load_vocab_module()
    sv = vocab.SpecialVocab(sys.argv[1], load_merges=True)
    template = sv.chat_template if isinstance(sv.chat_template, str) else None
    json.dump({"merges": sv.merges, "special_token_ids": sv.special_token_ids,
               "add_special_token": sv.add_special_token, "chat_template": template},
              sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
