/* libfuse 3 compatible lowlevel API for uringfuse. Same names, semantics and struct
 * layouts as libfuse 3.19's fuse_lowlevel.h, implemented on top of uringfuse's C++
 * core (so -o io_uring works for ported filesystems). Written for uringfuse. */
#ifndef FUSE_LOWLEVEL_H_
#define FUSE_LOWLEVEL_H_

#ifndef FUSE_USE_VERSION
#error FUSE_USE_VERSION not defined
#endif

#include "fuse_common.h"

#include <stddef.h>
#include <stdint.h>
#include <utime.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FUSE_ROOT_ID 1

typedef uint64_t fuse_ino_t;
typedef struct fuse_req *fuse_req_t;

struct statx;

struct fuse_entry_param {
	fuse_ino_t ino;
	uint64_t generation;
	struct stat attr;
	double attr_timeout;
	double entry_timeout;
};

struct fuse_ctx {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	mode_t umask;
};

struct fuse_forget_data {
	fuse_ino_t ino;
	uint64_t nlookup;
};

enum fuse_notify_entry_flags {
	FUSE_LL_INVALIDATE = 0,
	FUSE_LL_EXPIRE_ONLY = (1 << 0),
};

struct fuse_custom_io {
	ssize_t (*writev)(int fd, struct iovec *iov, int count, void *userdata);
	ssize_t (*read)(int fd, void *buf, size_t buf_len, void *userdata);
	ssize_t (*splice_receive)(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
				  unsigned int flags, void *userdata);
	ssize_t (*splice_send)(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
			       unsigned int flags, void *userdata);
	int (*clone_fd)(int master_fd);
};

#define FUSE_SET_ATTR_MODE (1 << 0)
#define FUSE_SET_ATTR_UID (1 << 1)
#define FUSE_SET_ATTR_GID (1 << 2)
#define FUSE_SET_ATTR_SIZE (1 << 3)
#define FUSE_SET_ATTR_ATIME (1 << 4)
#define FUSE_SET_ATTR_MTIME (1 << 5)
#define FUSE_SET_ATTR_ATIME_NOW (1 << 7)
#define FUSE_SET_ATTR_MTIME_NOW (1 << 8)
#define FUSE_SET_ATTR_FORCE (1 << 9)
#define FUSE_SET_ATTR_CTIME (1 << 10)
#define FUSE_SET_ATTR_KILL_SUID (1 << 11)
#define FUSE_SET_ATTR_KILL_SGID (1 << 12)
#define FUSE_SET_ATTR_FILE (1 << 13)
#define FUSE_SET_ATTR_KILL_PRIV (1 << 14)
#define FUSE_SET_ATTR_OPEN (1 << 15)
#define FUSE_SET_ATTR_TIMES_SET (1 << 16)
#define FUSE_SET_ATTR_TOUCH (1 << 17)

/* The operations; member order is ABI and matters to designated initializers. */
struct fuse_lowlevel_ops {
	void (*init)(void *userdata, struct fuse_conn_info *conn);
	void (*destroy)(void *userdata);
	void (*lookup)(fuse_req_t req, fuse_ino_t parent, const char *name);
	void (*forget)(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
	void (*getattr)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*setattr)(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi);
	void (*readlink)(fuse_req_t req, fuse_ino_t ino);
	void (*mknod)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
	void (*mkdir)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
	void (*unlink)(fuse_req_t req, fuse_ino_t parent, const char *name);
	void (*rmdir)(fuse_req_t req, fuse_ino_t parent, const char *name);
	void (*symlink)(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
	void (*rename)(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		       const char *newname, unsigned int flags);
	void (*link)(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
	void (*open)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*read)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
	void (*write)(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi);
	void (*flush)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*release)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*fsync)(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
	void (*opendir)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*readdir)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
	void (*releasedir)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
	void (*fsyncdir)(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
	void (*statfs)(fuse_req_t req, fuse_ino_t ino);
	void (*setxattr)(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			 size_t size, int flags);
	void (*getxattr)(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
	void (*listxattr)(fuse_req_t req, fuse_ino_t ino, size_t size);
	void (*removexattr)(fuse_req_t req, fuse_ino_t ino, const char *name);
	void (*access)(fuse_req_t req, fuse_ino_t ino, int mask);
	void (*create)(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       struct fuse_file_info *fi);
	void (*getlk)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock);
	void (*setlk)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
		      int sleep);
	void (*bmap)(fuse_req_t req, fuse_ino_t ino, size_t blocksize, uint64_t idx);
