#!/usr/bin/env bash
# Queue benchmark, NemoDesk side: the same phases as tools/bench-queue/slurm.sh, against our own daemon
# with two synthetic GPUs in a temporary NEMODESK_HOME (docs/benchmarks.md).
#
#   tools/bench-queue/nemodesk.sh [BUILD_DIR]          # default build/release, else build/default
#
# Phases (each starts with an empty queue):
#   cli      N x `nemoctl submit --wrap=true -G 1 -o /dev/null`, sequential -> jobs/s
#   drain    from the first of those submits until none is pending/running
#   api      N POSTs to /api/jobs, one curl each
#   api-kept the same through one curl process (one reused keep-alive connection)
#   bulk     N jobs in one `nemoctl submit --file` (one request, one transaction)
#   latency  LATENCY_JOBS (50) jobs one at a time on the idle queue; each job's first command writes
#            `date +%s%N`; submit->start = that minus the client clock just before `nemoctl submit`
# Prints a markdown table; raw numbers go to ${OUT:-/tmp/bench-queue}/nemodesk-*.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
  build=$here/build/release
  [ -x "$build/bin/nemoctl" ] || build=$here/build/default
fi
nemoctl=$build/bin/nemoctl
[ -x "$nemoctl" ] || { echo "bench-queue/nemodesk: no $nemoctl; build first" >&2; exit 1; }
n=${N:-2000}
latency_jobs=${LATENCY_JOBS:-50}
out=${OUT:-/tmp/bench-queue}
mkdir -p "$out"
export NEMODESK_HOME
NEMODESK_HOME=$(mktemp -d -t bench-queue-nemodesk.XXXXXX)
export NEMODESK_FAKE_GPUS=2x24576
work=$NEMODESK_HOME/work
mkdir -p "$work"
cleanup() {
  "$nemoctl" stop > /dev/null 2>&1 || true
  rm -rf "$NEMODESK_HOME"
}
trap cleanup EXIT

"$nemoctl" daemon > "$work/daemon.out" 2>&1 &
for _ in $(seq 200); do "$nemoctl" health > /dev/null 2>&1 && break; sleep 0.05; done
eval "$("$nemoctl" endpoint --shell)"

now_us() { echo "${EPOCHREALTIME/./}"; }
rate() { awk -v n="$1" -v us="$2" 'BEGIN { printf "%.1f", n / (us / 1e6) }'; }
seconds() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1e6 }'; }
counts() { curl -sf -H "Authorization: Bearer $NEMODESK_TOKEN" "$NEMODESK_URL/api/queue"; }
active_jobs() { counts | jq '.counts.pending + .counts.running'; }
wait_for_empty_queue() { while [ "$(active_jobs)" -ne 0 ]; do sleep 0.05; done; }
cancel_all() {
  curl -sf -H "Authorization: Bearer $NEMODESK_TOKEN" "$NEMODESK_URL/api/jobs?limit=10000" |
    jq -r '.jobs[].id' | xargs -r -n 500 "$nemoctl" cancel --quiet > /dev/null 2>&1 || true
  wait_for_empty_queue
}

echo "bench-queue/nemodesk: $("$nemoctl" --version 2>/dev/null || echo nemoctl), N=$n, $(nproc) CPUs, 2 fake GPUs" >&2

# --- cli + drain ---------------------------------------------------------------------------------
echo "# seconds since first submit, pending+running jobs" > "$out/nemodesk-drain.txt"
start_us=$(now_us)
for _ in $(seq "$n"); do
  "$nemoctl" submit --parsable --wrap=true -G 1 -o /dev/null
done > "$work/cli-ids"
cli_us=$(($(now_us) - start_us))
[ "$(wc -l < "$work/cli-ids")" -eq "$n" ] || { echo "only $(wc -l < "$work/cli-ids") ids" >&2; exit 1; }
while true; do
  left=$(active_jobs)
  echo "$(seconds $(($(now_us) - start_us))) $left" >> "$out/nemodesk-drain.txt"
  [ "$left" -eq 0 ] && break
  sleep 0.05
done
drain_us=$(($(now_us) - start_us))
printf 'jobs %d\nsubmit_us %d\njobs_per_s %s\ndrain_us %d\n' "$n" "$cli_us" "$(rate "$n" "$cli_us")" "$drain_us" \
  > "$out/nemodesk-cli.txt"
echo "bench-queue/nemodesk: cli $(rate "$n" "$cli_us") jobs/s, drain $(seconds "$drain_us") s" >&2

# --- api -----------------------------------------------------------------------------------------
# Held, so that submitting is all that is measured; then cancelled.
echo '{"script":"#!/bin/sh\ntrue\n","gpus":1,"stdout":"/dev/null","hold":true}' > "$work/job.json"
start_us=$(now_us)
for _ in $(seq "$n"); do
  curl -s -X POST -H "Authorization: Bearer $NEMODESK_TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$work/job.json" "$NEMODESK_URL/api/jobs"
done > "$work/api-responses"
api_us=$(($(now_us) - start_us))
[ "$(grep -c '"job_id"' "$work/api-responses")" -eq "$n" ] || { echo "api submits failed" >&2; exit 1; }
cancel_all

for _ in $(seq "$n"); do
  printf 'next\nurl = "%s/api/jobs"\nrequest = "POST"\nheader = "Authorization: Bearer %s"\n' \
    "$NEMODESK_URL" "$NEMODESK_TOKEN"
  printf 'header = "Content-Type: application/json"\ndata-binary = "@%s"\nwrite-out = "\\n%%{num_connects}\\n"\n' \
    "$work/job.json"
