/* libfuse 3.19's early-daemonize API, for uringfuse: fork before mounting, report
 * success or failure to the waiting parent once set-up is done. */
#ifndef FUSE_DAEMONIZE_H_
#define FUSE_DAEMONIZE_H_

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FUSE_DAEMONIZE_NO_CHDIR (1 << 0)
#define FUSE_DAEMONIZE_NO_BACKGROUND (1 << 1)

int fuse_daemonize_early_start(unsigned int flags);
void fuse_daemonize_early_success(void);
void fuse_daemonize_early_fail(int err);
bool fuse_daemonize_early_is_active(void);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_DAEMONIZE_H_ */
