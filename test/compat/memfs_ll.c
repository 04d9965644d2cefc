/*
 * An in-memory read-write filesystem written against libfuse 3.18's lowlevel API
 * only: a tree of nodes under one mutex, inode numbers as indexes into a table,
 * nodes freed once they are unlinked, forgotten and closed.
 */
#define _GNU_SOURCE /* RENAME_NOREPLACE, RENAME_EXCHANGE */
#define FUSE_USE_VERSION 318

#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT 1.0
#define MAX_FILE_SIZE ((off_t)1 << 30)

struct node;

struct dentry {
	char *name;
	struct node *node;
	struct dentry *next;
};

struct node {
	fuse_ino_t ino;
	mode_t mode;
	nlink_t nlink;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	uint64_t lookups;   /* kernel references (lookup count) */
	unsigned opens;     /* open file handles */
	char *data;         /* regular files */
	size_t size, cap;
	struct node *parent;        /* directories */
	struct dentry *children;    /* directories */
};

static pthread_mutex_t fs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct node **inodes;   /* indexed by inode number; [0] unused */
static size_t inode_slots;
static fuse_ino_t next_ino = FUSE_ROOT_ID;

static struct timespec now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static struct node *node_get(fuse_ino_t ino)
{
	if (ino == 0 || ino >= inode_slots)
		return NULL;
	return inodes[ino];
}

static struct node *node_new(fuse_req_t req, mode_t mode)
{
	const struct fuse_ctx *ctx = req ? fuse_req_ctx(req) : NULL;
	struct node *n;

	if (next_ino >= inode_slots) {
		size_t slots = inode_slots ? inode_slots * 2 : 64;
		struct node **grown = realloc(inodes, slots * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		memset(grown + inode_slots, 0, (slots - inode_slots) * sizeof(*grown));
		inodes = grown;
		inode_slots = slots;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->ino = next_ino++;
	n->mode = mode;
	n->nlink = S_ISDIR(mode) ? 2 : 1;
	n->uid = ctx ? ctx->uid : 0;
	n->gid = ctx ? ctx->gid : 0;
	n->atime = n->mtime = n->ctime = now();
	inodes[n->ino] = n;
	return n;
}

/* Frees a node nobody can reach any more: no name, no kernel reference, not open. */
static void node_maybe_free(struct node *n)
{
	if (n->nlink > 0 || n->lookups > 0 || n->opens > 0 || n->ino == FUSE_ROOT_ID)
		return;
	inodes[n->ino] = NULL;
	free(n->data);
	free(n);
}

static void node_stat(const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_size = S_ISDIR(n->mode) ? 4096 : (off_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

static struct dentry **dentry_find(struct node *dir, const char *name)
{
	struct dentry **d;

	for (d = &dir->children; *d != NULL; d = &(*d)->next)
		if (strcmp((*d)->name, name) == 0)
			return d;
	return NULL;
}

static int dentry_add(struct node *dir, const char *name, struct node *n)
{
	struct dentry *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->name = strdup(name)) == NULL) {
		free(d);
		return ENOMEM;
	}
	d->node = n;
	d->next = dir->children;
	dir->children = d;
	if (S_ISDIR(n->mode)) {
		n->parent = dir;
		dir->nlink++;
	}
	dir->mtime = dir->ctime = now();
	return 0;
}

/* Unhooks *where from its directory; the node loses one link. */
static void dentry_remove(struct node *dir, struct dentry **where)
{
	struct dentry *d = *where;
	struct node *n = d->node;

	*where = d->next;
	free(d->name);
	free(d);
	if (S_ISDIR(n->mode)) {
		dir->nlink--;
		n->nlink = 0;
	} else {
		n->nlink--;
	}
	n->ctime = dir->mtime = dir->ctime = now();
}

static int set_size(struct node *n, off_t size)
{
	if (size < 0 || size > MAX_FILE_SIZE)
		return EFBIG;
	if ((size_t)size > n->cap) {
		size_t cap = n->cap ? n->cap : 4096;
		char *grown;

		while (cap < (size_t)size)
			cap *= 2;
		grown = realloc(n->data, cap);
		if (grown == NULL)
			return ENOSPC;
		n->data = grown;
		n->cap = cap;
	}
	if ((size_t)size > n->size)
		memset(n->data + n->size, 0, (size_t)size - n->size);
	n->size = (size_t)size;
	n->mtime = n->ctime = now();
	return 0;
}

/* Called with the lock held: answers with the entry and takes a lookup reference. */
static void reply_entry_locked(fuse_req_t req, struct node *n)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	node_stat(n, &e.attr);
	n->lookups++;
	if (fuse_reply_entry(req, &e) != 0)
		n->lookups--;
}

static void memfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node *dir;
	struct dentry **d;

