// The high-level API's names: which node id stands for which path. The kernel
// speaks in node ids and lookup counts; a path filesystem speaks in paths. Each
// node keeps its parent and its name, so a path is built by walking up, and the
// kernel's FORGETs take nodes out again once nothing refers to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace uringfuse::highlevel {

using NodeId = std::uint64_t;
inline constexpr NodeId kRootNode = 1;

struct LookupResult {
  NodeId id;
  std::uint64_t generation;  // always 0: ids count up and are never reused
};

class NodeTable {
 public:
  // remember_seconds: 0 drops a node at its last FORGET, -1 never drops one,
  // T > 0 keeps it T seconds (drop_forgotten() does it), so that a name looked up
  // again meanwhile keeps its node id (-o remember, -o noforget).
  explicit NodeTable(int remember_seconds = 0);
  ~NodeTable();
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;

  // The node for `name` in `parent`, made if needed, with one more kernel lookup.
  // Empty if the parent is unknown.
  std::optional<LookupResult> lookup(NodeId parent, std::string_view name);
  // The node for `name` in `parent` if there is one; no lookup is counted.
  std::optional<NodeId> find(NodeId parent, std::string_view name) const;
  // The kernel dropped `count` lookups of `id`.
  void forget(NodeId id, std::uint64_t count);

  // "/a/b" for a node, or empty if it is unknown or was removed (unlinked, or
  // replaced by a rename).
  std::optional<std::string> path(NodeId id) const;
  // The path of `name` inside `parent` (which must have one).
  std::optional<std::string> child_path(NodeId parent, std::string_view name) const;

  // After a successful unlink or rmdir: the name is gone, the node stays while the
  // kernel or an open file refers to it.
  void remove(NodeId parent, std::string_view name);
  // The same for a node known by id (a hidden file removed at its last release).
  void unname(NodeId id);
  // After a successful rename: the node moves; a node the new name had is removed.
  void rename(NodeId old_parent, std::string_view old_name, NodeId new_parent,
              std::string_view new_name);
  // After RENAME_EXCHANGE: the two names swap their nodes.
  void exchange(NodeId parent_a, std::string_view name_a, NodeId parent_b,
                std::string_view name_b);

  // Open files: a node that is open is never dropped, and with hard_remove off an
  // unlinked open file is renamed to a hidden name instead (see is_open()).
  void opened(NodeId id);
  // Returns true if this was the last open handle.
  bool closed(NodeId id);
  bool is_open(NodeId id) const;
  // Marks a node as renamed to a hidden name; was_hidden() tells release to unlink.
  void set_hidden(NodeId id, bool hidden);
  bool is_hidden(NodeId id) const;

  // -o auto_cache: the size and mtime seen when the file was last opened or
  // stat'ed. Returns true if they are the same as the last ones recorded.
  bool same_as_cached(NodeId id, std::int64_t size, std::int64_t mtime_ns);
  void record_attr(NodeId id, std::int64_t size, std::int64_t mtime_ns);

  // Drops nodes forgotten more than the remember time ago; the count dropped.
  std::size_t drop_forgotten();
  std::size_t size() const;  // nodes held, root included
  int remember_seconds() const { return remember_; }

 private:
  struct Node;
  struct NameKey {
    NodeId parent;
    std::string name;
    bool operator==(const NameKey&) const = default;
  };
  struct NameKeyHash {
    std::size_t operator()(const NameKey& k) const noexcept;
  };

  Node* node_locked(NodeId id) const;
  void unhash_locked(Node* n);
  void hash_locked(Node* n, Node* parent, std::string_view name);
  void maybe_drop_locked(Node* n);
  void drop_locked(Node* n);
  bool build_path_locked(const Node* n, std::string& out) const;

  mutable std::mutex mutex_;
  std::unordered_map<NodeId, std::unique_ptr<Node>> by_id_;
  std::unordered_map<NameKey, Node*, NameKeyHash> by_name_;
  NodeId next_id_ = kRootNode + 1;
  int remember_;
};

}  // namespace uringfuse::highlevel
