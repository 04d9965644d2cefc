#!/bin/bash
# Do quick handlers stay fast after handlers blocked? Mounts the passthrough with
# every read sleeping 200 us first (--backend-delay, synchronous, as ported code
# blocks; --ring-io=off), then: metabench stat, fio 4 KiB O_DIRECT random reads at
# depth QD for 5 s, metabench stat twice more, and prints the daemon's exit counters.
# At depth 16 over io_uring blocked handlers move their entries to rings of their own
# (doc/io_uring.md); depth 1 moves none and is the control.
#
#   bench/run-after-blocking.sh [QD]            over io_uring (default QD 16)
#   TRANSPORT= bench/run-after-blocking.sh 16   over the /dev/fuse worker pool
#   RING_IO=auto bench/run-after-blocking.sh 16 reads awaited on the ring: the handler
#                                               sleeps, then its read is a coroutine
#
# Needs root, /dev/fuse, fio, jq and a release build in build-bench/ (bench/run.sh
# makes one). The source and the mount live in a fresh mkdtemp directory on /var/tmp.
set -uo pipefail
qd=${1:-16}
repo=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$repo/build-bench}
for exe in "$B/example/passthrough/passthrough" "$B/bench/metabench"; do
	[ -x "$exe" ] || { echo "$exe is missing; build build-bench first" >&2; exit 1; }
done
tmp=$(mktemp -d /var/tmp/uringfuse-after-blocking.XXXXXX)
src=$tmp/src mnt=$tmp/mnt log=$tmp/daemon.log
mkdir -p "$src" "$mnt"
dd if=/dev/urandom of="$src/bench.dat" bs=1M count=256 status=none
# shellcheck disable=SC2086 # TRANSPORT is a list of words, or none
"$B/example/passthrough/passthrough" -f --nocache --backend-delay=200 --ring-io="${RING_IO:-off}" \
	${TRANSPORT--o io_uring} "$src" "$mnt" >"$log" 2>&1 &
pid=$!
stop_daemon() {
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	grep -q " $mnt " /proc/mounts && umount -l "$mnt"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
trap 'stop_daemon; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q " $mnt " /proc/mounts && break; sleep 0.1; done
grep -q " $mnt " /proc/mounts || { cat "$log"; exit 1; }
stats() { timeout 120 taskset -c 0 "$B/bench/metabench" stat "$mnt/s$1" 1000 5 | tail -1; }
mkdir -p "$mnt/s1" "$mnt/s2" "$mnt/s3"
echo "stat before:  $(stats 1) ops/s"
timeout 120 fio --name=rr --filename="$mnt/bench.dat" --size=256M --rw=randread --bs=4k \
	--ioengine=libaio --direct=1 --iodepth="$qd" --runtime=5 --time_based --output-format=json \
	2>"$tmp/fio.err" | jq -r '"reads at depth '"$qd"': \(.jobs[0].read.iops | floor) IOPS"' || cat "$tmp/fio.err"
echo "stat after:   $(stats 2) ops/s"
echo "stat again:   $(stats 3) ops/s"
stop_daemon
grep "uring q" "$log"
