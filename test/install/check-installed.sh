#!/bin/bash
# Installs the build into a scratch prefix and builds the hello example against it
# using only the installed pkg-config file, headers and library, as a user would.
# Prints "1 passed, 0 failed" or "0 passed, 1 failed" for the test runner.
set -euo pipefail
builddir=$1 srcdir=$2
scratch=$(mktemp -d /tmp/uringfuse-install-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
meson install -C "$builddir" --destdir "$scratch" --no-rebuild >/dev/null
pcdir=$(dirname "$(find "$scratch" -name uringfuse.pc | head -1)")
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$scratch
flags=$(pkg-config --cflags --libs uringfuse)
# The installed C++ API names nothing of the library's internals (issue 13): no
# detail:: types, no private headers.
incdir=$(dirname "$(find "$scratch" -name uringfuse.hpp | head -1)")
if leaks=$(grep -n 'detail::\|namespace detail\|#include "\(core\|transport\|session\|async\|abi\)/' \
    "$incdir"/*.hpp); then
  echo "installed headers name library internals:"; echo "$leaks"; echo "0 passed, 1 failed"; exit 1
fi
c++ -std=c++20 -Wall -Wextra -Werror "$srcdir/example/hello/hello.cpp" $flags -o "$scratch/hello"
libdir=$(dirname "$(find "$scratch" -name liburingfuse.so.0 | head -1)")
out=$(LD_LIBRARY_PATH=$libdir "$scratch/hello" -V)
case "$out" in
*"uringfuse "*) echo "installed build works: $out"; echo "1 passed, 0 failed" ;;
*) echo "unexpected output: $out"; echo "0 passed, 1 failed"; exit 1 ;;
esac
