// The path filesystem calls whose structs depend on the layout the filesystem was
// built with (CallerLayout), in our layout whatever the filesystem's. The exported
// fuse_fs_new / fuse_fs_read_buf / fuse_fs_write_buf are made of these: in
// liburingfuse for our header's callers (highlevel_exports_native.cpp), in the
// libfuse3.so.3 drop-in for 3.14's (lib/libfuse3/highlevel_exports_libfuse3.cpp).
#pragma once

#include "highlevel/highlevel_types.hpp"

namespace uringfuse::highlevel {

fuse_fs* new_fs(const fuse_operations* op, size_t op_size, void* private_data, CallerLayout layout);

// read_buf, or read into one malloc()ed buffer; *bufp is ours to free with its
// memory buffers. A filesystem built against 3.14 gets its vector converted.
int read_buf(fuse_fs* fs, const char* path, fuse_bufvec** bufp, size_t size, off_t off, fuse_file_info* fi);
// write_buf, or write from one gathered buffer.
int write_buf(fuse_fs* fs, const char* path, fuse_bufvec* buf, off_t off, fuse_file_info* fi);

// Frees a read_buf result: the vector and its memory (not fd) buffers.
void free_bufvec(fuse_bufvec* vec);

}  // namespace uringfuse::highlevel
