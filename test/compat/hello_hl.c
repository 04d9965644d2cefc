/* A libfuse high-level filesystem, written for uringfuse's tests: one read-only
 * file, /hello, served through fuse_main() with struct fuse_operations, the way
 * libfuse's hello.c example is built. -o text=STRING changes the file's text. */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct options_state {
	const char *text;
};
static struct options_state options;

static const struct fuse_opt option_spec[] = {
	{ "text=%s", offsetof(struct options_state, text), 1 },
	FUSE_OPT_END
};

static void *hello_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->kernel_cache = 1;
	return NULL;
}

static int hello_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (strcmp(path, "/hello") == 0) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(options.text);
	} else {
		return -ENOENT;
	}
	return 0;
}

static int hello_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
			 struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)offset;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	filler(buf, ".", NULL, 0, FUSE_FILL_DIR_DEFAULTS);
	filler(buf, "..", NULL, 0, FUSE_FILL_DIR_DEFAULTS);
	filler(buf, "hello", NULL, 0, FUSE_FILL_DIR_DEFAULTS);
	return 0;
}

static int hello_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/hello") != 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	return 0;
}

static int hello_read(const char *path, char *buf, size_t size, off_t offset,
		      struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, "/hello") != 0)
		return -ENOENT;
	size_t len = strlen(options.text);
	if ((size_t)offset >= len)
		return 0;
	if (offset + size > len)
		size = len - (size_t)offset;
	memcpy(buf, options.text + offset, size);
	return (int)size;
}

static const struct fuse_operations hello_ops = {
	.init = hello_init,
	.getattr = hello_getattr,
	.readdir = hello_readdir,
	.open = hello_open,
	.read = hello_read,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	options.text = strdup("Hello World!\n");
	if (fuse_opt_parse(&args, &options, option_spec, NULL) == -1)
		return 1;
	int ret = fuse_main(args.argc, args.argv, &hello_ops, NULL);
	fuse_opt_free_args(&args);
	return ret;
}
