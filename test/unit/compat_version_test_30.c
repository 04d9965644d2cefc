/* FUSE_USE_VERSION 30 (libfuse 3.0): the declarations that differ at this version
 * must compile as a 3.0 filesystem wrote them. Nothing runs: main only takes the
 * addresses of helpers that use them, so building this file is the test. */
#define FUSE_USE_VERSION 30
#include <fuse_lowlevel.h>

#include <errno.h>

/* Before 3.5 the ioctl command is an int; assigning this without a cast fails
 * under -Werror if the slot has any other type. */
static void ioctl_int_cmd(fuse_req_t req, fuse_ino_t ino, int cmd, void *arg, struct fuse_file_info *fi,
			  unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
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
			void (*)(fuse_req_t, fuse_ino_t, int, void *, struct fuse_file_info *, unsigned,
				 const void *, size_t, size_t): 1,
			default: 0),
	       "at 3.0 ioctl takes int cmd");

/* Before 3.12 struct fuse_loop_config is public (the later fuse_loop_config_v1). */
_Static_assert(sizeof(struct fuse_loop_config) == 8, "public fuse_loop_config");

/* The fuse_loop_cfg_* functions came with the opaque struct in 3.12: declared here,
 * they would clash with this file's own function of that name. */
static int fuse_loop_cfg_create(int threads)
{
	return threads;
}

static const struct fuse_lowlevel_ops ops = {
	.ioctl = ioctl_int_cmd,
};

static struct fuse_session *new_session(struct fuse_args *args)
{
	return fuse_session_new(args, &ops, sizeof ops, NULL);
}

static int parse(struct fuse_args *args, struct fuse_cmdline_opts *opts)
{
	return fuse_parse_cmdline(args, opts);
}

/* Before 3.2 the worker loop takes the clone_fd flag itself. */
static int loop_mt(struct fuse_session *se)
{
	return fuse_session_loop_mt(se, 1);
}

/* Before 3.17 custom I/O has no op_size argument. */
static int custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd)
{
	return fuse_session_custom_io(se, io, fd);
}

int main(void)
{
	struct fuse_session *(*volatile new_fn)(struct fuse_args *) = new_session;
	int (*volatile parse_fn)(struct fuse_args *, struct fuse_cmdline_opts *) = parse;
	int (*volatile loop_fn)(struct fuse_session *) = loop_mt;
	int (*volatile io_fn)(struct fuse_session *, const struct fuse_custom_io *, int) = custom_io;
	(void)new_fn;
	(void)parse_fn;
	(void)loop_fn;
	(void)io_fn;
	return ops.ioctl == ioctl_int_cmd && fuse_loop_cfg_create(0) == 0 ? 0 : 1;
}
