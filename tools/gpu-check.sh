#!/usr/bin/env bash
# The one script that runs every GPU test and GPU benchmark of NemoDesk on a machine with an NVIDIA GPU.
#
#   tools/gpu-check.sh build   (here, on the development machine) configure and build the gpu-only preset
#                              into build/gpu-only: gpu/ and its tests, CUDA for sm_90, GoogleTest, the CUDA
#                              runtime and libstdc++ linked statically, so the folder runs on a GPU machine
#                              that has only the driver. Prints its size and how to carry it there.
#                              The executables the GPU run needs (gpu-tests.txt, gpu-tools.txt), stripped,
#                              are then copied to build/gpu-carry: that small folder is what travels.
#   tools/gpu-check.sh run     (there) run every executable listed in build/gpu-carry/gpu-tests.txt (or
#                              build/gpu-only's), the GPU benchmarks and the probe tool; print a table;
#                              exit non-zero on any failure. NEMODESK_BENCH_ARGS passes options to the
#                              benchmark (nemodesk-engine-bench --help), e.g. "--types q4_k --prompts 512".
#                              Then, where python3 imports torch, the PyTorch peer on the same models
#                              (tools/gpu-torch-peer.py, options in NEMODESK_TORCH_PEER_ARGS): a
#                              reference, not a test; its failure is reported but does not fail the run.
#
# The run mode needs no CMake, CTest, Qt or network: the build folder lists its executables relative to
# itself (gpu-tests.txt, gpu-tools.txt) because ctest's absolute paths do not exist on the GPU machine.
# NEMODESK_GPU_BUILD_DIR overrides the build folder; NEMODESK_JOBS the build's parallel jobs (default 2).
# When $OUT is set (the lent-machine runner), the full log is also written to $OUT/gpu-check.log.
set -euo pipefail

mode=${1:-}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build_dir=${NEMODESK_GPU_BUILD_DIR:-build/gpu-only}
carry_dir=${NEMODESK_GPU_CARRY_DIR:-build/gpu-carry}
per_binary_timeout_s=300
ld_library_path_at_start=${LD_LIBRARY_PATH:-}  # before find_cublas: the PyTorch peer runs with this one

usage() {
  echo "usage: $0 build|run" >&2
  exit 2
}

# --- build ---------------------------------------------------------------------------------------------
do_build() {
  local jobs=${NEMODESK_JOBS:-2}
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    if [ "$build_dir" = build/gpu-only ]; then
      cmake --preset gpu-only -DNEMODESK_CUDA=ON
    else
      cmake --preset gpu-only -B "$build_dir" -DNEMODESK_CUDA=ON
    fi
  fi
  cmake --build "$build_dir" -j "$jobs" --target nd_gpu_check
  for list in gpu-tests.txt gpu-tools.txt gpu-bench.txt; do
    [ -s "$build_dir/$list" ] || { echo "gpu-check: $build_dir/$list is missing after the build" >&2; exit 1; }
  done
  # CUDA ON, not the preset's AUTO: a GPU check without the CUDA backend would pass while testing nothing.
  # A folder configured earlier without CUDA keeps its cache, so ask the built probe.
  local probe
  probe="$build_dir/$(head -1 "$build_dir/gpu-tools.txt")"
  if ! "$probe" --no-selftest | grep -q '^cuda: runtime'; then
    echo "gpu-check: $build_dir was built without the CUDA backend; remove it and run '$0 build' again" >&2
    exit 1
  fi
  # Only what the run needs travels: the whole build folder (objects, unit tests) is far over the limit.
  rm -rf "$carry_dir"
  mkdir -p "$carry_dir"
  cp "$build_dir/gpu-tests.txt" "$build_dir/gpu-tools.txt" "$build_dir/gpu-bench.txt" "$carry_dir/"
  local rel
  for rel in $(cat "$build_dir/gpu-tests.txt" "$build_dir/gpu-tools.txt" "$build_dir/gpu-bench.txt"); do
    mkdir -p "$carry_dir/$(dirname "$rel")"
    cp "$build_dir/$rel" "$carry_dir/$rel"
    strip --strip-debug "$carry_dir/$rel" 2>/dev/null || true
  done
  local size_kib
  size_kib=$(du -sk "$carry_dir" | cut -f1)
  echo
  echo "gpu-check: $carry_dir is $(du -sh "$carry_dir" | cut -f1) ($((size_kib / 1024)) MiB; the carry limit is 64 MiB with the tree)"
  if [ "$size_kib" -gt $((60 * 1024)) ]; then
    echo "gpu-check: warning: over 60 MiB; the call may be refused" >&2
  fi
  echo "gpu-check: now run it on the GPU machine with the device tool:"
  echo "  run(command=\"tools/gpu-check.sh run\", carry=[\"$carry_dir\"], timeout_s=300)"
}

