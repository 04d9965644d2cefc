// Per-thread identity switching with raw syscalls. glibc's setgroups()/setuid() family
// changes every thread of the process; the kernel's own calls change only the caller,
// which is what a request running beside others on a worker pool needs.
#include "credentials.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <uringfuse/log.hpp>

namespace passthrough {
namespace {

namespace uf = uringfuse;

struct DaemonIdentity {
  bool can_switch = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]{};
};
DaemonIdentity g_daemon;

__user_cap_header_struct cap_header() { return {_LINUX_CAPABILITY_VERSION_3, 0}; }

long set_groups(const std::vector<gid_t>& groups) {
  return ::syscall(SYS_setgroups, groups.size(), groups.data());
}

// setfsuid() reports the previous id, never an error; asking with an invalid id (-1)
// returns the current one, which tells whether the change took.
bool set_fsuid(uid_t uid) {
  ::syscall(SYS_setfsuid, uid);
  return static_cast<uid_t>(::syscall(SYS_setfsuid, static_cast<uid_t>(-1))) == uid;
}

bool set_fsgid(gid_t gid) {
  ::syscall(SYS_setfsgid, gid);
  return static_cast<gid_t>(::syscall(SYS_setfsgid, static_cast<gid_t>(-1))) == gid;
}

// Drops the effective capabilities (the permitted set stays, so restore can raise them
// again). Without this a root daemon acting for a user would still hold CAP_SYS_ADMIN,
// CAP_SETFCAP, ... and let that user set trusted.* or security.capability xattrs.
long drop_effective_caps() {
  auto header = cap_header();
  __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
  for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i)
    caps[i] = {0, g_daemon.caps[i].permitted, g_daemon.caps[i].inheritable};
  return ::syscall(SYS_capset, &header, caps);
}

long restore_caps() {
  auto header = cap_header();
  return ::syscall(SYS_capset, &header, g_daemon.caps);
}

// The caller's supplementary groups from /proc/<pid>/status ("Groups:\t1 2 3"). Best
// effort: a vanished process, or one from another pid namespace, gets no groups.
std::vector<gid_t> groups_of(pid_t pid) {
  std::vector<gid_t> groups;
  if (pid <= 0) return groups;
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return groups;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);

  constexpr std::string_view kKey = "\nGroups:";
  auto at = text.find(kKey);
  if (at == std::string::npos) return groups;
  std::string_view line(text);
  line.remove_prefix(at + kKey.size());
  line = line.substr(0, line.find('\n'));
  while (!line.empty()) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    gid_t gid = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), gid);
    if (ec != std::errc()) break;
    groups.push_back(gid);
    line.remove_prefix(static_cast<std::size_t>(end - line.data()));
  }
  return groups;
}

// Back to the daemon's identity. Capabilities first: setgroups needs CAP_SETGID.
// Failing here would leave a worker thread running as a user, so it is fatal.
void restore_daemon() noexcept {
  bool ok = restore_caps() == 0;
  ok = set_fsuid(g_daemon.uid) && ok;
  ok = set_fsgid(g_daemon.gid) && ok;
  ok = set_groups(g_daemon.groups) == 0 && ok;
  if (!ok) {
    uf::log(uf::LogLevel::crit, "passthrough: cannot restore the daemon's credentials: %s",
            std::strerror(errno));
    std::abort();
  }
}

}  // namespace

void init_credentials() {
  g_daemon.uid = ::geteuid();
  g_daemon.gid = ::getegid();
  int n = ::getgroups(0, nullptr);
  if (n > 0) {
    g_daemon.groups.resize(static_cast<std::size_t>(n));
    n = ::getgroups(n, g_daemon.groups.data());
    g_daemon.groups.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  auto header = cap_header();
  bool have_caps = ::syscall(SYS_capget, &header, g_daemon.caps) == 0;
  // Only root can act as somebody else; anyone else serves every request as itself.
  g_daemon.can_switch = g_daemon.uid == 0 && have_caps;
}

CallerIdentity::CallerIdentity(const uf::Request& req) {
  if (!g_daemon.can_switch || (req.uid == g_daemon.uid && req.gid == g_daemon.gid)) return;

  std::vector<gid_t> groups;
  if (!req.supplementary_groups.empty())
    groups.assign(req.supplementary_groups.begin(), req.supplementary_groups.end());
  else
    groups = groups_of(req.pid);

  // Groups and gid while CAP_SETGID is still effective; the uid last, then the caps.
  errno = 0;
  const char* step = "setgroups";
  bool ok = set_groups(groups) == 0;
  if (ok) {
    step = "setfsgid";
    ok = set_fsgid(req.gid);
  }
  if (ok) {
    step = "setfsuid";
    ok = set_fsuid(req.uid);
  }
  if (ok && req.uid != 0) {
    step = "capset";
    ok = drop_effective_caps() == 0;
  }
  if (!ok) {
    int err = errno ? errno : EPERM;
    restore_daemon();
    throw std::system_error(err, std::generic_category(),
                            std::string("passthrough: cannot act as uid ") +
                                std::to_string(req.uid) + " (" + step + ")");
  }
  switched_ = true;
}

CallerIdentity::~CallerIdentity() {
  if (switched_) restore_daemon();
}

}  // namespace passthrough
