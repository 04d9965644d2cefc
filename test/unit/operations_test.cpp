// The operations beyond the basics, byte by byte through the fake kernel: each
// handler sees its decoded arguments and each reply has the kernel's layout.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstring>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;
using namespace std::chrono_literals;

// Records the last call of every operation and answers with fixed values.
class FullFs : public Filesystem {
 public:
  std::string op, name, name2, data;
  Ino ino = 0, ino2 = 0;
  mode_t mode = 0;
  dev_t rdev = 0;
  unsigned flags = 0;
  Request req;
  SetattrIn setattr_in;
  WriteIn write_in;
  FsyncIn fsync_in;
  SetxattrIn setxattr_in;
  LockIn lock_in;
  FlockIn flock_in;
  bool sleep = false;
  IoctlIn ioctl_in;
  PollIn poll_in;
  FallocateIn fallocate_in;
  LseekIn lseek_in;
  CopyFileRangeIn copy_in;
  StatxIn statx_in;
  BmapIn bmap_in;
  OpenIn open_in;
  std::string xattr_value = "value-123";

  EntryParam entry() const { return {.ino = 42, .generation = 1, .attr = make_stat(42, S_IFREG | 0600)}; }
  std::vector<gid_t> groups;
  void note(std::string o, const Request& r) {
    op = std::move(o);
    req = r;
    groups.assign(r.supplementary_groups.begin(), r.supplementary_groups.end());
  }

