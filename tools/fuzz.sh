#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read untrusted bytes (tests/fuzz): builds the fuzz preset
# (clang, libFuzzer, ASan + UBSan) into build/fuzz, runs each target for a while and prints a table.
#
#   tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 seconds, every target
#
# Each target grows its own work corpus in build/fuzz/corpus-work/<target>, starting from (and reading,
# never writing) the committed seeds in tests/fuzz/corpus/<target>. Inputs that crash, leak, time out or
# break an invariant are saved in build/fuzz/crashes/<target>/; the full log is build/fuzz/logs/<target>.log.
# Exit status: 0 when no target crashed, 1 when one did, 2 on a usage or build error.
#
# Reproduce a saved input:  build/fuzz/tests/fuzz/<target> build/fuzz/crashes/<target>/crash-…
# Once the bug is fixed, copy the input into tests/fuzz/corpus/<target>/: ctest then replays it forever.
#
# Environment: NEMODESK_JOBS (build jobs, default 2); NEMODESK_FUZZ_KEEP_GOING=1 runs libFuzzer in fork
# mode and keeps fuzzing after a crash (so one known bug does not hide the next); the table then counts
# every crashing input and the distinct sanitizer reports are listed under it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build_dir=build/fuzz
all_targets=(fuzz_http_parser fuzz_sse_parser fuzz_settings fuzz_fake_spec fuzz_telemetry_frame fuzz_job_spec
  fuzz_sbatch_script fuzz_gguf_reader fuzz_tokenizer_json fuzz_tokenizer_gguf fuzz_chat_template)

usage() {
  echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]   targets: ${all_targets[*]}" >&2
  exit 2
}

seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
[ "$seconds" -ge 1 ] || usage
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t'" >&2; usage; }
done

# The longest input worth trying per target: past the limits the parser enforces (the HTTP target runs
# half its inputs against 1 KiB head / 2 KiB body limits), short enough to keep executions fast.
max_len_for() {
  case $1 in
    fuzz_http_parser) echo 8192 ;;
    fuzz_sse_parser) echo 4096 ;;
    fuzz_settings) echo 2048 ;;
    fuzz_fake_spec) echo 256 ;;
    fuzz_telemetry_frame) echo 8192 ;;
    fuzz_job_spec) echo 8192 ;;
    fuzz_sbatch_script) echo 8192 ;;
    fuzz_gguf_reader) echo 65536 ;;
    fuzz_tokenizer_json) echo 16384 ;;
    fuzz_tokenizer_gguf) echo 65536 ;;
    fuzz_chat_template) echo 8192 ;;
  esac
}

# --- build ---------------------------------------------------------------------------------------------
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt install clang libclang-rt-14-dev)" >&2; exit 2; }
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake --preset fuzz >/dev/null || { echo "fuzz: configuring the fuzz preset failed" >&2; exit 2; }
fi
echo "fuzz: building ${targets[*]}"
cmake --build "$build_dir" --target "${targets[@]}" -j "${NEMODESK_JOBS:-2}" >"$build_dir/fuzz-build.log" 2>&1 || {
  tail -40 "$build_dir/fuzz-build.log" >&2
  echo "fuzz: build failed (full log: $build_dir/fuzz-build.log)" >&2
  exit 2
}

# --- run -----------------------------------------------------------------------------------------------
export LSAN_OPTIONS="suppressions=$repo/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$build_dir/logs"
keep_going=${NEMODESK_FUZZ_KEEP_GOING:-0}
rows=()
any_crash=0
reports=""

for t in "${targets[@]}"; do
  bin="$build_dir/tests/fuzz/$t"
  seeds="tests/fuzz/corpus/$t"
  work="$build_dir/corpus-work/$t"
  crashes="$build_dir/crashes/$t"
  log="$build_dir/logs/$t.log"
  mkdir -p "$work" "$crashes"
  before=$(find "$crashes" -type f | wc -l)
  args=(-max_total_time="$seconds" -max_len="$(max_len_for "$t")" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$crashes/")
  [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
  [ "$keep_going" = 1 ] && args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  echo "fuzz: $t for ${seconds}s (log: $log)"
  set +e
  # New inputs go into the first folder only; the seed folder is read, never written.
  "$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  set -e

  after=$(find "$crashes" -type f | wc -l)
  found=$((after - before))
  # The coverage the seeds gave (INITED) and the last coverage line; fork mode reports "#N: cov: X".
  cov_start=$(grep -m1 -oE 'INITED cov: [0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  cov_end=$(grep -oE '(cov:) [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
  if grep -q '^stat::number_of_executed_units' "$log"; then
    execs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    rate=$(grep -m1 '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
    units=$(grep -m1 '^stat::new_units_added' "$log" | awk '{print $2}')
  else
    # Fork mode: "#533070: cov: 490 ft: 381 corp: 43 exec/s 0 oom/timeout/crash: 0/0/65 time: 15s …"
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
    execs=$(echo "$last" | sed -nE 's/^#([0-9]+):.*/\1/p')
    elapsed=$(echo "$last" | sed -nE 's/.* time: ([0-9]+)s.*/\1/p')
    rate=$([ -n "$execs" ] && [ "${elapsed:-0}" -gt 0 ] && echo $((execs / elapsed)) || echo "?")
    # The work corpus only gains files here, so what it holds now is an upper bound of what was added.
    units=$(find "$work" -type f | wc -l)
    cov_start=${cov_start:-$(grep -oE '^#[0-9]+: cov: [0-9]+' "$log" | head -1 | grep -oE '[0-9]+$' || true)}
  fi
  if [ "$found" -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$keep_going" != 1 ]; }; then
    any_crash=1
    [ "$found" -gt 0 ] || found="rc $rc"
    # The distinct sanitizer / invariant reports, for the summary under the table.
    distinct=$(grep -hE '^SUMMARY: (AddressSanitizer|LeakSanitizer|libFuzzer)|^fuzz invariant failed|runtime error:' "$log" | sed -E 's/0x[0-9a-f]+/0x…/g; s/runtime error: .* is outside/runtime error: … is outside/' | sort | uniq -c | sort -rn | head -10)
    reports+="$t (crashing inputs in $crashes/):"$'\n'"$distinct"$'\n'
  fi
  rows+=("$t|${execs:-?}|${rate:-?}|$found|+${units:-?} inputs, cov ${cov_start:-?} -> ${cov_end:-?}")
done

# --- report --------------------------------------------------------------------------------------------
echo
printf '%-22s | %12s | %8s | %7s | %s\n' target executions exec/s crashes "new coverage"
printf '%s\n' "-----------------------+--------------+----------+---------+-----------------------------------"
for row in "${rows[@]}"; do
  IFS='|' read -r t e r c n <<<"$row"
  printf '%-22s | %12s | %8s | %7s | %s\n' "$t" "$e" "$r" "$c" "$n"
done
if [ -n "$reports" ]; then
  echo
  echo "Findings (reproduce with: $build_dir/tests/fuzz/<target> <input>):"
  printf '%s' "$reports"
fi
exit "$any_crash"
