#!/usr/bin/env bash
# NemoDesk quick start on Debian 12 / Ubuntu: installs what is missing, builds, then either starts the
# application or runs every test.
#
#   tools/quickstart.sh app     build and start the GUI (it starts the daemon itself)
#   tools/quickstart.sh test    build and run every test (what CI runs)
#
# Idempotent: packages already installed are not touched; a second run only rebuilds what changed.
# Uses sudo for apt-get when not run as root. NEMODESK_BUILD_DIR overrides the build folder.
set -euo pipefail

mode=${1:-}
case "$mode" in
  app|test) ;;
  *) echo "usage: $0 app|test" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# --- 1. Debian packages ------------------------------------------------------------------------------
# libqt6opengl6-dev: Qt6Charts' CMake package requires Qt6OpenGL, which qt6-charts-dev does not pull in
# without recommended packages. dpkg-dev (dpkg-shlibdeps), desktop-file-utils and appstream: the packages
# (`--target package`) and their test, which validates the desktop entry and the AppStream metadata;
# help2man writes the man pages from the programs' --help. dbus: the notification test's private bus.
packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev libgl-dev libqt6opengl6-dev
  libsqlite3-dev libgtest-dev libgmock-dev
  clang-format xvfb xauth fonts-dejavu-core
  libpcre2-dev libutf8proc-dev nlohmann-json3-dev
  python3 python3-jinja2 python3-numpy
  dpkg-dev desktop-file-utils appstream help2man dbus
)
# Node.js and npm run the reference implementations the engine is tested against (tools/reference); a
# machine that already has a Node.js (e.g. from NodeSource, which bundles npm) keeps it.
if ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "quickstart: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- 2. Reference implementations (tests only: tokenizer and chat-template conformance) --------------
if [ "$mode" = test ]; then
  tools/reference/setup.sh
  # The conformance tests skip without the references when run by hand; here they must run.
  export NEMODESK_REQUIRE_REFERENCE=1
fi

# --- 3. Build ----------------------------------------------------------------------------------------
jobs=$(nproc 2>/dev/null || echo 2)
build_dir=${NEMODESK_BUILD_DIR:-build/default}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake --preset default -B "$build_dir"
fi
cmake --build "$build_dir" -j "$jobs"

# --- 4. Run ------------------------------------------------------------------------------------------
if [ "$mode" = app ]; then
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "quickstart: no display (DISPLAY/WAYLAND_DISPLAY unset); starting under Xvfb is possible with:" >&2
    echo "  xvfb-run -s '-screen 0 1280x800x24' $build_dir/bin/nemodesk" >&2
    exit 1
  fi
  exec "$build_dir/bin/nemodesk"
fi

status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 300 || status=$?

# The other shapes the project promises to build in: headless (no Qt Widgets: it configures, and
# check_layers proves that nothing it builds includes widgets; its sources, the daemon, nemoctl and the job
# shim, are the default build's, compiled and tested above), gpu-only (what
# tools/gpu-check.sh carries to a GPU machine: no Qt at all; it builds what that script runs, target
# nd_gpu_check, and runs its gpu-labelled tests, which skip without a GPU), and asan (every test again under
# AddressSanitizer + UndefinedBehaviorSanitizer, leaks included, except the conformance suites: they
# compare the same code with the reference implementations over large corpora, already done above, and
# would double the sanitizer run; the engine's parsers get sanitizer coverage from their unit tests and
# fuzz targets).
for entry in headless:none gpu-only:gpu asan:all-but-conformance; do
  preset=${entry%%:*}
  labels=${entry#*:}
  echo "quickstart: building and testing the $preset preset"
  if [ ! -f "build/$preset/CMakeCache.txt" ]; then
    cmake --preset "$preset" > /dev/null || { status=1; continue; }
  fi
  if [ "$labels" = none ]; then
    # Configuring proves the CMake logic holds without Qt Widgets, check_layers that nothing headless
    # includes them; the sources are the default build's, already compiled and tested above.
    cmake --build "build/$preset" -j "$jobs" --target check_layers || status=1
    continue
  fi
  if [ "$labels" = gpu ]; then
    # The executables gpu-check.sh runs (ctest would also list the unit tests this build skipped).
    cmake --build "build/$preset" -j "$jobs" --target nd_gpu_check || { status=1; continue; }
    while IFS= read -r rel; do
      if [ -n "$rel" ]; then "build/$preset/$rel" || status=1; fi
    done <"build/$preset/gpu-tests.txt"
    continue
  fi
  cmake --build "build/$preset" -j "$jobs" || { status=1; continue; }
  label_args=()
  case $labels in
    all) ;;
    all-but-conformance) label_args=(-LE conformance) ;;
    *) label_args=(-L "$labels") ;;
  esac
  ctest --test-dir "build/$preset" --output-on-failure -j "$jobs" --timeout 300 "${label_args[@]}" || status=1
done

exit $status
