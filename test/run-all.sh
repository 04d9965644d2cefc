#!/bin/bash
# Builds uringfuse and runs every test (unit, then real mounts over every
# transport, fuzzing, and the sanitizer builds), then prints one closing line: "N passed, N failed, N skipped".
# Needs root and /dev/fuse for the mount tests; under CI their absence fails.
set -euo pipefail
cd "$(dirname "$0")/.."
test/install-deps.sh fuzz

# FUSE-over-io_uring is off after every boot; the io_uring mount tests need it on.
if [ -w /sys/module/fuse/parameters/enable_uring ]; then
	echo Y >/sys/module/fuse/parameters/enable_uring
fi

builddir=${BUILDDIR:-build}
[ -d "$builddir" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir"
status=0
meson test -C "$builddir" --print-errorlogs || status=$?
# Fuzzing: the request decoder and dispatch, INIT, and the command line, each for a
# bounded minute under ASan+UBSan (test/fuzz/run.sh; FUZZ_SECONDS=3600 for a hunt).
FUZZ_BUILDDIR=${FUZZ_BUILDDIR:-build-fuzz} test/fuzz/run.sh || status=$?
# The unit and mount suites again under ASan+UBSan (LeakSanitizer included),
# and the transport tests under TSan; any report fails (test/sanitize/run.sh).
test/sanitize/run.sh all || status=$?

# Count individual GoogleTest cases from the JUnit report of this meson run.
# Each build directory's runs count: plain, fuzz, ASan, TSan.
python3 - "$builddir" "${FUZZ_BUILDDIR:-build-fuzz}" "${ASAN_BUILDDIR:-build-asan}" "${TSAN_BUILDDIR:-build-tsan}" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in [p for d in sys.argv[1:] for p in sorted(glob.glob(f"{d}/meson-logs/*.junit.xml"))]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        continue
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "skipped":
            skipped += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
