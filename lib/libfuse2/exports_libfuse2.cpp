// The libfuse.so.2 drop-in's own entry points: fuse_main_real with libfuse 2.6-2.9's
// struct fuse_operations, served through the high-level layer (and so over io_uring
// too), and fuse_version saying 2.9. The rest of what it exports (fuse_get_context,
// fuse_exit, fuse_opt_*) is the library's own, unchanged: those structs are the same
// in both versions (libfuse2.map).
#include <cstddef>

#include "highlevel/fuse_object.hpp"
#include "libfuse2/fuse2_operations.hpp"
#include "libfuse2/fuse2_types.hpp"
#include "libfuse3/symver.hpp"
#include "uringfuse/fuse3/fuse_lowlevel.h"
#include "uringfuse/fuse3/fuse_opt.h"

using namespace uringfuse;

namespace {

// Mount options libfuse 2 took that libfuse 3 dropped (it does what they asked for
// anyway, or refuses them): accepted and dropped, as a 2.x program may still pass them.
const fuse_opt kDroppedOptions[] = {
    FUSE_OPT_KEY("big_writes", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nonempty", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("large_read", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("atomic_o_trunc", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

}  // namespace

extern "C" {

int libfuse2_main_real(int argc, char* argv[], const fuse2::Operations* op, size_t op_size, void* user_data) {
  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  if (fuse_opt_parse(&args, nullptr, kDroppedOptions, nullptr) == -1) return 1;
  const fuse_operations& ops = fuse2::adapt(op, op_size);
  int loop_result = 0;
  int res = highlevel::main_real(args.argc, args.argv, &ops, sizeof ops, user_data,
                                 highlevel::CallerLayout::libfuse319, &loop_result);
  fuse_opt_free_args(&args);
  // libfuse 2 ends with 0 when a signal (SIGTERM, SIGINT, ...) ended the loop; libfuse
  // 3 with 8. A service manager watching a FUSE 2 program expects the former.
  if (res == 8 && loop_result > 0) res = 0;
  return res;
}
LIBFUSE3_SYMVER(libfuse2_main_real, "fuse_main_real@@FUSE_2.6");

// What the high-level layer calls by libfuse 3's plain name; the other drop-in gets it
// from its versioned exports. Local here (libfuse2.map).
int fuse_parse_cmdline(fuse_args* args, fuse_cmdline_opts* opts) { return fuse_parse_cmdline_312(args, opts); }

int libfuse2_version(void) { return 29; }
LIBFUSE3_SYMVER(libfuse2_version, "fuse_version@@FUSE_2.7");

}  // extern "C"