# --- run -----------------------------------------------------------------------------------------------
rows=()       # "name|passed|failed|skipped|seconds"
failures=0
peer_note=""

now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The number on a gtest summary line such as "[  PASSED  ] 12 tests." (0 when absent).
summary_count() {
  local tag=$1 log=$2 n
  n=$(grep -E "^\[  ${tag} *\] [0-9]+ tests?[,.]" "$log" | tail -1 | sed -E 's/^\[[^]]*\] ([0-9]+).*/\1/' || true)
  echo "${n:-0}"
}

run_test_binary() {
  local rel=$1 exe="$build_dir/$1" log start end rc=0
  log=$(mktemp)
  echo
  echo "=== $rel"
  if [ ! -x "$exe" ]; then
    echo "gpu-check: $exe is missing or not executable" | tee "$log"
    rows+=("$rel|0|missing|0|0.0")
    failures=$((failures + 1))
    rm -f "$log"
    return
  fi
  start=$(now_s)
  timeout "$per_binary_timeout_s" "$exe" --gtest_color=no >"$log" 2>&1 || rc=$?
  end=$(now_s)
  cat "$log"
  local passed failed skipped
  passed=$(summary_count "PASSED" "$log")
  failed=$(summary_count "FAILED" "$log")
  skipped=$(summary_count "SKIPPED" "$log")
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # A crash or a timeout ends the binary before gtest can count it.
    if [ "$rc" -eq 124 ]; then failed="timeout"; else failed="exit $rc"; fi
  fi
  if [ "$rc" -ne 0 ] || [ "$failed" != 0 ]; then failures=$((failures + 1)); fi
  rows+=("$rel|$passed|$failed|$skipped|$(elapsed "$start" "$end")")
  rm -f "$log"
}

run_probe() {
  local rel=$1 exe="$build_dir/$1" start end rc=0
  echo
  echo "=== $rel"
  start=$(now_s)
  timeout "$per_binary_timeout_s" "$exe" || rc=$?
  end=$(now_s)
  if [ "$rc" -eq 0 ]; then
    rows+=("$rel|1|0|0|$(elapsed "$start" "$end")")
  else
    rows+=("$rel|0|exit $rc|0|$(elapsed "$start" "$end")")
    failures=$((failures + 1))
  fi
}

print_machine() {
  echo "gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), build folder $build_dir"
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi -L || true
    local driver
    driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1 || true)
    echo "driver version: ${driver:-unknown}"
  else
    echo "nvidia-smi: not found (no NVIDIA driver on this machine: GPU tests will be skipped)"
  fi
}

# cuBLAS is loaded at run time (gpu/cuda/cublas_loader.cpp looks in the loader's path and /usr/local/cuda).
# On a GPU machine it may live elsewhere (another CUDA prefix, or PyTorch's nvidia-cublas wheel): find it
# and put its folder on LD_LIBRARY_PATH.
find_cublas() {
  if ldconfig -p 2>/dev/null | grep -q 'libcublas.so.13' || [ -e /usr/local/cuda/lib64/libcublas.so.13 ]; then
    return
  fi
  local dir
  for dir in /usr/local/cuda-13*/lib64 /usr/lib/x86_64-linux-gnu \
    $(python3 -c 'import nvidia.cublas, os; print(os.path.join(os.path.dirname(nvidia.cublas.__file__), "lib"))' 2>/dev/null) \
    $(find / -name 'libcublas.so.13*' -not -path '/proc/*' -printf '%h\n' 2>/dev/null | sort -u | head -3); do
    if [ -e "$dir/libcublas.so.13" ]; then
      export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      echo "gpu-check: cuBLAS from $dir"
      return
    fi
  done
  echo "gpu-check: libcublas.so.13 not found on this machine; the CUDA backend will say so" >&2
}

# The engine benchmark (nemodesk-engine-bench): realistic shapes, fractions of the measured limits.
run_benchmarks() {
  local list="$build_dir/gpu-bench.txt" rel start end rc=0
  echo
  if [ ! -s "$list" ]; then
    echo "benchmarks: none in this build"
    return
  fi
  rel=$(head -1 "$list")
  echo "=== $rel ${NEMODESK_BENCH_ARGS:-}"
  start=$(now_s)
  # shellcheck disable=SC2086
  timeout "$per_binary_timeout_s" "$build_dir/$rel" ${NEMODESK_BENCH_ARGS:-} | tee "${OUT:-/tmp}/engine-bench.txt" || rc=$?
  end=$(now_s)
  if [ "$rc" -eq 0 ]; then
    rows+=("$rel|1|0|0|$(elapsed "$start" "$end")")
  else
    rows+=("$rel|0|exit $rc|0|$(elapsed "$start" "$end")")
    failures=$((failures + 1))
  fi
}

