/* libfuse 3 compatible high-level (path-based) API for uringfuse: struct
 * fuse_operations, fuse_new()/fuse_main() and the fuse_fs_* calls, with libfuse
 * 3.19's names, struct layouts and FUSE_USE_VERSION mechanics. It runs on the same
 * core as the lowlevel API, so -o io_uring and FUSE_URING_ENABLE=1 work for path
 * filesystems too. doc/path-api.md describes it. Written for uringfuse. */
#ifndef FUSE_H_
#define FUSE_H_

#ifndef FUSE_USE_VERSION
#error FUSE_USE_VERSION not defined
#endif

#include "fuse_common.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fuse;
struct fuse_fs;
struct fuse_session;
struct statx;

/* Given to readdir: the kernel asked for attributes with the names. */
enum fuse_readdir_flags {
	FUSE_READDIR_DEFAULTS = 0,
	FUSE_READDIR_PLUS = (1 << 0),
};

/* Given to the filler: FUSE_FILL_DIR_PLUS says the stat is complete, so the entry
 * can be handed to the kernel as a looked-up name (readdirplus). */
enum fuse_fill_dir_flags {
	FUSE_FILL_DIR_DEFAULTS = 0,
	FUSE_FILL_DIR_PLUS = (1 << 1),
};

/* Adds one name to a directory listing. `off` is 0 when the filesystem hands out
 * the whole directory at once, or the offset of the next entry otherwise. Returns
 * 1 when the reply buffer is full (stop and wait for the next readdir call). */
typedef int (*fuse_fill_dir_t)(void *buf, const char *name, const struct stat *stbuf,
			       off_t off, enum fuse_fill_dir_flags flags);

/* What fuse_new()'s options set, handed to init() for the filesystem to change. */
struct fuse_config {
	int32_t set_gid;
	uint32_t gid;
	int32_t set_uid;
	uint32_t uid;
	int32_t set_mode;
	uint32_t umask;
	double entry_timeout;
	double negative_timeout;
	double attr_timeout;
	int32_t intr;
	int32_t intr_signal;
	int32_t remember;
	int32_t hard_remove;
	int32_t use_ino;
	int32_t readdir_ino;
	int32_t direct_io;
	int32_t kernel_cache;
	int32_t auto_cache;
	int32_t ac_attr_timeout_set;
	double ac_attr_timeout;
	int32_t nullpath_ok;
	int32_t show_help;
	char *modules;
	int32_t debug;
	uint32_t fmask;
	uint32_t dmask;
	int32_t no_rofd_flush;
	int32_t parallel_direct_writes;
	uint32_t flags;
	uint64_t reserved[48];
};

/* The filesystem's operations. Every one is optional; a missing one answers
 * ENOSYS (or does the libfuse default, e.g. flush and release succeed). Paths are
 * absolute from the mount's root; with nullpath_ok set, operations on open files
 * may get NULL for a file that was unlinked meanwhile. */
struct fuse_operations {
	int (*getattr)(const char *, struct stat *, struct fuse_file_info *fi);
	int (*readlink)(const char *, char *, size_t);
	int (*mknod)(const char *, mode_t, dev_t);
	int (*mkdir)(const char *, mode_t);
	int (*unlink)(const char *);
	int (*rmdir)(const char *);
	int (*symlink)(const char *, const char *);
	int (*rename)(const char *, const char *, unsigned int flags);
	int (*link)(const char *, const char *);
	int (*chmod)(const char *, mode_t, struct fuse_file_info *fi);
	int (*chown)(const char *, uid_t, gid_t, struct fuse_file_info *fi);
	int (*truncate)(const char *, off_t, struct fuse_file_info *fi);
	int (*open)(const char *, struct fuse_file_info *);
	int (*read)(const char *, char *, size_t, off_t, struct fuse_file_info *);
	int (*write)(const char *, const char *, size_t, off_t, struct fuse_file_info *);
	int (*statfs)(const char *, struct statvfs *);
	int (*flush)(const char *, struct fuse_file_info *);
	int (*release)(const char *, struct fuse_file_info *);
	int (*fsync)(const char *, int, struct fuse_file_info *);
	int (*setxattr)(const char *, const char *, const char *, size_t, int);
	int (*getxattr)(const char *, const char *, char *, size_t);
	int (*listxattr)(const char *, char *, size_t);
	int (*removexattr)(const char *, const char *);
	int (*opendir)(const char *, struct fuse_file_info *);
	int (*readdir)(const char *, void *, fuse_fill_dir_t, off_t, struct fuse_file_info *,
		       enum fuse_readdir_flags);
	int (*releasedir)(const char *, struct fuse_file_info *);
	int (*fsyncdir)(const char *, int, struct fuse_file_info *);
	void *(*init)(struct fuse_conn_info *conn, struct fuse_config *cfg);
	void (*destroy)(void *private_data);
	int (*access)(const char *, int);
	int (*create)(const char *, mode_t, struct fuse_file_info *);
	int (*lock)(const char *, struct fuse_file_info *, int cmd, struct flock *);
	int (*utimens)(const char *, const struct timespec tv[2], struct fuse_file_info *fi);
	int (*bmap)(const char *, size_t blocksize, uint64_t *idx);
#if FUSE_USE_VERSION < 35
	int (*ioctl)(const char *, int cmd, void *arg, struct fuse_file_info *,
		     unsigned int flags, void *data);
#else
	int (*ioctl)(const char *, unsigned int cmd, void *arg, struct fuse_file_info *,
		     unsigned int flags, void *data);
#endif
	int (*poll)(const char *, struct fuse_file_info *, struct fuse_pollhandle *ph,
		    unsigned *reventsp);
	int (*write_buf)(const char *, struct fuse_bufvec *buf, off_t off,
			 struct fuse_file_info *);
	int (*read_buf)(const char *, struct fuse_bufvec **bufp, size_t size, off_t off,
			struct fuse_file_info *);
	int (*flock)(const char *, struct fuse_file_info *, int op);
	int (*fallocate)(const char *, int, off_t, off_t, struct fuse_file_info *);
	ssize_t (*copy_file_range)(const char *path_in, struct fuse_file_info *fi_in,
				   off_t offset_in, const char *path_out,
				   struct fuse_file_info *fi_out, off_t offset_out,
				   size_t size, int flags);
	off_t (*lseek)(const char *, off_t off, int whence, struct fuse_file_info *);
	int (*statx)(const char *path, int flags, int mask, struct statx *stxbuf,
		     struct fuse_file_info *fi);
	int (*syncfs)(const char *path);
};

