#!/bin/bash
# The file-system benchmark: fio and a metadata client against a tmpfs directory, or
# a directory on the machine's disk (native), and the passthrough example mirroring
# it over each uringfuse transport, plus any other FUSE daemon given with --extra.
# Targets take turns within each round.
#
# Usage, as root on Debian 12 (Linux 6.14+ for FUSE-over-io_uring):
#   bench/run.sh [options]
#     --rounds N         rounds; each runs every target once (default 3)
#     --targets "LIST"   targets to run, of: native dev-single dev-workers uring and
#                        the --extra names (default: all)
#     --only "LIST"      workloads, of: seqw seqr rr1 rr2 aio qd1 qd16 stat create
#                        (default: all but qd1 qd16)
#     --source KIND      tmpfs (default): a 4g tmpfs; disk: a directory beside the
#                        scratch files, on whatever holds /tmp (ext4 here), so that
#                        O_DIRECT reads reach the disk
#     --runtime S        seconds per fio job, 1 s ramp included (default 8)
#     --meta-secs S      seconds per metadata workload (default 5)
#     --size SIZE        the fio file (default 1G; the source tmpfs holds 4g)
#     --cpu LIST         CPUs for the clients: fio jobs one CPU each, the metadata
#                        client on the first (default: all, 0-<nproc-1>)
#     --extra NAME='CMD' another daemon to compare with; CMD stays in the foreground,
#                        {src} and {mnt} are substituted. Repeatable. Example:
#       --extra libfuse-uring='/tmp/lfbuild/example/passthrough_hp --foreground --nocache --nopassthrough -o io_uring {src} {mnt}'
#                        (a CMD mentioning io_uring must hold an io_uring to count)
#     --baseline NAME    the chart's 1.0 (default: the first extra, else native)
#     --out DIR          results (default bench/results/<timestamp>)
#     --no-build         use build-bench/ as it is
#
# Installs fio, jq, gnuplot-nox and the build dependencies if missing, builds a
# release tree in build-bench/, mounts everything under a fresh /tmp/uringfuse-bench.*
# and undoes every mount on exit (Ctrl-C included). Writes per (target, round) result
# files, daemon logs, env.txt, summary.md and chart.png to DIR, and copies the summary
# and chart to bench/results/latest/.
#
# The workloads (all O_DIRECT; the daemons run with --nocache so metadata reaches them):
#   seq_write_1m      fio write     bs=1M psync  1 job          MiB/s
#   seq_read_1m       fio read      bs=1M psync  1 job          MiB/s
#   rand_read_4k_j1   fio randread  bs=4k psync  1 job          IOPS, and p50/p99 clat (us)
#   rand_read_4k_j2   fio randread  bs=4k psync  2 jobs         IOPS
#   rand_read_4k_aio  fio randread  bs=4k libaio iodepth=16 2 jobs   IOPS
#   rand_read_4k_qd1  fio randread  bs=4k libaio iodepth=1  1 job    IOPS
#   rand_read_4k_qd16 fio randread  bs=4k libaio iodepth=16 1 job    IOPS
#   meta_stat         fstatat() round-robin over 1000 files, 1 thread   ops/s
#   meta_create       create + close + unlink, 1 thread                 ops/s
set -uo pipefail
source "$(dirname "$0")/lib.sh"

rounds=3 targets="" only="seqw seqr rr1 rr2 aio stat create" runtime=8 meta_secs=5
size=1G cpus="0-$(($(nproc) - 1))" out="" build=1 baseline="" extras=() src_kind=tmpfs
while [ $# -gt 0 ]; do
	opt=$1
	shift
	case $opt in
	--no-build) build=0; continue ;;
	-h | --help) usage "$0"; exit 0 ;;
	--rounds | --targets | --only | --runtime | --meta-secs | --size | --cpu | --extra | \
		--baseline | --out | --source) ;;
	*) die "unknown option '$opt' (try --help)" ;;
	esac
	[ $# -ge 1 ] || die "$opt needs a value (try --help)"
	case $opt in
	--rounds) rounds=$1 ;;
	--targets) targets=$1 ;;
	--only) only=$1 ;;
	--runtime) runtime=$1 ;;
	--meta-secs) meta_secs=$1 ;;
	--size) size=$1 ;;
	--cpu) cpus=$1 ;;
	--extra) extras+=("$1") ;;
	--baseline) baseline=$1 ;;
	--out) out=$1 ;;
	--source) src_kind=$1 ;;
	esac
	shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive integer"
if ! [[ $runtime =~ ^[0-9]+$ ]] || [ "$runtime" -lt 2 ]; then die "--runtime wants whole seconds >= 2"; fi
[[ $meta_secs =~ ^[1-9][0-9]*$ ]] || die "--meta-secs wants whole seconds"
for w in $only; do
	[[ " seqw seqr rr1 rr2 aio qd1 qd16 stat create " == *" $w "* ]] || die "unknown workload '$w'"
