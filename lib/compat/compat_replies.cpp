// fuse_reply_*: each finds the typed reply its request carries, answers through it,
// and frees the request. A reply of the wrong kind for the operation is a bug in the
// filesystem: it is logged and answered EIO rather than sent malformed. So is a
// second reply to one request: logged and ignored (end_request says how).
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "compat/compat_types.hpp"
#include "compat/layout_entry_points.hpp"
#include "uringfuse/directory.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::compat {

fuse_req* make_request(fuse_session* se, const Request& request, CompatReply reply) {
  auto* req = new fuse_req{se, {request.uid, request.gid, request.pid, request.umask}, request,
                           {request.supplementary_groups.begin(), request.supplementary_groups.end()},
                           std::move(reply), std::nullopt};
  req->request.supplementary_groups = req->groups;
  return req;
}

namespace {

// The last request this thread answered. libfuse frees a request at its first reply,
// so a handler that replies twice (typically: replies, then falls through into
// another reply) writes to freed memory. Kept until the thread answers its next
// request, the request is still there, marked answered, for that second call to find.
struct LastAnswered {
  fuse_req* req = nullptr;
  ~LastAnswered() { delete req; }
};
thread_local LastAnswered t_last_answered;

}  // namespace

void end_request(fuse_req* req) {
  req->answered = true;
  req->on_interrupt.reset();  // its stop_source may soon serve another request
  req->reply = std::monostate{};
  delete std::exchange(t_last_answered.req, req);
}

bool answered_before(fuse_req* req, const char* what) {
  if (!req->answered) return false;
  log(LogLevel::err, "uringfuse: %s: request #%llu was answered already; this second reply is "
      "ignored (a bug in the filesystem)", what, static_cast<unsigned long long>(req->request.unique));
  return true;
}

namespace {

EntryParam entry_of(const fuse_entry_param& e) {
  return EntryParam{e.ino, e.generation, e.attr, Timeout(e.attr_timeout), Timeout(e.entry_timeout)};
}

OpenResult open_of(const fuse_file_info& fi) {
  OpenResult r;
  r.fh = fi.fh;
  r.direct_io = fi.direct_io;
  r.keep_cache = fi.keep_cache;
  r.cache_dir = fi.cache_readdir;
  r.nonseekable = fi.nonseekable;
  r.noflush = fi.noflush;
  r.parallel_direct_writes = fi.parallel_direct_writes;
  r.backing_id = fi.backing_id;
  return r;
}

// What sending the request's reply came to (ReplyBase::send_status): 0, or -ENOENT /
// -ENODEV when the kernel will not see it; libfuse's fuse_reply_* return the same.
int send_status_of(const CompatReply& reply) {
  return std::visit([](const auto& r) {
    if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>) return 0;
    else return r.send_status();
  }, reply);
}

// Ends the request, returning what its reply's send came to.
int finish(fuse_req* req) {
  int status = send_status_of(req->reply);
  end_request(req);
  return status;
}

// Answers with `send` if the request carries a `Reply`; EIO (and a log line) if not.
template <class Reply, class F>
int answer(fuse_req* req, const char* what, F&& send) {
  if (answered_before(req, what)) return -EINVAL;
  if (auto* r = std::get_if<Reply>(&req->reply)) {
    send(*r);
    return finish(req);
  } else {
    log(LogLevel::err, "uringfuse: %s does not fit request #%llu; answering EIO", what,
        static_cast<unsigned long long>(req->request.unique));
    std::visit([](auto& any) {
      if constexpr (!std::is_same_v<std::decay_t<decltype(any)>, std::monostate>) std::move(any).error(EIO);
    }, req->reply);
  }
  end_request(req);
  return -EINVAL;
}

std::span<const std::byte> bytes_of(const void* p, std::size_t n) {
  return {static_cast<const std::byte*>(p), n};
}

}  // namespace
}  // namespace uringfuse::compat

using namespace uringfuse;
using namespace uringfuse::compat;

