#!/usr/bin/env bash
# Renders the desk's views into docs/screenshots/ on a virtual X server, with real data from a scripted
# session: a daemon with two synthetic GPUs (labelled synthetic), a models folder holding a generated model,
# a finished and a running job.
#
#   tools/screenshots.sh [BUILD_DIR]     (default: build/default; configured and built when needed)
#
#   welcome.png      the first start (the welcome screen over the window)
#   <page>.png       nemodesk --page <page> for gpus, queue, history, monitor, models, playground
#   job-detail.png   nemodesk --job ID (the running training job's detail window)
#   submit.png       nemodesk --submit (the Submit dialog)
#
# Needs: xvfb, imagemagick (apt-get install xvfb imagemagick). WAIT_S=<seconds> changes the wait per view (8).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${1:-$repo/build/default}")
out_dir="$repo/docs/screenshots"
wait_s=${WAIT_S:-8}
width=1200
height=780

for tool in Xvfb import; do
  if ! command -v "$tool" > /dev/null; then
    echo "screenshots: '$tool' not found; install it with: sudo apt-get install xvfb imagemagick" >&2
    exit 1
  fi
done

# Build (a no-op when up to date).
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -G Ninja
fi
cmake --build "$build" --target nemodesk nemoctl nemodesk-jobshim nemodesk-gen-model -j"${JOBS:-2}"
nemodesk="$build/bin/nemodesk"
nemoctl="$build/bin/nemoctl"
gen_model=$(find "$build/gpu" -maxdepth 2 -name nemodesk-gen-model -type f | head -1)

home=$(mktemp -d -t nemodesk-shot.XXXXXX)
xvfb_pid=""
app_pid=""
train_id=""
sweep_id=""
stop_app() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2> /dev/null || true; wait "$app_pid" 2> /dev/null || true; fi
  app_pid=""
}
cleanup() {
  stop_app
  # Jobs outlive the daemon by design: end the session's job before the daemon and its home go.
  for id in $train_id $sweep_id; do "$nemoctl" cancel "$id" > /dev/null 2>&1 || true; done
  NEMODESK_HOME="$home/nemodesk" "$nemoctl" stop > /dev/null 2>&1 || true
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2> /dev/null || true; wait "$xvfb_pid" 2> /dev/null || true; fi
  rm -rf "$home"
}
trap cleanup EXIT

# A display nobody uses.
display=99
while [ -e "/tmp/.X${display}-lock" ] || [ -e "/tmp/.X11-unix/X${display}" ]; do
  display=$((display + 1))
done
# The screen is exactly the window's default size, so the window fills it (there is no window manager).
Xvfb ":$display" -screen 0 "${width}x${height}x24" -nolisten tcp -dpi 96 > "$home/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do
  [ -e "/tmp/.X11-unix/X${display}" ] && break
  sleep 0.1
done
[ -e "/tmp/.X11-unix/X${display}" ] || { echo "screenshots: Xvfb did not start:" >&2; cat "$home/xvfb.log" >&2; exit 1; }

export DISPLAY=":$display" NEMODESK_HOME="$home/nemodesk" NEMODESK_FAKE_GPUS=2x24576 QT_QPA_PLATFORM=xcb
export HOME="$home"
unset QT_QPA_PLATFORMTHEME

# The session: a daemon (the GUI would start one too) with a model folder and some queue history.
"$nemoctl" daemon > "$home/daemon.log" 2>&1 &
for _ in $(seq 100); do "$nemoctl" health > /dev/null 2>&1 && break; sleep 0.1; done
mkdir -p "$home/models"
"$gen_model" --arch nemotron_h --type q8_0 --out "$home/models/nemotron-h-demo-q8_0.gguf" > /dev/null
"$nemoctl" models add "$home/models" > /dev/null
"$nemoctl" submit --parsable -J preprocess --tag demo --wrap 'echo tokenised 1200 files' > /dev/null
"$nemoctl" submit --parsable -J eval-broken --tag demo --wrap 'echo missing checkpoint >&2; exit 3' > /dev/null
train_id=$("$nemoctl" submit --parsable -J train -G 2 -t 2:00:00 --wrap 'sleep 600')
sweep_id=$("$nemoctl" submit --parsable -J sweep -G 1 --array=0-3%2 -t 30:00 --wrap 'sleep 600')
"$nemoctl" submit --parsable -J report -H -d "afterok:$train_id" --wrap 'echo done' > /dev/null

shot() {  # NAME [nemodesk ARGS…]
  local name=$1
  shift
  "$nemodesk" "$@" > "$home/nemodesk-$name.log" 2>&1 &
  app_pid=$!
  sleep "$wait_s"
  if ! kill -0 "$app_pid" 2> /dev/null; then
    echo "screenshots: nemodesk exited early:" >&2
    cat "$home/nemodesk-$name.log" >&2
    exit 1
  fi
  mkdir -p "$out_dir"
  import -window root "$out_dir/$name.png"
  stop_app
  echo "screenshots: wrote $out_dir/$name.png"
}

shot welcome # the first start: the welcome screen is shown once
for page in gpus queue history monitor models playground; do
  shot "$page" --page "$page"
done
shot job-detail --page queue --job "$train_id"
shot submit --page queue --submit