  void setattr(const Request& r, Ino i, const SetattrIn& in, ReplyAttr reply) override {
    note("setattr", r);
    ino = i;
    setattr_in = in;
    std::move(reply).attr(make_stat(i, S_IFREG | in.new_mode, static_cast<off_t>(in.new_size)), 1s);
  }
  void readlink(const Request& r, Ino, ReplyReadlink reply) override {
    note("readlink", r);
    std::move(reply).target("../target/path");
  }
  void symlink(const Request& r, Ino p, std::string_view n, std::string_view t, ReplyEntry reply) override {
    note("symlink", r);
    ino = p, name = n, name2 = t;
    std::move(reply).entry(entry());
  }
  void mknod(const Request& r, Ino p, std::string_view n, mode_t m, dev_t d, ReplyEntry reply) override {
    note("mknod", r);
    ino = p, name = n, mode = m, rdev = d;
    std::move(reply).entry(entry());
  }
  void mkdir(const Request& r, Ino p, std::string_view n, mode_t m, ReplyEntry reply) override {
    note("mkdir", r);
    ino = p, name = n, mode = m;
    std::move(reply).entry(entry());
  }
  void unlink(const Request& r, Ino p, std::string_view n, ReplyEmpty reply) override {
    note("unlink", r);
    ino = p, name = n;
    std::move(reply).ok();
  }
  void rmdir(const Request& r, Ino p, std::string_view n, ReplyEmpty reply) override {
    note("rmdir", r);
    ino = p, name = n;
    std::move(reply).error(ENOTEMPTY);
  }
  void rename(const Request& r, Ino p, std::string_view n, Ino np, std::string_view nn, unsigned f,
              ReplyEmpty reply) override {
    note("rename", r);
    ino = p, name = n, ino2 = np, name2 = nn, flags = f;
    std::move(reply).ok();
  }
  void link(const Request& r, Ino i, Ino np, std::string_view nn, ReplyEntry reply) override {
    note("link", r);
    ino = i, ino2 = np, name = nn;
    std::move(reply).entry(entry());
  }
  void create(const Request& r, Ino p, std::string_view n, mode_t m, const OpenIn& in,
              ReplyCreate reply) override {
    note("create", r);
    ino = p, name = n, mode = m, open_in = in;
    std::move(reply).created(entry(), {.fh = 77, .direct_io = true, .backing_id = 5});
  }
  void tmpfile(const Request& r, Ino p, mode_t m, const OpenIn& in, ReplyCreate reply) override {
    note("tmpfile", r);
    ino = p, mode = m, open_in = in;
    std::move(reply).created(entry(), {.fh = 78});
  }
  void write(const Request& r, Ino i, const WriteIn& in, std::span<const std::byte> d,
             ReplyWrite reply) override {
    note("write", r);
    ino = i, write_in = in;
    data.assign(reinterpret_cast<const char*>(d.data()), d.size());
    std::move(reply).written(d.size());
  }
  void fsync(const Request& r, Ino, const FsyncIn& in, ReplyEmpty reply) override {
    note("fsync", r);
    fsync_in = in;
    std::move(reply).ok();
  }
  void fsyncdir(const Request& r, Ino, const FsyncIn& in, ReplyEmpty reply) override {
    note("fsyncdir", r);
    fsync_in = in;
    std::move(reply).ok();
  }
  void setxattr(const Request& r, Ino, std::string_view n, std::span<const std::byte> v,
                const SetxattrIn& in, ReplyEmpty reply) override {
    note("setxattr", r);
    name = n, setxattr_in = in;
    data.assign(reinterpret_cast<const char*>(v.data()), v.size());
    std::move(reply).ok();
  }
  void getxattr(const Request& r, Ino, std::string_view n, ReplyXattr reply) override {
    note("getxattr", r);
    name = n;
    if (n == "user.missing") return std::move(reply).error(ENODATA);
    std::move(reply).value(xattr_value);
  }
  void listxattr(const Request& r, Ino, ReplyXattr reply) override {
    note("listxattr", r);
    std::move(reply).value(std::string_view("user.a\0user.bb\0", 15));
  }
  void removexattr(const Request& r, Ino, std::string_view n, ReplyEmpty reply) override {
    note("removexattr", r);
    name = n;
    std::move(reply).ok();
  }
  void getlk(const Request& r, Ino, const LockIn& in, ReplyLock reply) override {
    note("getlk", r);
    lock_in = in;
    std::move(reply).lock({.start = 10, .end = 19, .type = F_WRLCK, .pid = 321});
  }
  void setlk(const Request& r, Ino, const LockIn& in, bool s, ReplyEmpty reply) override {
    note("setlk", r);
    lock_in = in, sleep = s;
    std::move(reply).ok();
  }
  void flock(const Request& r, Ino, const FlockIn& in, ReplyEmpty reply) override {
    note("flock", r);
    flock_in = in;
    std::move(reply).ok();
  }
  void bmap(const Request& r, Ino, const BmapIn& in, ReplyBmap reply) override {
    note("bmap", r);
    bmap_in = in;
    std::move(reply).block(in.block * 2);
  }
  void ioctl(const Request& r, Ino, const IoctlIn& in, std::span<const std::byte> d,
             ReplyIoctl reply) override {
    note("ioctl", r);
    ioctl_in = in;
    data.assign(reinterpret_cast<const char*>(d.data()), d.size());
    if (in.cmd == 1) {
      IoctlIovec want_in[1] = {{0x1000, 16}}, want_out[2] = {{0x2000, 8}, {0x3000, 4}};
      return std::move(reply).retry(want_in, want_out);
    }
    std::move(reply).result(7, std::as_bytes(std::span("out", 3)));
  }
  void poll(const Request& r, Ino, const PollIn& in, ReplyPoll reply) override {
    note("poll", r);
    poll_in = in;
    std::move(reply).ready(POLLIN_BITS);
  }
  void fallocate(const Request& r, Ino, const FallocateIn& in, ReplyEmpty reply) override {
    note("fallocate", r);
    fallocate_in = in;
    std::move(reply).ok();
  }
  void lseek(const Request& r, Ino, const LseekIn& in, ReplyLseek reply) override {
    note("lseek", r);
    lseek_in = in;
    std::move(reply).offset(4096);
  }
  void copy_file_range(const Request& r, Ino i, const CopyFileRangeIn& in, ReplyWrite reply) override {
    note("copy_file_range", r);
    ino = i, copy_in = in;
    std::move(reply).written(in.length);
  }
  void statx(const Request& r, Ino i, const StatxIn& in, ReplyStatx reply) override {
    note("statx", r);
    statx_in = in;
    struct statx st {};
    st.stx_mask = STATX_BASIC_STATS | STATX_BTIME;
    st.stx_ino = i;
    st.stx_size = 12345;
    st.stx_mode = S_IFREG | 0640;
    st.stx_btime = {1600000000, 5, 0};
    std::move(reply).statx(st, 2s);
  }
  void syncfs(const Request& r, Ino, ReplyEmpty reply) override {
    note("syncfs", r);
    std::move(reply).ok();
  }
  static constexpr std::uint32_t POLLIN_BITS = 0x1;
};

