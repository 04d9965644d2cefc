#!/bin/bash
# Builds the libFuzzer targets with clang under AddressSanitizer+UBSan (any report
# aborts) in build-fuzz/, and runs each for FUZZ_SECONDS (default 60) from the seed
# corpus, as meson's 'fuzz' suite. A longer hunt: FUZZ_SECONDS=3600 test/fuzz/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${FUZZ_BUILDDIR:-build-fuzz}
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang CXX=clang++ meson setup "$dir" -Dfuzz=true -Dtests=false -Dexamples=false \
		-Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fno-sanitize-recover=all >/dev/null
fi
meson compile -C "$dir"
meson test -C "$dir" --suite fuzz --print-errorlogs