done
[[ $src_kind == tmpfs || $src_kind == disk ]] || die "--source wants tmpfs or disk"
[ "$(id -u)" -eq 0 ] || die "run as root (mounting, and FUSE-over-io_uring)"

passthrough=$BUILD_DIR/example/passthrough/passthrough
metabench=$BUILD_DIR/bench/metabench
pt=$(printf '%q' "$passthrough")
define_target native ""
define_target dev-single "$pt -f --nocache -s {src} {mnt}"
# A disk source is read with asynchronous direct I/O at depth: let the kernel send
# more than its default 12 background requests at once (doc/passthrough.md).
ptx=""
[ "$src_kind" = disk ] && ptx=" --max-background=128"
define_target dev-workers "$pt -f --nocache$ptx {src} {mnt}"
define_target uring "$pt -f --nocache$ptx -o io_uring {src} {mnt}" "log:serving over io_uring"
for e in "${extras[@]}"; do define_extra "$e"; done
select_targets "$targets"
pick_baseline "$baseline" native

out=${out:-$REPO_ROOT/bench/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/results" "$out/logs" "$out/fio" || die "cannot create $out"
out=$(cd "$out" && pwd)

install_cleanup_trap
install_deps fio jq gnuplot-nox python3
enable_fuse_uring
[ "$build" = 1 ] && build_release
for exe in "$passthrough" "$metabench"; do [ -x "$exe" ] || die "$exe is missing; build first"; done

write_env "$out/env.txt"
{
	echo "bench: run.sh rounds=$rounds runtime=$runtime meta_secs=$meta_secs size=$size cpus=$cpus"
	for t in "${SELECTED[@]}"; do echo "target $t: ${TEMPLATE[$t]:-(the source itself)}"; done
} >>"$out/env.txt"

make_workdir
src=$WORK/src-root
if [ "$src_kind" = tmpfs ]; then
	mount_tmpfs "$src" 4g
else
	mkdir -p "$src" || die "cannot create $src"
	log "source on the disk: $(stat -f -c %T "$src") ($(df --output=source "$src" | tail -1))"
fi
echo "source: $src_kind ($(stat -f -c %T "$src"))" >>"$out/env.txt"
client_cpu=$(first_cpu "$cpus")

# fio_job NAME TARGET_DIR JSON RW BS ENGINE JOBS DEPTH: one timed fio run.
fio_job() {
	local name=$1 dir=$2 json=$3 rw=$4 bs=$5 engine=$6 jobs=$7 depth=$8
	run_client timeout -k 5 $((runtime + 60)) fio --name="$name" --filename="$dir/bench.dat" \
		--size="$size" --rw="$rw" --bs="$bs" --ioengine="$engine" --iodepth="$depth" \
		--numjobs="$jobs" --direct=1 --time_based --runtime=$((runtime - 1)) --ramp_time=1 \
		--randrepeat=0 --norandommap --group_reporting --output-format=json \
		--cpus_allowed="$cpus" --cpus_allowed_policy=split --output="$json" \
		2>>"$json.err" || return 1
	[ "$(jq '.jobs[0].error' "$json")" = 0 ] || return 1
	# A stall hides in a median of IOPS; name it in the notes when one I/O took > 100 ms.
	jq -r --arg job "$name" '.jobs[0] | [.read.clat_ns.max, .write.clat_ns.max] | max / 1e6
		| select(. > 100) | "# slowest I/O of \($job): \(. | floor) ms"' "$json"
}

# Prints "metric value unit" for each (metric, jq expression, unit) over the fio result.
fio_metrics() {
	local json=$1 value
	shift
	while [ $# -ge 3 ]; do
		value=$(jq -r ".jobs[0] | $2" "$json")
		[[ $value =~ ^[0-9.e+-]+$ ]] || return 1
		printf '%s %s %s\n' "$1" "$value" "$3"
		shift 3
	done
}

# run_workload W DIR TAG: prints the workload's metric lines. Called with its output
# redirected, never in $(...): a subshell would hide the client's PID from cleanup.
run_workload() {
	local w=$1 dir=$2 tag=$3 json=$out/fio/$3.$1.json
	case $w in
	seqw)
		fio_job seq_write_1m "$dir" "$json" write 1M psync 1 1 &&
			fio_metrics "$json" seq_write_1m '.write.bw / 1024' MiB/s ;;
	seqr)
		fio_job seq_read_1m "$dir" "$json" read 1M psync 1 1 &&
			fio_metrics "$json" seq_read_1m '.read.bw / 1024' MiB/s ;;
	rr1)
		fio_job rand_read_4k_j1 "$dir" "$json" randread 4k psync 1 1 &&
			fio_metrics "$json" rand_read_4k_j1 '.read.iops' IOPS \
				rand_read_4k_j1_p50 '.read.clat_ns.percentile["50.000000"] / 1000' us \
				rand_read_4k_j1_p99 '.read.clat_ns.percentile["99.000000"] / 1000' us ;;
	rr2)
		fio_job rand_read_4k_j2 "$dir" "$json" randread 4k psync 2 1 &&
			fio_metrics "$json" rand_read_4k_j2 '.read.iops' IOPS ;;
	aio)
		fio_job rand_read_4k_aio "$dir" "$json" randread 4k libaio 2 16 &&
			fio_metrics "$json" rand_read_4k_aio '.read.iops' IOPS ;;
	qd1 | qd16)
		fio_job "rand_read_4k_$w" "$dir" "$json" randread 4k libaio 1 "${w#qd}" &&
			fio_metrics "$json" "rand_read_4k_$w" '.read.iops' IOPS ;;
	stat | create)
		local args=("$dir" "$meta_secs") value
		[ "$w" = stat ] && args=("$dir" 1000 "$meta_secs")
		run_client timeout -k 5 $((meta_secs + 120)) taskset -c "$client_cpu" \
			"$metabench" "$w" "${args[@]}" >"$out/fio/$tag.$w.txt" 2>&1 || return 1
		value=$(tail -1 "$out/fio/$tag.$w.txt")
		[[ $value =~ ^[0-9]+$ ]] && echo "meta_$w $value ops/s" ;;
	esac
}