class Operations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = kernel.init();
    ASSERT_EQ(r.error, 0);
  }
  CapturedReply one(const RequestBuilder& b) {
    auto replies = kernel.feed(b);
    EXPECT_EQ(replies.size(), 1u) << fs.op;
    return replies.empty() ? CapturedReply{} : replies[0];
  }
  std::string body_text(const CapturedReply& r, std::size_t skip = 0) {
    return std::string(reinterpret_cast<const char*>(r.body.data()) + skip, r.body.size() - skip);
  }
  FullFs fs;
  FakeKernel kernel{fs, implemented_operations<FullFs>()};
};

TEST_F(Operations, SetattrDecodesEveryField) {
  abi::fuse_setattr_in in{};
  in.valid = abi::fattr::MODE | abi::fattr::SIZE | abi::fattr::FH | abi::fattr::ATIME_NOW |
             abi::fattr::MTIME | abi::fattr::CTIME_SET | abi::fattr::KILL_SUIDGID | abi::fattr::UID;
  in.mode = 0640;
  in.size = 4096;
  in.fh = 9;
  in.mtime = 1700000000;
  in.mtimensec = 42;
  in.ctime = 1700000001;
  in.uid = 1234;
  auto r = one(RequestBuilder(Opcode::SETATTR, 2, 5).arg(in));
  ASSERT_EQ(r.error, 0);
  const auto& s = fs.setattr_in;
  EXPECT_TRUE(s.has(SetattrIn::mode) && s.has(SetattrIn::size) && s.has(SetattrIn::fh));
  EXPECT_TRUE(s.has(SetattrIn::atime_now) && s.has(SetattrIn::mtime) && s.has(SetattrIn::ctime));
  EXPECT_TRUE(s.has(SetattrIn::kill_suidgid) && s.has(SetattrIn::uid));
  EXPECT_FALSE(s.has(SetattrIn::gid) || s.has(SetattrIn::atime) || s.has(SetattrIn::mtime_now));
  EXPECT_EQ(s.new_mode, 0640u);
  EXPECT_EQ(s.new_size, 4096u);
  EXPECT_EQ(s.file_handle, 9u);
  EXPECT_EQ(s.new_mtime.tv_sec, 1700000000);
  EXPECT_EQ(s.new_mtime.tv_nsec, 42);
  EXPECT_EQ(s.new_ctime.tv_sec, 1700000001);
  EXPECT_EQ(s.new_uid, 1234u);
  EXPECT_EQ(r.as<abi::fuse_attr_out>().attr.size, 4096u);
}

TEST_F(Operations, Readlink) {
  auto r = one(RequestBuilder(Opcode::READLINK, 3, 5));
  EXPECT_EQ(body_text(r), "../target/path");
}

TEST_F(Operations, SymlinkNameThenTarget) {
  auto r = one(RequestBuilder(Opcode::SYMLINK, 4, 1).name("link").name("/some/target"));
  EXPECT_EQ(fs.name, "link");
  EXPECT_EQ(fs.name2, "/some/target");
  EXPECT_EQ(r.as<abi::fuse_entry_out>().nodeid, 42u);
}

TEST_F(Operations, MknodMkdirCarryModeAndUmask) {
  abi::fuse_mknod_in mk{S_IFIFO | 0644, 0x0801, 022, 0};
  one(RequestBuilder(Opcode::MKNOD, 5, 1).arg(mk).name("fifo"));
  EXPECT_EQ(fs.op, "mknod");
  EXPECT_EQ(fs.mode, static_cast<mode_t>(S_IFIFO | 0644));
  EXPECT_EQ(fs.rdev, 0x0801u);
  EXPECT_EQ(fs.req.umask, 022u);
  abi::fuse_mkdir_in md{0755, 077};
  one(RequestBuilder(Opcode::MKDIR, 6, 1).arg(md).name("dir"));
  EXPECT_EQ(fs.name, "dir");
  EXPECT_EQ(fs.mode, 0755u);
  EXPECT_EQ(fs.req.umask, 077u);
}

