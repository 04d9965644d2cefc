#!/bin/bash
# Builds uringfuse, mirrors a fresh source directory through the bundled passthrough
# filesystem in a temporary directory, shows it working with ordinary commands, and
# unmounts it again.
set -euo pipefail
cd "$(dirname "$0")/.."
test/install-deps.sh
builddir=${BUILDDIR:-build}
[ -d "$builddir" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null

dir=$(mktemp -d /tmp/uringfuse-demo-XXXXXX)
src="$dir/src" mnt="$dir/mnt"
mkdir "$src" "$mnt"
echo "hello from the source directory" >"$src/greeting.txt"
unmount() {
	if grep -q " $mnt fuse" /proc/mounts; then
		timeout 10 umount "$mnt" 2>/dev/null || timeout 10 umount -l "$mnt"
	fi
	rm -rf "$dir"
}
trap unmount EXIT

BASH_XTRACEFD=1  # trace to stdout, in order with the output
set -x
"$builddir/example/passthrough/passthrough" "$src" "$mnt"   # returns once mounted (-f: stay in front)
grep " $mnt " /proc/mounts
timeout 10 ls -la "$mnt"
timeout 10 cat "$mnt/greeting.txt"
timeout 10 sh -c "echo 'written through the mount' > '$mnt/new.txt'"
timeout 10 mkdir "$mnt/subdir"
timeout 10 ln -s greeting.txt "$mnt/link"
ls -la "$src"                       # the changes landed in the source
timeout 10 cat "$mnt/link"
timeout 10 dd if=/dev/zero of="$mnt/big" bs=1M count=64 status=none
timeout 10 stat -c '%n: %s bytes' "$mnt/big"
timeout 10 rm -r "$mnt/big" "$mnt/subdir"
timeout 10 df -h "$mnt"
umount "$mnt"
set +x
if grep -q " $mnt " /proc/mounts; then echo "still mounted!"; exit 1; fi
echo "unmounted $mnt: demo done"
