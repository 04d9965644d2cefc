// A fake kernel for byte-level tests: builds request bytes the way the kernel lays
// them out on /dev/fuse, feeds them to a Connection, and captures the replies.
#pragma once

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/fuse_abi.hpp"
#include "core/connection.hpp"
#include "transport/uring/cpu_topology.hpp"

namespace uringfuse::test {

struct CapturedReply {
  std::uint64_t unique = 0;
  int error = 0;
  std::vector<std::byte> body;

  template <class T>
  T as() const {
    T value{};
    std::memcpy(&value, body.data(), std::min(sizeof(T), body.size()));
    return value;
  }
};

class ReplyCapture final : public ReplyTarget {
 public:
  // Returns -ENOENT, keeping nothing, for a request refuse() named: as /dev/fuse does
  // for one the kernel gave up on (its caller was interrupted) before the reply came.
  int send(std::uint64_t unique, int error, std::span<const iovec> body) noexcept override {
    {
      std::lock_guard lock(mutex_);
      if (refused_.erase(unique)) return -ENOENT;
    }
    CapturedReply r{unique, error, {}};
    for (const auto& part : body) {
      auto* p = static_cast<const std::byte*>(part.iov_base);
      r.body.insert(r.body.end(), p, p + part.iov_len);
    }
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(r));
    return 0;
  }
  void refuse(std::uint64_t unique) {
    std::lock_guard lock(mutex_);
    refused_.insert(unique);
  }
  std::vector<CapturedReply> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(replies_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<CapturedReply> replies_;
  std::set<std::uint64_t> refused_;
};

// Lays out one request: header, fixed struct, names, data. len is filled in.
class RequestBuilder {
 public:
  RequestBuilder(abi::Opcode op, std::uint64_t unique, std::uint64_t nodeid = abi::ROOT_ID) {
    header_.opcode = static_cast<std::uint32_t>(op);
    header_.unique = unique;
    header_.nodeid = nodeid;
    header_.uid = 1000;
    header_.gid = 1000;
    header_.pid = 4242;
  }
  template <class T>
  RequestBuilder& arg(const T& value) {
    return bytes(&value, sizeof value);
  }
  RequestBuilder& name(std::string_view n) {
    bytes(n.data(), n.size());
    const char nul = 0;
    return bytes(&nul, 1);
  }
  RequestBuilder& bytes(const void* p, std::size_t n) {
    auto* b = static_cast<const std::byte*>(p);
    args_.insert(args_.end(), b, b + n);
    return *this;
  }
  abi::fuse_in_header& header() { return header_; }
  std::vector<std::byte> build() const {
    std::vector<std::byte> out(sizeof header_ + args_.size());
    auto h = header_;
    h.len = static_cast<std::uint32_t>(out.size());
    std::memcpy(out.data(), &h, sizeof h);
    if (!args_.empty()) std::memcpy(out.data() + sizeof h, args_.data(), args_.size());
    return out;
  }

 private:
  abi::fuse_in_header header_{};
  std::vector<std::byte> args_;
};

// A request slot for reply objects made by hand, filled as a transport and the
// protocol core would fill it. Several replies in turn may use it.
class TestSlot {
 public:
  TestSlot(ReplyTarget& target, std::uint64_t unique, abi::Opcode op, std::uint32_t max_size = 0)
      : slot_(pool_->take()) {
    slot_->target = &target;
    slot_->unique = unique;
    slot_->opcode = static_cast<std::uint32_t>(op);
    slot_->max_size = max_size;
  }
  ~TestSlot() { slot_->release(); }
  TestSlot(const TestSlot&) = delete;
  TestSlot& operator=(const TestSlot&) = delete;
  operator RequestSlot&() { return *slot_; }

 private:
  detail::SlotPool::Handle pool_ = detail::SlotPool::make();
  RequestSlot* slot_;
};

// A Connection with a capture target: feed() bytes exactly as read from /dev/fuse.
class FakeKernel {
 public:
  // With `uring`, the session was asked for io_uring and INIT brings it up through it.
  // `trace`: the -d trace the connection prints (debug_trace.hpp).
  FakeKernel(Filesystem& fs, OperationSet ops, detail::Trace trace = detail::Trace::off,
             detail::UringStarter* uring = nullptr)
      : connection_(fs, ops, make_config(trace, uring), &notify_) {
    notify_.attach(&capture_, -1);
  }

