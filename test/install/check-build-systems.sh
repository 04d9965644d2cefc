#!/bin/bash
# Installs the build into a scratch prefix and builds a libfuse lowlevel filesystem
# (test/compat/hello_ll.c) against the installed fuse3.pc exactly as outside
# projects do: an autotools project with PKG_CHECK_MODULES([FUSE], [fuse3 >= 3.2.1])
# (fuse-overlayfs's check) and a meson project with dependency('fuse3'). Also: the
# C++ API builds with nothing but `pkg-config --cflags --libs uringfuse`, an older
# -std= stops at our #error, the C flags carry no C++ option, and the
# libfuse3.so.3 drop-in is installed with libfuse's symbol versions.
# Prints "N passed, N failed" for the test runner.
set -euo pipefail
builddir=$(cd "$1" && pwd) srcdir=$(cd "$2" && pwd)
scratch=$(mktemp -d /tmp/uringfuse-buildsys-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
meson install -C "$builddir" --destdir "$scratch/root" --no-rebuild >/dev/null
export PKG_CONFIG_SYSROOT_DIR=$scratch/root
libdir=$(dirname "$(find "$scratch/root" -name liburingfuse.so.0 | head -1)")
export PKG_CONFIG_PATH=$libdir/uringfuse/pkgconfig:$libdir/pkgconfig
passed=0 failed=0
check() {  # check NAME COMMAND...: runs it, its output to NAME.log
	if (cd "$scratch" && "${@:2}") >"$scratch/$1.log" 2>&1; then
		echo "ok: $1"; passed=$((passed + 1))
	else
		# The end of the log says why; CI shows only the first lines of a long output.
		echo "FAILED: $1 (last 40 lines of its log)"; tail -40 "$scratch/$1.log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

# The program must run on our library and say so. ldd's output is taken whole
# before it is searched: `ldd | grep -q` under pipefail fails whenever grep exits
# before ldd has written its last line (SIGPIPE; 14 in 300 runs on a loaded machine).
runs_on_uringfuse() {
	local out libs
	out=$(LD_LIBRARY_PATH=$libdir "$1" -V 2>&1)
	libs=$(LD_LIBRARY_PATH=$libdir ldd "$1")
	echo "$out"; echo "$libs"
	grep -q "uringfuse" <<<"$out" && grep -q "$libdir/liburingfuse.so" <<<"$libs"
}

autotools_project() {
	mkdir autotools && cd autotools
	cp "$srcdir/test/compat/hello_ll.c" .
	cat >configure.ac <<'AC'
AC_INIT([hello_ll], [1.0])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
PKG_CHECK_MODULES([FUSE], [fuse3 >= 3.2.1])
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
	cat >Makefile.am <<'AM'
bin_PROGRAMS = hello_ll
hello_ll_SOURCES = hello_ll.c
hello_ll_CFLAGS = $(FUSE_CFLAGS) -Wall -Werror
hello_ll_LDADD = $(FUSE_LIBS)
AM
	autoreconf -i
	./configure
	make
	runs_on_uringfuse ./hello_ll
}

meson_project() {
	mkdir meson-project && cd meson-project
	cp "$srcdir/test/compat/hello_ll.c" .
	cat >meson.build <<'MESON'
project('hello_ll', 'c')
executable('hello_ll', 'hello_ll.c',
  dependencies : dependency('fuse3', version : '>= 3.2.1'),
  c_args : ['-Werror'])
MESON
	meson setup build
	ninja -C build
	runs_on_uringfuse build/hello_ll
}

# FUSE_MAJOR_VERSION.FUSE_MINOR_VERSION of the installed headers is the Version of
# the .pc files.
api_level_matches() {
	local want got
	want=$(pkg-config --modversion fuse3)
	printf '#define FUSE_USE_VERSION 31\n#include <fuse_lowlevel.h>\n#include <stdio.h>\nint main(void) { printf("%%d.%%d\\n", FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION); return 0; }\n' >level.c
	cc $(pkg-config --cflags fuse3) -Wall -Werror level.c -o level
	got=$(./level)
	echo "headers $got, fuse3.pc $want, uringfuse-fuse3.pc $(pkg-config --modversion uringfuse-fuse3)"
	[ "${want%.*}" = "$got" ] && [ "$(pkg-config --modversion uringfuse-fuse3)" = "$want" ]
}

cxx_api_with_pkgconfig_flags_only() {
	c++ -Wall -Wextra -Werror "$srcdir/example/hello/hello.cpp" $(pkg-config --cflags --libs uringfuse) -o hello
	LD_LIBRARY_PATH=$libdir ./hello -V
}

cxx17_stops_at_our_error() {
	printf '#include <uringfuse/uringfuse.hpp>\nint main() { return 0; }\n' >old.cpp
	if c++ -std=c++17 -I"$(pkg-config --variable=includedir uringfuse)" -c old.cpp -o old.o 2>errors.txt; then
		echo "a C++17 build of the headers succeeded"; return 1
	fi
	head -3 errors.txt
	grep -m1 'error' errors.txt | grep -q "uringfuse needs C++20"
}

c_flags_have_no_cxx_option() {
	echo "uringfuse-fuse3: $(pkg-config --cflags uringfuse-fuse3); fuse3: $(pkg-config --cflags fuse3)"
	! pkg-config --cflags uringfuse-fuse3 fuse3 | grep -q -- '-std='
}

# The drop-in is installed where doc/porting.md says, with libfuse's symbol versions.
installed_dropin() {
	"$srcdir/test/dropin/check-abi.sh" "$libdir/uringfuse/libfuse3.so.3"
}

# And the FUSE 2 drop-in beside it, with libfuse 2's versions.
installed_fuse2_dropin() {
	objdump -T "$libdir/uringfuse/libfuse.so.2" | grep -E 'FUSE_2\.6 +fuse_main_real$' &&
		objdump -T "$libdir/uringfuse/libfuse.so.2" | grep -E 'FUSE_2\.8 +fuse_get_context$'
}

check installed-dropin installed_dropin
check installed-fuse2-dropin installed_fuse2_dropin
check autotools-project autotools_project
check meson-project meson_project
check api-level api_level_matches
check cxx-flags-from-pkgconfig cxx_api_with_pkgconfig_flags_only
check cxx17-error cxx17_stops_at_our_error
check c-flags c_flags_have_no_cxx_option
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
