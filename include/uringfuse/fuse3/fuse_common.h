/* libfuse 3 compatible common definitions for uringfuse: connection info and
 * capabilities, file info, data buffers, loop configuration, signals. Layouts match
 * libfuse 3.19 on Linux so existing lowlevel filesystems build unchanged.
 * Include <fuse_lowlevel.h>, not this file. */
#if !defined(FUSE_H_) && !defined(FUSE_LOWLEVEL_H_)
#error "Never include <fuse_common.h> directly; use <fuse_lowlevel.h> instead."
#endif

#ifndef FUSE_COMMON_H_
#define FUSE_COMMON_H_

/* libfuse's own build defines HAVE_LIBFUSE_PRIVATE_CONFIG_H to read its private
 * configuration first; a project that does the same gets its fuse_config.h. */
#ifdef HAVE_LIBFUSE_PRIVATE_CONFIG_H
#include "fuse_config.h"
#endif

#include "libfuse_config.h"
#include "fuse_opt.h"
#include "fuse_log.h"
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <assert.h>

#define FUSE_MAKE_VERSION(maj, min) ((maj) * 100 + (min))
#define FUSE_VERSION FUSE_MAKE_VERSION(FUSE_MAJOR_VERSION, FUSE_MINOR_VERSION)

#if defined(FUSE_USE_VERSION) && FUSE_USE_VERSION < 30
#error "uringfuse offers the libfuse 3 API only: FUSE_USE_VERSION must be 30 or more"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Per open file; the layout is frozen (64 bytes). */
struct fuse_file_info {
	int32_t flags;
	uint32_t writepage : 1;
	uint32_t direct_io : 1;
	uint32_t keep_cache : 1;
	uint32_t flush : 1;
	uint32_t nonseekable : 1;
	uint32_t flock_release : 1;
	uint32_t cache_readdir : 1;
	uint32_t noflush : 1;
	uint32_t parallel_direct_writes : 1;
	uint32_t padding : 23;
	uint32_t padding2 : 32;
	uint32_t padding3 : 32;
	uint64_t fh;
	uint64_t lock_owner;
	uint32_t poll_events;
	int32_t backing_id;
	uint64_t compat_flags;
	uint64_t reserved[2];
};

/* Capabilities (fuse_conn_info capable/want). */
#define FUSE_CAP_ASYNC_READ (1UL << 0)
#define FUSE_CAP_POSIX_LOCKS (1UL << 1)
#define FUSE_CAP_ATOMIC_O_TRUNC (1UL << 3)
#define FUSE_CAP_EXPORT_SUPPORT (1UL << 4)
#define FUSE_CAP_DONT_MASK (1UL << 6)
#define FUSE_CAP_SPLICE_WRITE (1UL << 7)
#define FUSE_CAP_SPLICE_MOVE (1UL << 8)
#define FUSE_CAP_SPLICE_READ (1UL << 9)
#define FUSE_CAP_FLOCK_LOCKS (1UL << 10)
#define FUSE_CAP_IOCTL_DIR (1UL << 11)
#define FUSE_CAP_AUTO_INVAL_DATA (1UL << 12)
#define FUSE_CAP_READDIRPLUS (1UL << 13)
#define FUSE_CAP_READDIRPLUS_AUTO (1UL << 14)
#define FUSE_CAP_ASYNC_DIO (1UL << 15)
#define FUSE_CAP_WRITEBACK_CACHE (1UL << 16)
#define FUSE_CAP_NO_OPEN_SUPPORT (1UL << 17)
#define FUSE_CAP_PARALLEL_DIROPS (1UL << 18)
#define FUSE_CAP_POSIX_ACL (1UL << 19)
#define FUSE_CAP_HANDLE_KILLPRIV (1UL << 20)
#define FUSE_CAP_HANDLE_KILLPRIV_V2 (1UL << 21)
#define FUSE_CAP_CACHE_SYMLINKS (1UL << 23)
#define FUSE_CAP_NO_OPENDIR_SUPPORT (1UL << 24)
#define FUSE_CAP_EXPLICIT_INVAL_DATA (1UL << 25)
#define FUSE_CAP_EXPIRE_ONLY (1UL << 26)
#define FUSE_CAP_SETXATTR_EXT (1UL << 27)
#define FUSE_CAP_DIRECT_IO_ALLOW_MMAP (1UL << 28)
#define FUSE_CAP_DIRECT_IO_RELAX FUSE_CAP_DIRECT_IO_ALLOW_MMAP
#define FUSE_CAP_PASSTHROUGH (1UL << 29)
#define FUSE_CAP_NO_EXPORT_SUPPORT (1UL << 30)
#define FUSE_CAP_OVER_IO_URING (1UL << 31)
#define FUSE_CAP_ALLOW_IDMAP (1ULL << 32)
#define FUSE_CAP_SECURITY_CTX (1ULL << 33)

/* ioctl flags */
#define FUSE_IOCTL_COMPAT (1 << 0)
#define FUSE_IOCTL_UNRESTRICTED (1 << 1)
#define FUSE_IOCTL_RETRY (1 << 2)
#define FUSE_IOCTL_DIR (1 << 4)
#define FUSE_IOCTL_MAX_IOV 256

