// Notifications: refused before INIT and when the protocol is too old, otherwise the
// exact bytes the kernel expects; retrieve answers are routed back to their caller.
#include <gtest/gtest.h>

#include <cstring>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::NotifyCode;
using abi::Opcode;

class Notify : public ::testing::Test {
 protected:
  CapturedReply only() {
    auto sent = kernel.take();
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? CapturedReply{} : sent[0];
  }
  static std::string tail(const CapturedReply& r, std::size_t skip) {
    return std::string(reinterpret_cast<const char*>(r.body.data()) + skip, r.body.size() - skip);
  }
  RecordingFs fs;
  FakeKernel kernel{fs, implemented_operations<RecordingFs>()};
};

TEST_F(Notify, BeforeInitEveryNotificationFailsWithEnotconn) {
  auto& n = kernel.notifier();
  EXPECT_EQ(n.inval_inode(2, 0, 0), ENOTCONN);
  EXPECT_EQ(n.inval_entry(1, "x"), ENOTCONN);
  EXPECT_EQ(n.delete_entry(1, 2, "x"), ENOTCONN);
  EXPECT_EQ(n.poll_wakeup(5), ENOTCONN);
  EXPECT_EQ(n.increment_epoch(), ENOTCONN);
  EXPECT_EQ(n.retrieve(2, 0, 10, [](auto, auto) {}), ENOTCONN);
  EXPECT_TRUE(kernel.take().empty());
}

TEST_F(Notify, InvalInodeBytes) {
  ASSERT_EQ(kernel.init().error, 0);
  EXPECT_EQ(kernel.notifier().inval_inode(7, 4096, -1), 0);
  auto r = only();
  EXPECT_EQ(r.unique, 0u);
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::INVAL_INODE));
  auto out = r.as<abi::fuse_notify_inval_inode_out>();
  EXPECT_EQ(out.ino, 7u);
  EXPECT_EQ(out.off, 4096);
  EXPECT_EQ(out.len, -1);
}

TEST_F(Notify, InvalAndExpireEntryBytes) {
  ASSERT_EQ(kernel.init().error, 0);
  EXPECT_EQ(kernel.notifier().inval_entry(1, "name"), 0);
  auto r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::INVAL_ENTRY));
  auto out = r.as<abi::fuse_notify_inval_entry_out>();
  EXPECT_EQ(out.parent, 1u);
  EXPECT_EQ(out.namelen, 4u);
  EXPECT_EQ(out.flags, 0u);
  EXPECT_EQ(tail(r, sizeof out), std::string("name\0", 5));
  EXPECT_EQ(kernel.notifier().expire_entry(1, "name"), 0);
  EXPECT_EQ(only().as<abi::fuse_notify_inval_entry_out>().flags, abi::inval_entry_flag::EXPIRE_ONLY);
  EXPECT_EQ(kernel.notifier().inval_entry(1, std::string(300, 'n')), ENAMETOOLONG);
}

TEST_F(Notify, DeleteStorePollEpochPruneBytes) {
  ASSERT_EQ(kernel.init().error, 0);
  auto& n = kernel.notifier();
  EXPECT_EQ(n.delete_entry(1, 9, "gone"), 0);
  auto r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::DELETE));
  EXPECT_EQ(r.as<abi::fuse_notify_delete_out>().child, 9u);
  EXPECT_EQ(tail(r, sizeof(abi::fuse_notify_delete_out)), std::string("gone\0", 5));

  EXPECT_EQ(n.store(9, 100, std::as_bytes(std::span("data", 4))), 0);
  r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::STORE));
  EXPECT_EQ(r.as<abi::fuse_notify_store_out>().offset, 100u);
  EXPECT_EQ(r.as<abi::fuse_notify_store_out>().size, 4u);
  EXPECT_EQ(tail(r, sizeof(abi::fuse_notify_store_out)), "data");

  EXPECT_EQ(n.poll_wakeup(0xfeed), 0);
  r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::POLL));
  EXPECT_EQ(r.as<abi::fuse_notify_poll_wakeup_out>().kh, 0xfeedu);

  EXPECT_EQ(n.increment_epoch(), 0);
  r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::INC_EPOCH));
  EXPECT_TRUE(r.body.empty());

  Ino nodes[3] = {4, 5, 6};
  EXPECT_EQ(n.prune(nodes), 0);
  r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::PRUNE));
  EXPECT_EQ(r.as<abi::fuse_notify_prune_out>().count, 3u);
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_notify_prune_out) + 24);
  std::uint64_t last;
  std::memcpy(&last, r.body.data() + r.body.size() - 8, 8);
  EXPECT_EQ(last, 6u);
}