#if FUSE_USE_VERSION < 35
	void (*ioctl)(fuse_req_t req, fuse_ino_t ino, int cmd, void *arg, struct fuse_file_info *fi,
		      unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz);
#else
	void (*ioctl)(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
		      struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
		      size_t out_bufsz);
#endif
	void (*poll)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph);
	void (*write_buf)(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv, off_t off,
			  struct fuse_file_info *fi);
	void (*retrieve_reply)(fuse_req_t req, void *cookie, fuse_ino_t ino, off_t offset,
			       struct fuse_bufvec *bufv);
	void (*forget_multi)(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
	void (*flock)(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op);
	void (*fallocate)(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
			  struct fuse_file_info *fi);
	void (*readdirplus)(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			    struct fuse_file_info *fi);
	void (*copy_file_range)(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
				struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
				struct fuse_file_info *fi_out, size_t len, int flags);
	void (*lseek)(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);
	void (*tmpfile)(fuse_req_t req, fuse_ino_t parent, mode_t mode, struct fuse_file_info *fi);
	void (*statx)(fuse_req_t req, fuse_ino_t ino, int flags, int mask, struct fuse_file_info *fi);
	void (*syncfs)(fuse_req_t req, fuse_ino_t ino);
};

/* Replies: each frees the request; 0 or -errno when the answer could not be sent. */
int fuse_reply_err(fuse_req_t req, int err);
void fuse_reply_none(fuse_req_t req);
int fuse_reply_entry(fuse_req_t req, const struct fuse_entry_param *e);
int fuse_reply_create(fuse_req_t req, const struct fuse_entry_param *e, const struct fuse_file_info *fi);
int fuse_reply_attr(fuse_req_t req, const struct stat *attr, double attr_timeout);
int fuse_reply_readlink(fuse_req_t req, const char *link);
int fuse_passthrough_open(fuse_req_t req, int fd);
int fuse_passthrough_close(fuse_req_t req, int backing_id);
int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi);
int fuse_reply_write(fuse_req_t req, size_t count);
int fuse_reply_buf(fuse_req_t req, const char *buf, size_t size);
int fuse_reply_data(fuse_req_t req, struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse_reply_iov(fuse_req_t req, const struct iovec *iov, int count);
int fuse_reply_statfs(fuse_req_t req, const struct statvfs *stbuf);
int fuse_reply_xattr(fuse_req_t req, size_t count);
int fuse_reply_lock(fuse_req_t req, const struct flock *lock);
int fuse_reply_bmap(fuse_req_t req, uint64_t idx);
int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec *in_iov, size_t in_count,
			   const struct iovec *out_iov, size_t out_count);
int fuse_reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size);
int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec *iov, int count);
int fuse_reply_poll(fuse_req_t req, unsigned revents);
int fuse_reply_lseek(fuse_req_t req, off_t off);
int fuse_reply_statx(fuse_req_t req, int flags, const struct statx *statx, double attr_timeout);

/* Directory buffers */
size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize, const char *name,
			 const struct stat *stbuf, off_t off);
size_t fuse_add_direntry_plus(fuse_req_t req, char *buf, size_t bufsize, const char *name,
			      const struct fuse_entry_param *e, off_t off);

/* Notifications */
int fuse_lowlevel_notify_poll(struct fuse_pollhandle *ph);
int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino, off_t off, off_t len);
int fuse_lowlevel_notify_increment_epoch(struct fuse_session *se);
int fuse_lowlevel_notify_inval_entry(struct fuse_session *se, fuse_ino_t parent, const char *name,
				     size_t namelen);
int fuse_lowlevel_notify_expire_entry(struct fuse_session *se, fuse_ino_t parent, const char *name,
				      size_t namelen);
int fuse_lowlevel_notify_delete(struct fuse_session *se, fuse_ino_t parent, fuse_ino_t child,
				const char *name, size_t namelen);
int fuse_lowlevel_notify_store(struct fuse_session *se, fuse_ino_t ino, off_t offset,
			       struct fuse_bufvec *bufv, enum fuse_buf_copy_flags flags);
int fuse_lowlevel_notify_retrieve(struct fuse_session *se, fuse_ino_t ino, size_t size, off_t offset,
				  void *cookie);
int fuse_lowlevel_notify_prune(struct fuse_session *se, fuse_ino_t *nodeids, uint32_t count);

