#!/usr/bin/env bash
# tools/bench-engine.sh: the CPU engine against llama.cpp (node-llama-cpp's prebuilt libraries, spec §9) on
# random-weight models of about 250M parameters — nemotron_h, nemotron_h_moe and llama in F32, Q8_0, Q4_0
# and Q4_K_M — as the issue "Engine, part 2" (Speed) asks. Prints a markdown table for docs/benchmarks.md.
#
#   tools/bench-engine.sh [--threads N] [--reps N] [--archs "a b"] [--types "t u"] [--build DIR] [--no-build]
#                         [--quick]
#
#   --threads N   threads for both engines (default: every core, nproc)
#   --reps N      timed repetitions per test (default 3; one warm-up run comes first)
#   --archs/--types  subsets (defaults: "nemotron_h nemotron_h_moe llama", "f32 q8_0 q4_0 q4_k_m")
#   --build DIR   the build folder (default build/default; configured with the default preset if absent)
#   --no-build    use the executables already in the build folder
#   --quick       tiny models (the generator's test shapes): checks the script in seconds, numbers meaningless
#
# Per model, `nemoctl bench` and `nd_llama_eval bench` run one after the other, the order alternating from
# model to model so that drift (thermal, other load) does not favour one side; both measure as llama-bench
# does (pp128: a 128-token prompt in one call; tg64: 64 one-token decodes; fresh state per repetition; F16
# KV cache). Memory bandwidth comes from nd_membw (THREADS threads summing a 1 GiB buffer, best of 5), run
# before and after the models; the higher counts.
# "BW %" is decode as a fraction of the bandwidth limit: bytes of weights read per token (every matrix
# except token_embd, of which one row is read; for MoE only the used experts' share) × tokens/s ÷ bandwidth.
# The models live in a temporary folder removed at exit. Needs python3 (for the JSON and the table).
# Exit status: 0, or 1 when a run failed (its row says so; the other rows are still measured).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build/default"
THREADS=$(nproc)
REPS=3
ARCHS="nemotron_h nemotron_h_moe llama"
TYPES="f32 q8_0 q4_0 q4_k_m"
QUICK=0
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --archs) ARCHS="$2"; shift 2 ;;
    --types) TYPES="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --no-build) BUILD_FIRST=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench-engine.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ ! -f "$ROOT/tools/reference/llama.cpp/include/llama.h" ]]; then
  echo "bench-engine.sh: the reference llama.cpp is not installed (run tools/reference/setup.sh)" >&2
  exit 1
fi
if [[ $BUILD_FIRST == 1 ]]; then
  if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
    (cd "$ROOT" && cmake --preset default -B "$BUILD" >/dev/null)
  fi
  echo "building nemoctl, nemodesk-gen-model, nd_llama_eval, nd_membw in $BUILD ..." >&2
  cmake --build "$BUILD" --target nemoctl nemodesk-gen-model nd_llama_eval nd_membw >&2
fi
NEMOCTL="$BUILD/bin/nemoctl"
GEN="$BUILD/gpu/nemodesk-gen-model"
REF="$BUILD/tests/gpu/nd_llama_eval"
MEMBW="$BUILD/tests/gpu/nd_membw"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nd-bench-engine.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ~250M-parameter shapes with n_embd 1024 and a 32000-token vocabulary (the built-in tokenizer, padded).
shape_args() {
  if [[ $QUICK == 1 ]]; then return; fi
  local common="--embd 1024 --vocab 32000"
  case "$1" in
    llama) echo "$common --layers 16 --heads 16 --kv-heads 4 --head-dim 64 --ff 2816" ;;
    nemotron_h)
      echo "$common --pattern M-M-M*M-M-M-*M-M-M-M*-M- --heads 8 --kv-heads 2 --head-dim 128 --ff 4096" \
           "--ssm-inner 2048 --ssm-heads 32 --ssm-groups 8 --ssm-state 128" ;;
    nemotron_h_moe)
      echo "$common --pattern MEMEM*EMEMEM*EME --heads 8 --kv-heads 2 --head-dim 128 --ssm-inner 2048" \
           "--ssm-heads 32 --ssm-groups 8 --ssm-state 128 --experts 16 --experts-used 6 --expert-ff 512" \
           "--shared-ff 1024" ;;
  esac
}

