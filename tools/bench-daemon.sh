#!/usr/bin/env bash
# Daemon benchmark: how light and how fast is `nemoctl daemon`? Reproduces the numbers in
# docs/benchmarks.md.
#
#   tools/bench-daemon.sh [BUILD_DIR]      (default build/default; must contain bin/nemoctl)
#
# In a temporary NEMODESK_HOME with 8 synthetic GPUs (NEMODESK_FAKE_GPUS=8x81920) it measures:
#   start      - from exec to a healthy /api/health (ms)
#   idle       - daemon CPU (% of one core) and RSS over 20 s, sampling every second, one SSE client
#   api        - wrk, 2 threads x 16 connections x 10 s, on GET /api/health and GET /api/gpus
#   fan-out    - 200 SSE clients for 10 s: events each received, daemon CPU meanwhile
# Loopback only. Needs wrk and curl (installed with apt-get when missing and root).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${1:-$repo/build/default}")
nemoctl="$build/bin/nemoctl"
[ -x "$nemoctl" ] || { echo "bench: $nemoctl not found; build first (cmake --build $build)" >&2; exit 1; }
for tool in wrk curl; do
  if ! command -v "$tool" > /dev/null; then
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq "$tool" > /dev/null; else
      echo "bench: needs $tool (sudo apt-get install $tool)" >&2; exit 1; fi
  fi
done

home=$(mktemp -d -t nemodesk-bench.XXXXXX)
export NEMODESK_HOME="$home" NEMODESK_FAKE_GPUS=8x81920
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  "$nemoctl" stop > /dev/null 2>&1 || true
  rm -rf "$home"
}
trap cleanup EXIT

clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

# --- start ---
t0=$(now_ms)
"$nemoctl" daemon > "$home/daemon.out" 2>&1 &
pids+=($!)
daemon_pid=$!
until "$nemoctl" health > /dev/null 2>&1; do
  sleep 0.01
  if [ $(($(now_ms) - t0)) -gt 20000 ]; then echo "bench: daemon did not come up" >&2; exit 1; fi
done
start_ms=$(($(now_ms) - t0))
eval "$("$nemoctl" endpoint --shell)"
auth="Authorization: Bearer $NEMODESK_TOKEN"

# --- idle with one SSE client ---
curl -s -N -H "$auth" "$NEMODESK_URL/api/events" > "$home/sse-one.txt" &
pids+=($!)
sleep 2
c0=$(cpu_ticks "$daemon_pid"); w0=$(now_ms)
sleep 20
c1=$(cpu_ticks "$daemon_pid"); w1=$(now_ms)
idle_cpu=$(awk -v c=$((c1 - c0)) -v t="$clk_tck" -v w=$((w1 - w0)) 'BEGIN {printf "%.2f", 100 * c / t / (w / 1000)}')
idle_rss=$(rss_mib "$daemon_pid")

# --- request throughput ---
wrk_line() {
  local out
  out=$(wrk -t2 -c16 -d10s --latency -H "$auth" "$NEMODESK_URL$1")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  printf '%s|%s|%s' "$rps" "$p50" "$p99"
}
health=$(wrk_line /api/health)
gpus=$(wrk_line /api/gpus)
gpus_bytes=$(curl -s -H "$auth" "$NEMODESK_URL/api/gpus" | wc -c)

# --- SSE fan-out ---
clients=200
mkdir -p "$home/sse"
c0=$(cpu_ticks "$daemon_pid"); w0=$(now_ms)
fan=()
for i in $(seq 1 $clients); do
  curl -s -N --max-time 10 -H "$auth" "$NEMODESK_URL/api/events" > "$home/sse/$i.txt" &
  fan+=($!)
done
for p in "${fan[@]}"; do wait "$p" 2> /dev/null || true; done
c1=$(cpu_ticks "$daemon_pid"); w1=$(now_ms)
fan_cpu=$(awk -v c=$((c1 - c0)) -v t="$clk_tck" -v w=$((w1 - w0)) 'BEGIN {printf "%.1f", 100 * c / t / (w / 1000)}')
events=$(for f in "$home"/sse/*.txt; do grep -c '^event: telemetry' "$f" || true; done | sort -n)
ev_min=$(head -1 <<< "$events"); ev_max=$(tail -1 <<< "$events")
fan_rss=$(rss_mib "$daemon_pid")

printf '\nNemoDesk daemon benchmark (%s, %s cores, 8 synthetic GPUs, sampling every 1 s)\n\n' \
  "$("$nemoctl" --version)" "$(nproc)"
printf '| measure | value |\n|---|---|\n'
printf '| start to healthy | %s ms |\n' "$start_ms"
printf '| idle CPU, 1 SSE client | %s %% of one core |\n' "$idle_cpu"
printf '| idle RSS | %s MiB |\n' "$idle_rss"
IFS='|' read -r rps p50 p99 <<< "$health"
printf '| GET /api/health (wrk 2x16) | %s req/s, p50 %s, p99 %s |\n' "$rps" "$p50" "$p99"
IFS='|' read -r rps p50 p99 <<< "$gpus"
printf '| GET /api/gpus, %s bytes (wrk 2x16) | %s req/s, p50 %s, p99 %s |\n' "$gpus_bytes" "$rps" "$p50" "$p99"
printf '| %s SSE clients for 10 s | %s-%s events each, daemon CPU %s %%, RSS after %s MiB |\n' \
  "$clients" "$ev_min" "$ev_max" "$fan_cpu" "$fan_rss"
