#include "highlevel/node_table.hpp"

#include <functional>
#include <vector>

namespace uringfuse::highlevel {

struct NodeTable::Node {
  NodeId id;
  Node* parent = nullptr;  // set while the node has a name
  std::string name;
  bool hashed = false;
  std::uint64_t lookups = 0;  // the kernel's references
  std::uint32_t children = 0;  // named children keep their parent
  std::uint32_t open = 0;
  bool hidden = false;
  bool attr_known = false;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::chrono::steady_clock::time_point forgotten_at{};
};

std::size_t NodeTable::NameKeyHash::operator()(const NameKey& k) const noexcept {
  return std::hash<std::string>{}(k.name) ^ (std::hash<NodeId>{}(k.parent) * 0x9e3779b97f4a7c15ULL);
}

NodeTable::NodeTable(int remember_seconds) : remember_(remember_seconds) {
  auto root = std::make_unique<Node>();
  root->id = kRootNode;
  root->lookups = 1;  // the kernel never forgets the root
  by_id_.emplace(kRootNode, std::move(root));
}

NodeTable::~NodeTable() = default;

NodeTable::Node* NodeTable::node_locked(NodeId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

void NodeTable::hash_locked(Node* n, Node* parent, std::string_view name) {
  n->parent = parent;
  n->name.assign(name);
  n->hashed = true;
  parent->children++;
  by_name_.emplace(NameKey{parent->id, n->name}, n);
}

void NodeTable::unhash_locked(Node* n) {
  if (!n->hashed) return;
  by_name_.erase(NameKey{n->parent->id, n->name});
  Node* parent = n->parent;
  n->hashed = false;
  n->parent = nullptr;
  n->name.clear();
  parent->children--;
  maybe_drop_locked(parent);
}

void NodeTable::maybe_drop_locked(Node* n) {
  if (n->id == kRootNode || n->lookups > 0 || n->children > 0 || n->open > 0) return;
  // A forgotten name is kept for the remember time (or for ever) if it still has
  // one; a removed node has nothing to remember.
  if (n->hashed && remember_ != 0) {
    n->forgotten_at = std::chrono::steady_clock::now();
    return;
  }
  drop_locked(n);
}

void NodeTable::drop_locked(Node* n) {
  unhash_locked(n);  // may drop the parent in turn
  by_id_.erase(n->id);
}

std::optional<LookupResult> NodeTable::lookup(NodeId parent_id, std::string_view name) {
  std::lock_guard lock(mutex_);
  Node* parent = node_locked(parent_id);
  if (!parent) return std::nullopt;
  if (name == ".") {
    parent->lookups++;
    return LookupResult{parent->id, 0};
  }
  if (name == "..") {
    Node* up = parent->id == kRootNode ? parent : parent->parent;
    if (!up) return std::nullopt;
    up->lookups++;
    return LookupResult{up->id, 0};
  }
  auto it = by_name_.find(NameKey{parent_id, std::string(name)});
  Node* n;
  if (it != by_name_.end()) {
    n = it->second;
  } else {
    auto made = std::make_unique<Node>();
    made->id = next_id_++;
    n = made.get();
    by_id_.emplace(n->id, std::move(made));
    hash_locked(n, parent, name);
  }
  n->lookups++;
  return LookupResult{n->id, 0};
}

std::optional<NodeId> NodeTable::find(NodeId parent, std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(NameKey{parent, std::string(name)});
  if (it == by_name_.end()) return std::nullopt;
  return it->second->id;
}

void NodeTable::forget(NodeId id, std::uint64_t count) {
  std::lock_guard lock(mutex_);
  Node* n = node_locked(id);
  if (!n || id == kRootNode) return;
  n->lookups = count >= n->lookups ? 0 : n->lookups - count;
  maybe_drop_locked(n);
}

bool NodeTable::build_path_locked(const Node* n, std::string& out) const {
  // Collect the names leaf to root, then join them root first.
  std::vector<const std::string*> names;
  for (; n->id != kRootNode; n = n->parent) {
    if (!n->hashed) return false;
    names.push_back(&n->name);
  }
  out.clear();
  if (names.empty()) {
    out = "/";
    return true;
  }
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    out += '/';
    out += **it;
  }
  return true;
}

std::optional<std::string> NodeTable::path(NodeId id) const {
  std::lock_guard lock(mutex_);
  const Node* n = node_locked(id);
  std::string out;
  if (!n || !build_path_locked(n, out)) return std::nullopt;
  return out;
}

std::optional<std::string> NodeTable::child_path(NodeId parent, std::string_view name) const {
  std::lock_guard lock(mutex_);
  const Node* n = node_locked(parent);
  std::string out;
  if (!n || !build_path_locked(n, out)) return std::nullopt;
  if (out.size() > 1) out += '/';
  out += name;
  return out;
}

void NodeTable::remove(NodeId parent, std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(NameKey{parent, std::string(name)});
  if (it == by_name_.end()) return;
  Node* n = it->second;
  unhash_locked(n);
  maybe_drop_locked(n);
}

void NodeTable::unname(NodeId id) {
  std::lock_guard lock(mutex_);
  Node* n = node_locked(id);
  if (!n || id == kRootNode) return;
  unhash_locked(n);
  maybe_drop_locked(n);
}

void NodeTable::rename(NodeId old_parent, std::string_view old_name, NodeId new_parent,
                       std::string_view new_name) {
  std::lock_guard lock(mutex_);
  Node* to = node_locked(new_parent);
  auto it = by_name_.find(NameKey{old_parent, std::string(old_name)});
  if (!to || it == by_name_.end()) return;
  Node* n = it->second;
  if (auto target = by_name_.find(NameKey{new_parent, std::string(new_name)});
      target != by_name_.end() && target->second != n) {
    Node* replaced = target->second;
    unhash_locked(replaced);
    maybe_drop_locked(replaced);
  }
  to->children++;  // hold the new parent while the old one may be dropped
  unhash_locked(n);
  hash_locked(n, to, new_name);
  to->children--;
}

void NodeTable::exchange(NodeId parent_a, std::string_view name_a, NodeId parent_b,
                         std::string_view name_b) {
  std::lock_guard lock(mutex_);
  auto ia = by_name_.find(NameKey{parent_a, std::string(name_a)});
  auto ib = by_name_.find(NameKey{parent_b, std::string(name_b)});
  Node* pa = node_locked(parent_a);
  Node* pb = node_locked(parent_b);
  if (!pa || !pb) return;
  Node* a = ia == by_name_.end() ? nullptr : ia->second;
  Node* b = ib == by_name_.end() ? nullptr : ib->second;
  pa->children++;
  pb->children++;
  if (a) unhash_locked(a);
  if (b) unhash_locked(b);
  if (a) hash_locked(a, pb, name_b);
  if (b) hash_locked(b, pa, name_a);
  pa->children--;
  pb->children--;
}

void NodeTable::opened(NodeId id) {
  std::lock_guard lock(mutex_);
  if (Node* n = node_locked(id)) n->open++;
}

bool NodeTable::closed(NodeId id) {
  std::lock_guard lock(mutex_);
  Node* n = node_locked(id);
  if (!n || n->open == 0) return false;
  const bool last = --n->open == 0;
  if (last) maybe_drop_locked(n);
  return last;
}

bool NodeTable::is_open(NodeId id) const {
  std::lock_guard lock(mutex_);
  const Node* n = node_locked(id);
  return n && n->open > 0;
}

void NodeTable::set_hidden(NodeId id, bool hidden) {
  std::lock_guard lock(mutex_);
  if (Node* n = node_locked(id)) n->hidden = hidden;
}

bool NodeTable::is_hidden(NodeId id) const {
  std::lock_guard lock(mutex_);
  const Node* n = node_locked(id);
  return n && n->hidden;
}

bool NodeTable::same_as_cached(NodeId id, std::int64_t size, std::int64_t mtime_ns) {
  std::lock_guard lock(mutex_);
  Node* n = node_locked(id);
  if (!n) return false;
  const bool same = n->attr_known && n->size == size && n->mtime_ns == mtime_ns;
  n->attr_known = true;
  n->size = size;
  n->mtime_ns = mtime_ns;
  return same;
}

void NodeTable::record_attr(NodeId id, std::int64_t size, std::int64_t mtime_ns) {
  std::lock_guard lock(mutex_);
  if (Node* n = node_locked(id); n && n->attr_known) {
    n->size = size;
    n->mtime_ns = mtime_ns;
  }
}

std::size_t NodeTable::drop_forgotten() {
  if (remember_ <= 0) return 0;
  std::lock_guard lock(mutex_);
  const auto limit = std::chrono::steady_clock::now() - std::chrono::seconds(remember_);
  std::vector<NodeId> old;
  for (auto& [id, n] : by_id_)
    if (id != kRootNode && n->lookups == 0 && n->children == 0 && n->open == 0 &&
        n->forgotten_at <= limit)
      old.push_back(id);
  // Dropping a node can drop its parent with it, so each one is looked up again.
  std::size_t dropped = 0;
  for (NodeId id : old) {
    Node* n = node_locked(id);
    if (n && n->lookups == 0 && n->children == 0 && n->open == 0) {
      drop_locked(n);
      dropped++;
    }
  }
  return dropped;
}

std::size_t NodeTable::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

}  // namespace uringfuse::highlevel
