// The high-level API's node table: node ids for paths, lookup counts, FORGET,
// renames, removal of open files and -o remember. Mount tests see these only
// through paths; here each rule is checked by itself.
#include "highlevel/node_table.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace uringfuse::highlevel {
namespace {

NodeId look(NodeTable& t, NodeId parent, std::string_view name) {
  auto r = t.lookup(parent, name);
  EXPECT_TRUE(r.has_value()) << name;
  return r ? r->id : 0;
}

TEST(NodeTable, RootIsAlwaysThereAndIsSlash) {
  NodeTable t;
  EXPECT_EQ(t.path(kRootNode), "/");
  t.forget(kRootNode, 100);
  EXPECT_EQ(t.path(kRootNode), "/");
  EXPECT_EQ(t.size(), 1u);
}

TEST(NodeTable, LookupGivesOneIdPerNameAndBuildsPaths) {
  NodeTable t;
  const NodeId a = look(t, kRootNode, "a");
  const NodeId b = look(t, a, "b");
  EXPECT_NE(a, b);
  EXPECT_EQ(look(t, kRootNode, "a"), a);
  EXPECT_EQ(t.path(b), "/a/b");
  EXPECT_EQ(t.child_path(b, "c"), "/a/b/c");
  EXPECT_EQ(t.child_path(kRootNode, "c"), "/c");
  EXPECT_EQ(t.find(a, "b"), b);
  EXPECT_FALSE(t.find(a, "zz").has_value());
  EXPECT_FALSE(t.lookup(12345, "x").has_value());
  EXPECT_EQ(t.lookup(a, "..")->id, kRootNode);
  EXPECT_EQ(t.lookup(a, ".")->id, a);
}

TEST(NodeTable, ForgetDropsANodeOnlyAtItsLastLookup) {
  NodeTable t;
  const NodeId a = look(t, kRootNode, "a");
  look(t, kRootNode, "a");  // two lookups now
  t.forget(a, 1);
  EXPECT_EQ(t.path(a), "/a");
  t.forget(a, 1);
  EXPECT_FALSE(t.path(a).has_value());
  EXPECT_EQ(t.size(), 1u);
  // A new lookup of the same name makes a new node: ids are never reused.
  EXPECT_NE(look(t, kRootNode, "a"), a);
}

TEST(NodeTable, NamedChildrenKeepTheirParent) {
  NodeTable t;
  const NodeId dir = look(t, kRootNode, "dir");
  const NodeId file = look(t, dir, "file");
  t.forget(dir, 1);  // the kernel forgets the directory first
  EXPECT_EQ(t.path(file), "/dir/file");
  t.forget(file, 1);
  EXPECT_EQ(t.size(), 1u) << "the directory goes with its last child";
}

TEST(NodeTable, RemovedNameIsGoneButAnOpenNodeStays) {
  NodeTable t;
  const NodeId f = look(t, kRootNode, "f");
  t.opened(f);
  t.remove(kRootNode, "f");
  EXPECT_FALSE(t.path(f).has_value());
  EXPECT_FALSE(t.find(kRootNode, "f").has_value());
  t.forget(f, 1);
  EXPECT_TRUE(t.is_open(f)) << "an open node outlives its last FORGET";
  EXPECT_TRUE(t.closed(f));
  EXPECT_FALSE(t.is_open(f));
  EXPECT_EQ(t.size(), 1u);
}

TEST(NodeTable, ClosedSaysWhichReleaseWasTheLast) {
  NodeTable t;
  const NodeId f = look(t, kRootNode, "f");
  t.opened(f);
  t.opened(f);
  EXPECT_FALSE(t.closed(f));
  EXPECT_TRUE(t.closed(f));
  EXPECT_FALSE(t.closed(f)) << "a release without an open is not a last one";
}

TEST(NodeTable, RenameMovesTheNodeAndItsSubtree) {
  NodeTable t;
  const NodeId a = look(t, kRootNode, "a");
  const NodeId child = look(t, a, "child");
  const NodeId dest = look(t, kRootNode, "dest");
  t.rename(kRootNode, "a", dest, "moved");
  EXPECT_EQ(t.path(a), "/dest/moved");
  EXPECT_EQ(t.path(child), "/dest/moved/child");
  EXPECT_FALSE(t.find(kRootNode, "a").has_value());
  EXPECT_EQ(t.find(dest, "moved"), a);
}

TEST(NodeTable, RenameOverANameRemovesTheNodeItHad) {
  NodeTable t;
  const NodeId from = look(t, kRootNode, "from");
  const NodeId to = look(t, kRootNode, "to");
  t.rename(kRootNode, "from", kRootNode, "to");
  EXPECT_EQ(t.find(kRootNode, "to"), from);
  EXPECT_FALSE(t.path(to).has_value()) << "the replaced node has no name any more";
  t.forget(to, 1);
  EXPECT_EQ(t.size(), 2u);
}

TEST(NodeTable, RenameOutOfAForgottenDirectoryDropsIt) {
  NodeTable t;
  const NodeId dir = look(t, kRootNode, "dir");
  const NodeId f = look(t, dir, "f");
  t.forget(dir, 1);
  t.rename(dir, "f", kRootNode, "f");
  EXPECT_EQ(t.path(f), "/f");
  EXPECT_FALSE(t.path(dir).has_value());
  EXPECT_EQ(t.size(), 2u);
}

TEST(NodeTable, ExchangeSwapsTwoNames) {
  NodeTable t;
  const NodeId d1 = look(t, kRootNode, "d1");
  const NodeId d2 = look(t, kRootNode, "d2");
  const NodeId x = look(t, d1, "x");
  const NodeId y = look(t, d2, "y");
  t.exchange(d1, "x", d2, "y");
  EXPECT_EQ(t.path(x), "/d2/y");
  EXPECT_EQ(t.path(y), "/d1/x");
  // One side not known to the kernel yet: the known node just moves.
  t.exchange(d1, "x", d2, "unknown");
  EXPECT_EQ(t.path(y), "/d2/unknown");
  EXPECT_FALSE(t.find(d1, "x").has_value());
}

TEST(NodeTable, HiddenFlagBelongsToTheNode) {
  NodeTable t;
  const NodeId f = look(t, kRootNode, "f");
  EXPECT_FALSE(t.is_hidden(f));
  t.set_hidden(f, true);
  EXPECT_TRUE(t.is_hidden(f));
  t.rename(kRootNode, "f", kRootNode, ".fuse_hidden0001");
  EXPECT_TRUE(t.is_hidden(f));
  t.unname(f);
  EXPECT_FALSE(t.path(f).has_value());
}

TEST(NodeTable, AutoCacheComparesWithTheLastAttributes) {
  NodeTable t;
  const NodeId f = look(t, kRootNode, "f");
  EXPECT_FALSE(t.same_as_cached(f, 10, 100)) << "nothing recorded yet";
  EXPECT_TRUE(t.same_as_cached(f, 10, 100));
  t.record_attr(f, 20, 100);
  EXPECT_FALSE(t.same_as_cached(f, 10, 100));
  EXPECT_FALSE(t.same_as_cached(f, 10, 200));
}

TEST(NodeTable, NoforgetKeepsEveryName) {
  NodeTable t(-1);
  const NodeId a = look(t, kRootNode, "a");
  t.forget(a, 1);
  EXPECT_EQ(t.path(a), "/a");
  EXPECT_EQ(look(t, kRootNode, "a"), a) << "the same id comes back";
  EXPECT_EQ(t.drop_forgotten(), 0u);
  t.remove(kRootNode, "a");
  t.forget(a, 1);
  EXPECT_EQ(t.size(), 1u) << "a removed node has nothing to remember";
}

TEST(NodeTable, RememberDropsAfterItsTime) {
  NodeTable t(1);
  const NodeId a = look(t, kRootNode, "a");
  const NodeId kept = look(t, kRootNode, "kept");
  t.forget(a, 1);
  EXPECT_EQ(t.drop_forgotten(), 0u) << "too early";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(t.drop_forgotten(), 1u);
  EXPECT_FALSE(t.path(a).has_value());
  EXPECT_EQ(t.path(kept), "/kept") << "a node the kernel still holds stays";
}

TEST(NodeTable, ConcurrentLookupsAndForgetsBalance) {
  NodeTable t;
  const NodeId dir = look(t, kRootNode, "dir");
  auto worker = [&](int seed) {
    for (int i = 0; i < 20000; ++i) {
      const std::string name = "n" + std::to_string((i * 7 + seed) % 50);
      auto r = t.lookup(dir, name);
      ASSERT_TRUE(r.has_value());
      ASSERT_EQ(t.path(r->id), "/dir/" + name);
      t.forget(r->id, 1);
    }
  };
  std::thread a(worker, 0), b(worker, 3);
  a.join();
  b.join();
  EXPECT_EQ(t.size(), 2u) << "root and dir only";
  EXPECT_EQ(t.path(dir), "/dir");
}

}  // namespace
}  // namespace uringfuse::highlevel
