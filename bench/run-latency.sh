#!/bin/bash
# The slow-backend benchmark: bench/latencyfs.c, a libfuse lowlevel filesystem whose
# reads spend --delay microseconds in their backend, built against uringfuse-fuse3
# and (with --libfuse) against libfuse, served over each transport; fio 4 KiB random
# reads, libaio, O_DIRECT, at several queue depths and job counts. Every target runs
# the same C source, so the columns compare the libraries, not the filesystems.
#
# Usage, as root on Debian 12 (Linux 6.14+ for FUSE-over-io_uring):
#   bench/run-latency.sh [options]
#     --rounds N        rounds; each runs every target once (default 2)
#     --targets "LIST"  of: dev-workers uring await-dev-workers await-uring libfuse-dev
#                       libfuse-uring (default: all available; the libfuse ones need
#                       --libfuse)
#     --modes "LIST"    of: sync async (default: both). sync: the handler sleeps;
#                       async: a backend thread replies after the delay. The await-*
#                       targets run bench/awaitfs.cpp instead, the same filesystem in
#                       C++ whose reads co_await the delay on the request's ring: they
#                       are measured in the async rows only
#     --delay US        backend delay per read (default 200)
#     --depths "LIST"   fio iodepths (default "1 16 64")
#     --jobs "LIST"     fio job counts (default "1 2")
#     --runtime S       seconds per fio run, 1 s ramp included (default 5)
#     --libfuse DIR     a libfuse 3.17+ install prefix (its lib*/pkgconfig/fuse3.pc);
#                       latencyfs is compiled against it into the scratch directory
#     --out DIR         results (default bench/results/<timestamp>)
#     --no-build        use build-bench/ as it is
#
# Writes results_latency/<target>.r<round>.txt (one "MODE_qdN_jJ IOPS IOPS" line
# per fio run, for summarize.py), summary_latency.md (medians, spread, and ratios of
# ours to each libfuse target) and chart_latency.png to DIR, and copies the summary
# and chart to bench/results/latest/. Mounts live under a fresh /tmp/uringfuse-bench.*
# and are undone on any exit.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

rounds=2 targets="" modes="sync async" delay=200 depths="1 16 64" jobs="1 2" runtime=5
libfuse="" out="" build=1
while [ $# -gt 0 ]; do
	opt=$1
	shift
	case $opt in
	--no-build) build=0; continue ;;
	-h | --help) usage "$0"; exit 0 ;;
	--rounds | --targets | --modes | --delay | --depths | --jobs | --runtime | --libfuse | --out) ;;
	*) die "unknown option '$opt' (try --help)" ;;
	esac
	[ $# -ge 1 ] || die "$opt needs a value (try --help)"
	case $opt in
	--rounds) rounds=$1 ;;
	--targets) targets=$1 ;;
	--modes) modes=$1 ;;
	--delay) delay=$1 ;;
	--depths) depths=$1 ;;
	--jobs) jobs=$1 ;;
	--runtime) runtime=$1 ;;
	--libfuse) libfuse=$1 ;;
	--out) out=$1 ;;
	esac
	shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive integer"
[[ $delay =~ ^[0-9]+$ ]] || die "--delay wants whole microseconds"
if ! [[ $runtime =~ ^[0-9]+$ ]] || [ "$runtime" -lt 2 ]; then die "--runtime wants whole seconds >= 2"; fi
for m in $modes; do [[ $m == sync || $m == async ]] || die "unknown mode '$m'"; done
for d in $depths $jobs; do [[ $d =~ ^[1-9][0-9]*$ ]] || die "depths and jobs are positive integers"; done
[ "$(id -u)" -eq 0 ] || die "run as root (mounting, and FUSE-over-io_uring)"

