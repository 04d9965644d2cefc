#!/bin/bash
# Our libfuse3.so.3 must export every name, under the same symbol version, that the
# system's libfuse3.so.3 (Debian's libfuse 3.14, which fuse3 pulls in) exports,
# so that any binary linked against it finds what it asks for: the lowlevel API
# and the high-level one (fuse.h). CUSE's names are not there: they are left out
# below, and must not be exported by accident either.
# Usage: check-abi.sh OUR_LIBFUSE3_SO [SYSTEM_LIBFUSE3_SO]
set -euo pipefail
ours=$1
theirs=${2:-/usr/lib/x86_64-linux-gnu/libfuse3.so.3}
if [ ! -e "$theirs" ]; then
	echo "no system libfuse3.so.3 at $theirs to compare with (apt-get install libfuse3-3)" >&2
	exit 1
fi
# "VERSION name" for each defined, versioned dynamic symbol; (hidden) versions
# such as "(FUSE_3.0)" are kept as they are: a binary may ask for them too.
exports() {
	objdump -T "$1" | awk 'NF >= 2 && $0 !~ /\*UND\*/ && $(NF-1) ~ /FUSE_/ && $NF != $(NF-1) {print $(NF-1), $NF}' | sort -u
}
not_yet='^\(?FUSE_3\.[0-9]+\)? cuse_'
want=$(exports "$theirs" | grep -Ev "$not_yet" || true)
have=$(exports "$ours")
missing=$(comm -23 <(echo "$want") <(echo "$have"))
extra=$(comm -13 <(echo "$want") <(echo "$have"))
status=0
if [ -n "$missing" ]; then
	echo "exported by $theirs but not by $ours:"; echo "$missing"; status=1
fi
if [ -n "$extra" ]; then
	echo "exported by $ours but not by $theirs:"; echo "$extra"; status=1
fi
[ $status = 0 ] && echo "$(echo "$want" | wc -l) versioned names match $theirs"
exit $status
