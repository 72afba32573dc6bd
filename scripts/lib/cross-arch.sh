# Sourced by scripts/cross-smoke and scripts/cross-test: what running a
# cross-built eventbed (scripts/cross-build) takes on this machine.
# The caller sets arch (arm64, armhf, or amd64 for the native build/); this
# sets build_dir and run (an array: the command prefix that runs a binary of
# that architecture: qemu-user with the multiarch loader and libraries, and
# the CAF libraries scripts/install-cross-deps unpacked).
# shellcheck shell=bash
case "$arch" in
  arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
  armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm-static ;;
  amd64) triplet="" qemu="" ;;
  *) echo "usage: $0 arm64|armhf|amd64" >&2; exit 2 ;;
esac
if [ -n "$qemu" ]; then
  build_dir="build-$arch"
  caf_libs="${EVENTBED_CROSS_ROOT:-$HOME/.cache/eventbed-cross}/$arch/usr/lib/$triplet"
  run=("$qemu" -L / -E "LD_LIBRARY_PATH=$caf_libs")
else
  build_dir="${EVENTBED_BUILD_DIR:-build}"
  run=()
fi
[ -x "$build_dir/eventbed" ] || { echo "$0: no $build_dir/eventbed: run scripts/cross-build $arch" >&2; exit 1; }
