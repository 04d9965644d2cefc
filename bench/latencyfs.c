/*
 * latencyfs: a libfuse 3 lowlevel filesystem whose reads wait on a slow backend, as
 * a network or disk-backed filesystem's do. Plain C against <fuse_lowlevel.h>, so the
 * same source builds against uringfuse-fuse3 and against libfuse (bench/run-latency.sh
 * builds it both ways) and the transports are compared on the same code.
 *
 *   latencyfs [FUSE options] -o delay_us=N -o mode=sync|async MOUNTPOINT
 *
 * One file, /data (size_mb, default 1024 MiB; contents: each 8-byte word holds its
 * own offset). A READ takes delay_us (default 200) in its backend:
 *   mode=sync   the handler sleeps, then replies: ported synchronous code.
 *   mode=async  the handler hands the request to a backend thread that replies from
 *               there once the delay is over: libfuse's asynchronous pattern.
 * Metadata answers at once.
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE

#include <fuse_lowlevel.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DATA_INO 2
#define MAX_READ (1u << 20)

struct options {
	unsigned delay_us;
	unsigned size_mb;
	char *mode;
};

static struct options opts = {200, 1024, NULL};
static int async_mode;

static const struct fuse_opt option_spec[] = {
	{"delay_us=%u", offsetof(struct options, delay_us), 0},
	{"size_mb=%u", offsetof(struct options, size_mb), 0},
	{"mode=%s", offsetof(struct options, mode), 0},
	FUSE_OPT_END,
};

static uint64_t data_size(void) { return (uint64_t)opts.size_mb << 20; }

static void fill_stat(fuse_ino_t ino, struct stat *st) {
	memset(st, 0, sizeof *st);
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)data_size();
	}
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
	struct fuse_entry_param e;
	if (parent != FUSE_ROOT_ID || strcmp(name, "data") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof e);
	e.ino = DATA_INO;
	e.attr_timeout = 3600;
	e.entry_timeout = 3600;
	fill_stat(DATA_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
	struct stat st;
	(void)fi;
	if (ino != FUSE_ROOT_ID && ino != DATA_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 3600);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
	if (ino != DATA_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

/* The bytes of [off, off + size): every aligned 8-byte word holds its offset. */
static void fill_data(char *buf, uint64_t off, size_t size) {
	for (size_t i = 0; i < size;) {
		uint64_t word_at = (off + i) & ~(uint64_t)7;
		size_t skip = (size_t)(off + i - word_at);
		size_t n = 8 - skip < size - i ? 8 - skip : size - i;
		memcpy(buf + i, (const char *)&word_at + skip, n);
		i += n;
	}
}

static void sleep_until(const struct timespec *at) {
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, at, NULL) == EINTR) {
	}
}

static struct timespec after_delay(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += (long)opts.delay_us * 1000;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

static void reply_data(fuse_req_t req, uint64_t off, size_t size) {
	static __thread char buf[MAX_READ];
	if (off >= data_size()) size = 0;
	else if (size > data_size() - off) size = (size_t)(data_size() - off);
	if (size > sizeof buf) size = sizeof buf;
	fill_data(buf, off, size);
	fuse_reply_buf(req, buf, size);
}

/* The async backend: one thread answering reads in arrival order once each one's
 * delay is over. The delay is the same for every read, so arrival order is deadline
 * order and a FIFO will do. */
struct pending_read {
	fuse_req_t req;
	uint64_t off;
	size_t size;
	struct timespec due;
	struct pending_read *next;
};

static pthread_mutex_t backend_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t backend_cond = PTHREAD_COND_INITIALIZER;
static struct pending_read *backend_head, *backend_tail;

static void *backend_main(void *arg) {
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&backend_lock);
		while (!backend_head) pthread_cond_wait(&backend_cond, &backend_lock);
		struct pending_read *p = backend_head;
		backend_head = p->next;
		if (!backend_head) backend_tail = NULL;
		pthread_mutex_unlock(&backend_lock);
		sleep_until(&p->due);
		reply_data(p->req, p->off, p->size);
		free(p);
	}
	return NULL;
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
	(void)ino;
	(void)fi;
	struct timespec due = after_delay();
	if (!async_mode) {
		sleep_until(&due);
		reply_data(req, (uint64_t)off, size);
		return;
	}
	struct pending_read *p = malloc(sizeof *p);
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*p = (struct pending_read){req, (uint64_t)off, size, due, NULL};
	pthread_mutex_lock(&backend_lock);
	if (backend_tail) backend_tail->next = p;
	else backend_head = p;
	backend_tail = p;
	pthread_cond_signal(&backend_cond);
	pthread_mutex_unlock(&backend_lock);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	char buf[512];
	size_t used = 0;
	const char *names[] = {".", "..", "data"};
	const fuse_ino_t inos[] = {FUSE_ROOT_ID, FUSE_ROOT_ID, DATA_INO};
	for (off_t i = off; i < 3; i++) {
		struct stat st;
		fill_stat(inos[i], &st);
		size_t n = fuse_add_direntry(req, buf + used, sizeof buf - used, names[i], &st, i + 1);
		if (used + n > size || used + n > sizeof buf) break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = ll_lookup,
	.getattr = ll_getattr,
	.open = ll_open,
	.read = ll_read,
	.readdir = ll_readdir,
};

int main(int argc, char *argv[]) {
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd;
	int ret = 1;

	if (fuse_opt_parse(&args, &opts, option_spec, NULL) == -1) return 1;
	if (opts.mode && strcmp(opts.mode, "async") == 0) async_mode = 1;
	else if (opts.mode && strcmp(opts.mode, "sync") != 0) {
		fprintf(stderr, "latencyfs: mode is sync or async, not '%s'\n", opts.mode);
		return 1;
	}
	if (fuse_parse_cmdline(&args, &cmd) != 0) return 1;
	if (cmd.show_help || !cmd.mountpoint) {
		printf("usage: %s [options] -o delay_us=N -o mode=sync|async -o size_mb=N <mountpoint>\n", argv[0]);
		fuse_cmdline_help();
		return cmd.show_help ? 0 : 1;
	}
	if (async_mode) {
		pthread_t backend;
		if (pthread_create(&backend, NULL, backend_main, NULL) != 0) return 1;
		pthread_detach(backend);
	}
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
	if (!se) goto out_args;
	if (fuse_set_signal_handlers(se) != 0) goto out_session;
	if (fuse_session_mount(se, cmd.mountpoint) != 0) goto out_signals;
	fuse_daemonize(cmd.foreground);
	if (cmd.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *config = fuse_loop_cfg_create();
		fuse_loop_cfg_set_max_threads(config, cmd.max_threads);
		fuse_loop_cfg_set_clone_fd(config, cmd.clone_fd);
		ret = fuse_session_loop_mt(se, config);
		fuse_loop_cfg_destroy(config);
	}
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(cmd.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