/* Who made the request being served (fuse_get_context()). */
struct fuse_context {
	struct fuse *fuse;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	void *private_data;
	mode_t umask;
};

/* Parses the command line, mounts, serves until unmounted or signalled, then
 * unmounts. Returns 0 on success; 1 bad options, 2 no mountpoint, 3 fuse_new
 * failed, 4 mount failed, 5 daemonizing failed, 6 signal handlers, 7 the loop's
 * configuration, 8 the loop ended with an error. */
int fuse_main_real(int argc, char *argv[], const struct fuse_operations *op, size_t op_size,
		   void *private_data);
#define fuse_main(argc, argv, op, private_data) \
	fuse_main_real(argc, argv, op, sizeof(*(op)), private_data)

/* Prints the options fuse_new() takes (and, from 3.1 on, nothing else). */
void fuse_lib_help(struct fuse_args *args);

/* The filesystem object. The 3.0 form prints the library's help for -h itself;
 * from 3.1 on that is fuse_lib_help()'s job. */
struct fuse *fuse_new_30(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op,
			 size_t op_size, void *private_data);
#if FUSE_USE_VERSION == 30
#define fuse_new(args, op, size, data) fuse_new_30(args, op, size, data)
#else
#define fuse_new(args, op, size, data) fuse_new_31(args, op, size, data)
#endif

int fuse_mount(struct fuse *f, const char *mountpoint);
void fuse_unmount(struct fuse *f);
void fuse_destroy(struct fuse *f);
int fuse_loop(struct fuse *f);
void fuse_exit(struct fuse *f);

int fuse_loop_mt_31(struct fuse *f, int clone_fd);
int fuse_loop_mt_32(struct fuse *f, struct fuse_loop_config_v1 *config);
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);
#if FUSE_USE_VERSION < 32
#define fuse_loop_mt(f, clone_fd) fuse_loop_mt_31(f, clone_fd)
#elif FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
#define fuse_loop_mt(f, config) fuse_loop_mt_32(f, (struct fuse_loop_config_v1 *)(config))
#else
int fuse_loop_mt(struct fuse *f, struct fuse_loop_config *config);
#endif

/* The request being served on this thread; outside a request, fuse and
 * private_data are still set. */
struct fuse_context *fuse_get_context(void);
int fuse_getgroups(int size, gid_t list[]);
int fuse_interrupted(void);
int fuse_invalidate_path(struct fuse *f, const char *path);
struct fuse_session *fuse_get_session(const struct fuse *f);

/* With -o remember=T, forgotten names are dropped T seconds later by this thread
 * (fuse_loop_mt() and fuse_main() start it themselves). */
int fuse_start_cleanup_thread(struct fuse *fuse);
void fuse_stop_cleanup_thread(struct fuse *fuse);
int fuse_clean_cache(struct fuse *fuse);

/* The filesystem's operations called directly, as stacking modules do; a missing
 * operation gives -ENOSYS. */
int fuse_fs_getattr(struct fuse_fs *fs, const char *path, struct stat *buf,
		    struct fuse_file_info *fi);
int fuse_fs_rename(struct fuse_fs *fs, const char *oldpath, const char *newpath,
		   unsigned int flags);
