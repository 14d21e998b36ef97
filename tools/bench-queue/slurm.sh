#!/usr/bin/env bash
# Queue benchmark, Slurm side: what a real single-node Slurm does with N trivial jobs on this
# machine, to compare with our local queue (issue "A personal Slurm", docs/benchmarks.md).
#
#   tools/slurm-local/start.sh && N=2000 tools/bench-queue/slurm.sh
#
# Phases (each starts with an empty queue):
#   cli      N x `sbatch --parsable --wrap=true --gres=gpu:1 -o /dev/null`, sequential -> jobs/s
#   drain    from the first of those submits until none is pending/running (squeue every 0.5 s)
#   api      N POSTs to slurmrestd /slurm/v0.0.38/job/submit on its unix socket, one curl each
#   api-kept the same through one curl process (--config with `next`: one reused connection)
#            The API jobs are cancelled once submitted: the drain is measured on the CLI jobs.
#   latency  LATENCY_JOBS (50) jobs one at a time on the idle node; each job's first command
#            writes `date +%s%N`; submit->start = that minus the client clock just before sbatch
# Prints a markdown table; raw numbers go to ${OUT:-/tmp/bench-queue}/slurm-*.txt.
set -euo pipefail

n=${N:-2000}
latency_jobs=${LATENCY_JOBS:-50}
root=${SLURM_LOCAL:-$HOME/.cache/nemodesk-slurm}
out=${OUT:-/tmp/bench-queue}
export SLURM_CONF=${SLURM_CONF:-$root/etc/slurm.conf}
socket=$root/run/slurmrestd.sock
api=http://localhost/slurm/v0.0.38
unset SLURM_JWT

fail() {
  echo "bench-queue/slurm: $*" >&2
  exit 1
}
scontrol ping 2> /dev/null | grep -q 'is UP' || fail "no slurmctld at $SLURM_CONF; run tools/slurm-local/start.sh"
curl -sf --unix-socket "$socket" "$api/ping" > /dev/null || fail "no slurmrestd on $socket"
mkdir -p "$out"
work=$(mktemp -d -t bench-queue-slurm.XXXXXX)
trap 'rm -rf "$work"' EXIT

now_us() { echo "${EPOCHREALTIME/./}"; } # no fork: the clock read itself must not cost ms
active_jobs() { squeue -h -t pending,running -o %A | wc -l; }
wait_for_empty_queue() {
  while [ -n "$(squeue -h -t pending,running,completing -o %A)" ]; do sleep 0.5; done
}
# rate COUNT MICROSECONDS -> jobs/s with one decimal
# the 2 cores are shared: the 1-minute load average says how much else ran during a phase
load() { cut -d' ' -f1 /proc/loadavg; }
rate() { awk -v n="$1" -v us="$2" 'BEGIN { printf "%.1f", n / (us / 1e6) }'; }
seconds() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1e6 }'; }
# submitted_ids FILE: job ids in slurmrestd's JSON responses (0 means it failed)
submitted_ids() { grep -o '"job_id": *[0-9]*' "$1" | grep -o '[0-9]*$' | grep -vx 0 || true; }
cancel_all() {
  scancel --user="$(id -un)" || true
  wait_for_empty_queue
}

wait_for_empty_queue
version=$(sinfo -V)
echo "bench-queue/slurm: $version, N=$n, $(sinfo -h -N -o '%c CPUs, %G'), output in $out" >&2

# --- cli + drain ---------------------------------------------------------------------------------
echo "# seconds since first submit, pending+running jobs" > "$out/slurm-drain.txt"
cli_load=$(load)
start_us=$(now_us)
for _ in $(seq "$n"); do
  sbatch --parsable --wrap=true --gres=gpu:1 -o /dev/null
done > "$work/cli-ids"
cli_us=$(($(now_us) - start_us))
[ "$(wc -l < "$work/cli-ids")" -eq "$n" ] || fail "sbatch returned $(wc -l < "$work/cli-ids") ids for $n jobs"
while true; do
  left=$(active_jobs)
  echo "$(seconds $(($(now_us) - start_us))) $left" >> "$out/slurm-drain.txt"
  [ "$left" -eq 0 ] && break
  sleep 0.5
done
drain_us=$(($(now_us) - start_us))
drain_load=$(load)
wait_for_empty_queue
printf 'jobs %d\nsubmit_us %d\njobs_per_s %s\ndrain_us %d\ndrain_jobs_per_s %s\nload_before %s\nload_after_drain %s\n' \
  "$n" "$cli_us" "$(rate "$n" "$cli_us")" "$drain_us" "$(rate "$n" "$drain_us")" "$cli_load" "$drain_load" \
  > "$out/slurm-cli.txt"
echo "bench-queue/slurm: cli $(rate "$n" "$cli_us") jobs/s, drain $(seconds "$drain_us") s" >&2

