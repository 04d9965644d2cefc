/* FUSE_USE_VERSION 35 (libfuse 3.5): ioctl's command became unsigned, the worker
 * loop takes the public struct fuse_loop_config. Built, not run: main only takes
 * the addresses of helpers that use the version-dependent declarations. */
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include <errno.h>

/* From 3.5 on the command is unsigned; an int-cmd handler no longer fits the slot. */
static void ioctl_unsigned_cmd(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
			       struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
			       size_t out_bufsz)
{
	(void)ino;
	(void)cmd;
	(void)arg;
	(void)fi;
	(void)flags;
	(void)in_buf;
	(void)in_bufsz;
	(void)out_bufsz;
	fuse_reply_err(req, ENOTTY);
}

_Static_assert(_Generic(((struct fuse_lowlevel_ops *)0)->ioctl,
			void (*)(fuse_req_t, fuse_ino_t, unsigned int, void *, struct fuse_file_info *, unsigned,
				 const void *, size_t, size_t): 1,
			default: 0),
	       "at 3.5 ioctl takes unsigned int cmd");

/* 3.2 .. 3.11: the public two-field config, passed by pointer. */
_Static_assert(sizeof(struct fuse_loop_config) == 8, "public fuse_loop_config");

static int loop_mt(struct fuse_session *se)
{
	struct fuse_loop_config config = { .clone_fd = 1, .max_idle_threads = 10 };
	return fuse_session_loop_mt(se, &config);
}

static int custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd)
{
	return fuse_session_custom_io(se, io, fd);
}

int main(void)
{
	struct fuse_lowlevel_ops ops = { 0 };
	int (*volatile loop_fn)(struct fuse_session *) = loop_mt;
	int (*volatile io_fn)(struct fuse_session *, const struct fuse_custom_io *, int) = custom_io;
	(void)loop_fn;
	(void)io_fn;
	ops.ioctl = ioctl_unsigned_cmd;
	return ops.ioctl == ioctl_unsigned_cmd ? 0 : 1;
}