TEST_F(Operations, UnlinkRmdir) {
  EXPECT_EQ(one(RequestBuilder(Opcode::UNLINK, 7, 3).name("f")).error, 0);
  EXPECT_EQ(fs.ino, 3u);
  EXPECT_EQ(one(RequestBuilder(Opcode::RMDIR, 8, 3).name("d")).error, -ENOTEMPTY);
  EXPECT_EQ(fs.name, "d");
}

TEST_F(Operations, RenameAndRename2Flags) {
  abi::fuse_rename_in r1{9};
  one(RequestBuilder(Opcode::RENAME, 9, 3).arg(r1).name("a").name("b"));
  EXPECT_EQ(fs.ino2, 9u);
  EXPECT_EQ(fs.name2, "b");
  EXPECT_EQ(fs.flags, 0u);
  abi::fuse_rename2_in r2{10, RENAME_EXCHANGE, 0};
  one(RequestBuilder(Opcode::RENAME2, 10, 3).arg(r2).name("x").name("y"));
  EXPECT_EQ(fs.flags, static_cast<unsigned>(RENAME_EXCHANGE));
  EXPECT_EQ(fs.ino2, 10u);
}

TEST_F(Operations, LinkUsesOldNodeAndNewParent) {
  abi::fuse_link_in in{55};
  one(RequestBuilder(Opcode::LINK, 11, 4).arg(in).name("hard"));
  EXPECT_EQ(fs.ino, 55u);
  EXPECT_EQ(fs.ino2, 4u);
  EXPECT_EQ(fs.name, "hard");
}

TEST_F(Operations, CreateRepliesEntryAndOpen) {
  abi::fuse_create_in in{O_RDWR | O_CREAT | O_EXCL, S_IFREG | 0600, 022, 0};
  auto r = one(RequestBuilder(Opcode::CREATE, 12, 1).arg(in).name("new"));
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_entry_out) + sizeof(abi::fuse_open_out));
  abi::fuse_open_out o;
  std::memcpy(&o, r.body.data() + sizeof(abi::fuse_entry_out), sizeof o);
  EXPECT_EQ(r.as<abi::fuse_entry_out>().nodeid, 42u);
  EXPECT_EQ(o.fh, 77u);
  EXPECT_EQ(o.open_flags, abi::fopen::DIRECT_IO | abi::fopen::PASSTHROUGH);
  EXPECT_EQ(o.backing_id, 5);
  EXPECT_EQ(fs.open_in.flags, O_RDWR | O_CREAT | O_EXCL);
  EXPECT_EQ(fs.req.umask, 022u);
}

TEST_F(Operations, Tmpfile) {
  abi::fuse_create_in in{O_RDWR | O_TMPFILE, S_IFREG | 0600, 0, 0};
  auto r = one(RequestBuilder(Opcode::TMPFILE, 13, 1).arg(in).name(""));
  EXPECT_EQ(fs.op, "tmpfile");
  EXPECT_EQ(r.body.size(), sizeof(abi::fuse_entry_out) + sizeof(abi::fuse_open_out));
}

TEST_F(Operations, WriteCarriesDataAndFlags) {
  abi::fuse_write_in in{};
  in.fh = 3;
  in.offset = 100;
  in.size = 5;
  in.write_flags = abi::write_flag::CACHE | abi::write_flag::KILL_SUIDGID;
  auto r = one(RequestBuilder(Opcode::WRITE, 14, 7).arg(in).bytes("hello", 5));
  EXPECT_EQ(fs.data, "hello");
  EXPECT_EQ(fs.write_in.offset, 100u);
  EXPECT_TRUE(fs.write_in.from_page_cache());
  EXPECT_TRUE(fs.write_in.kill_suidgid());
  EXPECT_EQ(r.as<abi::fuse_write_out>().size, 5u);
}

TEST_F(Operations, WriteWithWrongSizeIsRejected) {
  abi::fuse_write_in in{};
  in.size = 10;
  auto r = one(RequestBuilder(Opcode::WRITE, 15, 7).arg(in).bytes("hello", 5));
  EXPECT_EQ(r.error, -EINVAL);
  EXPECT_TRUE(fs.op.empty());
}

