/* A high-level filesystem as a binary built against libfuse 3.14 sees the library:
 * linked to our libfuse3.so.3 drop-in (so fuse_main_real and fuse_buf_copy bind to
 * their FUSE_3.0 versions), with struct fuse_buf in 3.14's layout, which has no
 * mem_size and so a shorter stride. Its read_buf answers every read with three
 * buffers, two in memory and one in a memfd, and its write_buf gathers what it is
 * given with fuse_buf_copy: if the library read either vector in its own layout,
 * the second and third buffers would be garbage and the bytes would not match.
 *
 * One file, /pieces, of up to 1 MiB; it starts as kStartSize bytes of a pattern
 * (byte i is (i * 7 + i / 251) & 0xff, which the test computes the same way). */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* libfuse 3.14's struct fuse_buf and fuse_bufvec. */
struct buf_314 {
	size_t size;
	enum fuse_buf_flags flags;
	void *mem;
	int fd;
	off_t pos;
};
struct bufvec_314 {
	size_t count;
	size_t idx;
	size_t off;
	struct buf_314 buf[1];
};

enum { kStartSize = 200000, kMaxSize = 1 << 20 };
static unsigned char data[kMaxSize];
static size_t data_size = kStartSize;
static int data_fd = -1; /* a memfd holding the same bytes, for the fd buffer */

static int pieces_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/pieces") != 0)
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	st->st_size = (off_t)data_size;
	return 0;
}

static int pieces_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
			  struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off; (void)fi; (void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "pieces", NULL, 0, 0);
	return 0;
}

static int pieces_open(const char *path, struct fuse_file_info *fi)
{
	(void)fi;
	return strcmp(path, "/pieces") == 0 ? 0 : -ENOENT;
}

static void *copy_of(size_t off, size_t len)
{
	void *mem = malloc(len ? len : 1);
	if (mem)
		memcpy(mem, data + off, len);
	return mem;
}

/* The range in thirds: memory, memory, then the memfd at its offset. */
static int pieces_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	size_t start = (size_t)off < data_size ? (size_t)off : data_size;
	size_t len = size < data_size - start ? size : data_size - start;
	size_t third = len / 3;
	struct bufvec_314 *v = malloc(sizeof(*v) + 2 * sizeof(struct buf_314));
	if (!v)
		return -ENOMEM;
	memset(v, 0, sizeof(*v) + 2 * sizeof(struct buf_314));
	v->count = 3;
	v->buf[0].size = third;
	v->buf[0].mem = copy_of(start, third);
	v->buf[1].size = third;
	v->buf[1].mem = copy_of(start + third, third);
	v->buf[2].size = len - 2 * third;
	v->buf[2].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	v->buf[2].fd = data_fd;
	v->buf[2].pos = (off_t)(start + 2 * third);
	if (!v->buf[0].mem || !v->buf[1].mem) {
		free(v->buf[0].mem);
		free(v->buf[1].mem);
		free(v);
		return -ENOMEM;
	}
	*bufp = (struct fuse_bufvec *)v;
	return 0;
}

static int pieces_write_buf(const char *path, struct fuse_bufvec *in, off_t off, struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	struct bufvec_314 *src = (struct bufvec_314 *)in;
	size_t total = 0;
	for (size_t i = src->idx; i < src->count; i++)
		total += src->buf[i].size;
	total -= src->off;
	if ((size_t)off + total > kMaxSize)
		return -EFBIG;
	if ((size_t)off > data_size) /* a hole reads as zeros, as in the memfd */
		memset(data + data_size, 0, (size_t)off - data_size);
	struct bufvec_314 dst = { 1, 0, 0, { { total, 0, data + off, -1, 0 } } };
	ssize_t copied = fuse_buf_copy((struct fuse_bufvec *)&dst, in, 0);
	if (copied < 0)
		return (int)copied;
	if (pwrite(data_fd, data + off, (size_t)copied, off) != copied)
		return -EIO;
	if ((size_t)off + (size_t)copied > data_size)
		data_size = (size_t)off + (size_t)copied;
	return (int)copied;
}

static int pieces_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	if (size < 0 || size > kMaxSize)
		return -EFBIG;
	if ((size_t)size > data_size)
		memset(data + data_size, 0, (size_t)size - data_size);
	data_size = (size_t)size;
	return ftruncate(data_fd, size) == 0 ? 0 : -errno;
}

static const struct fuse_operations pieces_ops = {
	.getattr = pieces_getattr,
	.readdir = pieces_readdir,
	.open = pieces_open,
	.read_buf = pieces_read_buf,
	.write_buf = pieces_write_buf,
	.truncate = pieces_truncate,
};

int main(int argc, char *argv[])
{
	for (size_t i = 0; i < kMaxSize; i++)
		data[i] = (unsigned char)((i * 7 + i / 251) & 0xff);
	data_fd = memfd_create("pieces", MFD_CLOEXEC);
	if (data_fd < 0 || pwrite(data_fd, data, kStartSize, 0) != kStartSize)
		return 1;
	return fuse_main(argc, argv, &pieces_ops, NULL);
}
