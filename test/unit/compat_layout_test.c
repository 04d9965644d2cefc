/* The libfuse 3.19 ABI of the compat headers, pinned at compile time on x86_64: the
 * size and member offsets of every public struct, the fuse_lowlevel_ops slot order,
 * and the values of the flag macros. A binary compiled against libfuse's headers
 * and one compiled against ours must agree on all of it, so a mismatch fails the
 * build here rather than corrupting a filesystem later. */
#define FUSE_USE_VERSION 319
#include <fuse_lowlevel.h>
#include <fuse_daemonize.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(__x86_64__) || !defined(__LP64__)
#error "compat_layout_test pins the x86_64 layout"
#endif

#define SIZE(type, bytes) _Static_assert(sizeof(type) == (bytes), "sizeof " #type " != " #bytes)
#define AT(type, member, off) \
	_Static_assert(offsetof(type, member) == (off), #type "." #member " not at " #off)
#define MEMBER_SIZE(type, member, bytes) \
	_Static_assert(sizeof(((type *)0)->member) == (bytes), #type "." #member " not " #bytes " bytes")

/* ---- version macros --------------------------------------------------------- */

_Static_assert(FUSE_MAJOR_VERSION == 3, "major version");
_Static_assert(FUSE_MINOR_VERSION == 19, "minor version");
_Static_assert(FUSE_MAKE_VERSION(3, 19) == 319, "FUSE_MAKE_VERSION");
_Static_assert(FUSE_VERSION == 319, "FUSE_VERSION");
_Static_assert(FUSE_ROOT_ID == 1, "FUSE_ROOT_ID");
SIZE(fuse_ino_t, 8);

/* ---- fuse_lowlevel.h structs ------------------------------------------------ */

SIZE(struct stat, 144);
SIZE(struct fuse_entry_param, 176);
AT(struct fuse_entry_param, ino, 0);
AT(struct fuse_entry_param, generation, 8);
AT(struct fuse_entry_param, attr, 16);
AT(struct fuse_entry_param, attr_timeout, 160);
AT(struct fuse_entry_param, entry_timeout, 168);

SIZE(struct fuse_ctx, 16);
AT(struct fuse_ctx, uid, 0);
AT(struct fuse_ctx, gid, 4);
AT(struct fuse_ctx, pid, 8);
AT(struct fuse_ctx, umask, 12);

SIZE(struct fuse_forget_data, 16);
AT(struct fuse_forget_data, ino, 0);
AT(struct fuse_forget_data, nlookup, 8);

SIZE(struct fuse_custom_io, 40);
AT(struct fuse_custom_io, writev, 0);
AT(struct fuse_custom_io, read, 8);
AT(struct fuse_custom_io, splice_receive, 16);
AT(struct fuse_custom_io, splice_send, 24);
AT(struct fuse_custom_io, clone_fd, 32);

SIZE(struct fuse_cmdline_opts, 48);
AT(struct fuse_cmdline_opts, singlethread, 0);
AT(struct fuse_cmdline_opts, foreground, 4);
AT(struct fuse_cmdline_opts, debug, 8);
AT(struct fuse_cmdline_opts, nodefault_subtype, 12);
AT(struct fuse_cmdline_opts, mountpoint, 16);
AT(struct fuse_cmdline_opts, show_version, 24);
AT(struct fuse_cmdline_opts, show_help, 28);
AT(struct fuse_cmdline_opts, clone_fd, 32);
AT(struct fuse_cmdline_opts, max_idle_threads, 36);
AT(struct fuse_cmdline_opts, max_threads, 40);

/* ---- fuse_common.h structs -------------------------------------------------- */

/* The word at 4 holds the one-bit flags (checked at run time in main); offsetof
 * cannot name a bit-field, so its place is pinned by its neighbours. */
SIZE(struct fuse_file_info, 64);
AT(struct fuse_file_info, flags, 0);
AT(struct fuse_file_info, fh, 16);
AT(struct fuse_file_info, lock_owner, 24);
AT(struct fuse_file_info, poll_events, 32);
AT(struct fuse_file_info, backing_id, 36);
AT(struct fuse_file_info, compat_flags, 40);
AT(struct fuse_file_info, reserved, 48);
MEMBER_SIZE(struct fuse_file_info, reserved, 16);

SIZE(struct fuse_conn_info, 128);
AT(struct fuse_conn_info, proto_major, 0);
AT(struct fuse_conn_info, proto_minor, 4);
AT(struct fuse_conn_info, max_write, 8);
AT(struct fuse_conn_info, max_read, 12);
AT(struct fuse_conn_info, max_readahead, 16);
AT(struct fuse_conn_info, capable, 20);
AT(struct fuse_conn_info, want, 24);
AT(struct fuse_conn_info, max_background, 28);
AT(struct fuse_conn_info, congestion_threshold, 32);
AT(struct fuse_conn_info, time_gran, 36);
AT(struct fuse_conn_info, max_backing_stack_depth, 40);
/* bit-field word (no_interrupt, io_uring_single_issuer, padding) fills 44..47 */
AT(struct fuse_conn_info, capable_ext, 48);
AT(struct fuse_conn_info, want_ext, 56);
AT(struct fuse_conn_info, request_timeout, 64);
AT(struct fuse_conn_info, reserved, 66);
MEMBER_SIZE(struct fuse_conn_info, capable, 4);
MEMBER_SIZE(struct fuse_conn_info, want, 4);
MEMBER_SIZE(struct fuse_conn_info, capable_ext, 8);
MEMBER_SIZE(struct fuse_conn_info, want_ext, 8);
MEMBER_SIZE(struct fuse_conn_info, request_timeout, 2);
MEMBER_SIZE(struct fuse_conn_info, reserved, 62);

SIZE(struct fuse_loop_config_v1, 8);
AT(struct fuse_loop_config_v1, clone_fd, 0);
AT(struct fuse_loop_config_v1, max_idle_threads, 4);

SIZE(struct fuse_buf, 48);
AT(struct fuse_buf, size, 0);
AT(struct fuse_buf, flags, 8);
AT(struct fuse_buf, mem, 16);
AT(struct fuse_buf, fd, 24);
AT(struct fuse_buf, pos, 32);
AT(struct fuse_buf, mem_size, 40);

SIZE(struct fuse_bufvec, 72);
AT(struct fuse_bufvec, count, 0);
AT(struct fuse_bufvec, idx, 8);
AT(struct fuse_bufvec, off, 16);
AT(struct fuse_bufvec, buf, 24);

SIZE(struct libfuse_version, 16);
AT(struct libfuse_version, major, 0);
AT(struct libfuse_version, minor, 4);
AT(struct libfuse_version, hotfix, 8);
AT(struct libfuse_version, padding, 12);

/* ---- fuse_opt.h ------------------------------------------------------------- */

SIZE(struct fuse_args, 24);
AT(struct fuse_args, argc, 0);
AT(struct fuse_args, argv, 8);
AT(struct fuse_args, allocated, 16);

SIZE(struct fuse_opt, 24);
AT(struct fuse_opt, templ, 0);
AT(struct fuse_opt, offset, 8);
AT(struct fuse_opt, value, 16);

_Static_assert(FUSE_OPT_KEY_OPT == -1, "FUSE_OPT_KEY_OPT");
_Static_assert(FUSE_OPT_KEY_NONOPT == -2, "FUSE_OPT_KEY_NONOPT");
_Static_assert(FUSE_OPT_KEY_KEEP == -3, "FUSE_OPT_KEY_KEEP");
_Static_assert(FUSE_OPT_KEY_DISCARD == -4, "FUSE_OPT_KEY_DISCARD");

/* ---- fuse_lowlevel_ops: 47 slots of 8 bytes, slot i at 8 * i ------------------ */

SIZE(struct fuse_lowlevel_ops, 376);
#define SLOT(member, i) AT(struct fuse_lowlevel_ops, member, 8 * (i))
SLOT(init, 0);
SLOT(destroy, 1);
SLOT(lookup, 2);
SLOT(forget, 3);
SLOT(getattr, 4);
SLOT(setattr, 5);
SLOT(readlink, 6);
SLOT(mknod, 7);
SLOT(mkdir, 8);
SLOT(unlink, 9);
SLOT(rmdir, 10);
SLOT(symlink, 11);
SLOT(rename, 12);
SLOT(link, 13);
SLOT(open, 14);
SLOT(read, 15);
SLOT(write, 16);
SLOT(flush, 17);
SLOT(release, 18);
SLOT(fsync, 19);
SLOT(opendir, 20);
SLOT(readdir, 21);
SLOT(releasedir, 22);
SLOT(fsyncdir, 23);
SLOT(statfs, 24);
SLOT(setxattr, 25);
SLOT(getxattr, 26);
SLOT(listxattr, 27);
SLOT(removexattr, 28);
SLOT(access, 29);
SLOT(create, 30);
SLOT(getlk, 31);
SLOT(setlk, 32);
SLOT(bmap, 33);
SLOT(ioctl, 34);
SLOT(poll, 35);
SLOT(write_buf, 36);
SLOT(retrieve_reply, 37);
SLOT(forget_multi, 38);
SLOT(flock, 39);
SLOT(fallocate, 40);
SLOT(readdirplus, 41);
SLOT(copy_file_range, 42);
SLOT(lseek, 43);
SLOT(tmpfile, 44);
SLOT(statx, 45);
SLOT(syncfs, 46);
/* The brief's spot checks, spelled out. */
AT(struct fuse_lowlevel_ops, init, 0);
AT(struct fuse_lowlevel_ops, lookup, 16);
AT(struct fuse_lowlevel_ops, open, 112);
AT(struct fuse_lowlevel_ops, write_buf, 288);
AT(struct fuse_lowlevel_ops, syncfs, 368);

/* ---- FUSE_CAP_*: libfuse's bit numbers (not the kernel's INIT bits) ----------- */

#define CAP(name, bit) _Static_assert((uint64_t)(name) == (UINT64_C(1) << (bit)), #name " is not bit " #bit)
CAP(FUSE_CAP_ASYNC_READ, 0);
CAP(FUSE_CAP_POSIX_LOCKS, 1);
CAP(FUSE_CAP_ATOMIC_O_TRUNC, 3);
CAP(FUSE_CAP_EXPORT_SUPPORT, 4);
CAP(FUSE_CAP_DONT_MASK, 6);
CAP(FUSE_CAP_SPLICE_WRITE, 7);
CAP(FUSE_CAP_SPLICE_MOVE, 8);
CAP(FUSE_CAP_SPLICE_READ, 9);
CAP(FUSE_CAP_FLOCK_LOCKS, 10);
CAP(FUSE_CAP_IOCTL_DIR, 11);
CAP(FUSE_CAP_AUTO_INVAL_DATA, 12);
CAP(FUSE_CAP_READDIRPLUS, 13);
CAP(FUSE_CAP_READDIRPLUS_AUTO, 14);
CAP(FUSE_CAP_ASYNC_DIO, 15);
CAP(FUSE_CAP_WRITEBACK_CACHE, 16);
CAP(FUSE_CAP_NO_OPEN_SUPPORT, 17);
CAP(FUSE_CAP_PARALLEL_DIROPS, 18);
CAP(FUSE_CAP_POSIX_ACL, 19);
CAP(FUSE_CAP_HANDLE_KILLPRIV, 20);
CAP(FUSE_CAP_HANDLE_KILLPRIV_V2, 21);
CAP(FUSE_CAP_CACHE_SYMLINKS, 23);
CAP(FUSE_CAP_NO_OPENDIR_SUPPORT, 24);
CAP(FUSE_CAP_EXPLICIT_INVAL_DATA, 25);
CAP(FUSE_CAP_EXPIRE_ONLY, 26);
CAP(FUSE_CAP_SETXATTR_EXT, 27);
CAP(FUSE_CAP_DIRECT_IO_ALLOW_MMAP, 28);
CAP(FUSE_CAP_DIRECT_IO_RELAX, 28);
CAP(FUSE_CAP_PASSTHROUGH, 29);
CAP(FUSE_CAP_NO_EXPORT_SUPPORT, 30);
CAP(FUSE_CAP_OVER_IO_URING, 31);
CAP(FUSE_CAP_ALLOW_IDMAP, 32);
CAP(FUSE_CAP_SECURITY_CTX, 33);
/* The two above bit 31 must be 64-bit constants, or `want_ext |= cap` loses them. */
_Static_assert(sizeof(FUSE_CAP_ALLOW_IDMAP) == 8 && sizeof(FUSE_CAP_SECURITY_CTX) == 8, "64-bit caps");

/* ---- setattr to_set bits ----------------------------------------------------- */

_Static_assert(FUSE_SET_ATTR_MODE == (1 << 0), "FUSE_SET_ATTR_MODE");
_Static_assert(FUSE_SET_ATTR_UID == (1 << 1), "FUSE_SET_ATTR_UID");
_Static_assert(FUSE_SET_ATTR_GID == (1 << 2), "FUSE_SET_ATTR_GID");
_Static_assert(FUSE_SET_ATTR_SIZE == (1 << 3), "FUSE_SET_ATTR_SIZE");
_Static_assert(FUSE_SET_ATTR_ATIME == (1 << 4), "FUSE_SET_ATTR_ATIME");
_Static_assert(FUSE_SET_ATTR_MTIME == (1 << 5), "FUSE_SET_ATTR_MTIME");
_Static_assert(FUSE_SET_ATTR_ATIME_NOW == (1 << 7), "FUSE_SET_ATTR_ATIME_NOW");
_Static_assert(FUSE_SET_ATTR_MTIME_NOW == (1 << 8), "FUSE_SET_ATTR_MTIME_NOW");
_Static_assert(FUSE_SET_ATTR_FORCE == (1 << 9), "FUSE_SET_ATTR_FORCE");
_Static_assert(FUSE_SET_ATTR_CTIME == (1 << 10), "FUSE_SET_ATTR_CTIME");
_Static_assert(FUSE_SET_ATTR_KILL_SUID == (1 << 11), "FUSE_SET_ATTR_KILL_SUID");
_Static_assert(FUSE_SET_ATTR_KILL_SGID == (1 << 12), "FUSE_SET_ATTR_KILL_SGID");
_Static_assert(FUSE_SET_ATTR_FILE == (1 << 13), "FUSE_SET_ATTR_FILE");
_Static_assert(FUSE_SET_ATTR_KILL_PRIV == (1 << 14), "FUSE_SET_ATTR_KILL_PRIV");
_Static_assert(FUSE_SET_ATTR_OPEN == (1 << 15), "FUSE_SET_ATTR_OPEN");
_Static_assert(FUSE_SET_ATTR_TIMES_SET == (1 << 16), "FUSE_SET_ATTR_TIMES_SET");
_Static_assert(FUSE_SET_ATTR_TOUCH == (1 << 17), "FUSE_SET_ATTR_TOUCH");

/* ---- ioctl, connection, buffer, notify and daemonize constants ----------------- */

_Static_assert(FUSE_IOCTL_COMPAT == 1, "FUSE_IOCTL_COMPAT");
_Static_assert(FUSE_IOCTL_UNRESTRICTED == 2, "FUSE_IOCTL_UNRESTRICTED");
_Static_assert(FUSE_IOCTL_RETRY == 4, "FUSE_IOCTL_RETRY");
_Static_assert(FUSE_IOCTL_DIR == 16, "FUSE_IOCTL_DIR");
_Static_assert(FUSE_IOCTL_MAX_IOV == 256, "FUSE_IOCTL_MAX_IOV");

_Static_assert(FUSE_CONN_FLAG_SINGLE_ISSUER == 1, "FUSE_CONN_FLAG_SINGLE_ISSUER");
_Static_assert(FUSE_CONN_FLAG_NO_INTERRUPT == 2, "FUSE_CONN_FLAG_NO_INTERRUPT");
_Static_assert(FUSE_BACKING_STACKED_UNDER == 0 && FUSE_BACKING_STACKED_OVER == 1, "backing stack");

_Static_assert(FUSE_BUF_IS_FD == 2 && FUSE_BUF_FD_SEEK == 4 && FUSE_BUF_FD_RETRY == 8, "fuse_buf_flags");
_Static_assert(FUSE_BUF_NO_SPLICE == 2 && FUSE_BUF_FORCE_SPLICE == 4 && FUSE_BUF_SPLICE_MOVE == 8 &&
		       FUSE_BUF_SPLICE_NONBLOCK == 16,
	       "fuse_buf_copy_flags");

_Static_assert(FUSE_LL_INVALIDATE == 0 && FUSE_LL_EXPIRE_ONLY == 1, "fuse_notify_entry_flags");

_Static_assert(FUSE_LOG_EMERG == 0 && FUSE_LOG_ERR == 3 && FUSE_LOG_WARNING == 4 && FUSE_LOG_DEBUG == 7,
	       "fuse_log_level");

_Static_assert(FUSE_DAEMONIZE_NO_CHDIR == 1 && FUSE_DAEMONIZE_NO_BACKGROUND == 2, "daemonize flags");

/* Bit-fields cannot be checked statically: set each flag and look at the word that
 * libfuse compiles it into (allocated from the least significant bit on x86_64). */
static uint32_t word_at(const void *base, size_t off)
{
	uint32_t w;
	memcpy(&w, (const char *)base + off, sizeof w);
	return w;
}

static int check_bitfields(void)
{
	struct fuse_file_info fi;
	struct fuse_conn_info conn;
	int bad = 0;

	memset(&fi, 0, sizeof fi);
	fi.writepage = 1;
	bad |= word_at(&fi, 4) != (1u << 0);
	memset(&fi, 0, sizeof fi);
	fi.direct_io = 1;
	bad |= word_at(&fi, 4) != (1u << 1);
	memset(&fi, 0, sizeof fi);
	fi.keep_cache = 1;
	bad |= word_at(&fi, 4) != (1u << 2);
	memset(&fi, 0, sizeof fi);
	fi.flush = 1;
	bad |= word_at(&fi, 4) != (1u << 3);
	memset(&fi, 0, sizeof fi);
	fi.nonseekable = 1;
	bad |= word_at(&fi, 4) != (1u << 4);
	memset(&fi, 0, sizeof fi);
	fi.flock_release = 1;
	bad |= word_at(&fi, 4) != (1u << 5);
	memset(&fi, 0, sizeof fi);
	fi.cache_readdir = 1;
	bad |= word_at(&fi, 4) != (1u << 6);
	memset(&fi, 0, sizeof fi);
	fi.noflush = 1;
	bad |= word_at(&fi, 4) != (1u << 7);
	memset(&fi, 0, sizeof fi);
	fi.parallel_direct_writes = 1;
	bad |= word_at(&fi, 4) != (1u << 8);

	memset(&conn, 0, sizeof conn);
	conn.no_interrupt = 1;
	bad |= word_at(&conn, 44) != (1u << 0);
	memset(&conn, 0, sizeof conn);
	conn.io_uring_single_issuer = 1;
	bad |= word_at(&conn, 44) != (1u << 1);
	return bad;
}

int main(void)
{
	return check_bitfields();
}