/* libfuse-local connection hints (fuse_set_conn_flag) */
#define FUSE_CONN_FLAG_SINGLE_ISSUER (1u << 0)
#define FUSE_CONN_FLAG_NO_INTERRUPT (1u << 1)

#define FUSE_BACKING_STACKED_UNDER (0)
#define FUSE_BACKING_STACKED_OVER (1)

/* What init() sees and may change (128 bytes). */
struct fuse_conn_info {
	uint32_t proto_major;
	uint32_t proto_minor;
	uint32_t max_write;
	uint32_t max_read;
	uint32_t max_readahead;
	uint32_t capable; /* low 32 bits of capable_ext (legacy) */
	uint32_t want;    /* legacy; folded into want_ext after init() */
	uint32_t max_background;
	uint32_t congestion_threshold;
	uint32_t time_gran;
	uint32_t max_backing_stack_depth;
	uint32_t no_interrupt : 1;
	uint32_t io_uring_single_issuer : 1;
	uint32_t padding : 30;
	uint64_t capable_ext;
	uint64_t want_ext;
	uint16_t request_timeout;
	uint16_t reserved[31];
};

struct fuse_session;
struct fuse_pollhandle;
struct fuse_conn_info_opts;

enum fuse_buf_flags {
	FUSE_BUF_IS_FD = (1 << 1),
	FUSE_BUF_FD_SEEK = (1 << 2),
	FUSE_BUF_FD_RETRY = (1 << 3),
};

enum fuse_buf_copy_flags {
	FUSE_BUF_NO_SPLICE = (1 << 1),
	FUSE_BUF_FORCE_SPLICE = (1 << 2),
	FUSE_BUF_SPLICE_MOVE = (1 << 3),
	FUSE_BUF_SPLICE_NONBLOCK = (1 << 4),
};

struct fuse_buf {
	size_t size;
	enum fuse_buf_flags flags;
	void *mem;
	int fd;
	off_t pos;
	size_t mem_size;
};

struct fuse_bufvec {
	size_t count;
	size_t idx;
	size_t off;
	struct fuse_buf buf[1];
};

#define FUSE_BUFVEC_INIT(size__) \
	((struct fuse_bufvec){ 1, 0, 0, { { (size__), (enum fuse_buf_flags)0, NULL, -1, 0, 0 } } })

struct libfuse_version {
	uint32_t major;
	uint32_t minor;
	uint32_t hotfix;
	uint32_t padding;
};

/* Worker-pool configuration: public before 3.12, opaque from 3.12 on. */
struct fuse_loop_config_v1 {
	int clone_fd;
	unsigned int max_idle_threads;
};
#if FUSE_USE_VERSION < FUSE_MAKE_VERSION(3, 12)
struct fuse_loop_config {
	int clone_fd;
	unsigned int max_idle_threads;
};
#else
struct fuse_loop_config;
#endif

/* The opaque configuration's functions arrived with it, in 3.12. */
#if FUSE_USE_VERSION >= FUSE_MAKE_VERSION(3, 12)
struct fuse_loop_config *fuse_loop_cfg_create(void);
void fuse_loop_cfg_destroy(struct fuse_loop_config *config);
void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config, unsigned int value);
void fuse_loop_cfg_convert(struct fuse_loop_config *config, const struct fuse_loop_config_v1 *v1_conf);
#endif

bool fuse_set_feature_flag(struct fuse_conn_info *conn, uint64_t flag);
void fuse_unset_feature_flag(struct fuse_conn_info *conn, uint64_t flag);
bool fuse_get_feature_flag(const struct fuse_conn_info *conn, uint64_t flag);
bool fuse_set_conn_flag(struct fuse_conn_info *conn, uint64_t flag);
int fuse_convert_to_conn_want_ext(struct fuse_conn_info *conn);

struct fuse_conn_info_opts *fuse_parse_conn_info_opts(struct fuse_args *args);
void fuse_apply_conn_info_opts(const struct fuse_conn_info_opts *opts, struct fuse_conn_info *conn);

int fuse_daemonize(int foreground);
int fuse_version(void);
const char *fuse_pkgversion(void);
void fuse_pollhandle_destroy(struct fuse_pollhandle *ph);

size_t fuse_buf_size(const struct fuse_bufvec *bufv);
ssize_t fuse_buf_copy(struct fuse_bufvec *dst, struct fuse_bufvec *src, enum fuse_buf_copy_flags flags);

int fuse_set_signal_handlers(struct fuse_session *se);
int fuse_set_fail_signal_handlers(struct fuse_session *se);
void fuse_remove_signal_handlers(const struct fuse_session *se);

#ifdef __cplusplus
}
#endif

/* off_t must be 64 bits (build 32-bit code with -D_FILE_OFFSET_BITS=64). */
#if defined(__cplusplus)
static_assert(sizeof(off_t) == 8, "fuse: off_t must be 64bit");
#else
_Static_assert(sizeof(off_t) == 8, "fuse: off_t must be 64bit");
#endif

#endif /* FUSE_COMMON_H_ */
