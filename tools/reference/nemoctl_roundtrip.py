#!/usr/bin/env python3
"""`nemoctl tokenize` / `nemoctl detokenize` against the Hugging Face tokenizers library, end to end through
the command line (a CTest test; the library itself is compared in gpu_tokenizer_conformance_tests):

    tools/reference/nemoctl_roundtrip.py NEMOCTL CACHE_DIR [--lines N] [--vocab NAME]...

For each vocabulary: N single-line corpus entries (the corpus is the one gpu_tokenizer_conformance_tests
caches in CACHE_DIR, built when missing) go through `nemoctl tokenize --tokenizer tokenizer.json --file F`; every output line must be the
JSON array of HF's ids for that line (no BOS). Those ids go back through `nemoctl detokenize`, which must
print HF's decode of them, one line each. Exit 77 (CTest: skipped) when the reference tools are missing,
unless NEMODESK_REQUIRE_REFERENCE=1.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def missing_reference():
    if not shutil.which("node"):
        return "node not found"
    if not os.path.isfile(os.path.join(HERE, "node_modules", "@anush008", "tokenizers", "index.js")):
        return "tools/reference/node_modules is missing (run tools/reference/setup.sh)"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nemoctl")
    ap.add_argument("cache_dir")
    ap.add_argument("--lines", type=int, default=300)
    ap.add_argument("--vocab", action="append")
    args = ap.parse_args()
    vocabs = args.vocab or ["gpt2", "llama2", "mistral_nemo", "qwen3"]

    why = missing_reference()
    if why:
        print(f"nemoctl_roundtrip: skipped: {why}")
        return 1 if os.environ.get("NEMODESK_REQUIRE_REFERENCE") == "1" else SKIP

    os.makedirs(args.cache_dir, exist_ok=True)
    # The same file the conformance test builds: corpus-<FNV-1a 64 of corpus.py>.jsonl.
    h = 1469598103934665603
    with open(os.path.join(HERE, "corpus.py"), "rb") as f:
        for byte in f.read():
            h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    corpus_path = os.path.join(args.cache_dir, f"corpus-{h:016x}.jsonl")
    if not os.path.isfile(corpus_path):
        subprocess.run([sys.executable, os.path.join(HERE, "corpus.py"), corpus_path], check=True)
    lines = []
    with open(corpus_path, encoding="utf-8") as f:
        for raw in f:
            entry = json.loads(raw)
            # nemoctl reads lines: no line breaks inside (and none of the characters Python splits lines on).
            if entry and len(entry.splitlines()) == 1 and entry == entry.splitlines()[0] and "\r" not in entry:
                lines.append(entry)
            if len(lines) == args.lines:
                break

    failures = 0
    with tempfile.TemporaryDirectory(prefix="nd-nemoctl-") as tmp:
        text_path = os.path.join(tmp, "lines.txt")
        with open(text_path, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(line + "\n" for line in lines))
        corpus_small = os.path.join(tmp, "lines.jsonl")
        with open(corpus_small, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
        for vocab in vocabs:
            tok = os.path.join(HERE, "node_modules", "@lenml", f"tokenizer-{vocab}", "models", "tokenizer.json")
            ref_path = os.path.join(tmp, f"hf-{vocab}.jsonl")
            subprocess.run(["node", os.path.join(HERE, "hf_tokenize.js"), tok, corpus_small, ref_path], check=True,
                           stderr=subprocess.DEVNULL)
            with open(ref_path, encoding="utf-8") as f:
                ref = [json.loads(x) for x in f if x.strip()]
            out = subprocess.run([args.nemoctl, "tokenize", "--tokenizer", tok, "--file", text_path],
                                 capture_output=True)
            if out.returncode != 0:
                print(f"{vocab}: nemoctl tokenize failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
                failures += 1
                continue
            ours = [json.loads(x) for x in out.stdout.decode("utf-8").split("\n") if x.strip()]
            bad = [i for i in range(len(lines)) if i >= len(ours) or ours[i] != ref[i]["ids"]]
            if len(ours) != len(lines) or bad:
                failures += 1
                print(f"{vocab}: tokenize: {len(lines) - len(bad)}/{len(lines)} lines identical to HF")
                for i in bad[:5]:
                    print(f"  line {i} {lines[i]!r}\n    HF   {ref[i]['ids']}\n    ours {ours[i] if i < len(ours) else None}")
            ids_path = os.path.join(tmp, f"ids-{vocab}.txt")
            with open(ids_path, "w", encoding="utf-8") as f:
                f.write("".join(json.dumps(r["ids"]) + "\n" for r in ref))
            out = subprocess.run([args.nemoctl, "detokenize", "--tokenizer", tok, "--file", ids_path],
                                 capture_output=True)
            expected = "".join(r["text"] + "\n" for r in ref).encode("utf-8")
            if out.returncode != 0 or out.stdout != expected:
                failures += 1
                got = out.stdout.split(b"\n")
                want = expected.split(b"\n")
                first = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), None)
                print(f"{vocab}: detokenize differs from HF (exit {out.returncode}); first line {first}: "
                      f"HF {want[first] if first is not None else ''!r} ours {got[first] if first is not None else ''!r}")
            else:
                print(f"{vocab}: {len(lines)} lines: tokenize and detokenize identical to HF")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
