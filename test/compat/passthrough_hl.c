/* A libfuse high-level (path) filesystem, written for uringfuse's tests: it
 * mirrors the directory given with -o source=DIR through struct fuse_operations,
 * like libfuse's passthrough.c mirrors /. Directories are listed with offsets
 * (telldir), so the library's per-offset readdir path is used; hello_hl.c uses
 * the whole-directory one. Every path is resolved against an fd of the source. */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

struct pt_state {
	const char *source;
	int source_fd;
};
static struct pt_state pt;

static const struct fuse_opt option_spec[] = {
	{ "source=%s", offsetof(struct pt_state, source), 1 },
	FUSE_OPT_END
};

/* "/a/b" -> "a/b" relative to the source; "/" -> "." */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* The xattr calls have no *at form: the full source path. */
static void full(char *out, size_t size, const char *path)
{
	snprintf(out, size, "%s/%s", pt.source, rel(path));
}

static void *pt_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 1;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

static int pt_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int res = fi ? fstat((int)fi->fh, st) : fstatat(pt.source_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
	return res == -1 ? -errno : 0;
}

static int pt_access(const char *path, int mask)
{
	return faccessat(pt.source_fd, rel(path), mask, 0) == -1 ? -errno : 0;
}

static int pt_readlink(const char *path, char *buf, size_t size)
{
	ssize_t res = readlinkat(pt.source_fd, rel(path), buf, size - 1);
	if (res == -1)
		return -errno;
	buf[res] = '\0';
	return 0;
}

struct pt_dir {
	DIR *dp;
	struct dirent *entry;
	off_t offset;
};

static int pt_opendir(const char *path, struct fuse_file_info *fi)
{
	int fd = openat(pt.source_fd, rel(path), O_RDONLY | O_DIRECTORY);
	if (fd == -1)
		return -errno;
	struct pt_dir *d = calloc(1, sizeof(*d));
	if (!d || !(d->dp = fdopendir(fd))) {
		int err = errno;
		close(fd);
		free(d);
		return -err;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	return 0;
}

static int pt_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)path;
	struct pt_dir *d = (struct pt_dir *)(uintptr_t)fi->fh;
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		if (!d->entry) {
			d->entry = readdir(d->dp);
			if (!d->entry)
				break;
		}
		struct stat st;
		enum fuse_fill_dir_flags fill = FUSE_FILL_DIR_DEFAULTS;
		memset(&st, 0, sizeof(st));
		if ((flags & FUSE_READDIR_PLUS) &&
		    fstatat(dirfd(d->dp), d->entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			fill = FUSE_FILL_DIR_PLUS;
		} else {
			st.st_ino = d->entry->d_ino;
			st.st_mode = (mode_t)d->entry->d_type << 12;
		}
		off_t next = telldir(d->dp);
		if (filler(buf, d->entry->d_name, &st, next, fill))
			break;
		d->entry = NULL;
		d->offset = next;
	}
	return 0;
}

static int pt_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	struct pt_dir *d = (struct pt_dir *)(uintptr_t)fi->fh;
	closedir(d->dp);
	free(d);
	return 0;
}

/* The caller's file-system ids for one call, when they are not the daemon's:
 * what it makes is its own (in a set-group-ID directory, the directory's group),
 * and the source clears set-ID bits on its writes, truncations and chowns as it
 * would for the caller. setfsuid/setfsgid change the calling thread only. */
struct saved_ids {
	int changed;
	uid_t uid;
	gid_t gid;
};

static struct saved_ids become_caller(void)
{
	struct fuse_context *c = fuse_get_context();
	struct saved_ids s = { 0, 0, 0 };
	if (c->uid == geteuid() && c->gid == getegid())
		return s;
	s.changed = 1;
	s.gid = (gid_t)syscall(SYS_setfsgid, c->gid);
	s.uid = (uid_t)syscall(SYS_setfsuid, c->uid);
	return s;
}

