/* uringfuse's libfuse compatibility: the version this C API matches. Written for
 * uringfuse; same macro names as libfuse's generated libfuse_config.h. */
#ifndef LIBFUSE_CONFIG_H_
#define LIBFUSE_CONFIG_H_

#define FUSE_MAJOR_VERSION 3
#define FUSE_MINOR_VERSION 19
#define FUSE_HOTFIX_VERSION 0
#define FUSE_RC_VERSION rc0

/* Plain fuse_parse_cmdline / fuse_session_loop_mt have the 3.12 semantics. */
#define LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1

/* Nothing else: HAVE_STATX, HAVE_COPY_FILE_RANGE and the like are the results of
 * libfuse's own configure step (its private fuse_config.h), not part of its public
 * configuration, and a project's config.h defines them for itself. */

#endif /* LIBFUSE_CONFIG_H_ */
