// Lookup counting for the inode table. Every count change happens under the owning
// shard's mutex; the fd closes when the last shared_ptr goes, never under a lock.
#include "inode_table.hpp"

#include <unistd.h>

#include <uringfuse/log.hpp>

namespace passthrough {

namespace uf = uringfuse;

Inode::~Inode() {
  if (fd >= 0) ::close(fd);
}

std::size_t InodeTable::KeyHash::operator()(const Key& k) const {
  // Inode numbers are often sequential: multiply to spread them over shards and buckets.
  std::uint64_t h = static_cast<std::uint64_t>(k.ino) * 0x9E3779B97F4A7C15ull;
  h ^= static_cast<std::uint64_t>(k.dev) + (h >> 29);
  return static_cast<std::size_t>(h ^ (h >> 32));
}

void InodeTable::set_root(int fd, const struct stat& st) {
  Key key{st.st_dev, st.st_ino};
  root_ = std::make_shared<Inode>(fd, st.st_dev, st.st_ino, st.st_mode & S_IFMT, uf::kRootIno);
  // Found by key like any other inode, so a lookup that lands on the source directory
  // (".." of a top-level directory) answers with kRootIno, not a second node.
  Shard& shard = shards_[shard_of(key)];
  std::lock_guard lock(shard.mutex);
  shard.by_key[key] = Entry{root_, 1};
}

std::shared_ptr<Inode> InodeTable::get(uf::Ino nodeid) const {
  if (nodeid == uf::kRootIno) return root_;
  const Shard& shard = shards_[nodeid & (kShards - 1)];
  std::lock_guard lock(shard.mutex);
  auto id = shard.by_nodeid.find(nodeid);
  if (id == shard.by_nodeid.end()) return nullptr;
  return shard.by_key.at(id->second).inode;
}

std::shared_ptr<Inode> InodeTable::add_lookup(int fd, const struct stat& st) {
  Key key{st.st_dev, st.st_ino};
  unsigned index = shard_of(key);
  Shard& shard = shards_[index];
  std::unique_lock lock(shard.mutex);
  auto [it, inserted] = shard.by_key.try_emplace(key);
  if (!inserted) {
    ++it->second.nlookup;
    auto inode = it->second.inode;
    lock.unlock();
    ::close(fd);  // the entry keeps the fd it already has
    return inode;
  }
  uf::Ino nodeid = (shard.next_serial++ << kShardBits) | index;
  it->second.inode = std::make_shared<Inode>(fd, st.st_dev, st.st_ino, st.st_mode & S_IFMT, nodeid);
  it->second.nlookup = 1;
  shard.by_nodeid.emplace(nodeid, key);
  return it->second.inode;
}

std::shared_ptr<Inode> InodeTable::add_lookup_if_known(const struct stat& st) {
  Key key{st.st_dev, st.st_ino};
  Shard& shard = shards_[shard_of(key)];
  std::lock_guard lock(shard.mutex);
  auto it = shard.by_key.find(key);
  if (it == shard.by_key.end()) return nullptr;
  ++it->second.nlookup;
  return it->second.inode;
}

void InodeTable::add_lookup(const Inode& inode) {
  Key key{inode.dev, inode.ino};
  Shard& shard = shards_[shard_of(key)];
  std::lock_guard lock(shard.mutex);
  if (auto it = shard.by_key.find(key); it != shard.by_key.end()) ++it->second.nlookup;
}

void InodeTable::forget(uf::Ino nodeid, std::uint64_t count) {
  if (nodeid == uf::kRootIno) return;  // the root lives as long as the mount
  Shard& shard = shards_[nodeid & (kShards - 1)];
  std::shared_ptr<Inode> dropped;  // destroyed after the unlock: close() can be slow
  std::lock_guard lock(shard.mutex);
  auto id = shard.by_nodeid.find(nodeid);
  if (id == shard.by_nodeid.end()) {
    uf::log(uf::LogLevel::warning, "passthrough: forget of unknown inode %llu",
            static_cast<unsigned long long>(nodeid));
    return;
  }
  auto entry = shard.by_key.find(id->second);
  if (count > entry->second.nlookup) {
    uf::log(uf::LogLevel::warning, "passthrough: inode %llu forgot %llu lookups but had %llu",
            static_cast<unsigned long long>(nodeid), static_cast<unsigned long long>(count),
            static_cast<unsigned long long>(entry->second.nlookup));
    count = entry->second.nlookup;
  }
  entry->second.nlookup -= count;
  if (entry->second.nlookup > 0) return;
  dropped = std::move(entry->second.inode);
  shard.by_key.erase(entry);
  shard.by_nodeid.erase(id);
}

std::size_t InodeTable::clear() {
  std::size_t remaining = 0;
  for (Shard& shard : shards_) {
    std::unordered_map<Key, Entry, KeyHash> dropped;
    {
      std::lock_guard lock(shard.mutex);
      dropped.swap(shard.by_key);
      shard.by_nodeid.clear();
    }
    for (const auto& [key, entry] : dropped)
      if (entry.inode != root_) ++remaining;
  }
  root_.reset();
  return remaining;
}

}  // namespace passthrough
