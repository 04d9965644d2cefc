/*
 * uringfuse: libfuse 3 compatible logging (fuse_log.h).
 * Stand-alone: usable from C99 and C++ without any other libfuse header.
 */
#ifndef FUSE_LOG_H_
#define FUSE_LOG_H_

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Severities, most severe first; the values equal syslog's LOG_EMERG..LOG_DEBUG. */
enum fuse_log_level {
	FUSE_LOG_EMERG,
	FUSE_LOG_ALERT,
	FUSE_LOG_CRIT,
	FUSE_LOG_ERR,
	FUSE_LOG_WARNING,
	FUSE_LOG_NOTICE,
	FUSE_LOG_INFO,
	FUSE_LOG_DEBUG
};

/*
 * A log sink. fmt and ap are as for vprintf; messages carry their own
 * trailing newline. It may be called from any thread, so it must be
 * thread-safe. Once installed it also receives the library's own log lines.
 */
typedef void (*fuse_log_func_t)(enum fuse_log_level level, const char *fmt,
				va_list ap);

/* Installs func as the sink; NULL restores the default (stderr, or syslog
 * after fuse_log_enable_syslog()). */
void fuse_set_log_func(fuse_log_func_t func);

/* Formats a message and hands it to the installed sink. */
void fuse_log(enum fuse_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Make the default sink write to syslog (openlog(ident, option, facility)),
 * and close the syslog connection again (closelog()). */
void fuse_log_enable_syslog(const char *ident, int option, int facility);
void fuse_log_close_syslog(void);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOG_H_ */
