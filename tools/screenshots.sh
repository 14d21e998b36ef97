#!/usr/bin/env bash
# Regenerates docs/screenshot-main.png: the main window with two synthetic GPUs, on a virtual X server.
#
#   tools/screenshot.sh [BUILD_DIR]     (default: build/default; configured and built when needed)
#
# Starts Xvfb on a free display, runs bin/nemodesk in a temporary NEMODESK_HOME with
# NEMODESK_FAKE_GPUS=2x24576 (nemodesk starts its own daemon there), waits for live data, captures the
# screen with ImageMagick's `import`, then stops nemodesk, the daemon and Xvfb and removes the home.
# Needs: xvfb, imagemagick (apt-get install xvfb imagemagick). WAIT_S=<seconds> changes the wait (8).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${1:-$repo/build/default}")
out="$repo/docs/screenshot-main.png"
wait_s=${WAIT_S:-8}
width=1200
height=780

for tool in Xvfb import; do
  if ! command -v "$tool" > /dev/null; then
    echo "screenshot: '$tool' not found; install it with: sudo apt-get install xvfb imagemagick" >&2
    exit 1
  fi
done

# Build (a no-op when up to date).
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -G Ninja
fi
cmake --build "$build" --target nemodesk nemoctl -j"${JOBS:-2}"
nemodesk="$build/bin/nemodesk"
nemoctl="$build/bin/nemoctl"

home=$(mktemp -d -t nemodesk-shot.XXXXXX)
xvfb_pid=""
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2> /dev/null || true; wait "$app_pid" 2> /dev/null || true; fi
  NEMODESK_HOME="$home" "$nemoctl" stop > /dev/null 2>&1 || true
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
[ -e "/tmp/.X11-unix/X${display}" ] || { echo "screenshot: Xvfb did not start:" >&2; cat "$home/xvfb.log" >&2; exit 1; }

export DISPLAY=":$display" NEMODESK_HOME="$home" NEMODESK_FAKE_GPUS=2x24576 QT_QPA_PLATFORM=xcb
unset QT_QPA_PLATFORMTHEME
"$nemodesk" > "$home/nemodesk.log" 2>&1 &
app_pid=$!
sleep "$wait_s"
if ! kill -0 "$app_pid" 2> /dev/null; then
  echo "screenshot: nemodesk exited early:" >&2
  cat "$home/nemodesk.log" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
import -window root "$out"
echo "screenshot: wrote $out"
