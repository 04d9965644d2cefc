/*
 * Mirrors a source directory (-o source=DIR), in the manner of libfuse's
 * passthrough_ll: every known inode keeps an O_PATH descriptor and a lookup count,
 * and its address is the FUSE node id. Written against libfuse 3.18's lowlevel API.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 318

#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

struct pt_inode {
	struct pt_inode *next, *prev; /* ring of known inodes, anchored at the root */
	int fd;                       /* O_PATH */
	ino_t ino;
	dev_t dev;
	int is_symlink;
	uint64_t nlookup;
};

struct pt_fs {
	pthread_mutex_t lock;
	char *source;
	double timeout;
	struct pt_inode root;
};

struct pt_opts {
	char *source;
	double timeout;
};

static const struct fuse_opt pt_opt_spec[] = {
	{ "source=%s", offsetof(struct pt_opts, source), 0 },
	{ "timeout=%lf", offsetof(struct pt_opts, timeout), 0 },
	FUSE_OPT_END
};

static struct pt_fs *fs_of(fuse_req_t req)
{
	return (struct pt_fs *)fuse_req_userdata(req);
}

static struct pt_inode *inode_of(fuse_req_t req, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs_of(req)->root;
	return (struct pt_inode *)(uintptr_t)ino;
}

static int fd_of(fuse_req_t req, fuse_ino_t ino)
{
	return inode_of(req, ino)->fd;
}

static void proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* Looks `name` up below `parent` and fills `e`; takes a lookup reference. */
static int do_lookup(fuse_req_t req, fuse_ino_t parent, const char *name,
		     struct fuse_entry_param *e)
{
	struct pt_fs *fs = fs_of(req);
	struct pt_inode *in, *found = NULL;
	int fd, err;

	memset(e, 0, sizeof(*e));
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;

	fd = openat(fd_of(req, parent), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno;
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == -1) {
		err = errno;
		close(fd);
		return err;
	}

	pthread_mutex_lock(&fs->lock);
	for (in = fs->root.next; in != &fs->root; in = in->next) {
		if (in->ino == e->attr.st_ino && in->dev == e->attr.st_dev) {
			found = in;
			break;
		}
	}
	if (found == NULL && fs->root.ino == e->attr.st_ino && fs->root.dev == e->attr.st_dev)
		found = &fs->root;
	if (found != NULL) {
		found->nlookup++;
		close(fd);
	} else {
		found = calloc(1, sizeof(*found));
		if (found == NULL) {
			pthread_mutex_unlock(&fs->lock);
			close(fd);
			return ENOMEM;
		}
		found->fd = fd;
		found->ino = e->attr.st_ino;
		found->dev = e->attr.st_dev;
		found->is_symlink = S_ISLNK(e->attr.st_mode);
		found->nlookup = 1;
		found->next = fs->root.next;
		found->prev = &fs->root;
		fs->root.next->prev = found;
		fs->root.next = found;
	}
	pthread_mutex_unlock(&fs->lock);
	e->ino = found == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)found;
	return 0;
}

static void forget_one(fuse_req_t req, fuse_ino_t ino, uint64_t n)
{
	struct pt_fs *fs = fs_of(req);
	struct pt_inode *in = inode_of(req, ino);

	pthread_mutex_lock(&fs->lock);
	in->nlookup = n > in->nlookup ? 0 : in->nlookup - n;
	if (in->nlookup == 0 && in != &fs->root) {
		in->prev->next = in->next;
		in->next->prev = in->prev;
		close(in->fd);
		free(in);
	}
	pthread_mutex_unlock(&fs->lock);
}

static void pt_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* flock(2) on a file here must lock the source file too. */
	fuse_set_feature_flag(conn, FUSE_CAP_FLOCK_LOCKS);
	/* Writes go straight to the source file. */
	fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
}

static void pt_destroy(void *userdata)
{
	struct pt_fs *fs = userdata;

	while (fs->root.next != &fs->root) {
		struct pt_inode *in = fs->root.next;

		fs->root.next = in->next;
		close(in->fd);
		free(in);
	}
	fs->root.prev = &fs->root;
}

static void pt_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = do_lookup(req, parent, name, &e);

	if (err)
		fuse_reply_err(req, err);
	else if (fuse_reply_entry(req, &e) != 0)
		forget_one(req, e.ino, 1);
}

static void pt_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(req, ino, nlookup);
	fuse_reply_none(req);
}

