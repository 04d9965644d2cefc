/*
 * A read-only filesystem with one file, written the way a libfuse 3.12 user would:
 * only <fuse_lowlevel.h>, the classic main() (parse, new, signals, mount,
 * daemonize, loop, tear down). Root is inode 1, "hello" is inode 2.
 */
/* -std=c11 hides S_IFDIR and friends unless a feature level is asked for. */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312

#include <fuse_daemonize.h>
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

#define HELLO_INO 2

static const char hello_name[] = "hello";
static const char hello_text[] = "Hello World!\n";

static int fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (ino == HELLO_INO) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(hello_text);
		return 0;
	}
	return -1;
}

static void hello_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, hello_name) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = HELLO_INO;
	e.attr_timeout = 1.0;
	e.entry_timeout = 1.0;
	fill_stat(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void hello_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (fill_stat(ino, &st) != 0)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 1.0);
}

/* A growable buffer of directory entries, built once per readdir call. */
struct dirbuf {
	char *data;
	size_t used;
};

static int dirbuf_add(fuse_req_t req, struct dirbuf *b, const char *name, fuse_ino_t ino)
{
	struct stat st;
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char *grown = realloc(b->data, b->used + need);

	if (grown == NULL)
		return -1;
	b->data = grown;
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	/* The cookie of an entry is the offset of the one after it. */
	fuse_add_direntry(req, b->data + b->used, need, name, &st, (off_t)(b->used + need));
	b->used += need;
	return 0;
}

/* Answers with the part of `buf` that starts at `off`, at most `max` bytes. */
static int reply_buf_limited(fuse_req_t req, const char *buf, size_t len, off_t off, size_t max)
{
	size_t rest;

	if (off < 0 || (size_t)off >= len)
		return fuse_reply_buf(req, NULL, 0);
	rest = len - (size_t)off;
	return fuse_reply_buf(req, buf + off, rest < max ? rest : max);
}

static void hello_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	struct dirbuf b = { NULL, 0 };

	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (dirbuf_add(req, &b, ".", FUSE_ROOT_ID) != 0 ||
	    dirbuf_add(req, &b, "..", FUSE_ROOT_ID) != 0 ||
	    dirbuf_add(req, &b, hello_name, HELLO_INO) != 0) {
		free(b.data);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	reply_buf_limited(req, b.data, b.used, off, size);
	free(b.data);
}

static void hello_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == FUSE_ROOT_ID)
		fuse_reply_err(req, EISDIR);
	else if (ino != HELLO_INO)
		fuse_reply_err(req, ENOENT);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_open(req, fi);
}

static void hello_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	if (ino != HELLO_INO) {
		fuse_reply_err(req, EIO);
		return;
	}
	reply_buf_limited(req, hello_text, strlen(hello_text), off, size);
}

/* A line written while INIT is answered: in background mode it must still reach the
 * terminal of the command that started us (fuse_daemonize_early_*, below). */
static void hello_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	fuse_log(FUSE_LOG_INFO, "hello_ll: INIT answered, protocol 7.%u\n", conn->proto_minor);
}

static const struct fuse_lowlevel_ops hello_ops = {
	.init = hello_init,
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

/* Test hooks for the caller-driven paths of the API, chosen by HELLO_LOOP:
 * "manual" reads and processes requests itself with fuse_session_receive_buf and
 * fuse_session_process_buf; "custom_io" mounts /dev/fuse itself, like a privileged
 * helper would, and serves it through fuse_session_custom_io with counting
 * read/writev wrappers. */
static unsigned long io_reads, io_writes;

static ssize_t counting_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	io_reads++;
	return read(fd, buf, len);
}

static ssize_t counting_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	(void)userdata;
	io_writes++;
	return writev(fd, iov, count);
}

static int manual_loop(struct fuse_session *se)
{
	struct fuse_buf buf = { 0 };
	int res = 0;

	while (!fuse_session_exited(se)) {
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EINTR)
			continue;
		if (res <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	return res < 0 ? res : 0;
}

static int serve_custom_io(struct fuse_session *se, const char *mountpoint)
{
	static const struct fuse_custom_io io = {
		.writev = counting_writev,
		.read = counting_read,
	};
	char opts[128];
	int ret, fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 1;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,group_id=%u", fd,
		 (unsigned)getuid(), (unsigned)getgid());
	if (mount("hello_ll", mountpoint, "fuse.hello_ll", MS_NOSUID | MS_NODEV, opts) != 0) {
		perror("mount");
		close(fd);
		return 1;
	}
	if (fuse_session_custom_io(se, &io, fd) != 0) { /* the pre-3.17 form */
		umount2(mountpoint, MNT_DETACH);
		return 1;
	}
	ret = fuse_session_loop(se);
	umount2(mountpoint, MNT_DETACH);
	fprintf(stderr, "custom io: %lu reads, %lu writes\n", io_reads, io_writes);
	return ret < 0 ? 1 : 0;
}

int main(int argc, char *argv[])
{
	const char *loop = getenv("HELLO_LOOP");
	/* HELLO_DAEMONIZE=early: libfuse 3.19's way (fork before mounting; the parent
	 * exits once the child is mounted and has answered INIT). */
	const char *early = getenv("HELLO_DAEMONIZE");
	int early_daemonize = early && strcmp(early, "early") == 0;
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help) {
		printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (opts.mountpoint == NULL) {
		fprintf(stderr, "usage: %s [options] <mountpoint>\n", argv[0]);
		goto out_args;
	}

	se = fuse_session_new(&args, &hello_ops, sizeof(hello_ops), NULL);
	if (se == NULL)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (loop && strcmp(loop, "custom_io") == 0) {
		ret = serve_custom_io(se, opts.mountpoint);
		goto out_signals;
	}
	if (early_daemonize &&
	    fuse_daemonize_early_start(opts.foreground ? FUSE_DAEMONIZE_NO_BACKGROUND : 0) != 0)
		goto out_signals;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (early_daemonize)
		fuse_daemonize_early_success();
	else
		fuse_daemonize(opts.foreground);

	if (loop && strcmp(loop, "manual") == 0) {
		ret = manual_loop(se);
	} else if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();

		fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)opts.clone_fd);
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}

	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