TEST_F(Operations, FsyncDatasync) {
  abi::fuse_fsync_in in{8, abi::fsync_flag::FDATASYNC, 0};
  one(RequestBuilder(Opcode::FSYNC, 16, 7).arg(in));
  EXPECT_TRUE(fs.fsync_in.datasync);
  EXPECT_EQ(fs.fsync_in.fh, 8u);
  in.fsync_flags = 0;
  one(RequestBuilder(Opcode::FSYNCDIR, 17, 7).arg(in));
  EXPECT_EQ(fs.op, "fsyncdir");
  EXPECT_FALSE(fs.fsync_in.datasync);
}

TEST_F(Operations, SetxattrShortStructWithoutExtension) {
  // The fixture's kernel offered SETXATTR_EXT but nobody wanted it: 8-byte struct.
  abi::fuse_setxattr_in in{};
  in.size = 3;
  in.flags = 1;
  RequestBuilder b(Opcode::SETXATTR, 18, 7);
  b.bytes(&in, abi::COMPAT_SETXATTR_IN_SIZE).name("user.k").bytes("abc", 3);
  EXPECT_EQ(one(b).error, 0);
  EXPECT_EQ(fs.name, "user.k");
  EXPECT_EQ(fs.data, "abc");
  EXPECT_EQ(fs.setxattr_in.flags, 1);
}

TEST_F(Operations, GetxattrProbeValueAndErange) {
  abi::fuse_getxattr_in probe{0, 0};
  auto r = one(RequestBuilder(Opcode::GETXATTR, 19, 7).arg(probe).name("user.k"));
  EXPECT_EQ(r.as<abi::fuse_getxattr_out>().size, 9u);  // "value-123"
  abi::fuse_getxattr_in big{100, 0};
  r = one(RequestBuilder(Opcode::GETXATTR, 20, 7).arg(big).name("user.k"));
  EXPECT_EQ(body_text(r), "value-123");
  abi::fuse_getxattr_in small{4, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::GETXATTR, 21, 7).arg(small).name("user.k")).error, -ERANGE);
  EXPECT_EQ(one(RequestBuilder(Opcode::GETXATTR, 22, 7).arg(big).name("user.missing")).error, -ENODATA);
}

TEST_F(Operations, ListxattrProbeAndList) {
  abi::fuse_getxattr_in probe{0, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::LISTXATTR, 23, 7).arg(probe)).as<abi::fuse_getxattr_out>().size, 15u);
  abi::fuse_getxattr_in big{64, 0};
  auto r = one(RequestBuilder(Opcode::LISTXATTR, 24, 7).arg(big));
  EXPECT_EQ(r.body.size(), 15u);
  EXPECT_EQ(one(RequestBuilder(Opcode::REMOVEXATTR, 25, 7).name("user.a")).error, 0);
  EXPECT_EQ(fs.name, "user.a");
}

TEST_F(Operations, PosixLocks) {
  abi::fuse_lk_in in{};
  in.fh = 4;
  in.owner = 0xabc;
  in.lk = {0, 99, F_RDLCK, 55};
  auto r = one(RequestBuilder(Opcode::GETLK, 26, 7).arg(in));
  auto out = r.as<abi::fuse_lk_out>();
  EXPECT_EQ(out.lk.start, 10u);
  EXPECT_EQ(out.lk.end, 19u);
  EXPECT_EQ(out.lk.type, static_cast<std::uint32_t>(F_WRLCK));
  EXPECT_EQ(out.lk.pid, 321u);
  EXPECT_EQ(fs.lock_in.owner, 0xabcu);
  EXPECT_EQ(fs.lock_in.lock.end, 99u);
  one(RequestBuilder(Opcode::SETLKW, 27, 7).arg(in));
  EXPECT_EQ(fs.op, "setlk");
  EXPECT_TRUE(fs.sleep);
  one(RequestBuilder(Opcode::SETLK, 28, 7).arg(in));
  EXPECT_FALSE(fs.sleep);
}

TEST_F(Operations, FlockTravelsAsSetlkWithFlag) {
  abi::fuse_lk_in in{};
  in.lk.type = F_WRLCK;
  in.lk_flags = abi::lk_flag::FLOCK;
  one(RequestBuilder(Opcode::SETLK, 29, 7).arg(in));
  EXPECT_EQ(fs.op, "flock");
  EXPECT_EQ(fs.flock_in.operation, LOCK_EX | LOCK_NB);
  one(RequestBuilder(Opcode::SETLKW, 30, 7).arg(in));
  EXPECT_EQ(fs.flock_in.operation, LOCK_EX);
  in.lk.type = F_UNLCK;
  one(RequestBuilder(Opcode::SETLK, 31, 7).arg(in));
  EXPECT_EQ(fs.flock_in.operation, LOCK_UN);
}

