// The passthrough's name checks, driven in-process through the fake kernel: requests
// no real kernel sends (names with '/', ".." of the source directory, "." and ".." to
// create or remove) must never reach anything outside the source. It lives in the
// mount suite because that is the one built with the examples; it mounts nothing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "../../example/passthrough/passthrough_fs.hpp"
#include "../support/mount_harness.hpp"
#include "../unit/fake_kernel.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

// dir/src is the source; dir/outside/secret is what an escape would reach.
class SecurityNames : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::mkdir(src_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src_ + "/sub").c_str(), 0755), 0);
    for (const std::string& f : {outside_ + "/secret", src_ + "/f"}) {
      int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      ASSERT_GE(fd, 0);
      ::close(fd);
    }
    ASSERT_EQ(fs_.open_source(src_), "");
    ASSERT_EQ(kernel_.init().error, 0);
  }

  // The one reply to a request from uid 0 (the daemon's own identity: nothing is
  // switched, so only the name checks stand between the request and the tree).
  CapturedReply one(RequestBuilder b) {
    b.header().uid = b.header().gid = 0;
    b.header().pid = static_cast<std::uint32_t>(::getpid());
    auto replies = kernel_.feed(b);
    EXPECT_EQ(replies.size(), 1u);
    return replies.empty() ? CapturedReply{} : replies.front();
  }
  CapturedReply lookup(std::uint64_t parent, std::string_view name) {
    return one(RequestBuilder(Opcode::LOOKUP, next_++, parent).name(name));
  }
  bool exists(const std::string& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
  }

  TempDir dir_;
  const std::string src_ = dir_.sub("src"), outside_ = dir_.sub("outside");
  passthrough::Options options_;
  passthrough::PassthroughFs fs_{options_};
  FakeKernel kernel_{fs_, implemented_operations<passthrough::PassthroughFs>()};
  std::uint64_t next_ = 100;
};

TEST_F(SecurityNames, DotDotOfTheSourceIsTheSource) {
  struct stat src {};
  ASSERT_EQ(::stat(src_.c_str(), &src), 0);
  auto r = lookup(abi::ROOT_ID, "..");
  ASSERT_EQ(r.error, 0);
  auto e = r.as<abi::fuse_entry_out>();
  EXPECT_EQ(e.nodeid, abi::ROOT_ID) << "'..' of the source named a new node: its parent";
  EXPECT_EQ(e.attr.ino, src.st_ino);
}

TEST_F(SecurityNames, DotDotOfATopLevelDirectoryIsTheRootNode) {
  auto sub = lookup(abi::ROOT_ID, "sub");
  ASSERT_EQ(sub.error, 0);
  auto r = lookup(sub.as<abi::fuse_entry_out>().nodeid, "..");
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.as<abi::fuse_entry_out>().nodeid, abi::ROOT_ID);
}

TEST_F(SecurityNames, LookupOfAPathIsRefused) {
  EXPECT_EQ(lookup(abi::ROOT_ID, "../outside/secret").error, -EINVAL);
  EXPECT_EQ(lookup(abi::ROOT_ID, "../outside").error, -EINVAL);
  EXPECT_EQ(lookup(abi::ROOT_ID, "sub/../f").error, -EINVAL);  // even one that stays inside
  EXPECT_EQ(lookup(abi::ROOT_ID, "/").error, -EINVAL);
}

TEST_F(SecurityNames, CreatingThroughAPathIsRefused) {
  abi::fuse_mkdir_in md{0755, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::MKDIR, next_++).arg(md).name("../outside/d")).error, -EINVAL);
  abi::fuse_mknod_in mk{S_IFREG | 0644, 0, 0, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::MKNOD, next_++).arg(mk).name("../outside/n")).error, -EINVAL);
  abi::fuse_create_in cr{O_WRONLY | O_CREAT, 0644, 0, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::CREATE, next_++).arg(cr).name("../outside/c")).error, -EINVAL);
  EXPECT_EQ(one(RequestBuilder(Opcode::SYMLINK, next_++).name("../outside/l").name("x")).error, -EINVAL);
  auto f = lookup(abi::ROOT_ID, "f");
  ASSERT_EQ(f.error, 0);
  abi::fuse_link_in ln{f.as<abi::fuse_entry_out>().nodeid};
  EXPECT_EQ(one(RequestBuilder(Opcode::LINK, next_++).arg(ln).name("../outside/h")).error, -EINVAL);
  for (const char* name : {"d", "n", "c", "l", "h"}) EXPECT_FALSE(exists(outside_ + "/" + name)) << name;
}

TEST_F(SecurityNames, RemovingOrRenamingThroughAPathIsRefused) {
  EXPECT_EQ(one(RequestBuilder(Opcode::UNLINK, next_++).name("../outside/secret")).error, -EINVAL);
  EXPECT_EQ(one(RequestBuilder(Opcode::RMDIR, next_++).name("../outside")).error, -EINVAL);
  abi::fuse_rename2_in rn{abi::ROOT_ID, 0, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::RENAME2, next_++).arg(rn).name("f").name("../outside/f")).error,
            -EINVAL);
  EXPECT_EQ(one(RequestBuilder(Opcode::RENAME2, next_++).arg(rn).name("../outside/secret").name("stolen"))
                .error,
            -EINVAL);
  EXPECT_TRUE(exists(outside_ + "/secret"));
  EXPECT_TRUE(exists(src_ + "/f"));
  EXPECT_FALSE(exists(outside_ + "/f"));
  EXPECT_FALSE(exists(src_ + "/stolen"));
}

TEST_F(SecurityNames, DotAndDotDotCannotBeCreatedOrRemoved) {
  abi::fuse_mkdir_in md{0755, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::MKDIR, next_++).arg(md).name("..")).error, -EEXIST);
  EXPECT_EQ(one(RequestBuilder(Opcode::RMDIR, next_++).name("..")).error, -EINVAL);
  EXPECT_EQ(one(RequestBuilder(Opcode::RMDIR, next_++).name(".")).error, -EINVAL);
  EXPECT_EQ(one(RequestBuilder(Opcode::UNLINK, next_++).name("..")).error, -EINVAL);
  abi::fuse_rename2_in rn{abi::ROOT_ID, 0, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::RENAME2, next_++).arg(rn).name("..").name("x")).error, -EINVAL);
  EXPECT_TRUE(exists(dir_.path()));
}

}  // namespace
}  // namespace uringfuse::test
