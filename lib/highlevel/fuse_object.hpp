// Making and running a struct fuse, for the exported entry points: the native
// ones (our fuse.h) and the libfuse3.so.3 drop-in's differ only in the struct
// layouts the filesystem was built with (CallerLayout).
#pragma once

#include "highlevel/highlevel_types.hpp"

namespace uringfuse::highlevel {

fuse* new_fuse(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data, CallerLayout layout);
// fuse_new_30: -h prints the library's help and makes nothing.
fuse* new_fuse_30(fuse_args* args, const fuse_operations* op, size_t op_size, void* user_data,
                  CallerLayout layout);
// `loop_result`, if given, gets what the loop returned: the signal that ended it
// (libfuse 3's fuse_main then returns 8, libfuse 2's 0), or a negative errno.
int main_real(int argc, char* argv[], const fuse_operations* op, size_t op_size, void* user_data,
              CallerLayout layout, int* loop_result = nullptr);

}  // namespace uringfuse::highlevel
