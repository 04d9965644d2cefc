// What the high-level options do to the attributes a path filesystem returns:
// uid=, gid=, umask=/fmask=/dmask=, use_ino, and the timeouts of entries.
#pragma once

#include "highlevel/highlevel_types.hpp"

namespace uringfuse::highlevel {

// Applies uid/gid/mode overrides; sets st_ino to the node id unless use_ino.
void apply_attr_policy(const fuse* f, NodeId node, struct stat& st);
// An entry for a looked-up name with the configured timeouts.
fuse_entry_param make_entry(const fuse* f, const LookupResult& node, const struct stat& st);
// The answer for a name that does not exist: cached for negative_timeout.
fuse_entry_param negative_entry(const fuse* f);
// st_ino of a directory entry in a plain readdir: the filesystem's with use_ino,
// the name's node id with readdir_ino if the name is known, else unknown.
ino_t readdir_ino(const fuse* f, NodeId dir, const char* name, const struct stat* st);

}  // namespace uringfuse::highlevel
