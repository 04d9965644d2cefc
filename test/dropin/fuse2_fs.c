/*
 * A small in-memory filesystem written against libfuse 2.9's own headers (Debian's
 * libfuse-dev), linked against our libfuse.so.2 as a FUSE 2 program is: it uses the
 * 2.x forms bindfs does not, so that fuse2_test.cpp can see each one reached:
 * getdir instead of readdir, utime instead of utimens, fgetattr and ftruncate on open
 * files, and init with 2.x's struct fuse_conn_info, whose return must come back as
 * fuse_get_context()->private_data. The counters are readable in /.calls.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 26
#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 64
#define MAX_SIZE (4 << 20)

struct file {
	char name[64];
	char *data;
	size_t size;
	time_t atime, mtime;
};

static struct file files[MAX_FILES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int private_token;
static unsigned proto_major_seen, calls_fgetattr, calls_ftruncate, calls_getdir, calls_utime,
	calls_context_ok, calls_rename;

static struct file *find(const char *path)
{
	int i;
	if (path[0] != '/')
		return NULL;
	for (i = 0; i < MAX_FILES; i++)
		if (files[i].data && strcmp(files[i].name, path + 1) == 0)
			return &files[i];
	return NULL;
}

static void count_context(void)
{
	if (fuse_get_context()->private_data == &private_token)
		calls_context_ok++;
}

static int calls_text(char *buf, size_t size)
{
	return snprintf(buf, size,
			"proto_major=%u fgetattr=%u ftruncate=%u getdir=%u utime=%u context_ok=%u rename=%u\n",
			proto_major_seen, calls_fgetattr, calls_ftruncate, calls_getdir, calls_utime,
			calls_context_ok, calls_rename);
}

static void fill_stat(const struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	st->st_size = (off_t)f->size;
	st->st_atime = f->atime;
	st->st_mtime = f->mtime;
}

static int fs_getattr(const char *path, struct stat *st)
{
	struct file *f;
	char text[256];
	int res = 0;
	count_context();
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/.calls") == 0) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = calls_text(text, sizeof(text));
		return 0;
	}
	pthread_mutex_lock(&lock);
	f = find(path);
	if (f)
		fill_stat(f, st);
	else
		res = -ENOENT;
	pthread_mutex_unlock(&lock);
	return res;
}

static int fs_fgetattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct file *f = (struct file *)(uintptr_t)fi->fh;
	calls_fgetattr++;
	if (!f)
		return fs_getattr(path, st);
	pthread_mutex_lock(&lock);
	fill_stat(f, st);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int fs_getdir(const char *path, fuse_dirh_t h, fuse_dirfil_t filler)
{
	int i;
	if (strcmp(path, "/") != 0)
		return -ENOTDIR;
	calls_getdir++;
	filler(h, ".", DT_DIR, 1);
	filler(h, "..", DT_DIR, 1);
	filler(h, ".calls", DT_REG, 2);
	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_FILES; i++)
		if (files[i].data)
			filler(h, files[i].name, DT_REG, (ino_t)(100 + i));
	pthread_mutex_unlock(&lock);
	return 0;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int i;
	(void)mode;
	if (strlen(path + 1) >= sizeof(files[0].name))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_FILES && files[i].data; i++)
		;
	if (i == MAX_FILES) {
		pthread_mutex_unlock(&lock);
		return -ENOSPC;
	}
	strcpy(files[i].name, path + 1);
	files[i].data = calloc(1, MAX_SIZE);
	files[i].size = 0;
	files[i].atime = files[i].mtime = time(NULL);
	fi->fh = (uintptr_t)&files[i];
	pthread_mutex_unlock(&lock);
	return files[i].data ? 0 : -ENOMEM;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct file *f;
	if (strcmp(path, "/.calls") == 0) {
		fi->fh = 0;
		fi->direct_io = 1; /* its size changes with every call */
		return 0;
	}
	pthread_mutex_lock(&lock);
	f = find(path);
	fi->fh = (uintptr_t)f;
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct file *f = (struct file *)(uintptr_t)fi->fh;
	int n;
	if (!f) {
		char text[256];
		int len = calls_text(text, sizeof(text));
		(void)path;
		if (off >= len)
			return 0;
		n = (int)((size_t)(len - off) < size ? (size_t)(len - off) : size);
		memcpy(buf, text + off, (size_t)n);
		return n;
	}
	pthread_mutex_lock(&lock);
	if ((size_t)off >= f->size) {
		n = 0;
	} else {
		n = (int)(f->size - (size_t)off < size ? f->size - (size_t)off : size);
		memcpy(buf, f->data + off, (size_t)n);
	}
	pthread_mutex_unlock(&lock);
	return n;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct file *f = (struct file *)(uintptr_t)fi->fh;
	(void)path;
	if (!f)
		return -EACCES;
	if ((size_t)off + size > MAX_SIZE)
		return -EFBIG;
	pthread_mutex_lock(&lock);
	memcpy(f->data + off, buf, size);
	if ((size_t)off + size > f->size)
		f->size = (size_t)off + size;
	f->mtime = time(NULL);
	pthread_mutex_unlock(&lock);
	return (int)size;
}

static int resize(struct file *f, off_t size)
{
	if (size < 0 || size > MAX_SIZE)
		return -EFBIG;
	if ((size_t)size > f->size)
		memset(f->data + f->size, 0, (size_t)size - f->size);
	f->size = (size_t)size;
	return 0;
}

static int fs_truncate(const char *path, off_t size)
{
	struct file *f;
	int res;
	pthread_mutex_lock(&lock);
	f = find(path);
	res = f ? resize(f, size) : -ENOENT;
	pthread_mutex_unlock(&lock);
	return res;
}

static int fs_ftruncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct file *f = (struct file *)(uintptr_t)fi->fh;
	int res;
	calls_ftruncate++;
	if (!f)
		return fs_truncate(path, size);
	pthread_mutex_lock(&lock);
	res = resize(f, size);
	pthread_mutex_unlock(&lock);
	return res;
}

/* No utimens: libfuse 2 calls utime, with whole seconds, and so must we. */
static int fs_utime(const char *path, struct utimbuf *times)
{
	struct file *f;
	calls_utime++;
	pthread_mutex_lock(&lock);
	f = find(path);
	if (f) {
		f->atime = times->actime;
		f->mtime = times->modtime;
	}
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

static int fs_unlink(const char *path)
{
	struct file *f;
	pthread_mutex_lock(&lock);
	f = find(path);
	if (f) {
		free(f->data);
		f->data = NULL;
	}
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

static int fs_rename(const char *from, const char *to)
{
	struct file *f, *old;
	calls_rename++;
	if (strlen(to + 1) >= sizeof(files[0].name))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&lock);
	f = find(from);
	old = find(to);
	if (f && old && old != f) {
		free(old->data);
		old->data = NULL;
	}
	if (f)
		strcpy(f->name, to + 1);
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

static void *fs_init(struct fuse_conn_info *conn)
{
	proto_major_seen = conn->proto_major;
	conn->want |= FUSE_CAP_BIG_WRITES; /* a 2.x bit libfuse 3 took back: ignored */
	return &private_token;
}

static struct fuse_operations ops = {
	.getattr = fs_getattr,
	.fgetattr = fs_fgetattr,
	.getdir = fs_getdir,
	.create = fs_create,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.truncate = fs_truncate,
	.ftruncate = fs_ftruncate,
	.utime = fs_utime,
	.unlink = fs_unlink,
	.rename = fs_rename,
	.init = fs_init,
};

int main(int argc, char *argv[])
{
	return fuse_main(argc, argv, &ops, NULL);
}
