#!/bin/bash
# Sanitizer runs, part of the README's test command:
#   asan  the unit and mount suites built with AddressSanitizer (LeakSanitizer
#         included) + UndefinedBehaviorSanitizer, in build-asan/ (not the compat suite:
#         its C programs are built through pkg-config like a user's, without the
#         sanitizer runtime, which must come first; the C API itself is in the unit
#         tests, and the high-level one in the mount suite's path-API targets, whose
#         passthrough_hl is built in-tree, with the sanitizers)
#   tsan  the unit tests and the mount tests that drive every transport's threads
#         (lifecycle, io_uring, notifications, faults, stress, load, file I/O) built with
#         ThreadSanitizer, in build-tsan/
# The daemons the mount tests start are built the same way; the mount test binary
# itself is the plain tree's (it is only the client: URINGFUSE_PROGRAM_ROOT points it
# at the sanitized daemons), which saves compiling the largest target twice more.
# Every process writes its reports into one fresh directory; any report there fails
# the run and is printed, even if the test that caused it passed.
# Usage: test/sanitize/run.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/../.."
which=${1:-all}
reports=$(mktemp -d /tmp/uringfuse-sanitize.XXXXXX)
status=0

# The path-API targets (PathPassthrough_*, PathTorture) run over every transport in
# the plain build; under the sanitizers over two of them, /dev/fuse with workers and
# io_uring, which between them drive all of the high-level code's threads: the
# other three add transport paths the lowlevel targets already cover, and time.
readonly path_api_elsewhere='*PathPassthrough_dev_single:*PathPassthrough_dev_clone_fd:*PathPassthrough_uring_one_thread:*PathTorture.*/dev_single:*PathTorture.*/dev_clone_fd:*PathTorture.*/uring_one_thread'

# What the mount suite starts, as ninja's own output paths (ninja regenerates its
# build file first, where meson's target lookup could still see an older one).
readonly mount_daemons=(test/mount/late_reply_fs test/mount/rendezvous_fs test/mount/async_fs
	test/mount/passthrough_hl example/hello/hello example/notify/notify example/passthrough/passthrough)

# The plain tree's mount suite over the daemons of sanitizer tree $1, its output and
# JUnit report named after $2 in the plain tree's meson-logs (where run-all.sh counts
# it), filter $3. Not through `meson test`: that puts the plain tree's library first in
# LD_LIBRARY_PATH, and the sanitized daemons would load it instead of their own.
run_mount_tests() {
	local plain=${BUILDDIR:-build} log
	[ -f "$plain/build.ninja" ] || meson setup "$plain" >/dev/null
	ninja -C "$plain" test/mount/mount_tests test/mount/load_client
	mkdir -p "$plain/meson-logs"
	log=$plain/meson-logs/$2-mount.txt
	echo "mount suite over $1's daemons (log: $log)"
	if URINGFUSE_PROGRAM_ROOT=$(realpath "$1") timeout 1800 "$plain/test/mount/mount_tests" \
		--gtest_filter="$3" --gtest_output="xml:$plain/meson-logs/$2-mount.junit.xml" </dev/null >"$log" 2>&1; then
		tail -n 3 "$log"
	else
		grep -B 30 '^\[  FAILED  \]' "$log" | tail -n 200 || tail -n 100 "$log"
		status=1
	fi
}

# No suppressions: every report so far was ours to fix (see doc/testing.md).
run_asan() {
	local dir=${ASAN_BUILDDIR:-build-asan}
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false \
			-Dcpp_args=-fno-sanitize-recover=all -Dc_args=-fno-sanitize-recover=all >/dev/null
	fi
	ninja -C "$dir" test/unit/unit_tests "${mount_daemons[@]}"
	export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
	meson test -C "$dir" --no-rebuild --print-errorlogs unit || status=1
	run_mount_tests "$dir" asan "-$path_api_elsewhere"
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

# The transport tests: what runs requests on several threads at once. Not the one
# whose subject is timing (quick handlers counted against a wall-clock threshold
# pinned again): under TSan's slowdown a handler is rarely quick, and its paths
# (entries going home) are in the torture and moved-entry tests, which check the
# exit counters.
readonly tsan_timing_only='*RingBlockingHandlers.QuickHandlersAfterABlockedBurstRunPinnedAgain*:*RingBlockingHandlers.QuickHandlersPreemptedByTheirClientsKeepTheFastPath*'
readonly tsan_mount_filter='*HelloMount*:*Uring*:*Notify*:*FaultMount*:*Stress*:*LoadMount*:*PosixFile*:*Torture.SignalStorm*:*ReplyLifetime*:*BlockingHandlers*:*AsyncHandlers*:*PassthroughIo*'
run_tsan() {
	local dir=${TSAN_BUILDDIR:-build-tsan}
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Db_sanitize=thread -Db_lundef=false >/dev/null
	fi
	ninja -C "$dir" test/unit/unit_tests "${mount_daemons[@]}"
	export TSAN_OPTIONS="log_path=$reports/tsan"
	meson test -C "$dir" --no-rebuild --print-errorlogs unit || status=1
	run_mount_tests "$dir" tsan "$tsan_mount_filter-$path_api_elsewhere:$tsan_timing_only"
	unset TSAN_OPTIONS
}

case $which in
asan) run_asan ;;
tsan) run_tsan ;;
all) run_asan; run_tsan ;;
*) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac

if compgen -G "$reports/*" >/dev/null; then
	echo "sanitizer reports ($reports):"
	for f in "$reports"/*; do echo "==== $f"; cat "$f"; done
	status=1
else
	rmdir "$reports"
	echo "sanitizers: no reports"
fi
exit $status
