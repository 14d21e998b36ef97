#!/usr/bin/env bash
# The packages as a user gets them (issue: installable like a real desktop application). Builds the .deb and
# the .tar.gz from a build folder with CPack, then:
#   - checks the .deb's control data (Qt runtime dependencies, CUDA/driver only suggested) and its file list;
#   - installs it with the real dpkg into a throwaway root (dpkg --root), runs the installed binaries
#     (--version, a headless daemon that runs a job through the installed job shim, the CLI against it, the
#     GUI offscreen), validates the desktop entry and the AppStream metadata, then removes the package and
#     checks that the user's data is still there;
#   - unpacks the .tar.gz into a folder of another name and runs the same smoke test there (relocatable).
#
#   tests/installer/package_test.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nemodesk-package.XXXXXX")
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

for tool in cpack dpkg dpkg-deb desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing (tools/quickstart.sh test installs it)"
done
version=$(tr -d '[:space:]' < "$(dirname "$0")/../../VERSION")

step "cpack (DEB, TGZ)"
cpack --config "$build/CPackConfig.cmake" -B "$work/packages" > "$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/packages/nemodesk_"$version"_*.deb 2>/dev/null | head -1)
tgz=$(ls "$work"/packages/nemodesk-"$version"-Linux-*.tar.gz 2>/dev/null | head -1)
[ -f "$deb" ] || fail "no .deb in $work/packages: $(ls "$work/packages")"
[ -f "$tgz" ] || fail "no .tar.gz in $work/packages: $(ls "$work/packages")"
echo "$(basename "$deb") $(du -h "$deb" | cut -f1), $(basename "$tgz") $(du -h "$tgz" | cut -f1)"

step "control data"
[ "$(dpkg-deb -f "$deb" Package)" = nemodesk ] || fail "package name"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version"
depends=$(dpkg-deb -f "$deb" Depends)
for needed in libqt6core6 libqt6gui6 libqt6widgets6 libqt6network6 libqt6charts6 qt6-qpa-plugins libqt6svg6 \
              libsqlite3-0 libpcre2-8-0 libutf8proc2; do
  grep -q "\b$needed\b" <<<"$depends" || fail "Depends lacks $needed: $depends"
done
if grep -Eiq 'cuda|cublas|nvidia' <<<"$depends"; then fail "CUDA/NVIDIA must not be required: $depends"; fi
grep -q libcublas <<<"$(dpkg-deb -f "$deb" Suggests)" || fail "Suggests should name cuBLAS"
# Removing the package must not be able to touch anyone's data: it carries no maintainer scripts.
dpkg-deb --ctrl-tarfile "$deb" | tar t | grep -Eq '(pre|post)(inst|rm)$' && fail "unexpected maintainer scripts"

step "file list"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
expected=(/usr/bin/nemodesk /usr/bin/nemoctl /usr/libexec/nemodesk/nemodesk-jobshim
          /usr/share/applications/org.nemodesk.NemoDesk.desktop
          /usr/share/metainfo/org.nemodesk.NemoDesk.metainfo.xml
          /usr/share/icons/hicolor/scalable/apps/org.nemodesk.NemoDesk.svg
          /usr/lib/systemd/user/nemodesk-daemon.service /usr/share/doc/nemodesk/README.md)
for size in 16 24 32 48 64 128 256 512; do
  expected+=("/usr/share/icons/hicolor/${size}x${size}/apps/org.nemodesk.NemoDesk.png")
done
# Man pages come with help2man (tools/quickstart.sh installs it); a build without it has none.
if [ -f "$build/installer/man/nemoctl.1.gz" ]; then
  expected+=(/usr/share/man/man1/nemoctl.1.gz /usr/share/man/man1/nemodesk.1.gz)
fi
for f in "${expected[@]}"; do grep -qx "$f" <<<"$files" || fail "the .deb lacks $f"; done
outside=$(grep -v '^/usr/' <<<"$files" | grep -v '^/$' || true)
[ -z "$outside" ] || fail "files outside /usr: $outside"

