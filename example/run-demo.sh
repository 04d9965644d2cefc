#!/bin/bash
# Builds uringfuse, mounts the bundled example in a fresh temporary directory, shows
# it working with ordinary commands, and unmounts it again.
set -euo pipefail
cd "$(dirname "$0")/.."
test/install-deps.sh
builddir=${BUILDDIR:-build}
[ -d "$builddir" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null

dir=$(mktemp -d /tmp/uringfuse-demo-XXXXXX)
mnt="$dir/mnt"
mkdir "$mnt"
unmount() {
	if grep -q " $mnt fuse" /proc/mounts; then
		timeout 10 umount "$mnt" 2>/dev/null || timeout 10 umount -l "$mnt"
	fi
	rmdir "$mnt" "$dir" 2>/dev/null || true
}
trap unmount EXIT

BASH_XTRACEFD=1  # trace to stdout, in order with the output
set -x
"$builddir/example/hello/hello" "$mnt"   # returns once mounted (add -f to stay in front)
grep " $mnt " /proc/mounts
timeout 10 ls -la "$mnt"
timeout 10 cat "$mnt/hello"
timeout 10 stat -c '%n: %F, %s bytes, mode %a' "$mnt/hello"
timeout 10 sh -c "echo x > '$mnt/hello'" || echo "writing is refused, as it should be"
umount "$mnt"
set +x
if grep -q " $mnt " /proc/mounts; then echo "still mounted!"; exit 1; fi
echo "unmounted $mnt: demo done"
