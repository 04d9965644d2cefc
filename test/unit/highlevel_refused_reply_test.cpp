// A path filesystem whose answers the kernel refuses: an OPENDIR, OPEN, CREATE or
// LOOKUP whose caller was interrupted and given up on before the reply came
// (writev answers ENOENT, as /dev/fuse does then). No RELEASE or FORGET will ever
// come for what such a reply would have handed out, so the high-level layer undoes
// it itself: the filesystem's releasedir/release run and the lookup is given back.
// And directories still open when the session ends (their RELEASEDIR never came)
// are released before destroy(). Requests go in through fuse_session_process_buf and
// answers come out through a custom writev, as a libfuse program's own loop would.
#include <sys/eventfd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#define FUSE_USE_VERSION 319
#include "uringfuse/fuse3/fuse.h"
#include "uringfuse/fuse3/fuse_lowlevel.h"

#include "fake_kernel.hpp"

namespace uringfuse::test {
namespace {

struct Written {
  abi::fuse_out_header header{};
  std::vector<std::byte> body;
};

// What the filesystem saw, and what the fake kernel wrote and refused.
struct World {
  std::vector<Written> written;
  std::set<std::uint64_t> refuse;  // uniques whose reply writev answers ENOENT
  std::set<std::string> files{"/f"};
  int dirs_open = 0, dir_releases = 0;
  int file_opens = 0, file_releases = 0;
  int unlinks = 0, renames = 0;
} g;

ssize_t fake_writev(int, struct iovec* iov, int count, void*) {
  Written w;
  std::memcpy(&w.header, iov[0].iov_base, std::min(sizeof w.header, iov[0].iov_len));
  ssize_t n = 0;
  for (int i = 0; i < count; ++i) {
    n += static_cast<ssize_t>(iov[i].iov_len);
    if (i == 0) continue;
    auto* p = static_cast<const std::byte*>(iov[i].iov_base);
    w.body.insert(w.body.end(), p, p + iov[i].iov_len);
  }
  const bool refused = g.refuse.erase(w.header.unique) != 0;
  g.written.push_back(std::move(w));  // kept even when refused: its nodeid is looked at
  if (refused) {
    errno = ENOENT;
    return -1;
  }
  return n;
}
ssize_t no_read(int, void*, size_t, void*) { return -1; }

int fs_getattr(const char* path, struct stat* st, fuse_file_info*) {
  std::memset(st, 0, sizeof *st);
  if (std::strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (!g.files.count(path)) return -ENOENT;
  st->st_mode = S_IFREG | 0644;
  st->st_nlink = 1;
  return 0;
}
int fs_opendir(const char*, fuse_file_info* fi) {
  fi->fh = reinterpret_cast<std::uint64_t>(new int(42));  // freed only by releasedir
  ++g.dirs_open;
  return 0;
}
int fs_releasedir(const char*, fuse_file_info* fi) {
  delete reinterpret_cast<int*>(fi->fh);
  ++g.dir_releases;
  return 0;
}
int fs_open(const char* path, fuse_file_info*) {
  if (!g.files.count(path)) return -ENOENT;
  ++g.file_opens;
  return 0;
}
int fs_create(const char* path, mode_t, fuse_file_info*) {
  g.files.insert(path);
  ++g.file_opens;
  return 0;
}
int fs_release(const char*, fuse_file_info*) {
  ++g.file_releases;
  return 0;
}
int fs_unlink(const char* path) {
  ++g.unlinks;
  return g.files.erase(path) ? 0 : -ENOENT;
}
int fs_rename(const char* from, const char* to, unsigned) {
  ++g.renames;  // hard_remove is off: an unlinked open file would be hidden by rename
  if (!g.files.erase(from)) return -ENOENT;
  g.files.insert(to);
  return 0;
}

class HighlevelRefusedReply : public ::testing::Test {
 protected:
  void SetUp() override {
    g = World{};
    fuse_operations ops{};
    ops.getattr = fs_getattr;
    ops.opendir = fs_opendir;
    ops.releasedir = fs_releasedir;
    ops.open = fs_open;
    ops.create = fs_create;
    ops.release = fs_release;
    ops.unlink = fs_unlink;
    ops.rename = fs_rename;
    char arg0[] = "refused-reply";
    char* argv[] = {arg0, nullptr};
    fuse_args args = FUSE_ARGS_INIT(1, argv);
    f_ = fuse_new(&args, &ops, sizeof ops, nullptr);
    fuse_opt_free_args(&args);
    ASSERT_NE(f_, nullptr);
    fuse_custom_io io{};
    io.writev = fake_writev;
    io.read = no_read;
    // An eventfd stands in for /dev/fuse: nothing reads it.
    ASSERT_EQ(fuse_session_custom_io(fuse_get_session(f_), &io, sizeof io, ::eventfd(0, EFD_CLOEXEC)), 0);
    abi::fuse_init_in init{};
    init.major = 7;
    init.minor = 45;
    init.flags = ~0u;  // the kernel offers everything init() may ask for
    init.flags2 = ~0u;
    process(RequestBuilder(abi::Opcode::INIT, next_unique()).arg(init));
    ASSERT_EQ(g.written.size(), 1u);
  }
  void TearDown() override {
    fuse_destroy(f_);  // closes the custom io's fd, as libfuse does
  }

  void process(const RequestBuilder& b) {
    auto bytes = b.build();
    fuse_buf buf{};
    buf.mem = bytes.data();
    buf.size = bytes.size();
    fuse_session_process_buf(fuse_get_session(f_), &buf);
  }
  std::uint64_t next_unique() { return unique_++; }
  // The reply written last, which must answer `unique`.
  const Written& last_reply(std::uint64_t unique) {
    EXPECT_FALSE(g.written.empty());
    EXPECT_EQ(g.written.back().header.unique, unique);
    return g.written.back();
  }
  std::uint64_t nodeid_of(const Written& w) {
    abi::fuse_entry_out e{};
    EXPECT_GE(w.body.size(), sizeof e);
    if (w.body.size() >= sizeof e) std::memcpy(&e, w.body.data(), sizeof e);
    return e.nodeid;
  }
  std::uint64_t lookup(const char* name, bool refused = false) {
    std::uint64_t u = next_unique();
    if (refused) g.refuse.insert(u);
    process(RequestBuilder(abi::Opcode::LOOKUP, u).name(name));
    const Written& w = last_reply(u);
    EXPECT_EQ(w.header.error, 0);
    return nodeid_of(w);
  }
  void unlink(const char* name) {
    std::uint64_t u = next_unique();
    process(RequestBuilder(abi::Opcode::UNLINK, u).name(name));
    EXPECT_EQ(last_reply(u).header.error, 0);
  }

  fuse* f_ = nullptr;
  std::uint64_t unique_ = 1;
};

TEST_F(HighlevelRefusedReply, OpendirIsReleasedWhenItsReplyIsRefused) {
  std::uint64_t u = next_unique();
  g.refuse.insert(u);
  abi::fuse_open_in open{};
  process(RequestBuilder(abi::Opcode::OPENDIR, u).arg(open));
  EXPECT_EQ(last_reply(u).header.unique, u);
  EXPECT_EQ(g.dirs_open, 1);
  EXPECT_EQ(g.dir_releases, 1);  // at once, not at destroy: under ASan nothing leaks
}

TEST_F(HighlevelRefusedReply, OpenIsReleasedWhenItsReplyIsRefused) {
  std::uint64_t ino = lookup("f");
  std::uint64_t u = next_unique();
  g.refuse.insert(u);
  abi::fuse_open_in open{};
  process(RequestBuilder(abi::Opcode::OPEN, u, ino).arg(open));
  EXPECT_EQ(g.file_opens, 1);
  EXPECT_EQ(g.file_releases, 1);
  // Not counted open any more: unlinking removes it rather than hiding it.
  unlink("f");
  EXPECT_EQ(g.unlinks, 1);
  EXPECT_EQ(g.renames, 0);
}

TEST_F(HighlevelRefusedReply, CreateIsReleasedAndForgottenWhenItsReplyIsRefused) {
  std::uint64_t u = next_unique();
  g.refuse.insert(u);
  abi::fuse_create_in create{};
  create.mode = S_IFREG | 0644;
  create.flags = O_RDWR;
  process(RequestBuilder(abi::Opcode::CREATE, u).arg(create).name("g"));
  std::uint64_t refused_ino = nodeid_of(last_reply(u));
  EXPECT_EQ(g.file_opens, 1);
  EXPECT_EQ(g.file_releases, 1);
  // The node the refused reply named had no other lookup: it is gone, and looking the
  // name up again makes a new one.
  EXPECT_NE(lookup("g"), refused_ino);
  unlink("g");
  EXPECT_EQ(g.unlinks, 1);
  EXPECT_EQ(g.renames, 0);
}

TEST_F(HighlevelRefusedReply, LookupIsGivenBackWhenItsReplyIsRefused) {
  std::uint64_t refused_ino = lookup("f", true);
  EXPECT_NE(refused_ino, 0u);
  EXPECT_NE(lookup("f"), refused_ino);
}

TEST_F(HighlevelRefusedReply, AnsweredLookupKeepsItsNode) {
  std::uint64_t ino = lookup("f");
  EXPECT_EQ(lookup("f"), ino);  // the check above is not passing by accident
}

TEST_F(HighlevelRefusedReply, DirectoriesLeftOpenAreReleasedAtDestroy) {
  for (int i = 0; i < 3; ++i) {
    std::uint64_t u = next_unique();
    abi::fuse_open_in open{};
    process(RequestBuilder(abi::Opcode::OPENDIR, u).arg(open));
    EXPECT_EQ(last_reply(u).header.error, 0);
  }
  std::uint64_t u = next_unique();  // one released the usual way
  abi::fuse_release_in release{};
  abi::fuse_open_out opened{};
  const Written& w = g.written.back();
  ASSERT_GE(w.body.size(), sizeof opened);
  std::memcpy(&opened, w.body.data(), sizeof opened);
  release.fh = opened.fh;
  process(RequestBuilder(abi::Opcode::RELEASEDIR, u).arg(release));
  EXPECT_EQ(last_reply(u).header.error, 0);
  EXPECT_EQ(g.dir_releases, 1);
  fuse_destroy(f_);  // the kernel's connection ended with two still open
  f_ = nullptr;
  EXPECT_EQ(g.dirs_open, 3);
  EXPECT_EQ(g.dir_releases, 3);
}

}  // namespace
}  // namespace uringfuse::test
