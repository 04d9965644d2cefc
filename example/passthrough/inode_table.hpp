// The inodes the kernel knows: one O_PATH fd and one lookup count per source file,
// keyed by (st_dev, st_ino) so hard links share an entry. Sharded by hash, each shard
// with its own mutex, so lookups from many threads rarely meet on a lock.
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <uringfuse/types.hpp>

namespace passthrough {

struct Inode {
  Inode(int fd_, dev_t dev_, ino_t ino_, mode_t type_, uringfuse::Ino nodeid_)
      : fd(fd_), dev(dev_), ino(ino_), type(type_), nodeid(nodeid_) {}
  ~Inode();
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  const int fd;  // O_PATH|O_NOFOLLOW: names the file without opening it
  const dev_t dev;
  const ino_t ino;
  const mode_t type;  // S_IFMT bits
  const uringfuse::Ino nodeid;

  // FUSE passthrough: one backing file per inode, shared by all its open files (the
  // kernel refuses two different ones at once). Guarded by backing_mutex.
  std::mutex backing_mutex;
  int backing_id = 0;
  unsigned backing_users = 0;
};

class InodeTable {
 public:
  InodeTable() = default;
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  // The source directory becomes uringfuse::kRootIno; takes ownership of `fd`.
  void set_root(int fd, const struct stat& st);
  std::shared_ptr<Inode> root() const { return root_; }

  // The inode behind a node id, or null when the kernel names one it already forgot.
  // The shared_ptr keeps the fd open while a handler uses it, even across a forget.
  std::shared_ptr<Inode> get(uringfuse::Ino nodeid) const;

  // Counts one lookup of the file behind `fd` (O_PATH, ownership taken) with
  // attributes `st`. A file already known keeps its entry and `fd` is closed.
  std::shared_ptr<Inode> add_lookup(int fd, const struct stat& st);
  // Counts one lookup of the file with attributes `st` if it is already known (the
  // cheap path: no descriptor needed); null when it is not.
  std::shared_ptr<Inode> add_lookup_if_known(const struct stat& st);
  // One more lookup of a known inode (a new hard link to it).
  void add_lookup(const Inode& inode);
  // The kernel dropped `count` lookups; at zero the entry goes (and, once no handler
  // holds it, its fd).
  void forget(uringfuse::Ino nodeid, std::uint64_t count);

  // Drops everything, root included (clean shutdown). Returns how many inodes other
  // than the root the kernel had not forgotten (it does not forget all at unmount).
  std::size_t clear();

 private:
  static constexpr unsigned kShardBits = 4;
  static constexpr unsigned kShards = 1u << kShardBits;

  struct Key {
    dev_t dev;
    ino_t ino;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Entry {
    std::shared_ptr<Inode> inode;
    std::uint64_t nlookup = 0;
  };
  // Node ids carry their shard in the low bits, so get() goes straight to one shard.
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::unordered_map<Key, Entry, KeyHash> by_key;
    std::unordered_map<uringfuse::Ino, Key> by_nodeid;
    std::uint64_t next_serial = 1;  // serial 0 of shard 1 would be kRootIno
  };

  static unsigned shard_of(const Key& k) { return KeyHash{}(k) >> 7 & (kShards - 1); }

  std::array<Shard, kShards> shards_;
  std::shared_ptr<Inode> root_;
};

}  // namespace passthrough