extern "C" {

int fuse_reply_err(fuse_req_t req, int err) {
  if (answered_before(req, "fuse_reply_err")) return -EINVAL;
  std::visit([&](auto& r) {
    using R = std::decay_t<decltype(r)>;
    if constexpr (std::is_same_v<R, std::monostate>) {
      // forget and friends: nothing to answer
    } else if constexpr (std::is_same_v<R, ReplyEmpty>) {
      if (err == 0) std::move(r).ok();
      else std::move(r).error(err);
    } else {
      std::move(r).error(err == 0 ? EIO : err);
    }
  }, req->reply);
  return finish(req);
}

void fuse_reply_none(fuse_req_t req) {
  if (!answered_before(req, "fuse_reply_none")) end_request(req);
}

int fuse_reply_entry(fuse_req_t req, const fuse_entry_param* e) {
  return answer<ReplyEntry>(req, "fuse_reply_entry", [&](ReplyEntry& r) { std::move(r).entry(entry_of(*e)); });
}

int fuse_reply_create(fuse_req_t req, const fuse_entry_param* e, const fuse_file_info* fi) {
  return answer<ReplyCreate>(req, "fuse_reply_create",
                             [&](ReplyCreate& r) { std::move(r).created(entry_of(*e), open_of(*fi)); });
}

int fuse_reply_attr(fuse_req_t req, const struct stat* attr, double timeout) {
  return answer<ReplyAttr>(req, "fuse_reply_attr", [&](ReplyAttr& r) { std::move(r).attr(*attr, Timeout(timeout)); });
}

int fuse_reply_readlink(fuse_req_t req, const char* link) {
  return answer<ReplyReadlink>(req, "fuse_reply_readlink", [&](ReplyReadlink& r) { std::move(r).target(link); });
}

int fuse_reply_open(fuse_req_t req, const fuse_file_info* fi) {
  return answer<ReplyOpen>(req, "fuse_reply_open", [&](ReplyOpen& r) { std::move(r).open(open_of(*fi)); });
}

int fuse_reply_write(fuse_req_t req, size_t count) {
  return answer<ReplyWrite>(req, "fuse_reply_write", [&](ReplyWrite& r) { std::move(r).written(count); });
}

int fuse_reply_buf(fuse_req_t req, const char* buf, size_t size) {
  if (answered_before(req, "fuse_reply_buf")) return -EINVAL;
  auto data = bytes_of(buf, size);
  if (std::holds_alternative<ReplyData>(req->reply))
    return answer<ReplyData>(req, "fuse_reply_buf", [&](ReplyData& r) { std::move(r).bytes(data); });
  if (std::holds_alternative<ReplyDirectory>(req->reply))
    return answer<ReplyDirectory>(req, "fuse_reply_buf", [&](ReplyDirectory& r) { std::move(r).formatted(data); });
  if (std::holds_alternative<ReplyDirectoryPlus>(req->reply))
    return answer<ReplyDirectoryPlus>(req, "fuse_reply_buf",
                                      [&](ReplyDirectoryPlus& r) { std::move(r).formatted(data); });
  if (std::holds_alternative<ReplyIoctl>(req->reply))
    return answer<ReplyIoctl>(req, "fuse_reply_buf", [&](ReplyIoctl& r) { std::move(r).result(0, data); });
  return answer<ReplyXattr>(req, "fuse_reply_buf", [&](ReplyXattr& r) { std::move(r).value(data); });
}

int fuse_reply_iov(fuse_req_t req, const struct iovec* iov, int count) {
  std::string joined;
  for (int i = 0; i < count; ++i) joined.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return fuse_reply_buf(req, joined.data(), joined.size());
}

}  // extern "C"