/* Request helpers */
void *fuse_req_userdata(fuse_req_t req);
const struct fuse_ctx *fuse_req_ctx(fuse_req_t req);
int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[]);
typedef void (*fuse_interrupt_func_t)(fuse_req_t req, void *data);
void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void *data);
int fuse_req_interrupted(fuse_req_t req);
bool fuse_req_is_uring(fuse_req_t req);
uint32_t fuse_req_secctx_count(fuse_req_t req);
void fuse_req_secctx_reset(fuse_req_t req);
int fuse_req_secctx_next(fuse_req_t req, const char **name, const char **value, uint32_t *size);
int fuse_req_get_payload(fuse_req_t req, char **payload, size_t *payload_sz, void **mr);

/* Command line */
struct fuse_cmdline_opts {
	int singlethread;
	int foreground;
	int debug;
	int nodefault_subtype;
	char *mountpoint;
	int show_version;
	int show_help;
	int clone_fd;
	unsigned int max_idle_threads;
	unsigned int max_threads;
};

int fuse_parse_cmdline(struct fuse_args *args, struct fuse_cmdline_opts *opts);
/* The forms libfuse exports for binaries: _30 fills only the fields before
 * max_threads (the struct of libfuse 3.0-3.11), _312 the whole struct. */
int fuse_parse_cmdline_30(struct fuse_args *args, struct fuse_cmdline_opts *opts);
int fuse_parse_cmdline_312(struct fuse_args *args, struct fuse_cmdline_opts *opts);
void fuse_cmdline_help(void);
void fuse_lowlevel_help(void);
void fuse_lowlevel_version(void);

/* Sessions */
struct fuse_session *fuse_session_new_versioned(struct fuse_args *args,
						const struct fuse_lowlevel_ops *op, size_t op_size,
						const struct libfuse_version *version, void *userdata);
static inline struct fuse_session *fuse_session_new_fn(struct fuse_args *args,
						       const struct fuse_lowlevel_ops *op,
						       size_t op_size, void *userdata)
{
	struct libfuse_version version = { FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION,
					   FUSE_HOTFIX_VERSION, 0 };
	return fuse_session_new_versioned(args, op, op_size, &version, userdata);
}
#define fuse_session_new(args, op, op_size, userdata) \
	fuse_session_new_fn(args, op, op_size, userdata)

int fuse_session_custom_io_317(struct fuse_session *se, const struct fuse_custom_io *io,
			       size_t op_size, int fd);
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 17)
static inline int fuse_session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io,
					 size_t op_size, int fd)
{
	return fuse_session_custom_io_317(se, io, op_size, fd);
}
#else
static inline int fuse_session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd)
{
	return fuse_session_custom_io_317(se, io, offsetof(struct fuse_custom_io, clone_fd), fd);
}
#endif

int fuse_session_mount(struct fuse_session *se, const char *mountpoint);
int fuse_session_loop(struct fuse_session *se);

int fuse_session_loop_mt_31(struct fuse_session *se, int clone_fd);
int fuse_session_loop_mt_32(struct fuse_session *se, struct fuse_loop_config_v1 *config);
int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);
#if FUSE_USE_VERSION < 32
#define fuse_session_loop_mt(se, clone_fd) fuse_session_loop_mt_31(se, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
#define fuse_session_loop_mt(se, config) \
	fuse_session_loop_mt_32(se, (struct fuse_loop_config_v1 *)(config))
#else
int fuse_session_loop_mt(struct fuse_session *se, struct fuse_loop_config *config);
#endif

void fuse_session_exit(struct fuse_session *se);
void fuse_session_reset(struct fuse_session *se);
int fuse_session_exited(struct fuse_session *se);
void fuse_session_unmount(struct fuse_session *se);
void fuse_session_destroy(struct fuse_session *se);
int fuse_session_fd(const struct fuse_session *se);
int fuse_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf);
void fuse_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf);
void fuse_session_set_debug(struct fuse_session *se);
void fuse_session_set_sync_init(struct fuse_session *se, bool sync_init);
/* Whether INIT was answered before fuse_session_mount() returned. uringfuse always
 * answers it from the loop (fuse_session_set_sync_init has no effect), so false. */
bool fuse_conn_is_sync_init(const struct fuse_conn_info *conn);

/* A thread watching the session fd for POLLERR (connection aborted, umount -f): it
 * ends the session and, if that has not finished within `timeout_secs`, calls `cb`
 * (or exit(1)). */
typedef void (*fuse_timeout_cb)(void *data);
void *fuse_session_start_teardown_watchdog(struct fuse_session *se, int timeout_secs,
					   fuse_timeout_cb cb, void *data);
void fuse_session_stop_teardown_watchdog(void *watchdog);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOWLEVEL_H_ */
