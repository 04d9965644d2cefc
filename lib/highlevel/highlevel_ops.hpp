// The lowlevel operations through which a struct fuse serves its path filesystem,
// in three files: names and attributes, open files, directories.
#pragma once

#include <optional>
#include <string>

#include "highlevel/highlevel_types.hpp"

namespace uringfuse::highlevel {

inline fuse* fuse_of(fuse_req_t req) { return static_cast<fuse*>(fuse_req_userdata(req)); }

// The path of an open file's node for operations that carry a file handle: none
// with nullpath_ok (the filesystem said it does not need one), and none either for
// a file that lost its name meanwhile (hard_remove, or replaced by a rename).
std::optional<std::string> path_for_open_file(fuse* f, fuse_ino_t ino);
inline const char* c_path(const std::optional<std::string>& p) { return p ? p->c_str() : nullptr; }

// getattr of a name just made or found, counted as a lookup, with the entry's
// timeouts; or the error.
int lookup_path(fuse* f, fuse_ino_t parent, const char* name, const std::string& path,
                fuse_entry_param& entry, fuse_file_info* fi);

// A fuse_reply_* result saying the kernel never took the answer: the request was
// interrupted and given up (-ENOENT), or the connection ended (-ENODEV). What that
// answer would have opened or looked up must be undone, since no RELEASE or FORGET
// will come for it (libfuse's high-level API does the same on -ENOENT).
inline bool reply_refused(int status) { return status == -ENOENT || status == -ENODEV; }

// At destroy: releases the directories whose RELEASEDIR never came (fuse::open_dirs).
void release_dirs_left_open(fuse* f);

void add_name_ops(fuse_lowlevel_ops& ops);
void add_file_ops(fuse_lowlevel_ops& ops);
void add_dir_ops(fuse_lowlevel_ops& ops);

}  // namespace uringfuse::highlevel