int fuse_fs_unlink(struct fuse_fs *fs, const char *path);
int fuse_fs_rmdir(struct fuse_fs *fs, const char *path);
int fuse_fs_symlink(struct fuse_fs *fs, const char *linkname, const char *path);
int fuse_fs_link(struct fuse_fs *fs, const char *oldpath, const char *newpath);
int fuse_fs_release(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_open(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_read(struct fuse_fs *fs, const char *path, char *buf, size_t size, off_t off,
		 struct fuse_file_info *fi);
int fuse_fs_read_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec **bufp,
		     size_t size, off_t off, struct fuse_file_info *fi);
int fuse_fs_write(struct fuse_fs *fs, const char *path, const char *buf, size_t size,
		  off_t off, struct fuse_file_info *fi);
int fuse_fs_write_buf(struct fuse_fs *fs, const char *path, struct fuse_bufvec *buf,
		      off_t off, struct fuse_file_info *fi);
int fuse_fs_fsync(struct fuse_fs *fs, const char *path, int datasync,
		  struct fuse_file_info *fi);
int fuse_fs_flush(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_statfs(struct fuse_fs *fs, const char *path, struct statvfs *buf);
int fuse_fs_opendir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_readdir(struct fuse_fs *fs, const char *path, void *buf, fuse_fill_dir_t filler,
		    off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags);
int fuse_fs_fsyncdir(struct fuse_fs *fs, const char *path, int datasync,
		     struct fuse_file_info *fi);
int fuse_fs_releasedir(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi);
int fuse_fs_create(struct fuse_fs *fs, const char *path, mode_t mode,
		   struct fuse_file_info *fi);
int fuse_fs_lock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int cmd,
		 struct flock *lock);
int fuse_fs_flock(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi, int op);
int fuse_fs_chmod(struct fuse_fs *fs, const char *path, mode_t mode,
		  struct fuse_file_info *fi);
int fuse_fs_chown(struct fuse_fs *fs, const char *path, uid_t uid, gid_t gid,
		  struct fuse_file_info *fi);
int fuse_fs_truncate(struct fuse_fs *fs, const char *path, off_t size,
		     struct fuse_file_info *fi);
int fuse_fs_utimens(struct fuse_fs *fs, const char *path, const struct timespec tv[2],
		    struct fuse_file_info *fi);
int fuse_fs_access(struct fuse_fs *fs, const char *path, int mask);
int fuse_fs_readlink(struct fuse_fs *fs, const char *path, char *buf, size_t len);
int fuse_fs_mknod(struct fuse_fs *fs, const char *path, mode_t mode, dev_t rdev);
int fuse_fs_mkdir(struct fuse_fs *fs, const char *path, mode_t mode);
int fuse_fs_setxattr(struct fuse_fs *fs, const char *path, const char *name,
		     const char *value, size_t size, int flags);
int fuse_fs_getxattr(struct fuse_fs *fs, const char *path, const char *name, char *value,
		     size_t size);
int fuse_fs_listxattr(struct fuse_fs *fs, const char *path, char *list, size_t size);
int fuse_fs_removexattr(struct fuse_fs *fs, const char *path, const char *name);
int fuse_fs_bmap(struct fuse_fs *fs, const char *path, size_t blocksize, uint64_t *idx);
#if FUSE_USE_VERSION < 35
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, int cmd, void *arg,
		  struct fuse_file_info *fi, unsigned int flags, void *data);
#else
int fuse_fs_ioctl(struct fuse_fs *fs, const char *path, unsigned int cmd, void *arg,
		  struct fuse_file_info *fi, unsigned int flags, void *data);
#endif
int fuse_fs_poll(struct fuse_fs *fs, const char *path, struct fuse_file_info *fi,
		 struct fuse_pollhandle *ph, unsigned *reventsp);
int fuse_fs_fallocate(struct fuse_fs *fs, const char *path, int mode, off_t offset,
		      off_t length, struct fuse_file_info *fi);
ssize_t fuse_fs_copy_file_range(struct fuse_fs *fs, const char *path_in,
				struct fuse_file_info *fi_in, off_t off_in,
				const char *path_out, struct fuse_file_info *fi_out,
				off_t off_out, size_t len, int flags);
off_t fuse_fs_lseek(struct fuse_fs *fs, const char *path, off_t off, int whence,
		    struct fuse_file_info *fi);
int fuse_fs_statx(struct fuse_fs *fs, const char *path, int flags, int mask,
		  struct statx *stxbuf, struct fuse_file_info *fi);
int fuse_fs_syncfs(struct fuse_fs *fs, const char *path);
void fuse_fs_init(struct fuse_fs *fs, struct fuse_conn_info *conn, struct fuse_config *cfg);
void fuse_fs_destroy(struct fuse_fs *fs);
struct fuse_fs *fuse_fs_new(const struct fuse_operations *op, size_t op_size,
			    void *private_data);

int fuse_notify_poll(struct fuse_pollhandle *ph);

/* Mounts `mountpoint` with the comma-separated mount `options` and returns the
 * /dev/fuse descriptor (-1 on error, after saying why); the caller owns the mount
 * and the descriptor from then on. */
int fuse_open_channel(const char *mountpoint, const char *options);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_H_ */