out=${out:-$REPO_ROOT/bench/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/results_latency" "$out/logs" || die "cannot create $out"
out=$(cd "$out" && pwd)

install_cleanup_trap
install_deps fio jq gnuplot-nox python3 gcc pkg-config
enable_fuse_uring
[ "$build" = 1 ] && build_release
make_workdir

ours=$WORK/latencyfs-uringfuse
compile_with_pkgconfig "$BENCH_DIR/latencyfs.c" "$BUILD_DIR/lib:$BUILD_DIR/meson-uninstalled" uringfuse-fuse3 "$ours" ||
	die "cannot build latencyfs against uringfuse-fuse3"
theirs=""
if [ -n "$libfuse" ]; then
	pc=$(find "$libfuse" -name fuse3.pc -path '*pkgconfig*' | head -1)
	[ -n "$pc" ] || die "--libfuse $libfuse: no fuse3.pc below it"
	theirs=$WORK/latencyfs-libfuse
	compile_with_pkgconfig "$BENCH_DIR/latencyfs.c" "$(dirname "$pc")" fuse3 "$theirs" || die "cannot build latencyfs against $pc"
fi

# {opts} is replaced by the mode and delay options of the run.
q_ours=$(printf '%q' "$ours")
define_target dev-workers "$q_ours -f {opts} {mnt}"
define_target uring "$q_ours -f -o io_uring {opts} {mnt}" "log:serving over io_uring"
q_await=$(printf '%q' "$BUILD_DIR/bench/awaitfs")
define_target await-dev-workers "$q_await -f {opts} {mnt}"
define_target await-uring "$q_await -f -o io_uring {opts} {mnt}" "log:serving over io_uring"
if [ -n "$theirs" ]; then
	q_theirs=$(printf '%q' "$theirs")
	define_target libfuse-dev "$q_theirs -f {opts} {mnt}"
	define_target libfuse-uring "$q_theirs -f -o io_uring {opts} {mnt}" ring-fd
fi
select_targets "$targets"
for t in libfuse-dev libfuse-uring; do EXTRA[$t]=1; done  # the ones to beat, for summarize.py

write_env "$out/env_latency.txt"
{
	echo "bench: run-latency.sh rounds=$rounds delay_us=$delay depths='$depths' jobs='$jobs' runtime=$runtime"
	echo "libfuse: ${libfuse:-none} $([ -n "$libfuse" ] && PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --modversion fuse3)"
	for t in "${SELECTED[@]}"; do echo "target $t: ${TEMPLATE[$t]}"; done
} >>"$out/env_latency.txt"

failures=0
for ((r = 1; r <= rounds; r++)); do
	mapfile -t order < <(rotated $((r - 1)) "${SELECTED[@]}")
	for t in "${order[@]}"; do
		result=$out/results_latency/$t.r$r.txt
		: >"$result"
		for mode in $modes; do
			daemon_mode=$mode
			if [[ $t == await-* ]]; then
				[ "$mode" = async ] || continue  # coroutines have no synchronous form
				daemon_mode=await
			fi
			tag=$t.$mode.r$r mnt=$WORK/mnt-$t
			log "round $r/$rounds: $t $mode"
			saved=${TEMPLATE[$t]}
			TEMPLATE[$t]=${saved//\{opts\}/-o mode=$daemon_mode,delay_us=$delay}
			started=1
			start_target "$t" "$WORK/no-source" "$mnt" "$out/logs/$tag.log" || started=0
			TEMPLATE[$t]=$saved
			if [ "$started" = 0 ]; then
				log "  FAILED: $FAILURE"
				echo "# FAILED start: $FAILURE" >>"$result"
				failures=$((failures + 1))
				stop_target "$mnt" "$DAEMON_PID"
				continue
			fi
			for qd in $depths; do
				for j in $jobs; do
					json=$out/logs/$tag.qd$qd.j$j.json
					if run_client timeout -k 5 $((runtime + 60)) fio --name=lat --filename="$mnt/data" \
						--rw=randread --bs=4k --direct=1 --ioengine=libaio --iodepth="$qd" \
						--numjobs="$j" --group_reporting --time_based --runtime="$runtime" \
						--ramp_time=1 --size=1g --output-format=json >"$json" 2>"$json.err"; then
						iops=$(jq '.jobs[0].read.iops | floor' "$json")
						echo "${mode}_qd${qd}_j$j $iops IOPS" >>"$result"
						log "  qd$qd j$j: $iops IOPS"
					else
						log "  FAILED: fio qd$qd j$j (see $json.err)"
						echo "# FAILED fio $mode qd$qd j$j" >>"$result"
						failures=$((failures + 1))
					fi
				done
			done
			stop_target "$mnt" "$DAEMON_PID"
			# The daemon's exit counters (where the rings' requests went) stay in its log.
		done
	done
done

log "summary"
pick_baseline "" dev-workers
python3 "$BENCH_DIR/summarize.py" "$out" --results results_latency --suffix _latency \
	--baseline "$BASELINE" --targets "${SELECTED[*]}" || die "summarize.py failed"
"$BENCH_DIR/chart.sh" "$out/chart_latency.tsv" "$out/chart_latency.png" \
	"4 KiB O_DIRECT reads, ${delay} us backend: IOPS relative to $BASELINE (higher is better)" ||
	log "warning: chart.sh failed"
mkdir -p "$REPO_ROOT/bench/results/latest"
cp "$out/summary_latency.md" "$REPO_ROOT/bench/results/latest/"
[ -f "$out/chart_latency.png" ] && cp "$out/chart_latency.png" "$REPO_ROOT/bench/results/latest/"
log "results in $out ($failures failures)"
[ "$failures" -eq 0 ]