namespace uringfuse::compat {

int reply_data(fuse_req_t req, struct fuse_bufvec* bufv, enum fuse_buf_copy_flags flags) {
  if (answered_before(req, "fuse_reply_data")) return -EINVAL;
  auto* data = std::get_if<ReplyData>(&req->reply);
  if (!data) {  // readdir or xattr answered with a memory bufvec: flatten it
    std::string flat(buf_size(bufv), '\0');
    fuse_bufvec dst = FUSE_BUFVEC_INIT(flat.size());
    dst.buf[0].mem = flat.data();
    ssize_t n = buf_copy(&dst, bufv, flags);
    if (n < 0) return fuse_reply_err(req, static_cast<int>(-n));
    return fuse_reply_buf(req, flat.data(), static_cast<std::size_t>(n));
  }
  // One positioned file buffer (passthrough_hp's read): let the library read it into
  // the reply, straight into the ring payload over io_uring.
  if (bufv->count - bufv->idx == 1) {
    const fuse_buf& b = bufv->buf[bufv->idx];
    if ((b.flags & FUSE_BUF_IS_FD) && (b.flags & FUSE_BUF_FD_SEEK) && bufv->off <= b.size) {
      std::move(*data).from_file(b.fd, b.pos + static_cast<off_t>(bufv->off), b.size - bufv->off);
      return finish(req);
    }
  }
  // Copy straight into the reply's buffer: over io_uring that is the ring payload.
  auto out = data->buffer();
  fuse_bufvec dst = FUSE_BUFVEC_INIT(std::min(out.size(), buf_size(bufv)));
  dst.buf[0].mem = out.data();
  ssize_t n = buf_copy(&dst, bufv, flags);
  if (n < 0) return fuse_reply_err(req, static_cast<int>(-n));
  std::move(*data).commit(static_cast<std::size_t>(n));
  return finish(req);
}

}  // namespace uringfuse::compat