# The data file, laid out once (untimed) in the source every target sees.
if [[ " $only " =~ \ (seqw|seqr|rr1|rr2|aio|qd1|qd16)\  ]]; then
	log "laying out $src/bench.dat ($size)"
	run_client timeout -k 5 900 fio --name=layout --filename="$src/bench.dat" --size="$size" \
		--rw=write --bs=1M --direct=1 --ioengine=psync --output-format=terse \
		>/dev/null 2>"$out/logs/layout.err" || die "fio layout failed (see $out/logs/layout.err)"
fi

failures=0
for ((r = 1; r <= rounds; r++)); do
	mapfile -t order < <(rotated $((r - 1)) "${SELECTED[@]}")
	for t in "${order[@]}"; do
		tag=$t.r$r result=$out/results/$t.r$r.txt
		: >"$result"
		log "round $r/$rounds: $t"
		dir=$src pid=""
		if [ "$t" != native ]; then
			dir=$WORK/mnt-$t
			if ! start_target "$t" "$src" "$dir" "$out/logs/$tag.log"; then
				log "  FAILED: $FAILURE"
				echo "# FAILED start: $FAILURE" >>"$result"
				failures=$((failures + 1))
				stop_target "$dir" "$DAEMON_PID"
				continue
			fi
			pid=$DAEMON_PID
		fi
		for w in $only; do
			lines=$out/fio/$tag.$w.lines
			if run_workload "$w" "$dir" "$tag" >"$lines" && [ -s "$lines" ]; then
				cat "$lines" >>"$result"
				log "  $(awk '/^#/ { printf "(%s)  ", substr($0, 3); next }
					{ printf "%s %.6g %s  ", $1, $2, $3 }' "$lines")"
			else
				log "  FAILED: $w (see $out/fio/$tag.$w.*)"
				echo "# FAILED $w" >>"$result"
				failures=$((failures + 1))
			fi
			if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
				log "  FAILED: the daemon died"
				echo "# FAILED the daemon died during $w" >>"$result"
				failures=$((failures + 1))
				break
			fi
		done
		[ -n "$pid" ] && stop_target "$dir" "$pid"
		if [ "$t" = uring ]; then
			# The daemon's exit lines count what each ring carried: proof, on record.
			awk '/uring q[0-9]+ .*requests/ { for (i = 2; i <= NF; i++) if ($i ~ /^requests/) n += $(i - 1) }
				END { print "# ring_requests " n + 0 }' "$out/logs/$tag.log" >>"$result"
		fi
	done
done

log "summary"
python3 "$BENCH_DIR/summarize.py" "$out" --baseline "$BASELINE" --targets "${SELECTED[*]}" ||
	die "summarize.py failed"
"$BENCH_DIR/chart.sh" "$out/chart.tsv" "$out/chart.png" \
	"Medians relative to $BASELINE (higher is better; latencies inverted)" ||
	log "warning: chart.sh failed"
mkdir -p "$REPO_ROOT/bench/results/latest"
cp "$out/summary.md" "$REPO_ROOT/bench/results/latest/"
[ -f "$out/chart.png" ] && cp "$out/chart.png" "$REPO_ROOT/bench/results/latest/"
log "results in $out ($failures failures)"
[ "$failures" -eq 0 ]