done | tail -n +2 > "$work/curl-config"
start_us=$(now_us)
curl -s --config "$work/curl-config" > "$work/kept-responses"
kept_us=$(($(now_us) - start_us))
connections=$(grep -cx 1 "$work/kept-responses" || true)
[ "$(grep -c '"job_id"' "$work/kept-responses")" -eq "$n" ] || { echo "kept submits failed" >&2; exit 1; }
cancel_all

for _ in $(seq "$n"); do echo '{"argv":["true"],"gpus":1,"stdout":"/dev/null","hold":true}'; done > "$work/jobs.jsonl"
start_us=$(now_us)
"$nemoctl" submit --file "$work/jobs.jsonl" > /dev/null
bulk_us=$(($(now_us) - start_us))
cancel_all
printf 'jobs %d\napi_us %d\nkept_us %d\nconnections %d\nbulk_us %d\n' "$n" "$api_us" "$kept_us" "$connections" \
  "$bulk_us" > "$out/nemodesk-api.txt"

# --- latency on the idle queue -------------------------------------------------------------------
echo "# submit->start in ms, one job at a time on the idle queue" > "$out/nemodesk-latency.txt"
for i in $(seq "$latency_jobs"); do
  stamp=$work/started-$i
  before_us=$(now_us)
  "$nemoctl" submit --parsable -G 1 -o /dev/null --wrap="date +%s%N > $stamp.tmp && mv $stamp.tmp $stamp" > /dev/null
  for _ in $(seq 3000); do
    [ -s "$stamp" ] && break
    sleep 0.01
  done
  [ -s "$stamp" ] || { echo "latency job $i did not start within 30 s" >&2; exit 1; }
  awk -v ns="$(cat "$stamp")" -v us="$before_us" 'BEGIN { printf "%.3f\n", (ns / 1000 - us) / 1000 }' \
    >> "$out/nemodesk-latency.txt"
  wait_for_empty_queue
done
read -r p50 p99 mean < <(grep -v '^#' "$out/nemodesk-latency.txt" | sort -n | awk '{ v[NR] = $1; s += $1 }
  END { r50 = int(NR * 0.50 + 0.999999); r99 = int(NR * 0.99 + 0.999999)
        printf "%.1f %.1f %.1f\n", v[r50], v[r99], s / NR }')
# --- a scheduling pass in the daemon with 100,000 pending jobs ---------------------------------------
# Both GPUs busy, then one array of BIG_N 1-GPU tasks: every pass now walks them all. Passes are forced
# by holding and releasing one job; /api/queue reports the duration of the last one.
big_n=${BIG_N:-100000}
blockers=$("$nemoctl" submit --parsable -G 2 --wrap 'sleep 600' -o /dev/null)
start_us=$(now_us)
array=$("$nemoctl" submit --parsable -G 1 --array="1-$big_n" --wrap true -o /dev/null)
array_us=$(($(now_us) - start_us))
echo "# last_pass_ms with $big_n pending" > "$out/nemodesk-pass.txt"
for _ in $(seq 20); do
  "$nemoctl" hold "${array}_1" > /dev/null
  "$nemoctl" release "${array}_1" > /dev/null
  sleep 0.1
  counts | jq '.last_pass_ms' >> "$out/nemodesk-pass.txt"
done
read -r pass_p50 pass_max < <(grep -v '^#' "$out/nemodesk-pass.txt" | sort -n | awk '{ v[NR] = $1 }
  END { printf "%.1f %.1f\n", v[int(NR * 0.5 + 0.5)], v[NR] }')
"$nemoctl" cancel --quiet "$array" "$blockers" > /dev/null
wait_for_empty_queue

db_kib=$(du -k "$NEMODESK_HOME/data/nemodesk.db"* | awk '{ s += $1 } END { print s }')

{
  echo "NemoDesk $(cat "$here/VERSION"), build $(basename "$build"), $(nproc) CPUs, 2 fake GPUs, $(date -u +%FT%TZ)"
  echo
  echo "| NemoDesk, N=$n trivial jobs | value |"
  echo "| --- | --- |"
  echo "| submit, CLI (\`nemoctl submit\` in a loop) | $(rate "$n" "$cli_us") jobs/s ($(seconds "$cli_us") s) |"
  echo "| submit, API (one \`curl\` per job) | $(rate "$n" "$api_us") jobs/s ($(seconds "$api_us") s) |"
  echo "| submit, API (one \`curl\`, $connections connection(s)) | $(rate "$n" "$kept_us") jobs/s ($(seconds "$kept_us") s) |"
  echo "| submit, one \`nemoctl submit --file\` with $n specs | $(rate "$n" "$bulk_us") jobs/s ($(seconds "$bulk_us") s) |"
  echo "| submit->start, idle queue, $latency_jobs jobs | p50 $p50 ms, p99 $p99 ms (mean $mean ms) |"
  echo "| drain $n CLI jobs, 2 GPUs | $(seconds "$drain_us") s ($(rate "$n" "$drain_us") jobs/s) |"
  echo "| one \`--array=1-$big_n\` submit | $(seconds "$array_us") s |"
  echo "| scheduling pass in the daemon, $big_n pending, GPUs full | p50 $pass_p50 ms, max $pass_max ms (20 passes) |"
  echo "| database after $((4 * n + latency_jobs + big_n + 1)) jobs | $db_kib KiB |"
} | tee "$out/nemodesk-summary.txt"