extern "C" {

int fuse_reply_statfs(fuse_req_t req, const struct statvfs* st) {
  return answer<ReplyStatfs>(req, "fuse_reply_statfs", [&](ReplyStatfs& r) { std::move(r).statfs(*st); });
}

int fuse_reply_xattr(fuse_req_t req, size_t count) {
  return answer<ReplyXattr>(req, "fuse_reply_xattr",
                            [&](ReplyXattr& r) { std::move(r).size(static_cast<std::uint32_t>(count)); });
}

int fuse_reply_lock(fuse_req_t req, const struct flock* l) {
  return answer<ReplyLock>(req, "fuse_reply_lock", [&](ReplyLock& r) {
    FileLock fl;
    fl.type = static_cast<std::uint32_t>(l->l_type);
    fl.pid = static_cast<std::uint32_t>(l->l_pid);
    if (l->l_type != F_UNLCK) {
      fl.start = static_cast<std::uint64_t>(l->l_start);
      fl.end = l->l_len == 0 ? static_cast<std::uint64_t>(LLONG_MAX)
                             : static_cast<std::uint64_t>(l->l_start + l->l_len - 1);
    }
    std::move(r).lock(fl);
  });
}

int fuse_reply_bmap(fuse_req_t req, uint64_t idx) {
  return answer<ReplyBmap>(req, "fuse_reply_bmap", [&](ReplyBmap& r) { std::move(r).block(idx); });
}

int fuse_reply_ioctl_retry(fuse_req_t req, const struct iovec* in_iov, size_t in_count,
                           const struct iovec* out_iov, size_t out_count) {
  auto convert = [](const struct iovec* v, std::size_t n) {
    std::vector<IoctlIovec> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = {reinterpret_cast<std::uint64_t>(v[i].iov_base), v[i].iov_len};
    return out;
  };
  auto in = convert(in_iov, in_count), out = convert(out_iov, out_count);
  return answer<ReplyIoctl>(req, "fuse_reply_ioctl_retry", [&](ReplyIoctl& r) { std::move(r).retry(in, out); });
}

int fuse_reply_ioctl(fuse_req_t req, int result, const void* buf, size_t size) {
  return answer<ReplyIoctl>(req, "fuse_reply_ioctl",
                            [&](ReplyIoctl& r) { std::move(r).result(result, bytes_of(buf, buf ? size : 0)); });
}

int fuse_reply_ioctl_iov(fuse_req_t req, int result, const struct iovec* iov, int count) {
  std::string joined;
  for (int i = 0; i < count; ++i) joined.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return fuse_reply_ioctl(req, result, joined.data(), joined.size());
}

int fuse_reply_poll(fuse_req_t req, unsigned revents) {
  return answer<ReplyPoll>(req, "fuse_reply_poll", [&](ReplyPoll& r) { std::move(r).ready(revents); });
}

int fuse_reply_lseek(fuse_req_t req, off_t off) {
  return answer<ReplyLseek>(req, "fuse_reply_lseek",
                            [&](ReplyLseek& r) { std::move(r).offset(static_cast<std::uint64_t>(off)); });
}

int fuse_reply_statx(fuse_req_t req, int, const struct statx* stx, double timeout) {
  return answer<ReplyStatx>(req, "fuse_reply_statx", [&](ReplyStatx& r) { std::move(r).statx(*stx, Timeout(timeout)); });
}

size_t fuse_add_direntry(fuse_req_t, char* buf, size_t bufsize, const char* name, const struct stat* st,
                         off_t off) {
  std::size_t size = DirentWriter::entry_size(name);
  if (buf && size <= bufsize) {
    DirentWriter w(std::span(reinterpret_cast<std::byte*>(buf), bufsize));
    w.add(name, st->st_ino, st->st_mode, static_cast<std::uint64_t>(off));
  }
  return size;
}

size_t fuse_add_direntry_plus(fuse_req_t, char* buf, size_t bufsize, const char* name,
                              const fuse_entry_param* e, off_t off) {
  std::size_t size = DirentWriter::entry_plus_size(name);
  if (buf && size <= bufsize) {
    DirentWriter w(std::span(reinterpret_cast<std::byte*>(buf), bufsize));
    w.add_plus(name, entry_of(*e), static_cast<std::uint64_t>(off));
  }
  return size;
}

void* fuse_req_userdata(fuse_req_t req) { return req->se->userdata; }

const struct fuse_ctx* fuse_req_ctx(fuse_req_t req) { return &req->ctx; }

int fuse_req_getgroups(fuse_req_t req, int size, gid_t list[]) {
  std::vector<gid_t> groups = req->groups;
  if (groups.empty()) {  // not sent by the kernel: read them like libfuse does
    std::ifstream in("/proc/" + std::to_string(req->ctx.pid) + "/task/" + std::to_string(req->ctx.pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Groups:", 0) == 0) {
        std::istringstream ss(line.substr(7));
        gid_t g;
        while (ss >> g) groups.push_back(g);
      }
    if (!in.eof() && groups.empty()) return -errno;
  }
  for (int i = 0; i < size && i < static_cast<int>(groups.size()); ++i) list[i] = groups[static_cast<std::size_t>(i)];
  return static_cast<int>(groups.size());
}

void fuse_req_interrupt_func(fuse_req_t req, fuse_interrupt_func_t func, void* data) {
  req->on_interrupt.reset();
  if (!func) return;
  // Runs at once if the request was already interrupted, as libfuse does.
  req->on_interrupt.emplace(req->request.stop_token(), std::function<void()>([req, func, data] { func(req, data); }));
}

int fuse_req_interrupted(fuse_req_t req) { return req->request.interrupted() ? 1 : 0; }

bool fuse_req_is_uring(fuse_req_t req) { return req->request.via_io_uring; }

// Only a data reply can be built in the ring payload through this API.
int fuse_req_get_payload(fuse_req_t req, char** payload, size_t* payload_sz, void** mr) {
  auto* data = std::get_if<ReplyData>(&req->reply);
  if (!data || !data->lends_buffer()) return -EINVAL;
  auto buf = data->buffer();
  *payload = reinterpret_cast<char*>(buf.data());
  *payload_sz = buf.size();
  if (mr) *mr = nullptr;
  return 0;
}

// Security contexts are never negotiated (Capability::security_ctx is not offered
// to filesystems yet), so no request carries any.
uint32_t fuse_req_secctx_count(fuse_req_t) { return 0; }
void fuse_req_secctx_reset(fuse_req_t) {}
int fuse_req_secctx_next(fuse_req_t, const char**, const char**, uint32_t*) { return -ENOENT; }

int fuse_passthrough_open(fuse_req_t req, int fd) {
  if (!req->se->notifier) return 0;
  int id = req->se->notifier->backing_open(fd);
  if (id <= 0) {
    log(LogLevel::err, "uringfuse: fuse_passthrough_open: %s", std::strerror(-id));
    return 0;
  }
  return id;
}

int fuse_passthrough_close(fuse_req_t req, int backing_id) {
  if (!req->se->notifier) return -ENOTCONN;
  return req->se->notifier->backing_close(backing_id);
}

}  // extern "C"
