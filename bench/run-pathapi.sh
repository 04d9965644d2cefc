#!/bin/bash
# The path-API benchmark: test/compat/passthrough_hl.c (a passthrough written against
# libfuse's high-level fuse.h: struct fuse_operations and fuse_main) built against
# uringfuse-fuse3 and against an installed libfuse, plus libfuse's own high-level
# example/passthrough, which mirrors the source through libfuse's subdir module; each
# over /dev/fuse (worker pool) and io_uring, beside native, through bench/run.sh:
# stat, create, and 4 KiB O_DIRECT random reads at depth 1 and 16. The same C source
# on both libraries, so those columns compare the libraries.
#
# Usage, as root on Debian 12 (Linux 6.14+ for FUSE-over-io_uring):
#   bench/run-pathapi.sh --libfuse PREFIX [--libfuse-passthrough EXE] [run.sh options]
#     --libfuse PREFIX          an installed libfuse 3.18+ (its lib*/pkgconfig/fuse3.pc);
#                               passthrough_hl.c is compiled against it here
#     --libfuse-passthrough EXE libfuse's example/passthrough from its build tree
#                               (optional: adds lf-passthrough-dev and -uring)
#   Anything else goes to bench/run.sh (--rounds, --runtime, --only, --out, ...).
#
# Targets: native; hl-dev, hl-uring (ours); hl-libfuse-dev, hl-libfuse-uring (the same
# source on libfuse); lf-passthrough-dev, lf-passthrough-uring. Every daemon caches no
# attributes or entries, so metadata reaches it. Writes bench/run.sh's results to the
# --out directory (default bench/results/<timestamp>-pathapi) and copies its summary
# and chart to bench/results/latest/summary_pathapi.md and chart_pathapi.png, leaving
# latest/summary.md and chart.png as they were.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

libfuse="" lf_passthrough="" pass=() out=""
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage "$0"; exit 0 ;;
	--libfuse) libfuse=${2-}; shift 2 || die "--libfuse needs a value" ;;
	--libfuse-passthrough) lf_passthrough=${2-}; shift 2 || die "--libfuse-passthrough needs a value" ;;
	--out) out=${2-}; shift 2 || die "--out needs a value" ;;
	*) pass+=("$1"); shift ;;
	esac
done
[ -n "$libfuse" ] || die "--libfuse PREFIX is required (see --help)"
pc=$(find "$libfuse" -name fuse3.pc -path '*pkgconfig*' 2>/dev/null | head -1)
[ -n "$pc" ] || die "--libfuse $libfuse: no fuse3.pc below it"
[ -z "$lf_passthrough" ] || [ -x "$lf_passthrough" ] || die "--libfuse-passthrough $lf_passthrough: not an executable"
[ "$(id -u)" -eq 0 ] || die "run as root (mounting, and FUSE-over-io_uring)"

install_deps gcc pkg-config
build_release
bins=$(mktemp -d /tmp/uringfuse-pathapi.XXXXXX) || die "cannot make a scratch directory"
trap 'rm -rf "$bins"' EXIT
source_file=$REPO_ROOT/test/compat/passthrough_hl.c
compile_with_pkgconfig "$source_file" "$BUILD_DIR/lib:$BUILD_DIR/meson-uninstalled" uringfuse-fuse3 "$bins/hl-ours" ||
	die "cannot build passthrough_hl.c against uringfuse-fuse3"
compile_with_pkgconfig "$source_file" "$(dirname "$pc")" fuse3 "$bins/hl-libfuse" ||
	die "cannot build passthrough_hl.c against $pc"

no_cache="entry_timeout=0,negative_timeout=0,attr_timeout=0"
hl() { printf '%q -f -o source={src},%s' "$1" "$no_cache"; }
targets="native hl-dev hl-uring hl-libfuse-dev hl-libfuse-uring"
extras=(
	--extra "hl-dev=$(hl "$bins/hl-ours") {mnt}"
	--extra "hl-uring=$(hl "$bins/hl-ours") -o io_uring {mnt}"
	--extra "hl-libfuse-dev=$(hl "$bins/hl-libfuse") {mnt}"
	--extra "hl-libfuse-uring=$(hl "$bins/hl-libfuse") -o io_uring {mnt}"
)
if [ -n "$lf_passthrough" ]; then
	lf=$(printf '%q -f -o modules=subdir,subdir={src}' "$lf_passthrough")
	extras+=(--extra "lf-passthrough-dev=$lf {mnt}" --extra "lf-passthrough-uring=$lf -o io_uring {mnt}")
	targets="$targets lf-passthrough-dev lf-passthrough-uring"
fi

out=${out:-$REPO_ROOT/bench/results/$(date +%Y%m%d-%H%M%S)-pathapi}
latest=$REPO_ROOT/bench/results/latest
saved=$bins/latest
mkdir -p "$saved" "$latest"
for f in summary.md chart.png; do [ -f "$latest/$f" ] && cp "$latest/$f" "$saved/"; done
status=0
"$BENCH_DIR/run.sh" --no-build --only "stat create qd1 qd16" --targets "$targets" \
	--baseline hl-libfuse-uring "${extras[@]}" --out "$out" "${pass[@]}" || status=$?
[ -f "$out/summary.md" ] && cp "$out/summary.md" "$latest/summary_pathapi.md"
[ -f "$out/chart.png" ] && cp "$out/chart.png" "$latest/chart_pathapi.png"
for f in summary.md chart.png; do
	if [ -f "$saved/$f" ]; then cp "$saved/$f" "$latest/"; else rm -f "$latest/$f"; fi
done
exit $status