# Starts the daemon of an installed tree with its own home, runs a job through it and stops it.
smoke() {
  local prefix=$1 home=$2 label=$3
  "$prefix/bin/nemoctl" --version | grep -qx "nemoctl $version" || fail "$label: nemoctl --version"
  "$prefix/bin/nemodesk" --version | grep -qx "nemodesk $version" || fail "$label: nemodesk --version"
  mkdir -p "$home"
  NEMODESK_HOME=$home NEMODESK_FAKE_GPUS=1x8192 "$prefix/bin/nemoctl" daemon > "$home/daemon.out" 2>&1 &
  daemon_pid=$!
  local up=""
  for _ in $(seq 100); do
    if NEMODESK_HOME=$home "$prefix/bin/nemoctl" health > /dev/null 2>&1; then up=1; break; fi
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.2
  done
  [ -n "$up" ] || { cat "$home/daemon.out" >&2; fail "$label: the installed daemon did not answer"; }
  NEMODESK_HOME=$home "$prefix/bin/nemoctl" gpus | grep -q synthetic || fail "$label: nemoctl gpus"
  local id
  id=$(NEMODESK_HOME=$home "$prefix/bin/nemoctl" submit --parsable -J smoke --wrap "echo packaged-$label")
  NEMODESK_HOME=$home "$prefix/bin/nemoctl" wait --timeout 60 "$id" > /dev/null \
    || fail "$label: job $id did not succeed: $(NEMODESK_HOME=$home "$prefix/bin/nemoctl" show "$id")"
  NEMODESK_HOME=$home "$prefix/bin/nemoctl" logs "$id" | grep -qx "packaged-$label" || fail "$label: job output"
  # The GUI starts (platform plugins, icons, fonts) and keeps running until it is stopped.
  local rc=0
  HOME=$home XDG_CONFIG_HOME=$home/.config NEMODESK_HOME=$home QT_QPA_PLATFORM=offscreen timeout 5 "$prefix/bin/nemodesk" > "$home/gui.out" 2>&1 || rc=$?
  [ "$rc" = 124 ] || { cat "$home/gui.out" >&2; fail "$label: nemodesk exited with $rc instead of running"; }
  NEMODESK_HOME=$home "$prefix/bin/nemoctl" stop > /dev/null || fail "$label: nemoctl stop"
  wait "$daemon_pid" || fail "$label: the daemon exited with $?"
  daemon_pid=""
  echo "$label: versions, daemon, job $id through the job shim, GUI offscreen: ok"
}

step "dpkg --root install"
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg_root=(dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless --log=/dev/null)
"${dpkg_root[@]}" -i "$deb" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i"; }
"${dpkg_root[@]}" -s nemodesk | grep -q "Status: install ok installed" || fail "dpkg does not list it as installed"
smoke "$root/usr" "$work/home-deb" deb
desktop-file-validate "$root/usr/share/applications/org.nemodesk.NemoDesk.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$root/usr/share/metainfo/org.nemodesk.NemoDesk.metainfo.xml" \
  || fail "appstreamcli validate"
unit=$root/usr/lib/systemd/user/nemodesk-daemon.service
grep -qx 'ExecStart=/usr/bin/nemoctl daemon' "$unit" || fail "the unit's ExecStart: $(grep ExecStart "$unit")"
grep -qx 'KillMode=process' "$unit" || fail "the unit would kill running jobs when it stops"

step "dpkg --root remove, purge"
db=$work/home-deb/data/nemodesk.db
[ -f "$db" ] || db=$(find "$work/home-deb" -name nemodesk.db | head -1)
[ -f "$db" ] || fail "no database in the smoke run's home"
before=$(sha256sum "$db" | cut -d' ' -f1)
"${dpkg_root[@]}" --purge nemodesk > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg --purge"; }
[ ! -e "$root/usr/bin/nemoctl" ] || fail "nemoctl is still there after removal"
[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ] || fail "removal changed the user's database"

step "relocatable .tar.gz"
mkdir -p "$work/unpacked"
tar -xzf "$tgz" -C "$work/unpacked"
top=$(ls "$work/unpacked")
[ "$(echo "$top" | wc -l)" = 1 ] || fail "the archive should hold one folder, not: $top"
mv "$work/unpacked/$top" "$work/unpacked/moved-elsewhere"
[ ! -e "$work/unpacked/moved-elsewhere/lib/systemd" ] || fail "the archive carries a systemd unit with a fixed path"
smoke "$work/unpacked/moved-elsewhere" "$work/home-tgz" tgz

echo "PASS: $(basename "$deb") and $(basename "$tgz")"