# Measured before and after the models (the best counts): other load on the machine only lowers it.
measure_bw() { "$MEMBW" -t "$THREADS" -m "$([[ $QUICK == 1 ]] && echo 64 || echo 1024)" 2>/dev/null; }
echo "measuring memory bandwidth ($THREADS threads) ..." >&2
BW_BEFORE=$(measure_bw)
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
FAILED=0
i=0
for arch in $ARCHS; do
  for type in $TYPES; do
    model="$WORK/$arch-$type.gguf"
    echo "generating $arch $type ..." >&2
    # shellcheck disable=SC2046
    "$GEN" --arch "$arch" --type "$type" --out "$model" $(shape_args "$arch") >/dev/null
    "$NEMOCTL" info "$model" --json --tensors > "$WORK/info.json"
    ours="$WORK/ours.json"
    ref="$WORK/ref.json"
    # A run that fails (or crashes) is recorded as such, the table says so, and the others still run.
    run_ours() {
      "$NEMOCTL" bench --model "$model" -p 128 -n 64 -t "$THREADS" -r "$REPS" --json > "$ours" ||
        { echo "bench-engine.sh: nemoctl bench failed on $arch $type (exit $?)" >&2; echo '{"failed": true}' > "$ours"; FAILED=1; }
    }
    run_ref() {
      "$REF" bench "$model" -p 128 -n 64 -t "$THREADS" -r "$REPS" > "$ref" ||
        { echo "bench-engine.sh: nd_llama_eval bench failed on $arch $type (exit $?)" >&2; echo '{"failed": true}' > "$ref"; FAILED=1; }
    }
    echo "benchmarking $arch $type ..." >&2
    if (( i % 2 == 0 )); then run_ours; run_ref; else run_ref; run_ours; fi
    i=$((i + 1))
    python3 - "$arch" "$type" "$WORK/info.json" "$ours" "$ref" >> "$RESULTS" <<'EOF'
import json, sys
arch, typ, info_path, ours_path, ref_path = sys.argv[1:]
info = json.load(open(info_path))
hp = info.get("hparams", {})
n_exp, n_used = hp.get("n_expert", 0), hp.get("n_expert_used", 0)
read = 0
for t in info["tensors"]:
    b = t["bytes"]
    if t["name"] == "token_embd.weight":
        b = b // t["shape"][1]  # one row per token
    elif "_exps." in t["name"] and n_exp > 0:
        b = b * n_used // n_exp  # only the routed experts are read
    read += b
print(json.dumps({"arch": arch, "type": typ, "params": info["n_params"], "bytes": info["weights_bytes"],
                  "read_per_token": read, "ours": json.load(open(ours_path)), "ref": json.load(open(ref_path))}))
EOF
    rm -f "$model"
  done
done

echo "measuring memory bandwidth again ..." >&2
BW_AFTER=$(measure_bw)

python3 - "$RESULTS" "$BW_BEFORE" "$BW_AFTER" "$THREADS" "$REPS" <<'EOF'
import json, sys
path, bw_before, bw_after, threads, reps = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
bw = max(bw_before, bw_after)
def test(run, prefix):
    for t in run.get("tests", []):
        if t["name"].startswith(prefix):
            return t["avg_ts"], t["stddev_ts"]
    return 0.0, 0.0
def mib(b):
    return f"{b / 2**20:.0f}"
print(f"Memory read bandwidth (nd_membw, {threads} threads): {bw:.1f} GB/s (before {bw_before:.1f}, after {bw_after:.1f}). "
      f"Threads {threads}, {reps} repetitions, "
      "mean ± sd tokens/s; ratio = NemoDesk ÷ llama.cpp; BW % = decode bytes/s ÷ bandwidth.\n")
print("| model | params | size MiB | pp128 NemoDesk | pp128 llama.cpp | pp ratio | tg64 NemoDesk | tg64 llama.cpp "
      "| tg ratio | peak MiB NemoDesk / llama.cpp | BW % NemoDesk / llama.cpp |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for line in open(path):
    r = json.loads(line)
    (pp_o, pp_os), (pp_r, pp_rs) = test(r["ours"], "pp"), test(r["ref"], "pp")
    (tg_o, tg_os), (tg_r, tg_rs) = test(r["ours"], "tg"), test(r["ref"], "tg")
    if r["ours"].get("failed") or r["ref"].get("failed"):
        who = " and ".join(n for n, k in (("NemoDesk", "ours"), ("llama.cpp", "ref")) if r[k].get("failed"))
        print(f"| {r['arch']} {r['type'].upper()} | {r['params'] / 1e6:.0f}M | {mib(r['bytes'])} | {who} failed "
              "(see the log) | | | | | | | |")
        continue
    bw_cell = ""
    if r["type"] in ("f32", "q8_0"):
        bw_cell = f"{100 * r['read_per_token'] * tg_o / (bw * 1e9):.0f} / {100 * r['read_per_token'] * tg_r / (bw * 1e9):.0f}"
    print(f"| {r['arch']} {r['type'].upper()} | {r['params'] / 1e6:.0f}M | {mib(r['bytes'])} "
          f"| {pp_o:.1f} ± {pp_os:.1f} | {pp_r:.1f} ± {pp_rs:.1f} | {pp_o / pp_r if pp_r else 0:.2f} "
          f"| {tg_o:.1f} ± {tg_os:.1f} | {tg_r:.1f} ± {tg_rs:.1f} | {tg_o / tg_r if tg_r else 0:.2f} "
          f"| {mib(r['ours']['peak_rss_bytes'])} / {mib(r['ref']['peak_rss_bytes'])} | {bw_cell} |")
EOF
exit "$FAILED"