/* Back to the daemon's ids; passes `res` (computed before, with its errno) on. */
static int restore_ids(struct saved_ids s, int res)
{
	if (s.changed) {
		syscall(SYS_setfsuid, s.uid);
		syscall(SYS_setfsgid, s.gid);
	}
	return res;
}

/* O_DIRECT is not passed on: the buffers the library reads into and writes from
 * need not be aligned as the source wants. The kernel keeps the semantics
 * (no page cache for this open) through direct_io. */
static int source_flags(struct fuse_file_info *fi)
{
	if (fi->flags & O_DIRECT)
		fi->direct_io = 1;
	return fi->flags & ~O_DIRECT;
}

static int pt_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct saved_ids ids = become_caller();
	int res = S_ISFIFO(mode) ? mkfifoat(pt.source_fd, rel(path), mode)
				 : mknodat(pt.source_fd, rel(path), mode, rdev);
	return restore_ids(ids, res == -1 ? -errno : 0);
}

static int pt_mkdir(const char *path, mode_t mode)
{
	struct saved_ids ids = become_caller();
	return restore_ids(ids, mkdirat(pt.source_fd, rel(path), mode) == -1 ? -errno : 0);
}

static int pt_unlink(const char *path)
{
	return unlinkat(pt.source_fd, rel(path), 0) == -1 ? -errno : 0;
}

static int pt_rmdir(const char *path)
{
	return unlinkat(pt.source_fd, rel(path), AT_REMOVEDIR) == -1 ? -errno : 0;
}

static int pt_symlink(const char *from, const char *to)
{
	struct saved_ids ids = become_caller();
	return restore_ids(ids, symlinkat(from, pt.source_fd, rel(to)) == -1 ? -errno : 0);
}

static int pt_rename(const char *from, const char *to, unsigned int flags)
{
	return renameat2(pt.source_fd, rel(from), pt.source_fd, rel(to), flags) == -1 ? -errno : 0;
}

static int pt_link(const char *from, const char *to)
{
	return linkat(pt.source_fd, rel(from), pt.source_fd, rel(to), 0) == -1 ? -errno : 0;
}

static int pt_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int res = fi ? fchmod((int)fi->fh, mode) : fchmodat(pt.source_fd, rel(path), mode, 0);
	return res == -1 ? -errno : 0;
}

static int pt_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct saved_ids ids = become_caller();
	int res = fi ? fchown((int)fi->fh, uid, gid)
		     : fchownat(pt.source_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
	return restore_ids(ids, res == -1 ? -errno : 0);
}

static int pt_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct saved_ids ids = become_caller();
	if (fi)
		return restore_ids(ids, ftruncate((int)fi->fh, size) == -1 ? -errno : 0);
	int fd = openat(pt.source_fd, rel(path), O_WRONLY);
	if (fd == -1)
		return restore_ids(ids, -errno);
	int res = ftruncate(fd, size) == -1 ? -errno : 0;
	close(fd);
	return restore_ids(ids, res);
}

static int pt_utimens(const char *path, const struct timespec ts[2], struct fuse_file_info *fi)
{
	int res = fi ? futimens((int)fi->fh, ts)
		     : utimensat(pt.source_fd, rel(path), ts, AT_SYMLINK_NOFOLLOW);
	return res == -1 ? -errno : 0;
}

static int pt_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct saved_ids ids = become_caller();
	int fd = openat(pt.source_fd, rel(path), source_flags(fi), mode);
	if (fd == -1)
		return restore_ids(ids, -errno);
	fi->fh = (uint64_t)fd;
	return restore_ids(ids, 0);
}

static int pt_open(const char *path, struct fuse_file_info *fi)
{
	struct saved_ids ids = become_caller();  /* an O_TRUNC open truncates as the caller */
	int fd = openat(pt.source_fd, rel(path), source_flags(fi));
	if (fd == -1)
		return restore_ids(ids, -errno);
	fi->fh = (uint64_t)fd;
	return restore_ids(ids, 0);
}