TEST_F(Operations, Bmap) {
  abi::fuse_bmap_in in{21, 4096, 0};
  EXPECT_EQ(one(RequestBuilder(Opcode::BMAP, 32, 7).arg(in)).as<abi::fuse_bmap_out>().block, 42u);
  EXPECT_EQ(fs.bmap_in.blocksize, 4096u);
}

TEST_F(Operations, IoctlResultAndRetry) {
  abi::fuse_ioctl_in in{};
  in.cmd = 2;
  in.in_size = 2;
  in.out_size = 16;
  in.flags = abi::ioctl_flag::UNRESTRICTED;
  auto r = one(RequestBuilder(Opcode::IOCTL, 33, 7).arg(in).bytes("in", 2));
  EXPECT_EQ(fs.data, "in");
  EXPECT_TRUE(fs.ioctl_in.unrestricted());
  EXPECT_EQ(r.as<abi::fuse_ioctl_out>().result, 7);
  EXPECT_EQ(body_text(r, sizeof(abi::fuse_ioctl_out)), "out");

  in.cmd = 1;
  in.in_size = 0;
  r = one(RequestBuilder(Opcode::IOCTL, 34, 7).arg(in));
  auto out = r.as<abi::fuse_ioctl_out>();
  EXPECT_EQ(out.flags, abi::ioctl_flag::RETRY);
  EXPECT_EQ(out.in_iovs, 1u);
  EXPECT_EQ(out.out_iovs, 2u);
  ASSERT_EQ(r.body.size(), sizeof out + 3 * sizeof(abi::fuse_ioctl_iovec));
  abi::fuse_ioctl_iovec v[3];
  std::memcpy(v, r.body.data() + sizeof out, sizeof v);
  EXPECT_EQ(v[0].base, 0x1000u);
  EXPECT_EQ(v[2].len, 4u);

  in.cmd = 2;
  in.out_size = 2;  // "out" no longer fits
  EXPECT_EQ(one(RequestBuilder(Opcode::IOCTL, 35, 7).arg(in)).error, -EIO);
}

TEST_F(Operations, PollWithHandle) {
  abi::fuse_poll_in in{5, 0x77, abi::poll_flag::SCHEDULE_NOTIFY, 0x1};
  auto r = one(RequestBuilder(Opcode::POLL, 36, 7).arg(in));
  EXPECT_EQ(r.as<abi::fuse_poll_out>().revents, 1u);
  EXPECT_TRUE(fs.poll_in.wants_notify());
  EXPECT_EQ(fs.poll_in.kh, 0x77u);
}

TEST_F(Operations, FallocateAndLseek) {
  abi::fuse_fallocate_in fa{3, 4096, 8192, 0x3, 0};
  one(RequestBuilder(Opcode::FALLOCATE, 37, 7).arg(fa));
  EXPECT_EQ(fs.fallocate_in.mode, 0x3);
  EXPECT_EQ(fs.fallocate_in.length, 8192u);
  abi::fuse_lseek_in ls{3, 100, SEEK_DATA, 0};
  auto r = one(RequestBuilder(Opcode::LSEEK, 38, 7).arg(ls));
  EXPECT_EQ(r.as<abi::fuse_lseek_out>().offset, 4096u);
  EXPECT_EQ(fs.lseek_in.whence, SEEK_DATA);
}

TEST_F(Operations, CopyFileRangeBothWidths) {
  abi::fuse_copy_file_range_in in{};
  in.fh_in = 1;
  in.off_in = 10;
  in.nodeid_out = 8;
  in.fh_out = 2;
  in.off_out = 20;
  in.len = 300;
  auto r = one(RequestBuilder(Opcode::COPY_FILE_RANGE, 39, 7).arg(in));
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_write_out));
  EXPECT_EQ(r.as<abi::fuse_write_out>().size, 300u);
  EXPECT_EQ(fs.copy_in.ino_out, 8u);
  in.len = 5ull << 32;  // only the 64-bit form can say this
  r = one(RequestBuilder(Opcode::COPY_FILE_RANGE_64, 40, 7).arg(in));
  ASSERT_EQ(r.body.size(), sizeof(abi::fuse_copy_file_range_out));
  EXPECT_EQ(r.as<abi::fuse_copy_file_range_out>().bytes_copied, 5ull << 32);
  EXPECT_EQ(one(RequestBuilder(Opcode::COPY_FILE_RANGE, 41, 7).arg(in)).error, -EIO);
}

