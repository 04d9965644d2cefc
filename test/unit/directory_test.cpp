// Directory listings: record layout, padding, refusal of bad names, and paging
// through a listing larger than one kernel buffer.
#include <gtest/gtest.h>

#include <dirent.h>

#include <cstring>
#include <set>

#include "fake_kernel.hpp"
#include "test_filesystem.hpp"

namespace uringfuse::test {
namespace {

using abi::Opcode;

struct Entry {
  std::string name;
  std::uint64_t ino, off;
  std::uint32_t type;
};

// Walks records the way the kernel does.
std::vector<Entry> parse_dirents(const std::vector<std::byte>& body, bool plus) {
  std::vector<Entry> out;
  std::size_t pos = 0;
  std::size_t fixed = plus ? sizeof(abi::fuse_direntplus) : sizeof(abi::fuse_dirent);
  while (pos + fixed <= body.size()) {
    abi::fuse_dirent d;
    std::memcpy(&d, body.data() + pos + fixed - sizeof d, sizeof d);
    std::string name(reinterpret_cast<const char*>(body.data() + pos + fixed), d.namelen);
    out.push_back({name, d.ino, d.off, d.type});
    pos += plus ? abi::direntplus_size(d.namelen) : abi::dirent_size(d.namelen);
  }
  EXPECT_EQ(pos, body.size());
  return out;
}

TEST(DirentWriter, LayoutAndPadding) {
  std::vector<std::byte> buf(256, std::byte{0xAA});
  DirentWriter w(buf);
  ASSERT_TRUE(w.add("abc", 5, S_IFDIR | 0755, 1));
  EXPECT_EQ(w.used(), 32u);  // 24 + 3, padded to 8
  abi::fuse_dirent d;
  std::memcpy(&d, buf.data(), sizeof d);
  EXPECT_EQ(d.ino, 5u);
  EXPECT_EQ(d.off, 1u);
  EXPECT_EQ(d.namelen, 3u);
  EXPECT_EQ(d.type, static_cast<std::uint32_t>(DT_DIR));
  for (std::size_t i = 27; i < 32; ++i) EXPECT_EQ(buf[i], std::byte{0}) << i;
}

TEST(DirentWriter, RefusesBadNamesAndOverflow) {
  std::vector<std::byte> buf(40);
  DirentWriter w(buf);
  EXPECT_FALSE(w.add("", 1, S_IFREG, 1));
  EXPECT_FALSE(w.add("a/b", 1, S_IFREG, 1));
  EXPECT_FALSE(w.add(std::string_view("a\0b", 3), 1, S_IFREG, 1));
  EXPECT_FALSE(w.add(std::string(256, 'n'), 1, S_IFREG, 1));
  EXPECT_TRUE(w.add("twelve_chars", 1, S_IFREG, 1));  // 24 + 12 -> 40
  EXPECT_FALSE(w.add("x", 2, S_IFREG, 2));            // full: nothing written
  EXPECT_EQ(w.used(), 40u);
}

class Listing : public ::testing::TestWithParam<std::uint32_t> {};

// Reads the whole directory with a given buffer size, as getdents would.
TEST_P(Listing, PagesThroughAllEntries) {
  RecordingFs fs;
  fs.dir_entries = 300;
  FakeKernel k(fs, implemented_operations<RecordingFs>());
  ASSERT_EQ(k.init().error, 0);
  for (bool plus : {false, true}) {
    std::set<std::string> seen;
    std::uint64_t offset = 0;
    for (int round = 0; round < 1000; ++round) {
      abi::fuse_read_in in{};
      in.offset = offset;
      in.size = GetParam();
      auto r = k.feed(RequestBuilder(plus ? Opcode::READDIRPLUS : Opcode::READDIR, 2).arg(in));
      ASSERT_EQ(r.size(), 1u);
      ASSERT_EQ(r[0].error, 0);
      ASSERT_LE(r[0].body.size(), GetParam());
      auto entries = parse_dirents(r[0].body, plus);
      if (entries.empty()) break;
      for (const auto& e : entries) {
        EXPECT_TRUE(seen.insert(e.name).second) << "duplicate " << e.name;
        EXPECT_EQ(e.type, static_cast<std::uint32_t>(DT_REG));
      }
      offset = entries.back().off;
    }
    EXPECT_EQ(seen.size(), 300u) << (plus ? "readdirplus" : "readdir");
  }
}

INSTANTIATE_TEST_SUITE_P(BufferSizes, Listing, ::testing::Values(200u, 1024u, 4096u, 65536u));

}  // namespace
}  // namespace uringfuse::test