static int pt_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
	(void)path;
	ssize_t res = pread((int)fi->fh, buf, size, offset);
	return res == -1 ? -errno : (int)res;
}

static int pt_write(const char *path, const char *buf, size_t size, off_t offset,
		    struct fuse_file_info *fi)
{
	(void)path;
	struct saved_ids ids = become_caller();
	ssize_t res = pwrite((int)fi->fh, buf, size, offset);
	return restore_ids(ids, res == -1 ? -errno : (int)res);
}

static int pt_statfs(const char *path, struct statvfs *st)
{
	int fd = openat(pt.source_fd, rel(path), O_RDONLY | O_PATH);
	if (fd == -1)
		return -errno;
	int res = fstatvfs(fd, st) == -1 ? -errno : 0;
	close(fd);
	return res;
}

static int pt_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	/* close() of a duplicate reports delayed write errors, as close() would. */
	int fd = dup((int)fi->fh);
	if (fd == -1)
		return -errno;
	return close(fd) == -1 ? -errno : 0;
}

static int pt_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int pt_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	int res = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
	return res == -1 ? -errno : 0;
}

static int pt_fallocate(const char *path, int mode, off_t offset, off_t length,
			struct fuse_file_info *fi)
{
	(void)path;
	struct saved_ids ids = become_caller();
	return restore_ids(ids, fallocate((int)fi->fh, mode, offset, length) == -1 ? -errno : 0);
}

static off_t pt_lseek(const char *path, off_t off, int whence, struct fuse_file_info *fi)
{
	(void)path;
	off_t res = lseek((int)fi->fh, off, whence);
	return res == -1 ? -errno : res;
}

static int pt_flock(const char *path, struct fuse_file_info *fi, int op)
{
	(void)path;
	return flock((int)fi->fh, op) == -1 ? -errno : 0;
}

static int pt_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
	char p[4096];
	full(p, sizeof p, path);
	return lsetxattr(p, name, value, size, flags) == -1 ? -errno : 0;
}

static int pt_getxattr(const char *path, const char *name, char *value, size_t size)
{
	char p[4096];
	full(p, sizeof p, path);
	ssize_t res = lgetxattr(p, name, value, size);
	return res == -1 ? -errno : (int)res;
}

static int pt_listxattr(const char *path, char *list, size_t size)
{
	char p[4096];
	full(p, sizeof p, path);
	ssize_t res = llistxattr(p, list, size);
	return res == -1 ? -errno : (int)res;
}

static int pt_removexattr(const char *path, const char *name)
{
	char p[4096];
	full(p, sizeof p, path);
	return lremovexattr(p, name) == -1 ? -errno : 0;
}

static const struct fuse_operations pt_ops = {
	.init = pt_init,
	.getattr = pt_getattr,
	.access = pt_access,
	.readlink = pt_readlink,
	.opendir = pt_opendir,
	.readdir = pt_readdir,
	.releasedir = pt_releasedir,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.symlink = pt_symlink,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.rename = pt_rename,
	.link = pt_link,
	.chmod = pt_chmod,
	.chown = pt_chown,
	.truncate = pt_truncate,
	.utimens = pt_utimens,
	.open = pt_open,
	.create = pt_create,
	.read = pt_read,
	.write = pt_write,
	.statfs = pt_statfs,
	.flush = pt_flush,
	.release = pt_release,
	.fsync = pt_fsync,
	.fallocate = pt_fallocate,
	.lseek = pt_lseek,
	.flock = pt_flock,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	if (fuse_opt_parse(&args, &pt, option_spec, NULL) == -1)
		return 1;
	if (!pt.source) {
		fprintf(stderr, "passthrough_hl: -o source=DIR is required\n");
		return 1;
	}
	pt.source_fd = open(pt.source, O_RDONLY | O_DIRECTORY);
	if (pt.source_fd == -1) {
		perror(pt.source);
		return 1;
	}
	umask(0);
	int ret = fuse_main(args.argc, args.argv, &pt_ops, NULL);
	fuse_opt_free_args(&args);
	return ret;
}
