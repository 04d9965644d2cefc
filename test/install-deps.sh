#!/bin/sh
# Installs the Debian packages uringfuse builds, tests and demos with, if missing.
# Shared by example/run-demo.sh, test/run-all.sh and .ci/run. With the argument
# "fuzz", also clang and its libFuzzer/sanitizer runtimes (test/fuzz/run.sh).
set -eu
packages="meson ninja-build pkg-config g++ libgtest-dev libgmock-dev liburing-dev libnuma-dev fuse3"
# Real programs the drop-in tests run on our libfuse3.so.3 (bindfs on our libfuse.so.2;
# test/dropin), mksquashfs for squashfuse's image, and the ssh server and client sshfs
# talks to on 127.0.0.1.
packages="$packages fuse-overlayfs squashfuse squashfs-tools sshfs openssh-server openssh-client bindfs"
# libfuse 2.9's headers, for the FUSE 2 test filesystem built against our libfuse.so.2.
packages="$packages libfuse-dev"
# The build systems test/install/check-build-systems.sh builds a libfuse program with.
packages="$packages autoconf automake"
[ "${1:-}" = fuzz ] && packages="$packages clang libclang-rt-14-dev"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