TEST_F(Operations, Statx) {
  abi::fuse_statx_in in{};
  in.getattr_flags = abi::getattr_flag::FH;
  in.fh = 6;
  in.sx_mask = STATX_BTIME;
  auto r = one(RequestBuilder(Opcode::STATX, 42, 9).arg(in));
  auto out = r.as<abi::fuse_statx_out>();
  EXPECT_EQ(out.attr_valid, 2u);
  EXPECT_EQ(out.stat.ino, 9u);
  EXPECT_EQ(out.stat.size, 12345u);
  EXPECT_EQ(out.stat.btime.tv_sec, 1600000000);
  EXPECT_TRUE(fs.statx_in.has_fh);
  EXPECT_EQ(fs.statx_in.mask, static_cast<std::uint32_t>(STATX_BTIME));
}

TEST_F(Operations, SyncfsAndDaxMappingsRefused) {
  EXPECT_EQ(one(RequestBuilder(Opcode::SYNCFS, 43, 1).arg(abi::fuse_syncfs_in{})).error, 0);
  EXPECT_EQ(one(RequestBuilder(Opcode::SETUPMAPPING, 44, 1).arg(abi::fuse_setupmapping_in{})).error,
            -ENOSYS);
}

TEST_F(Operations, LockCapabilitiesFollowImplementedOperations) {
  FullFs other;
  FakeKernel k(other, implemented_operations<FullFs>());
  auto out = k.init().as<abi::fuse_init_out>();
  EXPECT_TRUE(out.flags & abi::init_flag::POSIX_LOCKS);
  EXPECT_TRUE(out.flags & abi::init_flag::FLOCK_LOCKS);
  EmptyFs none;
  FakeKernel k2(none, implemented_operations<EmptyFs>());
  out = k2.init().as<abi::fuse_init_out>();
  EXPECT_FALSE(out.flags & abi::init_flag::POSIX_LOCKS);
  EXPECT_FALSE(out.flags & abi::init_flag::FLOCK_LOCKS);
}

TEST(OperationsExt, SupplementaryGroupsReachTheHandler) {
  struct WantsGroups : FullFs {
    void init(ConnectionInfo& c) override { EXPECT_TRUE(c.want(Capability::create_supp_group)); }
  } fs;
  FakeKernel k(fs, implemented_operations<FullFs>());
  ASSERT_EQ(k.init().error, 0);
  // The kernel appends the extension right after the last name, unpadded.
  abi::fuse_mkdir_in md{0755, 0};
  abi::fuse_ext_header h{24, abi::ext_type::GROUPS};
  std::uint32_t groups[4] = {2, 100, 200, 0};  // count, two gids, padding to 8
  RequestBuilder b(Opcode::MKDIR, 50, 1);
  b.arg(md).name("d").arg(h).bytes(groups, sizeof groups);
  b.header().total_extlen = 3;
  auto r = k.feed(b);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(fs.name, "d");
  EXPECT_EQ(fs.groups, (std::vector<gid_t>{100, 200}));
}

TEST(OperationsExt, MalformedExtensionIsRejected) {
  FullFs fs;
  FakeKernel k(fs, implemented_operations<FullFs>());
  ASSERT_EQ(k.init().error, 0);
  abi::fuse_mkdir_in md{0755, 0};
  abi::fuse_ext_header h{16, abi::ext_type::GROUPS};
  std::uint32_t groups[2] = {1000, 7};  // claims 1000 groups in 4 bytes
  RequestBuilder b(Opcode::MKDIR, 51, 1);
  b.arg(md).name("d").arg(h).bytes(groups, sizeof groups);
  b.header().total_extlen = 2;
  auto r = k.feed(b);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error, -EINVAL);
  EXPECT_TRUE(fs.op.empty());
}

}  // namespace
}  // namespace uringfuse::test
