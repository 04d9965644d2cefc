// A SOCK_SEQPACKET socketpair standing in for /dev/fuse (it keeps message boundaries
// like the device), and ScriptedIo, a DeviceIo that answers the transport's reads and
// writes from a script of faults before passing them through to the socket.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <vector>

#include "abi/fuse_abi.hpp"
#include "transport/dev/device_io.hpp"

namespace uringfuse::test {

class FakeDevice {
 public:
  FakeDevice() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds_), 0); }
  ~FakeDevice() {
    close_kernel_side();
    ::close(fds_[1]);
  }
  int daemon_fd() const { return fds_[1]; }
  void send_request(std::uint64_t unique, abi::Opcode op = abi::Opcode::STATFS) {
    abi::fuse_in_header h{};
    h.len = sizeof h;
    h.opcode = static_cast<std::uint32_t>(op);
    h.unique = unique;
    ASSERT_EQ(::write(fds_[0], &h, sizeof h), static_cast<ssize_t>(sizeof h));
  }
  abi::fuse_out_header read_reply() {
    abi::fuse_out_header out{};
    EXPECT_EQ(::read(fds_[0], &out, sizeof out), static_cast<ssize_t>(sizeof out));
    return out;
  }
  // The next message the daemon wrote, whole, or nothing within `timeout_ms`.
  std::optional<std::vector<std::byte>> read_message(int timeout_ms = 5000) {
    pollfd p{fds_[0], POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    std::vector<std::byte> buf(65536);
    ssize_t n = ::read(fds_[0], buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  // Like the kernel ending the connection: readers see end of file.
  void close_kernel_side() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

// One scripted answer to a writev.
struct WriteFault {
  int error = 0;                // fail with this errno, writing nothing
  std::size_t short_bytes = 0;  // or write only this many bytes of the message
};

// Faults are consumed one per call, in order; with none left the call reaches the
// socket. The socket's end of file and EPIPE become ENODEV, as the device gives
// once the connection has ended.
class ScriptedIo final : public detail::DeviceIo {
 public:
  void fail_reads(std::initializer_list<int> errors) {
    std::lock_guard lock(mutex_);
    read_faults_.insert(read_faults_.end(), errors);
  }
  void fail_writes(std::initializer_list<WriteFault> faults) {
    std::lock_guard lock(mutex_);
    write_faults_.insert(write_faults_.end(), faults);
  }
  int reads() const { return reads_.load(); }
  int writes() const { return writes_.load(); }

  ssize_t read(int fd, void* buf, std::size_t size) override {
    ++reads_;
    if (int err = next(read_faults_)) return fail(err);
    ssize_t n = ::read(fd, buf, size);
    return n == 0 ? fail(ENODEV) : n;
  }

  ssize_t writev(int fd, iovec* parts, int count) override {
    ++writes_;
    WriteFault f;
    {
      std::lock_guard lock(mutex_);
      if (!write_faults_.empty()) {
        f = write_faults_.front();
        write_faults_.pop_front();
      }
    }
    if (f.error) return fail(f.error);
    if (f.short_bytes) return write_prefix(fd, parts, count, f.short_bytes);
    ssize_t n = ::writev(fd, parts, count);
    return n < 0 && errno == EPIPE ? fail(ENODEV) : n;
  }

 private:
  static ssize_t fail(int err) {
    errno = err;
    return -1;
  }
  int next(std::deque<int>& faults) {
    std::lock_guard lock(mutex_);
    if (faults.empty()) return 0;
    int err = faults.front();
    faults.pop_front();
    return err;
  }
  // What a transport that cuts messages would do: the first `bytes` go out as one.
  static ssize_t write_prefix(int fd, const iovec* parts, int count, std::size_t bytes) {
    std::vector<std::byte> flat;
    for (int i = 0; i < count; ++i) {
      auto* p = static_cast<const std::byte*>(parts[i].iov_base);
      flat.insert(flat.end(), p, p + parts[i].iov_len);
    }
    flat.resize(std::min(flat.size(), bytes));
    return ::write(fd, flat.data(), flat.size());
  }

  std::mutex mutex_;
  std::deque<int> read_faults_;
  std::deque<WriteFault> write_faults_;
  std::atomic<int> reads_{0}, writes_{0};
};

}  // namespace uringfuse::test