static void pt_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		forget_one(req, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void pt_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (fstatat(fd_of(req, ino), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == -1)
		fuse_reply_err(req, errno);
	else
		fuse_reply_attr(req, &st, fs_of(req)->timeout);
}

static int set_times(struct pt_inode *in, const struct stat *attr, int to_set,
		     const struct fuse_file_info *fi)
{
	struct timespec tv[2];
	char path[64];

	tv[0].tv_sec = 0;
	tv[1].tv_sec = 0;
	tv[0].tv_nsec = UTIME_OMIT;
	tv[1].tv_nsec = UTIME_OMIT;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		tv[0].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_ATIME)
		tv[0] = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		tv[1].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_MTIME)
		tv[1] = attr->st_mtim;

	if (fi != NULL)
		return futimens((int)fi->fh, tv);
	if (in->is_symlink)
		return utimensat(in->fd, "", tv, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	proc_path(path, sizeof(path), in->fd);
	return utimensat(AT_FDCWD, path, tv, 0);
}

static void pt_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct pt_inode *in = inode_of(req, ino);
	char path[64];
	int res;

	proc_path(path, sizeof(path), in->fd);
	if (to_set & FUSE_SET_ATTR_MODE) {
		res = fi ? fchmod((int)fi->fh, attr->st_mode) : chmod(path, attr->st_mode);
		if (res == -1)
			goto fail;
	}
	if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		if (fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == -1)
			goto fail;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		res = fi ? ftruncate((int)fi->fh, attr->st_size) : truncate(path, attr->st_size);
		if (res == -1)
			goto fail;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		      FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)) {
		if (set_times(in, attr, to_set, fi) == -1)
			goto fail;
	}
	pt_getattr(req, ino, fi);
	return;
fail:
	fuse_reply_err(req, errno);
}

static void pt_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	ssize_t n = readlinkat(fd_of(req, ino), "", buf, sizeof(buf));

	if (n == -1) {
		fuse_reply_err(req, errno);
		return;
	}
	if ((size_t)n == sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* The caller of a creating request owns what it creates (the daemon may be root). */
static void give_to_caller(fuse_req_t req, int dirfd, const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	if (geteuid() == 0 && ctx != NULL && (ctx->uid != 0 || ctx->gid != 0))
		(void)fchownat(dirfd, name, ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW);
}

/* Finishes mknod/mkdir/symlink: `res` is the syscall's result. */
static void reply_made(fuse_req_t req, fuse_ino_t parent, const char *name, int res)
{
	struct fuse_entry_param e;
	int err;

	if (res == -1) {
		fuse_reply_err(req, errno);
		return;
	}
	give_to_caller(req, fd_of(req, parent), name);
	err = do_lookup(req, parent, name, &e);
	if (err)
		fuse_reply_err(req, err);
	else if (fuse_reply_entry(req, &e) != 0)
		forget_one(req, e.ino, 1);
}

static void pt_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     dev_t rdev)
{
	reply_made(req, parent, name, mknodat(fd_of(req, parent), name, mode, rdev));
}

static void pt_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	reply_made(req, parent, name, mkdirat(fd_of(req, parent), name, mode));
}

static void pt_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	reply_made(req, parent, name, symlinkat(link, fd_of(req, parent), name));
}

static void pt_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct pt_inode *in = inode_of(req, ino);
	struct fuse_entry_param e;
	char path[64];
	int err;

	proc_path(path, sizeof(path), in->fd);
	if (linkat(AT_FDCWD, path, fd_of(req, newparent), newname, AT_SYMLINK_FOLLOW) == -1) {
		fuse_reply_err(req, errno);
		return;
	}
	err = do_lookup(req, newparent, newname, &e);
	if (err)
		fuse_reply_err(req, err);
	else if (fuse_reply_entry(req, &e) != 0)
		forget_one(req, e.ino, 1);
}

static void pt_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int res = unlinkat(fd_of(req, parent), name, 0);

	fuse_reply_err(req, res == -1 ? errno : 0);
}

static void pt_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int res = unlinkat(fd_of(req, parent), name, AT_REMOVEDIR);

	fuse_reply_err(req, res == -1 ? errno : 0);
}

static void pt_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	int res = renameat2(fd_of(req, parent), name, fd_of(req, newparent), newname, flags);

	fuse_reply_err(req, res == -1 ? errno : 0);
}

struct pt_dir {
	DIR *dp;
	struct dirent *entry; /* read but not yet sent */
	off_t offset;         /* position of `entry`, or of the next read */
};

static void pt_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct pt_dir *d = calloc(1, sizeof(*d));
	int fd, err;

	if (d == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = openat(fd_of(req, ino), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (d->dp = fdopendir(fd)) == NULL) {
		err = errno;
		if (fd != -1)
			close(fd);
		free(d);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi) != 0) {
		closedir(d->dp);
		free(d);
	}
}

