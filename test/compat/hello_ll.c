/*
 * A read-only filesystem with one file, written the way a libfuse 3.12 user would:
 * only <fuse_lowlevel.h>, the classic main() (parse, new, signals, mount,
 * daemonize, loop, tear down). Root is inode 1, "hello" is inode 2.
 */
/* -std=c11 hides S_IFDIR and friends unless a feature level is asked for. */
#define _XOPEN_SOURCE 700
#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct fuse_lowlevel_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

int main(int argc, char *argv[])
{
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
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);

	if (opts.singlethread) {
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
