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
# The example daemons the mount tests start are built the same way. Every process
# writes its reports into one fresh directory; any report there fails the run and is
# printed, even if the test that caused it passed.
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

# No suppressions: every report so far was ours to fix (see doc/testing.md).
run_asan() {
	local dir=${ASAN_BUILDDIR:-build-asan}
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false \
			-Dcpp_args=-fno-sanitize-recover=all -Dc_args=-fno-sanitize-recover=all >/dev/null
	fi
	meson compile -C "$dir"
	ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0" \
	UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1" \
	GTEST_FILTER="-$path_api_elsewhere" \
		meson test -C "$dir" --suite unit --suite mount --print-errorlogs || status=1
}

# The transport tests: what runs requests on several threads at once.
readonly tsan_mount_filter='*HelloMount*:*Uring*:*Notify*:*FaultMount*:*Stress*:*LoadMount*:*PosixFile*:*Torture.SignalStorm*:*ReplyLifetime*:*BlockingHandlers*:*AsyncHandlers*:*PassthroughIo*'
run_tsan() {
	local dir=${TSAN_BUILDDIR:-build-tsan}
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Db_sanitize=thread -Db_lundef=false >/dev/null
	fi
	# Only what these tests run (ninja's own output paths: it regenerates its build
	# file first, where meson's target lookup could still see an older one).
	ninja -C "$dir" test/unit/unit_tests test/mount/mount_tests test/mount/load_client test/mount/late_reply_fs test/mount/rendezvous_fs test/mount/async_fs \
		test/mount/passthrough_hl example/hello/hello example/notify/notify example/passthrough/passthrough
	TSAN_OPTIONS="log_path=$reports/tsan" \
		meson test -C "$dir" --no-rebuild --print-errorlogs unit || status=1
	TSAN_OPTIONS="log_path=$reports/tsan" GTEST_FILTER="$tsan_mount_filter-$path_api_elsewhere" \
		meson test -C "$dir" --no-rebuild --print-errorlogs --logbase mountlog mount || status=1
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