# --- api: one curl per job, then one curl for all ------------------------------------------------
cat > "$work/job.json" << EOF
{"script": "#!/bin/sh\ntrue\n",
 "job": {"name": "wrap", "tasks": 1, "gres": "gpu:1", "current_working_directory": "/tmp",
         "standard_output": "/dev/null", "environment": {"PATH": "/usr/bin:/bin"}}}
EOF
api_load=$(load)
start_us=$(now_us)
for _ in $(seq "$n"); do
  curl -s --unix-socket "$socket" -X POST -H 'Content-Type: application/json' \
    --data-binary @"$work/job.json" "$api/job/submit"
  echo
done > "$work/api-responses"
api_us=$(($(now_us) - start_us))
api_ok=$(submitted_ids "$work/api-responses" | wc -l)
[ "$api_ok" -eq "$n" ] || fail "slurmrestd accepted $api_ok of $n jobs: $(grep -m3 '"error"' "$work/api-responses")"
cancel_all
printf 'jobs %d\nsubmit_us %d\njobs_per_s %s\nload_before %s\n' "$n" "$api_us" "$(rate "$n" "$api_us")" \
  "$api_load" > "$out/slurm-api.txt"
echo "bench-queue/slurm: api (curl per job) $(rate "$n" "$api_us") jobs/s" >&2

for _ in $(seq "$n"); do
  printf 'next\nunix-socket = "%s"\nurl = "%s/job/submit"\nrequest = "POST"\n' "$socket" "$api"
  printf 'header = "Content-Type: application/json"\ndata-binary = "@%s"\n' "$work/job.json"
  printf 'write-out = "\\n%%{num_connects}\\n"\n'
done | tail -n +2 > "$work/curl-config"
kept_load=$(load)
start_us=$(now_us)
curl -s --config "$work/curl-config" > "$work/kept-responses"
kept_us=$(($(now_us) - start_us))
kept_ok=$(submitted_ids "$work/kept-responses" | wc -l)
# write-out prints 1 after a request that opened a connection, 0 after one that reused it
connections=$(grep -cx 1 "$work/kept-responses" || true)
[ "$kept_ok" -eq "$n" ] || fail "slurmrestd accepted $kept_ok of $n jobs through one curl"
cancel_all
printf 'jobs %d\nsubmit_us %d\njobs_per_s %s\nconnections %d\nload_before %s\n' "$n" "$kept_us" \
  "$(rate "$n" "$kept_us")" "$connections" "$kept_load" > "$out/slurm-api-kept.txt"
echo "bench-queue/slurm: api (one curl) $(rate "$n" "$kept_us") jobs/s over $connections connections" >&2

# --- latency on the idle node --------------------------------------------------------------------
latency_load=$(load)
echo "# submit->start in ms, one job at a time on the idle node; load before: $latency_load" \
  > "$out/slurm-latency.txt"
for i in $(seq "$latency_jobs"); do
  stamp=$work/started-$i
  before_us=$(now_us)
  sbatch --parsable --gres=gpu:1 -o /dev/null --wrap="date +%s%N > $stamp.tmp && mv $stamp.tmp $stamp" > /dev/null
  for _ in $(seq 600); do
    [ -s "$stamp" ] && break
    sleep 0.05
  done
  [ -s "$stamp" ] || fail "latency job $i did not start within 30 s"
  awk -v ns="$(cat "$stamp")" -v us="$before_us" 'BEGIN { printf "%.3f\n", (ns / 1000 - us) / 1000 }' \
    >> "$out/slurm-latency.txt"
  wait_for_empty_queue
done
# nearest-rank percentiles (with 50 samples p99 is the largest)
read -r p50 p99 mean < <(grep -v '^#' "$out/slurm-latency.txt" | sort -n | awk '{ v[NR] = $1; s += $1 }
  END { r50 = int(NR * 0.50 + 0.999999); r99 = int(NR * 0.99 + 0.999999)
        printf "%.1f %.1f %.1f\n", v[r50], v[r99], s / NR }')

{
  echo "Slurm: $version, $(sinfo -h -N -o '%c CPUs, %G' | head -1) (fake), $(date -u +%FT%TZ)"
  echo
  echo "| Slurm, N=$n trivial jobs | value | load avg before |"
  echo "| --- | --- | --- |"
  echo "| submit, CLI (\`sbatch\` in a loop) | $(rate "$n" "$cli_us") jobs/s ($(seconds "$cli_us") s) | $cli_load |"
  echo "| submit, API (one \`curl\` per job) | $(rate "$n" "$api_us") jobs/s ($(seconds "$api_us") s) | $api_load |"
  echo "| submit, API (one \`curl\`, $connections connection(s)) | $(rate "$n" "$kept_us") jobs/s ($(seconds "$kept_us") s) | $kept_load |"
  echo "| submit->start, idle node, $latency_jobs jobs | p50 $p50 ms, p99 $p99 ms (mean $mean ms) | $latency_load |"
  echo "| drain $n CLI jobs, 2 GPUs | $(seconds "$drain_us") s ($(rate "$n" "$drain_us") jobs/s) | $cli_load (after: $drain_load) |"
} | tee "$out/slurm-summary.txt"
