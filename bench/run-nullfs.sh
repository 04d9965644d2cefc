#!/bin/bash
# The transport benchmark: nullfs (bench/nullfs.cpp, answers from constants) over each
# uringfuse transport, measured by nullbench (one thread, one request at a time), so
# the figures are FUSE round trips with no backing store in them. Targets take turns
# within each round.
#
# Usage, as root on Debian 12 (Linux 6.14+ for FUSE-over-io_uring):
#   bench/run-nullfs.sh [options]
#     --rounds N         rounds; each runs every target once (default 3)
#     --targets "LIST"   of: dev-single dev-workers uring and the --extra names
#     --secs S           seconds per test (default 5)
#     --cpu LIST         the client runs on the first CPU of LIST (default 0)
#     --extra NAME='CMD' another daemon serving the same tree at {mnt} (foreground)
#     --baseline NAME    the chart's 1.0 (default: the first extra, else dev-single)
#     --out DIR          results (default bench/results/<timestamp>)
#     --no-build         use build-bench/ as it is
#
# Metrics, each as ops/s and p50/p99/max latency in us:
#   null_stat      fstat() of an open file: one GETATTR
#   null_lookup    stat() of a path: one LOOKUP and one GETATTR
#   null_read_4k   4 KiB O_DIRECT pread(): one READ
# Writes results_null/, logs, env_null.txt, summary_null.md and chart_null.png to DIR
# and copies the summary and chart to bench/results/latest/.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

rounds=3 targets="" secs=5 cpus=0 out="" build=1 baseline="" extras=()
while [ $# -gt 0 ]; do
	opt=$1
	shift
	case $opt in
	--no-build) build=0; continue ;;
	-h | --help) usage "$0"; exit 0 ;;
	--rounds | --targets | --secs | --cpu | --extra | --baseline | --out) ;;
	*) die "unknown option '$opt' (try --help)" ;;
	esac
	[ $# -ge 1 ] || die "$opt needs a value (try --help)"
	case $opt in
	--rounds) rounds=$1 ;;
	--targets) targets=$1 ;;
	--secs) secs=$1 ;;
	--cpu) cpus=$1 ;;
	--extra) extras+=("$1") ;;
	--baseline) baseline=$1 ;;
	--out) out=$1 ;;
	esac
	shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive integer"
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "--secs wants whole seconds"
[ "$(id -u)" -eq 0 ] || die "run as root (mounting, and FUSE-over-io_uring)"

nullfs=$BUILD_DIR/bench/nullfs
nullbench=$BUILD_DIR/bench/nullbench
fs=$(printf '%q' "$nullfs")
define_target dev-single "$fs -f -s {mnt}"
define_target dev-workers "$fs -f {mnt}"
define_target uring "$fs -f -o io_uring {mnt}" "log:serving over io_uring"
for e in "${extras[@]}"; do define_extra "$e"; done
select_targets "$targets"
pick_baseline "$baseline" dev-single

out=${out:-$REPO_ROOT/bench/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/results_null" "$out/logs" || die "cannot create $out"
out=$(cd "$out" && pwd)

install_cleanup_trap
install_deps gnuplot-nox python3
enable_fuse_uring
[ "$build" = 1 ] && build_release
for exe in "$nullfs" "$nullbench"; do [ -x "$exe" ] || die "$exe is missing; build first"; done

write_env "$out/env_null.txt"
{
	echo "bench: run-nullfs.sh rounds=$rounds secs=$secs client_cpu=$(first_cpu "$cpus")"
	for t in "${SELECTED[@]}"; do echo "target $t: ${TEMPLATE[$t]}"; done
} >>"$out/env_null.txt"

make_workdir
failures=0
for ((r = 1; r <= rounds; r++)); do
	mapfile -t order < <(rotated $((r - 1)) "${SELECTED[@]}")
	for t in "${order[@]}"; do
		tag=null-$t.r$r result=$out/results_null/$t.r$r.txt mnt=$WORK/mnt-$t
		: >"$result"
		log "round $r/$rounds: $t"
		if ! start_target "$t" "$WORK/no-source" "$mnt" "$out/logs/$tag.log"; then
			log "  FAILED: $FAILURE"
			echo "# FAILED start: $FAILURE" >>"$result"
			failures=$((failures + 1))
			stop_target "$mnt" "$DAEMON_PID"
			continue
		fi
		# Three tests of $secs each, plus warm-ups: a minute of slack is plenty.
		if run_client timeout -k 5 $((3 * secs + 60)) taskset -c "$(first_cpu "$cpus")" \
			"$nullbench" "$mnt" "$secs" >"$out/logs/$tag.client" 2>&1; then
			cat "$out/logs/$tag.client" >>"$result"
			log "  $(grep ' ops/s$' "$out/logs/$tag.client" | paste -sd' ')"
		else
			log "  FAILED: nullbench (see $out/logs/$tag.client)"
			echo "# FAILED nullbench: $(tail -1 "$out/logs/$tag.client")" >>"$result"
			failures=$((failures + 1))
		fi
		stop_target "$mnt" "$DAEMON_PID"
	done
done

log "summary"
python3 "$BENCH_DIR/summarize.py" "$out" --results results_null --suffix _null \
	--baseline "$BASELINE" --targets "${SELECTED[*]}" || die "summarize.py failed"
"$BENCH_DIR/chart.sh" "$out/chart_null.tsv" "$out/chart_null.png" \
	"nullfs round trips relative to $BASELINE (higher is better; latencies inverted)" ||
	log "warning: chart.sh failed"
mkdir -p "$REPO_ROOT/bench/results/latest"
cp "$out/summary_null.md" "$REPO_ROOT/bench/results/latest/"
[ -f "$out/chart_null.png" ] && cp "$out/chart_null.png" "$REPO_ROOT/bench/results/latest/"
log "results in $out ($failures failures)"
[ "$failures" -eq 0 ]