TEST_F(Notify, OldMinorGetsEnosys) {
  ASSERT_EQ(kernel.init(abi::init_flag::ASYNC_READ, 17).error, 0);
  auto& n = kernel.notifier();
  EXPECT_EQ(n.delete_entry(1, 2, "x"), ENOSYS);   // 7.18
  EXPECT_EQ(n.increment_epoch(), ENOSYS);          // 7.44
  EXPECT_EQ(n.expire_entry(1, "x"), ENOSYS);       // needs HAS_EXPIRE_ONLY
  EXPECT_EQ(n.inval_inode(2, 0, 0), 0);            // 7.12 is fine
  kernel.take();
}

TEST_F(Notify, RetrieveRoutesNotifyReplyToItsCaller) {
  ASSERT_EQ(kernel.init().error, 0);
  std::string got;
  std::uint64_t got_offset = 0;
  EXPECT_EQ(kernel.notifier().retrieve(9, 512, 16,
                                       [&](std::uint64_t off, std::span<const std::byte> d) {
                                         got_offset = off;
                                         got.assign(reinterpret_cast<const char*>(d.data()), d.size());
                                       }),
            0);
  auto r = only();
  EXPECT_EQ(r.error, static_cast<int>(NotifyCode::RETRIEVE));
  auto out = r.as<abi::fuse_notify_retrieve_out>();
  EXPECT_EQ(out.nodeid, 9u);
  EXPECT_EQ(out.size, 16u);
  // Even (bit 0 is the kernel's FUSE_INT_REQ_BIT: an odd id over io_uring is read as
  // an interrupt reply and refused) and far above the kernel's own uniques, which
  // the NOTIFY_REPLY's commit must never find instead.
  EXPECT_EQ(out.notify_unique % 2, 0u);
  EXPECT_GE(out.notify_unique, std::uint64_t{1} << 62);
  // The kernel answers with a NOTIFY_REPLY whose unique is the notify_unique.
  abi::fuse_notify_retrieve_in in{};
  in.offset = 512;
  in.size = 5;
  auto none = kernel.feed(RequestBuilder(Opcode::NOTIFY_REPLY, out.notify_unique, 9).arg(in).bytes("bytes", 5));
  EXPECT_TRUE(none.empty());  // never answered
  EXPECT_EQ(got, "bytes");
  EXPECT_EQ(got_offset, 512u);
  // A second reply for the same id finds nobody.
  got.clear();
  kernel.feed(RequestBuilder(Opcode::NOTIFY_REPLY, out.notify_unique, 9).arg(in).bytes("bytes", 5));
  EXPECT_TRUE(got.empty());
}

TEST_F(Notify, BackingOpenNeedsPassthrough) {
  ASSERT_EQ(kernel.init().error, 0);
  EXPECT_EQ(kernel.notifier().backing_open(0), -ENOSYS);
}

TEST_F(Notify, InitHookSeesTheNotifier) {
  Notifier* seen = nullptr;
  fs.on_init = [&](ConnectionInfo& c) { seen = &c.notifier(); };
  ASSERT_EQ(kernel.init().error, 0);
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->inval_inode(2, 0, 0), 0);
  EXPECT_EQ(only().error, static_cast<int>(NotifyCode::INVAL_INODE));
}

}  // namespace
}  // namespace uringfuse::test