  std::vector<CapturedReply> feed(std::span<const std::byte> bytes) {
    auto head = bytes.first(std::min(bytes.size(), sizeof(abi::fuse_in_header)));
    detail::RawRequest raw{head, {}, bytes.subspan(head.size()), false, bytes.size(), "fake"};
    detail::handle_with_slot(connection_, raw, capture_, *slots_);
    return capture_.take();
  }
  std::vector<CapturedReply> feed(const RequestBuilder& b) { return feed(b.build()); }
  // As if a ring (queue >= 1) or another /dev/fuse fd carried it: replies go to `target`.
  void feed_on(const RequestBuilder& b, ReplyTarget& target, std::size_t queue) {
    auto bytes = b.build();
    auto all = std::span<const std::byte>(bytes);
    auto head = all.first(sizeof(abi::fuse_in_header));
    detail::RawRequest raw{head, {}, all.subspan(head.size()), false, all.size(), "fake:ring"};
    raw.queue = queue;
    detail::handle_with_slot(connection_, raw, target, *slots_);
  }

  // Sends an INIT as a 6.18 kernel would (7.45, INIT_EXT) and returns the reply.
  CapturedReply init(std::uint64_t flags = default_kernel_flags(), std::uint32_t minor = 45) {
    abi::fuse_init_in in{};
    in.major = 7;
    in.minor = minor;
    in.max_readahead = 128 * 1024;
    in.flags = abi::flags_low_word(flags);
    in.flags2 = abi::flags_high_word(flags);
    auto replies = feed(RequestBuilder(abi::Opcode::INIT, 1).arg(in));
    return replies.empty() ? CapturedReply{} : replies.front();
  }

  static std::uint64_t default_kernel_flags() {
    using namespace abi::init_flag;
    return ASYNC_READ | POSIX_LOCKS | ATOMIC_O_TRUNC | EXPORT_SUPPORT | BIG_WRITES | DONT_MASK |
           FLOCK_LOCKS | HAS_IOCTL_DIR | AUTO_INVAL_DATA | DO_READDIRPLUS | READDIRPLUS_AUTO |
           ASYNC_DIO | WRITEBACK_CACHE | NO_OPEN_SUPPORT | PARALLEL_DIROPS | HANDLE_KILLPRIV |
           POSIX_ACL | ABORT_ERROR | MAX_PAGES | CACHE_SYMLINKS | NO_OPENDIR_SUPPORT |
           EXPLICIT_INVAL_DATA | HANDLE_KILLPRIV_V2 | SETXATTR_EXT | INIT_EXT | SECURITY_CTX |
           CREATE_SUPP_GROUP | HAS_EXPIRE_ONLY | DIRECT_IO_ALLOW_MMAP | PASSTHROUGH |
           NO_EXPORT_SUPPORT | HAS_RESEND | ALLOW_IDMAP | REQUEST_TIMEOUT;
  }

  detail::Connection& connection() { return connection_; }
  // Notifications land in the same capture as replies (unique 0, code in error).
  Notifier& notifier() { return notifier_; }
  std::vector<CapturedReply> take() { return capture_.take(); }
  int ended() const { return *ended_; }

 private:
  detail::ConnectionConfig make_config(detail::Trace trace, detail::UringStarter* uring) {
    detail::ConnectionConfig c;
    c.trace = trace;
    c.uring = uring;
    c.limits.io_uring = uring != nullptr;
    c.queues = uring ? 1 + detail::uring_queue_count() : 1;
    c.on_end = [counter = ended_] { ++*counter; };
    return c;
  }
  std::shared_ptr<int> ended_ = std::make_shared<int>(0);
  detail::SlotPool::Handle slots_ = detail::SlotPool::make();
  ReplyCapture capture_;
  NotifyChannel notify_;
  Notifier notifier_{notify_};
  detail::Connection connection_;
};

}  // namespace uringfuse::test
