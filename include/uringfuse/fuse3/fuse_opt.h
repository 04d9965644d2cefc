/*
 * uringfuse: libfuse 3 compatible option parser (fuse_opt.h).
 * Stand-alone: usable from C99 and C++ without any other libfuse header.
 */
#ifndef FUSE_OPT_H_
#define FUSE_OPT_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One entry of an option specification, read by fuse_opt_parse().
 *
 * templ forms:
 *   "-x", "--name", "name"  exact match ("name" is an item of a -o list)
 *   "name=", "-x "          prefix match: the option carries a value; with a
 *                           trailing space the value may also be the next argv
 *                           element ("-x value" as well as "-xvalue")
 *   "name=%s", "-x %u", ... prefix match whose value is stored at offset in the
 *                           data argument with sscanf (%s: strdup'ed into a
 *                           char *, freeing the previous string)
 * offset: where in data the value goes, or -1U (see FUSE_OPT_KEY) to hand the
 *         option to the processing function with value as its key.
 * value:  stored as an int at offset when the template has no format, or the
 *         key passed to the processing function.
 */
struct fuse_opt {
	const char *templ;
	unsigned long offset;
	int value;
};

/* An entry that sends options matching templ to the processing function. */
#define FUSE_OPT_KEY(templ, key) { templ, -1U, key }

/* Terminates an array of struct fuse_opt. */
#define FUSE_OPT_END { NULL, 0, 0 }

/* An argument vector. When allocated is set, argv and every string in it are
 * owned (malloc'ed) and freed by fuse_opt_free_args(). argv is NULL-terminated. */
struct fuse_args {
	int argc;
	char **argv;
	int allocated;
};

#define FUSE_ARGS_INIT(argc, argv) { argc, argv, 0 }

/* Keys passed to the processing function. */
#define FUSE_OPT_KEY_OPT     -1 /* an option no template matched */
#define FUSE_OPT_KEY_NONOPT  -2 /* an argument that is not an option */
/* Template keys that need no processing function: keep the option as it is,
 * or drop it. */
#define FUSE_OPT_KEY_KEEP    -3
#define FUSE_OPT_KEY_DISCARD -4

/*
 * Processing function: called with data, the option (or argument) and its key.
 * An option matched by a "-x " template given as two argv elements arrives
 * joined ("-xvalue"). outargs is the vector being built; the function may add
 * to it. Returns -1 on error, 0 to drop the argument, 1 to keep it in outargs.
 */
typedef int (*fuse_opt_proc_t)(void *data, const char *arg, int key,
			       struct fuse_args *outargs);

/*
 * Parses args against opts (terminated by FUSE_OPT_END; may be NULL), storing
 * values into data and calling proc (may be NULL: unmatched arguments are
 * kept). On success args is replaced by the kept arguments: argv[0] first,
 * then the kept options gathered into one "-o a,b" pair, then the kept other
 * arguments. Returns 0, or -1 after logging the reason.
 */
int fuse_opt_parse(struct fuse_args *args, void *data,
		   const struct fuse_opt opts[], fuse_opt_proc_t proc);

/* Appends opt to the comma-separated list *opts (malloc'ed; *opts may be
 * NULL). The _escaped form puts a backslash before each ',' and '\' of opt.
 * Return 0, or -1 when out of memory. */
int fuse_opt_add_opt(char **opts, const char *opt);
int fuse_opt_add_opt_escaped(char **opts, const char *opt);

/* Append a copy of arg to args, or insert it at position pos (0..argc).
 * Return 0, or -1 on failure. */
int fuse_opt_add_arg(struct fuse_args *args, const char *arg);
int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg);

/* Frees an allocated argument vector and resets args to empty. */
void fuse_opt_free_args(struct fuse_args *args);

/* 1 if some template in opts matches opt, else 0. */
int fuse_opt_match(const struct fuse_opt opts[], const char *opt);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_OPT_H_ */