	pthread_mutex_lock(&fs_lock);
	dir = node_get(parent);
	if (dir == NULL)
		fuse_reply_err(req, ENOENT);
	else if (!S_ISDIR(dir->mode))
		fuse_reply_err(req, ENOTDIR);
	else if (strcmp(name, ".") == 0)
		reply_entry_locked(req, dir);
	else if (strcmp(name, "..") == 0)
		reply_entry_locked(req, dir->parent ? dir->parent : dir);
	else if ((d = dentry_find(dir, name)) == NULL)
		fuse_reply_err(req, ENOENT);
	else
		reply_entry_locked(req, (*d)->node);
	pthread_mutex_unlock(&fs_lock);
}

static void forget_locked(fuse_ino_t ino, uint64_t nlookup)
{
	struct node *n = node_get(ino);

	if (n == NULL)
		return;
	n->lookups = nlookup > n->lookups ? 0 : n->lookups - nlookup;
	node_maybe_free(n);
}

static void memfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	pthread_mutex_lock(&fs_lock);
	forget_locked(ino, nlookup);
	pthread_mutex_unlock(&fs_lock);
	fuse_reply_none(req);
}

static void memfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	size_t i;

	pthread_mutex_lock(&fs_lock);
	for (i = 0; i < count; i++)
		forget_locked(forgets[i].ino, forgets[i].nlookup);
	pthread_mutex_unlock(&fs_lock);
	fuse_reply_none(req);
}

static void memfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node *n;
	struct stat st;

	(void)fi;
	pthread_mutex_lock(&fs_lock);
	n = node_get(ino);
	if (n != NULL)
		node_stat(n, &st);
	pthread_mutex_unlock(&fs_lock);
	if (n == NULL)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, TIMEOUT);
}

static void memfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			  struct fuse_file_info *fi)
{
	struct timespec t = now();
	struct node *n;
	struct stat st;
	int err = 0;

	(void)fi;
	pthread_mutex_lock(&fs_lock);
	n = node_get(ino);
	if (n == NULL) {
		err = ENOENT;
		goto out;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (S_ISDIR(n->mode)) {
			err = EISDIR;
			goto out;
		}
		err = set_size(n, attr->st_size);
		if (err)
			goto out;
	}
	if (to_set & FUSE_SET_ATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (attr->st_mode & 07777);
	if (to_set & FUSE_SET_ATTR_UID)
		n->uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		n->gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		n->atime = t;
	else if (to_set & FUSE_SET_ATTR_ATIME)
		n->atime = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		n->mtime = t;
	else if (to_set & FUSE_SET_ATTR_MTIME)
		n->mtime = attr->st_mtim;
	n->ctime = t;
	node_stat(n, &st);
out:
	pthread_mutex_unlock(&fs_lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, TIMEOUT);
}

/* Creates `name` in `parent`. On success returns the node with the lock held. */
static int make_node(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		     struct node **out)
{
	struct node *dir, *n;
	int err;

	if (strlen(name) > 255)
		return ENAMETOOLONG;
	pthread_mutex_lock(&fs_lock);
	dir = node_get(parent);
	if (dir == NULL || dir->nlink == 0) {
		err = ENOENT;
		goto fail;
	}
	if (!S_ISDIR(dir->mode)) {
		err = ENOTDIR;
		goto fail;
	}
	if (dentry_find(dir, name) != NULL) {
		err = EEXIST;
		goto fail;
	}
	n = node_new(req, mode);
	if (n == NULL) {
		err = ENOMEM;
		goto fail;
	}
	err = dentry_add(dir, name, n);
	if (err) {
		n->nlink = 0;
		node_maybe_free(n);
		goto fail;
	}
	*out = n;
	return 0;
fail:
	pthread_mutex_unlock(&fs_lock);
	return err;
}

static void memfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			dev_t rdev)
{
	struct node *n;
	int err;

	(void)rdev;
	if (S_ISDIR(mode)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	err = make_node(req, parent, name, mode, &n);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	reply_entry_locked(req, n);
	pthread_mutex_unlock(&fs_lock);
}

static void memfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct node *n;
	int err = make_node(req, parent, name, S_IFDIR | (mode & 07777), &n);

	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	reply_entry_locked(req, n);
	pthread_mutex_unlock(&fs_lock);
}

static void memfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			 struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct node *n;
	int err = make_node(req, parent, name, S_IFREG | (mode & 07777), &n);

	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	node_stat(n, &e.attr);
	n->lookups++;
	n->opens++;
	fi->fh = n->ino;
	if (fuse_reply_create(req, &e, fi) != 0) {
		n->lookups--;
		n->opens--;
	}
	pthread_mutex_unlock(&fs_lock);
}