static int is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, int plus)
{
	struct pt_dir *d = (struct pt_dir *)(uintptr_t)fi->fh;
	char *buf = calloc(1, size), *p = buf;
	size_t rem = size;
	int err = 0;

	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (off != d->offset) {
		seekdir(d->dp, off);
		d->entry = NULL;
		d->offset = off;
	}
	for (;;) {
		struct fuse_entry_param e;
		fuse_ino_t looked_up = 0;
		const char *name;
		off_t next;
		size_t used;

		if (d->entry == NULL) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (d->entry == NULL) {
				err = errno; /* 0 at the end of the directory */
				break;
			}
		}
		name = d->entry->d_name;
		next = telldir(d->dp);
		if (plus) {
			if (is_dot_or_dotdot(name)) {
				memset(&e, 0, sizeof(e));
				e.attr.st_ino = d->entry->d_ino;
				e.attr.st_mode = (mode_t)d->entry->d_type << 12;
			} else {
				err = do_lookup(req, ino, name, &e);
				if (err)
					break;
				looked_up = e.ino;
			}
			used = fuse_add_direntry_plus(req, p, rem, name, &e, next);
		} else {
			struct stat st;

			memset(&st, 0, sizeof(st));
			st.st_ino = d->entry->d_ino;
			st.st_mode = (mode_t)d->entry->d_type << 12;
			used = fuse_add_direntry(req, p, rem, name, &st, next);
		}
		if (used > rem) {
			/* Did not fit: keep it for the next call, drop the reference. */
			if (looked_up)
				forget_one(req, looked_up, 1);
			break;
		}
		p += used;
		rem -= used;
		d->entry = NULL;
		d->offset = next;
	}
	/* An error after some entries still returns those entries. */
	if (err && p == buf)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void pt_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 0);
}

static void pt_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, 1);
}

static void pt_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct pt_dir *d = (struct pt_dir *)(uintptr_t)fi->fh;

	(void)ino;
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void pt_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	int fd, err;

	fd = openat(fd_of(req, parent), name, (fi->flags | O_CREAT | O_CLOEXEC) & ~O_NOFOLLOW,
		    mode);
	if (fd == -1) {
		fuse_reply_err(req, errno);
		return;
	}
	give_to_caller(req, fd_of(req, parent), name);
	err = do_lookup(req, parent, name, &e);
	if (err) {
		close(fd);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)fd;
	if (fuse_reply_create(req, &e, fi) != 0) {
		close(fd);
		forget_one(req, e.ino, 1);
	}
}

static void pt_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	char path[64];
	int fd;

	proc_path(path, sizeof(path), fd_of(req, ino));
	fd = open(path, (fi->flags | O_CLOEXEC) & ~O_NOFOLLOW);
	if (fd == -1) {
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = (uint64_t)fd;
	if (fuse_reply_open(req, fi) != 0)
		close(fd);
}

static void pt_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void pt_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* Closing a duplicate reports delayed write errors without closing the file. */
	int res = close(dup((int)fi->fh));

	(void)ino;
	fuse_reply_err(req, res == -1 ? errno : 0);
}

static void pt_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int res = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);

	(void)ino;
	fuse_reply_err(req, res == -1 ? errno : 0);
}

static void pt_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec src = FUSE_BUFVEC_INIT(size);

	(void)ino;
	src.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	src.buf[0].fd = (int)fi->fh;
	src.buf[0].pos = off;
	fuse_reply_data(req, &src, FUSE_BUF_SPLICE_MOVE);
}

static void pt_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(fuse_buf_size(in));
	ssize_t res;

	(void)ino;
	dst.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	dst.buf[0].fd = (int)fi->fh;
	dst.buf[0].pos = off;
	res = fuse_buf_copy(&dst, in, 0);
	if (res < 0)
		fuse_reply_err(req, (int)-res);
	else
		fuse_reply_write(req, (size_t)res);
}

static void pt_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	if (fstatvfs(fd_of(req, ino), &sv) == -1)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

static void pt_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
			 off_t length, struct fuse_file_info *fi)
{
	int res = fallocate((int)fi->fh, mode, offset, length);

	(void)ino;
	fuse_reply_err(req, res == -1 ? errno : 0);
}

static void pt_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
	int res = flock((int)fi->fh, op);

	(void)ino;
	fuse_reply_err(req, res == -1 ? errno : 0);
}

/* xattrs go through /proc/self/fd: an O_PATH descriptor has no f*xattr. A symlink's
 * magic link would be followed, so symlinks have none here. */
