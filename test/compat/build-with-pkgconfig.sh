#!/bin/bash
# Builds the libfuse-style filesystems in this directory the way an outside project
# would: only the flags pkg-config gives for uringfuse-fuse3, taken from the build
# tree: <builddir>/lib/uringfuse-fuse3.pc (written by lib/meson.build for use
# before installing), else meson's <builddir>/meson-uninstalled variant.
# Usage: build-with-pkgconfig.sh BUILDDIR   (binaries go to BUILDDIR/test/compat/bin)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILDDIR" >&2
	exit 2
fi
builddir=$(cd "$1" && pwd)
srcdir=$(cd "$(dirname "$0")" && pwd)
out="$builddir/test/compat/bin"
cc=${CC:-cc}
cxx=${CXX:-c++}

export PKG_CONFIG_PATH="$builddir/lib:$builddir/meson-uninstalled${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if ! pkg-config --exists --print-errors uringfuse-fuse3; then
	echo "uringfuse-fuse3 not found in $builddir/lib or $builddir/meson-uninstalled" >&2
	exit 1
fi
read -r -a cflags <<<"$(pkg-config --cflags uringfuse-fuse3)"
read -r -a libs <<<"$(pkg-config --libs uringfuse-fuse3)"
# Run from the build tree without installing: let the loader find the library
# where pkg-config says it lives.
rpath=()
for dir in $(pkg-config --libs-only-L uringfuse-fuse3); do
	rpath+=("-Wl,-rpath,${dir#-L}")
done
echo "pkg-config uringfuse-fuse3 $(pkg-config --modversion uringfuse-fuse3) from $(pkg-config --path uringfuse-fuse3):"
echo "  cflags: ${cflags[*]}"
echo "  libs:   ${libs[*]}"

mkdir -p "$out"
run() {
	echo "+ $*"
	"$@"
}
for fs in hello_ll memfs_ll passthrough_ll hello_hl passthrough_hl; do
	run "$cc" -std=c11 -Wall -Wextra -Werror "${cflags[@]}" \
		-o "$out/$fs" "$srcdir/$fs.c" "${libs[@]}" "${rpath[@]}"
done
# GCC 12 reports members left out of a designated initializer under -Wextra,
# although C++20 allows it (and the point of this file is to leave most out).
run "$cxx" -std=c++20 -Wall -Wextra -Werror -Wno-missing-field-initializers "${cflags[@]}" \
	-o "$out/designated_init" "$srcdir/designated_init.cpp" "${libs[@]}" "${rpath[@]}"
echo "built: $(cd "$out" && echo *)"
