#!/bin/bash
# Builds uringfuse and runs every test (unit, then real mounts over every
# transport), then prints one closing line: "N passed, N failed, N skipped".
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

# Count individual GoogleTest cases from the JUnit report of this meson run.
python3 - "$builddir" "${FUZZ_BUILDDIR:-build-fuzz}" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in glob.glob(f"{sys.argv[1]}/meson-logs/testlog.junit.xml") + glob.glob(f"{sys.argv[2]}/meson-logs/testlog.junit.xml"):
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
