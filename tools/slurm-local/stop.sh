#!/usr/bin/env bash
# Stop the Slurm that tools/slurm-local/start.sh started: cancel every job first (so no slurmstepd
# is left behind), then SIGTERM the daemons named by their pid files - all at once, as each takes
# 1-3 s to exit - and SIGKILL whatever still runs after SLURM_LOCAL_STOP_TIMEOUT_S (20) seconds.
# Nothing is killed by name. Configs, state and logs stay; start.sh brings the same cluster back.
set -uo pipefail

root=${SLURM_LOCAL:-$HOME/.cache/nemodesk-slurm}
timeout_s=${SLURM_LOCAL_STOP_TIMEOUT_S:-20}
export SLURM_CONF=$root/etc/slurm.conf
unset SLURM_JWT

say() { echo "slurm-local: $*" >&2; }
# pid_of NAME PIDFILE: print the pid in PIDFILE if it belongs to a running process called NAME
pid_of() {
  local pid
  pid=$(cat "$2" 2> /dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = "$1" ] && echo "$pid"
}

ctld_pid=$(pid_of slurmctld "$root/run/slurmctld.pid")
if [ -n "$ctld_pid" ] && pid_of slurmd "$root/run/slurmd.pid" > /dev/null; then
  active=$(squeue -h -t PD,R,CG,S,CF -o %A 2> /dev/null | wc -l)
  if [ "$active" -gt 0 ]; then
    say "cancelling $active jobs"
    scancel --user="$(id -un)" 2> /dev/null
    for _ in $(seq 150); do
      [ -z "$(squeue -h -t R,CG,S,CF 2> /dev/null)" ] && break
      sleep 0.1
    done
  fi
fi

pids=() names=()
for pair in slurmrestd:slurmrestd slurmd:slurmd slurmctld:slurmctld munged:munge/munged; do
  name=${pair%%:*}
  pid=$(pid_of "$name" "$root/run/${pair#*:}.pid") || continue
  pids+=("$pid")
  names+=("$name($pid)")
done
if [ ${#pids[@]} -gt 0 ]; then
  start_ms=$(date +%s%3N)
  kill "${pids[@]}" 2> /dev/null
  for _ in $(seq $((timeout_s * 10))); do
    kill -0 "${pids[@]}" 2> /dev/null || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2> /dev/null; then
      say "pid $pid ignored SIGTERM for $timeout_s s: SIGKILL"
      kill -9 "$pid" 2> /dev/null
    fi
  done
  say "stopped ${names[*]} in $(($(date +%s%3N) - start_ms)) ms"
fi

# a job step of this cluster that outlived its slurmd: slurmstepd inherits slurmd's environment,
# so ours carry our SLURM_CONF; stop exactly those
for proc in /proc/[0-9]*; do
  [ "$(cat "$proc/comm" 2> /dev/null)" = slurmstepd ] || continue
  if tr '\0' '\n' < "$proc/environ" 2> /dev/null | grep -qx "SLURM_CONF=$SLURM_CONF"; then
    say "leftover slurmstepd ${proc#/proc/}: SIGKILL"
    kill -9 "${proc#/proc/}" 2> /dev/null
  fi
done
rm -f "$root/run/slurmrestd.sock"
say "stopped"
