// Writes READDIR / READDIRPLUS records: a fixed header, the name without NUL, zero
// padding to 8 bytes. A record that does not fit is not written at all, so the kernel
// resumes from the last complete one.
#include "uringfuse/directory.hpp"

#include <cstring>

#include "abi/fuse_abi.hpp"
#include "core/wire_encoding.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse {
namespace {

// NAME_MAX; the kernel rejects longer names anyway.
constexpr std::size_t kMaxName = 255;

// A bad name ends the usual add-until-false loop, so say why instead of going quiet.
bool valid_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxName && name.find('/') == std::string_view::npos &&
            name.find('\0') == std::string_view::npos;
  if (!ok)
    log(LogLevel::err, "uringfuse: directory entry name refused (empty, longer than %zu, or with '/' or NUL)",
        kMaxName);
  return ok;
}

abi::fuse_dirent make_dirent(std::string_view name, Ino ino, mode_t mode, std::uint64_t off) {
  abi::fuse_dirent d{};
  d.ino = ino;
  d.off = off;
  d.namelen = static_cast<std::uint32_t>(name.size());
  d.type = (mode & S_IFMT) >> 12;
  return d;
}

// Copies the fixed part and the name, and zeroes the padding.
void put_record(std::byte* at, const void* fixed, std::size_t fixed_size, std::string_view name,
                std::size_t record_size) {
  std::memcpy(at, fixed, fixed_size);
  std::memcpy(at + fixed_size, name.data(), name.size());
  std::memset(at + fixed_size + name.size(), 0, record_size - fixed_size - name.size());
}

}  // namespace

std::size_t DirentWriter::entry_size(std::string_view name) { return abi::dirent_size(name.size()); }

std::size_t DirentWriter::entry_plus_size(std::string_view name) {
  return abi::direntplus_size(name.size());
}

bool DirentWriter::add(std::string_view name, Ino ino, mode_t mode, std::uint64_t next_offset) {
  std::size_t size = entry_size(name);
  if (!valid_name(name) || size > buffer_.size() - used_) return false;
  auto d = make_dirent(name, ino, mode, next_offset);
  put_record(buffer_.data() + used_, &d, sizeof d, name, size);
  used_ += size;
  return true;
}

bool DirentWriter::add_plus(std::string_view name, const EntryParam& entry,
                            std::uint64_t next_offset) {
  std::size_t size = entry_plus_size(name);
  if (!valid_name(name) || size > buffer_.size() - used_) return false;
  abi::fuse_direntplus d{};
  d.entry_out = detail::to_wire_entry(entry);
  Ino ino = entry.attr.st_ino ? entry.attr.st_ino : entry.ino;
  d.dirent = make_dirent(name, ino, entry.attr.st_mode, next_offset);
  put_record(buffer_.data() + used_, &d, sizeof d, name, size);
  used_ += size;
  return true;
}

}  // namespace uringfuse
