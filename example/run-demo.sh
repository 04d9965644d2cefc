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

# FUSE-over-io_uring is off after every boot; switch it on when we may.
uring=/sys/module/fuse/parameters/enable_uring
if [ -w "$uring" ]; then echo Y >"$uring"; fi

dir=$(mktemp -d /tmp/uringfuse-demo-XXXXXX)
src="$dir/src" mnt="$dir/mnt"
mkdir "$src" "$mnt"
echo "hello from the source directory" >"$src/greeting.txt"
daemon=
unmount() {
	if grep -q " $mnt fuse" /proc/mounts; then
		timeout 10 umount "$mnt" 2>/dev/null || timeout 10 umount -l "$mnt"
	fi
	if [ -n "$daemon" ]; then wait "$daemon" 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap unmount EXIT

BASH_XTRACEFD=1  # trace to stdout, in order with the output
set -x
# -o io_uring: served over FUSE-over-io_uring when the kernel offers it, else /dev/fuse.
"$builddir/example/passthrough/passthrough" -f -o io_uring "$src" "$mnt" 2>"$dir/daemon.log" &
daemon=$!
{ set +x; } 2>/dev/null
for _ in $(seq 100); do grep -q " $mnt " /proc/mounts && break; sleep 0.1; done
for _ in $(seq 50); do grep -q "io_uring" "$dir/daemon.log" && break; sleep 0.1; done
echo "transport: $(grep -E 'serving over io_uring|io_uring unavailable' "$dir/daemon.log" || echo /dev/fuse)"
set -x
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
wait "$daemon"; daemon=
set +x
if grep -q " $mnt " /proc/mounts; then echo "still mounted!"; exit 1; fi
echo "unmounted $mnt: demo done"