static void remove_entry(fuse_req_t req, fuse_ino_t parent, const char *name, int want_dir)
{
	struct dentry **d;
	struct node *dir, *n;
	int err = 0;

	pthread_mutex_lock(&fs_lock);
	dir = node_get(parent);
	if (dir == NULL || !S_ISDIR(dir->mode)) {
		err = dir == NULL ? ENOENT : ENOTDIR;
		goto out;
	}
	d = dentry_find(dir, name);
	if (d == NULL) {
		err = ENOENT;
		goto out;
	}
	n = (*d)->node;
	if (want_dir && !S_ISDIR(n->mode))
		err = ENOTDIR;
	else if (!want_dir && S_ISDIR(n->mode))
		err = EISDIR;
	else if (want_dir && n->children != NULL)
		err = ENOTEMPTY;
	if (err)
		goto out;
	dentry_remove(dir, d);
	node_maybe_free(n);
out:
	pthread_mutex_unlock(&fs_lock);
	fuse_reply_err(req, err);
}

static void memfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, 0);
}

static void memfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, 1);
}

/* Is `dir` the same as, or below, `ancestor`? */
static int is_within(const struct node *dir, const struct node *ancestor)
{
	for (; dir != NULL; dir = dir->parent)
		if (dir == ancestor)
			return 1;
	return 0;
}

static int rename_locked(fuse_ino_t parent, const char *name, fuse_ino_t newparent,
			 const char *newname, unsigned int flags)
{
	struct node *from = node_get(parent), *to = node_get(newparent), *n, *old;
	struct dentry **src, **dst;
	nlink_t links;
	int err;

	if (flags & ~(unsigned int)RENAME_NOREPLACE)
		return EINVAL; /* RENAME_EXCHANGE and WHITEOUT are not supported */
	if (from == NULL || to == NULL)
		return ENOENT;
	if (!S_ISDIR(from->mode) || !S_ISDIR(to->mode))
		return ENOTDIR;
	if (strlen(newname) > 255)
		return ENAMETOOLONG;
	src = dentry_find(from, name);
	if (src == NULL)
		return ENOENT;
	n = (*src)->node;
	if (S_ISDIR(n->mode) && is_within(to, n))
		return EINVAL;
	dst = dentry_find(to, newname);
	if (dst != NULL) {
		old = (*dst)->node;
		if (old == n)
			return 0;
		if (flags & RENAME_NOREPLACE)
			return EEXIST;
		if (S_ISDIR(n->mode) && !S_ISDIR(old->mode))
			return ENOTDIR;
		if (!S_ISDIR(n->mode) && S_ISDIR(old->mode))
			return EISDIR;
		if (S_ISDIR(old->mode) && old->children != NULL)
			return ENOTEMPTY;
		dentry_remove(to, dst);
		node_maybe_free(old);
	}
	/* Link the new name first so `n` never looks unlinked; re-find the old name, as
	 * adding may have moved the list head `src` pointed into. */
	links = n->nlink;
	err = dentry_add(to, newname, n);
	if (err)
		return err;
	dentry_remove(from, dentry_find(from, name));
	n->nlink = links;
	return 0;
}

static void memfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			 fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	int err;

	pthread_mutex_lock(&fs_lock);
	err = rename_locked(parent, name, newparent, newname, flags);
	pthread_mutex_unlock(&fs_lock);
	fuse_reply_err(req, err);
}

static void memfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node *n;
	int err = 0;

	pthread_mutex_lock(&fs_lock);
	n = node_get(ino);
	if (n == NULL)
		err = ENOENT;
	else if (S_ISDIR(n->mode))
		err = EISDIR;
	else if (!S_ISREG(n->mode))
		err = ENXIO;
	else if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY)
		err = set_size(n, 0);
	if (err == 0) {
		n->opens++;
		fi->fh = ino;
		if (fuse_reply_open(req, fi) != 0)
			n->opens--;
	}
	pthread_mutex_unlock(&fs_lock);
	if (err)
		fuse_reply_err(req, err);
}

static void memfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node *n;

	(void)fi;
	pthread_mutex_lock(&fs_lock);
	n = node_get(ino);
	if (n != NULL && n->opens > 0) {
		n->opens--;
		node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs_lock);
	fuse_reply_err(req, 0);
}

static void memfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct node *n;

	(void)fi;
	pthread_mutex_lock(&fs_lock);
	n = node_get(ino);
	if (n == NULL) {
		fuse_reply_err(req, ENOENT);
	} else if (off < 0 || (size_t)off >= n->size) {
		fuse_reply_buf(req, NULL, 0);
	} else {
		size_t avail = n->size - (size_t)off;

		n->atime = now();
		/* fuse_reply_buf copies (or sends) the data before it returns. */
		fuse_reply_buf(req, n->data + off, size < avail ? size : avail);
	}
	pthread_mutex_unlock(&fs_lock);
}

