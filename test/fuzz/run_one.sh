#!/bin/bash
# run_one.sh FUZZER SEED_DIR -- one bounded libFuzzer run (FUZZ_SECONDS, default 60)
# from the checked-in seeds. New inputs go to a scratch directory, never the tree;
# a crash, leak, timeout or sanitizer report fails, with the reproducer kept under
# /tmp/uringfuse-fuzz-artifacts/.
set -euo pipefail
fuzzer=$1 seeds=$2
scratch=$(mktemp -d /tmp/uringfuse-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
artifacts=/tmp/uringfuse-fuzz-artifacts/$(basename "$fuzzer")
mkdir -p "$artifacts"
exec "$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch" "$seeds"
