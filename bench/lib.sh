# shellcheck shell=bash
# Shared by bench/run.sh and bench/run-nullfs.sh (sourced, not run): dependencies,
# the release build, the scratch directory, starting and stopping daemons, and the
# cleanup that undoes every mount on any exit, Ctrl-C included.
#
# Rules the helpers keep: every mountpoint is an absolute path inside a fresh
# mktemp -d directory; every command touching a mount runs under `timeout`; only
# PIDs started here are ever signalled.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=$REPO_ROOT/build-bench

WORK=""           # the scratch directory (mktemp -d)
MOUNTS=()         # mountpoints we mount, in mount order; unmounted in reverse
DAEMONS=()        # PIDs of filesystem daemons we started
CLIENT=""         # PID of the benchmark client running now (a `timeout` process)
FUSECTL_MOUNTED=""  # set when we had to mount fusectl to abort a connection

# Prints the comment block at the top of script $1 (its usage).
usage() { sed -n '2,/^[^#]/{/^[^#]/d;s/^# \{0,1\}//;p}' "$1"; }

# To the script's stderr as it was at start, even from a trap that fires while a
# client's stderr is redirected to a file.
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&"${LOG_FD:-2}"; }
die() {
	log "error: $*"
	exit 1
}

# Installs the Debian packages named (if missing) plus the repo's build dependencies.
install_deps() {
	"$REPO_ROOT/test/install-deps.sh" || die "test/install-deps.sh failed"
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing:$missing"
	apt-get update -qq || die "apt-get update failed"
	# shellcheck disable=SC2086  # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
		die "apt-get install$missing failed"
}

# FUSE-over-io_uring is off after every boot; the uring target needs it on.
enable_fuse_uring() {
	local knob=/sys/module/fuse/parameters/enable_uring
	[ -e "$knob" ] || modprobe fuse 2>/dev/null || true
	if [ -w "$knob" ]; then
		echo Y >"$knob"
	else
		log "warning: $knob is not writable; io_uring targets will fail"
	fi
}

# A release tree of its own, so the numbers never come from a debug build.
build_release() {
	if [ ! -f "$BUILD_DIR/build.ninja" ]; then
		meson setup "$BUILD_DIR" "$REPO_ROOT" --buildtype=release -Dtests=false >/dev/null ||
			die "meson setup $BUILD_DIR failed"
	fi
	meson compile -C "$BUILD_DIR" >/dev/null || die "meson compile -C $BUILD_DIR failed"
}

# The first CPU of a taskset-style list ("2-3,6" -> 2): where a one-thread client runs.
# compile_with_pkgconfig SOURCE PKG_CONFIG_PATH PKG EXE: a C file built as an outside
# project would, with pkg-config's flags only, and an rpath to the library's directory.
compile_with_pkgconfig() {
	local source=$1 pcdir=$2 pkg=$3 exe=$4 cflags libs rpath=() d
	cflags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags "$pkg") || return 1
	libs=$(PKG_CONFIG_PATH=$pcdir pkg-config --libs "$pkg") || return 1
	for d in $(PKG_CONFIG_PATH=$pcdir pkg-config --libs-only-L "$pkg"); do rpath+=("-Wl,-rpath,${d#-L}"); done
	# shellcheck disable=SC2086  # pkg-config's words
	gcc -O2 -Wall -o "$exe" "$source" $cflags $libs "${rpath[@]}" -lpthread
}

first_cpu() { local list=$1; echo "${list%%[-,]*}"; }

# Facts that decide how comparable two result sets are, as "key: value" lines.
write_env() {
	local out=$1
	{
		echo "date: $(date -Is)"
		echo "kernel: $(uname -r)"
		echo "nproc: $(nproc)"
		echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
		echo "enable_uring: $(cat /sys/module/fuse/parameters/enable_uring 2>/dev/null || echo n/a)"
		echo "haltpoll_cmdline: $(grep -o '[^ ]*haltpoll[^ ]*' /proc/cmdline | tr '\n' ' ')"
		echo "haltpoll_sysfs: $(for f in /sys/module/haltpoll/parameters/*; do
			[ -r "$f" ] && printf '%s=%s ' "${f##*/}" "$(cat "$f")"
		done)"
		echo "cpuidle_driver: $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo n/a)"
		echo "governor: $(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || echo n/a)"
		# --no-optional-locks: status must not take the index lock from someone committing.
		echo "commit: $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo n/a)$(
			[ -n "$(git -C "$REPO_ROOT" --no-optional-locks status --porcelain -- lib include example \
				2>/dev/null)" ] &&
				echo " (with uncommitted changes in lib/include/example)")"
		echo "fio: $(fio --version 2>/dev/null || echo n/a)"
	} >"$out"
}

# ---- the scratch directory and its mounts ----------------------------------------

make_workdir() {
	WORK=$(mktemp -d /tmp/uringfuse-bench.XXXXXX) || die "mktemp failed"
	# Canonical, because mountpoints are matched against the kernel's mount table.
	WORK=$(realpath "$WORK")
}

