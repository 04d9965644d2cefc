// Walks two directory trees with plain syscalls and reports every difference a
// user could see: the set of names, file type, permission bits, owner, size, link
// count, modification time, contents, symlink targets and user.* xattrs.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace uringfuse::test {

// Paths below `root`, relative to it, sorted; directories before their contents.
std::vector<std::string> walk_tree(const std::string& root);

// One line per difference between `expected` and `actual` (empty: the same).
std::vector<std::string> compare_trees(const std::string& expected, const std::string& actual);

// The names in a directory, "." and ".." left out (empty if it cannot be opened).
std::set<std::string> names_in(const std::string& dir);

// A file's bytes (nullopt-like: empty and `ok` false when it cannot be read).
std::string file_bytes(const std::string& path, bool* ok = nullptr);

// Deterministic, incompressible bytes (a seeded xorshift), so that a squashfs image
// stores them as they are and a misplaced block shows.
std::string noise(std::size_t size, unsigned seed);

}  // namespace uringfuse::test