static void memfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	struct node *n;
	int err = 0;

	(void)fi;
	pthread_mutex_lock(&fs_lock);
	n = node_get(ino);
	if (n == NULL)
		err = ENOENT;
	else if (off < 0 || off > MAX_FILE_SIZE - (off_t)size)
		err = EFBIG;
	else if ((size_t)off + size > n->size)
		err = set_size(n, off + (off_t)size);
	if (err == 0) {
		memcpy(n->data + off, buf, size);
		n->mtime = n->ctime = now();
	}
	pthread_mutex_unlock(&fs_lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, size);
}

/* A directory listing taken at opendir, served by readdir, freed by releasedir. */
struct dir_snapshot {
	char *buf;
	size_t len;
};

static int snapshot_add(fuse_req_t req, struct dir_snapshot *s, const char *name,
			const struct node *n)
{
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char *grown = realloc(s->buf, s->len + need);
	struct stat st;

	if (grown == NULL)
		return ENOMEM;
	s->buf = grown;
	memset(&st, 0, sizeof(st));
	st.st_ino = n->ino;
	st.st_mode = n->mode;
	fuse_add_direntry(req, s->buf + s->len, need, name, &st, (off_t)(s->len + need));
	s->len += need;
	return 0;
}

static void memfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir_snapshot *s = calloc(1, sizeof(*s));
	const struct dentry *d;
	struct node *dir;
	int err = 0;

	if (s == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&fs_lock);
	dir = node_get(ino);
	if (dir == NULL)
		err = ENOENT;
	else if (!S_ISDIR(dir->mode))
		err = ENOTDIR;
	else
		err = snapshot_add(req, s, ".", dir);
	if (err == 0)
		err = snapshot_add(req, s, "..", dir->parent ? dir->parent : dir);
	for (d = err == 0 ? dir->children : NULL; d != NULL && err == 0; d = d->next)
		err = snapshot_add(req, s, d->name, d->node);
	pthread_mutex_unlock(&fs_lock);
	if (err) {
		free(s->buf);
		free(s);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)s;
	if (fuse_reply_open(req, fi) != 0) {
		free(s->buf);
		free(s);
	}
}

static void memfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	const struct dir_snapshot *s = (const struct dir_snapshot *)(uintptr_t)fi->fh;
	size_t rest;

	(void)ino;
	if (off < 0 || (size_t)off >= s->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	rest = s->len - (size_t)off;
	/* A cut entry at the end is ignored by the kernel and asked for again. */
	fuse_reply_buf(req, s->buf + off, rest < size ? rest : size);
}

static void memfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir_snapshot *s = (struct dir_snapshot *)(uintptr_t)fi->fh;

	(void)ino;
	free(s->buf);
	free(s);
	fuse_reply_err(req, 0);
}

static void memfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	fsfilcnt_t used = 0;
	size_t i;

	(void)ino;
	pthread_mutex_lock(&fs_lock);
	for (i = 0; i < inode_slots; i++)
		used += inodes[i] != NULL;
	pthread_mutex_unlock(&fs_lock);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 4096;
	sv.f_frsize = 4096;
	sv.f_blocks = 1 << 20;
	sv.f_bfree = 1 << 19;
	sv.f_bavail = 1 << 19;
	sv.f_files = 1 << 20;
	sv.f_ffree = sv.f_files - used;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops memfs_ops = {
	.lookup = memfs_lookup,
	.forget = memfs_forget,
	.getattr = memfs_getattr,
	.setattr = memfs_setattr,
	.mknod = memfs_mknod,
	.mkdir = memfs_mkdir,
	.unlink = memfs_unlink,
	.rmdir = memfs_rmdir,
	.rename = memfs_rename,
	.open = memfs_open,
	.read = memfs_read,
	.write = memfs_write,
	.release = memfs_release,
	.opendir = memfs_opendir,
	.readdir = memfs_readdir,
	.releasedir = memfs_releasedir,
	.statfs = memfs_statfs,
	.create = memfs_create,
	.forget_multi = memfs_forget_multi,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se;
	struct node *root;
	int ret = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help || opts.show_version || opts.mountpoint == NULL) {
		if (opts.show_version) {
			printf("FUSE library version %s\n", fuse_pkgversion());
			fuse_lowlevel_version();
		} else {
			printf("usage: %s [options] <mountpoint>\n\n", argv[0]);
			fuse_cmdline_help();
			fuse_lowlevel_help();
		}
		ret = opts.mountpoint == NULL && !opts.show_help && !opts.show_version;
		goto out_args;
	}

	root = node_new(NULL, S_IFDIR | 0755);
	if (root == NULL)
		goto out_args;
	root->uid = getuid();
	root->gid = getgid();

	se = fuse_session_new(&args, &memfs_ops, sizeof(memfs_ops), NULL);
	if (se == NULL)
		goto out_args;
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
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