static int xattr_path(fuse_req_t req, fuse_ino_t ino, char *path, size_t len)
{
	struct pt_inode *in = inode_of(req, ino);

	if (in->is_symlink)
		return ENOTSUP;
	proc_path(path, len, in->fd);
	return 0;
}

static void pt_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	char path[64];
	char *value;
	ssize_t n;
	int err = xattr_path(req, ino, path, sizeof(path));

	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	if (size == 0) {
		n = getxattr(path, name, NULL, 0);
		if (n == -1)
			fuse_reply_err(req, errno);
		else
			fuse_reply_xattr(req, (size_t)n);
		return;
	}
	value = malloc(size);
	if (value == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = getxattr(path, name, value, size);
	if (n == -1)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, value, (size_t)n);
	free(value);
}

static void pt_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char path[64];
	char *list;
	ssize_t n;
	int err = xattr_path(req, ino, path, sizeof(path));

	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	if (size == 0) {
		n = listxattr(path, NULL, 0);
		if (n == -1)
			fuse_reply_err(req, errno);
		else
			fuse_reply_xattr(req, (size_t)n);
		return;
	}
	list = malloc(size);
	if (list == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = listxattr(path, list, size);
	if (n == -1)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, list, (size_t)n);
	free(list);
}

static void pt_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	char path[64];
	int err = xattr_path(req, ino, path, sizeof(path));

	if (err == 0 && setxattr(path, name, value, size, flags) == -1)
		err = errno;
	fuse_reply_err(req, err);
}

static void pt_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	char path[64];
	int err = xattr_path(req, ino, path, sizeof(path));

	if (err == 0 && removexattr(path, name) == -1)
		err = errno;
	fuse_reply_err(req, err);
}

static const struct fuse_lowlevel_ops pt_ops = {
	.init = pt_init,
	.destroy = pt_destroy,
	.lookup = pt_lookup,
	.forget = pt_forget,
	.getattr = pt_getattr,
	.setattr = pt_setattr,
	.readlink = pt_readlink,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.symlink = pt_symlink,
	.rename = pt_rename,
	.link = pt_link,
	.open = pt_open,
	.flush = pt_flush,
	.release = pt_release,
	.fsync = pt_fsync,
	.opendir = pt_opendir,
	.readdir = pt_readdir,
	.releasedir = pt_releasedir,
	.statfs = pt_statfs,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
	.create = pt_create,
	.read = pt_read,
	.write_buf = pt_write_buf,
	.forget_multi = pt_forget_multi,
	.flock = pt_flock,
	.fallocate = pt_fallocate,
	.readdirplus = pt_readdirplus,
};

static void usage(const char *argv0)
{
	printf("usage: %s [options] -o source=DIR <mountpoint>\n\n", argv0);
	printf("    -o source=DIR          directory to mirror\n"
	       "    -o timeout=SECONDS     attribute and entry cache time (default 1)\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct pt_opts popts = { NULL, 1.0 };
	struct pt_fs fs;
	struct fuse_session *se;
	struct stat st;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	memset(&fs, 0, sizeof(fs));
	fs.root.fd = -1;
	fs.root.next = fs.root.prev = &fs.root;
	pthread_mutex_init(&fs.lock, NULL);
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (fuse_opt_parse(&args, &popts, pt_opt_spec, NULL) == -1)
		goto out_args;
	if (opts.mountpoint == NULL || popts.source == NULL) {
		usage(argv[0]);
		goto out_args;
	}

	fs.timeout = popts.timeout;
	fs.source = realpath(popts.source, NULL);
	if (fs.source == NULL) {
		fuse_log(FUSE_LOG_ERR, "source %s: %s\n", popts.source, strerror(errno));
		goto out_args;
	}
	fs.root.fd = open(fs.source, O_PATH | O_CLOEXEC);
	if (fs.root.fd == -1 || fstat(fs.root.fd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fuse_log(FUSE_LOG_ERR, "source %s: not a usable directory\n", fs.source);
		goto out_fs;
	}
	fs.root.ino = st.st_ino;
	fs.root.dev = st.st_dev;
	fs.root.nlookup = 2;

	se = fuse_session_new(&args, &pt_ops, sizeof(pt_ops), &fs);
	if (se == NULL)
		goto out_fs;
	if (fuse_set_signal_handlers(se) == 0) {
		if (fuse_session_mount(se, opts.mountpoint) == 0) {
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
		}
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
out_fs:
	pt_destroy(&fs);
	if (fs.root.fd != -1)
		close(fs.root.fd);
	free(fs.source);
out_args:
	pthread_mutex_destroy(&fs.lock);
	free(popts.source);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