# The same models through PyTorch (tools/gpu-torch-peer.py): a reference, so a missing torch is a skipped
# row and a crash or timeout is shown but not counted. It gets the library path the script started with,
# so torch loads the CUDA libraries it was built with rather than the ones find_cublas chose.
run_torch_peer() {
  local name="tools/gpu-torch-peer.py (reference)" log="${OUT:-/tmp}/torch-peer.txt" start end rc=0
  local -a py=(env -u LD_LIBRARY_PATH ${ld_library_path_at_start:+"LD_LIBRARY_PATH=$ld_library_path_at_start"} python3)
  echo
  echo "=== tools/gpu-torch-peer.py ${NEMODESK_TORCH_PEER_ARGS:-}"
  if ! "${py[@]}" -c 'import torch' >/dev/null 2>&1; then
    echo "gpu-torch-peer: skipped: python3 cannot import torch" | tee "$log"
    rows+=("$name|0|0|1|0.0")
    return
  fi
  start=$(now_s)
  # shellcheck disable=SC2086
  timeout 150 "${py[@]}" -u tools/gpu-torch-peer.py ${NEMODESK_TORCH_PEER_ARGS:-} \
    --json "${OUT:-/tmp}/torch-peer.json" 2>&1 | tee "$log" || rc=$?
  end=$(now_s)
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 124 ]; then rc="timeout"; else rc="exit $rc"; fi
    rows+=("$name|0|$rc|0|$(elapsed "$start" "$end")")
    peer_note="gpu-check: the PyTorch peer failed ($rc); it is a reference, not a test, so it is not counted"
  elif grep -q '^gpu-torch-peer: skipped' "$log"; then
    rows+=("$name|0|0|1|$(elapsed "$start" "$end")")
  else
    rows+=("$name|1|0|0|$(elapsed "$start" "$end")")
  fi
}

do_run() {
  local tests_list="$build_dir/gpu-tests.txt" tools_list="$build_dir/gpu-tools.txt"
  if [ ! -s "$tests_list" ]; then
    echo "gpu-check: $tests_list not found: run 'tools/gpu-check.sh build' first and carry $build_dir" >&2
    exit 2
  fi
  print_machine
  find_cublas

  local rel
  while IFS= read -r rel; do
    if [ -n "$rel" ]; then run_test_binary "$rel"; fi
  done <"$tests_list"

  run_benchmarks
  run_torch_peer

  if [ -s "$tools_list" ]; then
    while IFS= read -r rel; do
      if [ -n "$rel" ]; then run_probe "$rel"; fi
    done <"$tools_list"
  fi

  echo
  printf '%-36s | %8s | %10s | %8s | %8s\n' "test binary" passed failed skipped seconds
  printf '%-36s-+-%8s-+-%10s-+-%8s-+-%8s\n' "$(printf '%.0s-' {1..36})" "--------" "----------" "--------" "--------"
  local row
  for row in "${rows[@]}"; do
    IFS='|' read -r name passed failed skipped seconds <<<"$row"
    printf '%-36s | %8s | %10s | %8s | %8s\n' "$name" "$passed" "$failed" "$skipped" "$seconds"
  done
  echo
  if [ -n "$peer_note" ]; then echo "$peer_note"; fi
  if [ "$failures" -eq 0 ]; then
    echo "gpu-check: ok"
  else
    echo "gpu-check: FAILED ($failures of ${#rows[@]} binaries)"
  fi
  [ "$failures" -eq 0 ]
}

case "$mode" in
  build) do_build ;;
  run)
    # The carried folder when it is there (and no folder was named), else the build folder itself.
    if [ -z "${NEMODESK_GPU_BUILD_DIR:-}" ] && [ -s "$carry_dir/gpu-tests.txt" ]; then
      build_dir=$carry_dir
    fi
    if [ -n "${OUT:-}" ] && [ -d "$OUT" ] && [ -w "$OUT" ]; then
      # Keep the whole log even when the caller only sees the tail of the output.
      set -o pipefail
      do_run 2>&1 | tee "$OUT/gpu-check.log"
    else
      do_run
    fi
    ;;
  *) usage ;;
esac