# "MAJ:MIN FSTYPE" of the topmost mount at $1, read from the kernel's mount table.
# Nothing here (nor umount -c below) may stat the mountpoint: that hangs on a stuck
# daemon. (Mountpoints are our own mktemp paths: no spaces to unescape.)
# shellcheck disable=SC2016  # awk's own $fields
mount_info() {
	timeout 5 awk -v mnt="$1" '$5 == mnt { for (i = 7; $i != "-"; i++) ; info = $3 " " $(i + 1) }
		END { if (info == "") exit 1; print info }' /proc/self/mountinfo
}
is_mounted() { mount_info "$1" >/dev/null; }
fstype_of() {
	local info
	info=$(mount_info "$1") && echo "${info#* }"
}

mount_tmpfs() {
	local mnt=$1 size=$2
	mkdir -p "$mnt"
	MOUNTS+=("$mnt")
	timeout 10 mount -t tmpfs -o "size=$size" uringfuse-bench "$mnt" || die "cannot mount tmpfs at $mnt"
}

# Cuts a FUSE connection, so requests waiting on a stuck daemon fail and the mount
# can go. The connection's directory is named after the mount's device minor.
abort_fuse_connection() {
	local mnt=$1 majmin
	majmin=$(mount_info "$mnt") || return 1
	majmin=${majmin%% *}
	if [ -z "$(ls -A /sys/fs/fuse/connections 2>/dev/null)" ] &&
		! is_mounted /sys/fs/fuse/connections; then
		timeout 10 mount -t fusectl fusectl /sys/fs/fuse/connections && FUSECTL_MOUNTED=1
	fi
	local abort=/sys/fs/fuse/connections/${majmin#*:}/abort
	[ -w "$abort" ] || return 1
	log "aborting the FUSE connection of $mnt"
	echo 1 >"$abort"
}

# Unmounts however it takes: plainly, then (FUSE) after aborting the connection,
# then lazily. Loops in case something was mounted twice on the same place.
unmount_all_at() {
	local mnt=$1 _
	for _ in 1 2 3; do
		is_mounted "$mnt" || return 0
		timeout 10 umount -c "$mnt" 2>/dev/null && continue
		if [[ $(fstype_of "$mnt") == fuse* ]]; then
			abort_fuse_connection "$mnt"
			timeout 10 umount -c "$mnt" 2>/dev/null && continue
		fi
		timeout 10 umount -c -l "$mnt" || log "warning: cannot unmount $mnt"
	done
	! is_mounted "$mnt"
}

# Waits up to $2 seconds for PID $1 to exit.
wait_exit() {
	local pid=$1 i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	! kill -0 "$pid" 2>/dev/null
}

# Ends one of our processes: it should be gone already (unmounted daemon, finished
# client); otherwise TERM, then KILL.
end_process() {
	local pid=$1 grace=${2:-10}
	wait_exit "$pid" "$grace" || { kill -TERM "$pid" 2>/dev/null; wait_exit "$pid" 3; } ||
		{ kill -KILL "$pid" 2>/dev/null; wait_exit "$pid" 3; }
	wait "$pid" 2>/dev/null  # reap it (our child); its status is not ours to report
	return 0
}

cleanup() {
	local status=$? i
	trap - EXIT INT TERM
	if [ -n "$CLIENT" ]; then
		kill -TERM "$CLIENT" 2>/dev/null
		# A client stuck in a dead daemon's request only exits once the mount is cut.
		wait_exit "$CLIENT" 5
	fi
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do unmount_all_at "${MOUNTS[i]}"; done
	[ -n "$CLIENT" ] && end_process "$CLIENT" 3
	for i in "${DAEMONS[@]}"; do end_process "$i" 3; done
	if [ -n "$FUSECTL_MOUNTED" ]; then timeout 10 umount /sys/fs/fuse/connections; fi
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		# shellcheck disable=SC2016  # awk's own $fields
		if timeout 5 awk -v work="$WORK/" 'index($5, work) == 1 { found = 1 } END { exit !found }' \
			/proc/self/mountinfo; then
			log "warning: something is still mounted under $WORK; leaving it"
		else
			rm -rf --one-file-system "$WORK"
		fi
	fi
	exit "$status"
}

install_cleanup_trap() {
	exec {LOG_FD}>&2
	trap cleanup EXIT
	trap 'log "interrupted"; exit 130' INT
	trap 'log "terminated"; exit 143' TERM
}

# Runs a client command (already wrapped in `timeout`) in the background and waits,
# so Ctrl-C reaches the trap at once instead of after the command ends.
run_client() {
	"$@" &
	CLIENT=$!
	local status=0
	wait "$CLIENT" || status=$?
	CLIENT=""
	return "$status"
}

# ---- targets ---------------------------------------------------------------------
# A target is a name with a command template; {src} and {mnt} are substituted
# (shell-quoted) and the result runs in the foreground of its own process.

declare -A TEMPLATE=()  # name -> command template ("" for native)
declare -A CHECK=()     # name -> how to prove the transport: "log:REGEX" or "ring-fd"
declare -A EXTRA=()     # names given with --extra
TARGET_NAMES=()         # every known target, in the order they were defined

define_target() {
	local name=$1 template=$2 check=${3-}
	[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad target name '$name'"
	[ -n "${TEMPLATE[$name]+set}" ] || TARGET_NAMES+=("$name")
	TEMPLATE[$name]=$template
	CHECK[$name]=$check
}

# --extra NAME='template': an io_uring extra must show it really holds a ring.
define_extra() {
	local spec=$1
	[[ $spec == *=* ]] || die "--extra wants NAME='command template', got '$spec'"
	local name=${spec%%=*} template=${spec#*=}
	[[ $template == *"{mnt}"* ]] || die "--extra $name: the template has no {mnt}"
	local check=""
	[[ $template == *io_uring* ]] && check=ring-fd
	define_target "$name" "$template" "$check"
	EXTRA[$name]=1
}

# Picks the targets to run: all defined ones, or the given subset (in the given order).
select_targets() {
	local wanted=$1 name
	SELECTED=()
	if [ -z "$wanted" ]; then
		SELECTED=("${TARGET_NAMES[@]}")
		return
	fi
	for name in $wanted; do
		[ -n "${TEMPLATE[$name]+set}" ] || die "unknown target '$name' (known: ${TARGET_NAMES[*]})"
		SELECTED+=("$name")
	done
}

holds_io_uring() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[io_uring]" ] && return 0
	done
	return 1
}

# The chart's 1.0: the given target, else the first selected extra (the thing to beat),
# else $2 if selected, else the first selected target.
pick_baseline() {
	local given=$1 fallback=$2 t
	BASELINE=""
	for t in "${SELECTED[@]}"; do
		if [ -n "$given" ]; then
			[ "$t" = "$given" ] && BASELINE=$t
		elif [ -z "$BASELINE" ] && [ -n "${EXTRA[$t]+set}" ]; then
			BASELINE=$t
		fi
	done
	[ -n "$given" ] && [ -z "$BASELINE" ] && die "--baseline $given is not among the targets run"
	if [ -z "$BASELINE" ]; then
		BASELINE=${SELECTED[0]}
		for t in "${SELECTED[@]}"; do [ "$t" = "$fallback" ] && BASELINE=$t; done
	fi
	return 0
}

DAEMON_PID=""  # set by start_target
FAILURE=""     # why start_target failed

# Starts target $1's daemon on $3 (source $2), logging to $4, and waits until the
# mount is really there and serves the way the target says; else sets FAILURE.
# shellcheck disable=SC2034  # FAILURE is the runners' to read
start_target() {
	local name=$1 src=$2 mnt=$3 logfile=$4 cmd
	cmd=${TEMPLATE[$name]//\{src\}/$(printf '%q' "$src")}
	cmd=${cmd//\{mnt\}/$(printf '%q' "$mnt")}
	mkdir -p "$mnt"
	echo "+ $cmd" >"$logfile"
	MOUNTS+=("$mnt")
	bash -c "exec $cmd" >>"$logfile" 2>&1 </dev/null &
	DAEMON_PID=$!
	DAEMONS+=("$DAEMON_PID")

	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(fstype_of "$mnt") == fuse* ]] && break
		kill -0 "$DAEMON_PID" 2>/dev/null || { FAILURE="the daemon exited before mounting"; return 1; }
		sleep 0.05
	done
	[[ $(fstype_of "$mnt") == fuse* ]] || { FAILURE="not mounted after 10 s"; return 1; }

	local check=${CHECK[$name]}
	[ -z "$check" ] && return 0
	# INIT, and with it the ring set-up, completes shortly after the mount appears.
	for ((i = 0; i < 100; i++)); do
		case $check in
		log:*) grep -qE "${check#log:}" "$logfile" && return 0 ;;
		ring-fd) holds_io_uring "$DAEMON_PID" && return 0 ;;
		esac
		sleep 0.05
	done
	case $check in
	log:*) FAILURE="no '${check#log:}' in the daemon's log: not served over io_uring" ;;
	ring-fd) FAILURE="the daemon holds no io_uring: not served over io_uring" ;;
	esac
	return 1
}

# Unmounts target's mountpoint $1 and waits for its daemon ($2) to exit.
stop_target() {
	local mnt=$1 pid=$2
	unmount_all_at "$mnt" || log "warning: $mnt is still mounted"
	end_process "$pid" 10
	# Forget the PID, so cleanup can never signal whoever reuses it.
	local kept=() p
	for p in "${DAEMONS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
	DAEMONS=("${kept[@]}")
}

# Round r starts at target r (mod n), so no target always runs first or last.
rotated() {
	local round=$1
	shift
	local n=$# i
	local all=("$@")
	for ((i = 0; i < n; i++)); do echo "${all[(round + i) % n]}"; done
}
