// Implementation of the real-mount test helpers. Everything that could block on a
// dead daemon is either read from /proc or guarded by the watchdog.
#include "mount_harness.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "mount/mount.hpp"

namespace uringfuse::test {

using namespace std::chrono_literals;

std::string mount_prerequisites_missing() {
  if (::geteuid() != 0) return "not running as root";
  if (::access("/dev/fuse", R_OK | W_OK) != 0) return std::string("/dev/fuse: ") + std::strerror(errno);
  return {};
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::strcmp(ci, "0") != 0 && std::strcmp(ci, "false") != 0;
}

TempDir::TempDir() {
  char templ[] = "/tmp/uringfuse-test-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = templ;
}

TempDir::~TempDir() {
  // Never recurse into a live mount: that would walk (or delete) someone's files.
  std::ifstream mi("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mi, line))
    if (line.find(" " + path_ + "/") != std::string::npos || line.find(" " + path_ + " ") != std::string::npos)
      return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

// mountinfo escapes space, tab, newline and backslash as octal.
static std::string unescape_mountinfo(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<MountEntry> find_mount(const std::string& path) {
  return find_mount_in("/proc/self/mountinfo", path);
}

std::optional<MountEntry> find_mount_in(const std::string& mountinfo, const std::string& path) {
  std::ifstream mi(mountinfo);
  std::string line;
  std::optional<MountEntry> found;  // the last one is the top of a stack of mounts
  while (std::getline(mi, line)) {
    std::istringstream in(line);
    std::string id, parent, devno, root, mp;
    in >> id >> parent >> devno >> root >> mp;
    if (unescape_mountinfo(mp) != path) continue;
    std::string field;
    std::string mount_opts;
    in >> mount_opts;
    while (in >> field && field != "-") {
    }
    MountEntry e;
    std::string super_opts;
    in >> e.fstype >> e.source >> super_opts;
    e.options = mount_opts + "," + super_opts;
    std::sscanf(devno.c_str(), "%u:%u", &e.major, &e.minor);
    found = e;
  }
  return found;
}

bool wait_for_mount(const std::string& path, bool mounted, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto m = find_mount(path);
    bool is_fuse = m && m->fstype.rfind("fuse", 0) == 0;
    if (is_fuse == mounted) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

bool force_unmount(const std::string& path) {
  auto m = find_mount(path);
  if (!m || m->fstype.rfind("fuse", 0) != 0) return false;
  detail::abort_connection(m->minor);
  ::umount2(path.c_str(), MNT_DETACH);
  return true;
}

Process::Process(const std::string& binary, const std::vector<std::string>& args,
                 const std::string& log_path)
    : Process(binary, args, log_path, std::function<bool()>()) {}

Process::Process(const std::string& binary, const std::vector<std::string>& args,
                 const std::string& log_path, const std::function<bool()>& prepare)
    : log_path_(log_path) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (prepare && !prepare()) ::_exit(126);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    wait(5s);
  }
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (status_ || pid_ <= 0) return status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    if (r < 0 || std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void Process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::string Process::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Watchdog::Watchdog(std::string mountpoint, std::chrono::seconds deadline)
    : mountpoint_(std::move(mountpoint)) {
  thread_ = std::thread([this, deadline] {
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, deadline, [this] { return done_; })) return;
    fired_.store(true);
    force_unmount(mountpoint_);
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool enable_fuse_uring() {
  const char* param = "/sys/module/fuse/parameters/enable_uring";
  std::ifstream in(param);
  std::string v;
  if (in >> v && v == "Y") return true;
  std::ofstream out(param);
  out << "Y";
  out.close();
  std::ifstream again(param);
  return again >> v && v == "Y";
}

bool asks_for_io_uring(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a.find("io_uring") != std::string::npos) return true;
  return false;
}

bool wait_for_uring(Process& daemon) {
  // The INIT exchange happens right after mount(2); the log line follows it.
  for (int i = 0; i < 250; ++i) {
    std::string log = daemon.output();
    if (log.find("serving over io_uring") != std::string::npos) return true;
    if (log.find("io_uring unavailable") != std::string::npos) return false;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

long long uring_requests_served(const std::string& log) {
  long long total = -1;
  std::size_t at = 0;
  while ((at = log.find("uringfuse: uring q", at)) != std::string::npos) {
    auto colon = log.find("): ", at);
    if (colon == std::string::npos) break;
    total = std::max(total, 0LL) + std::atoll(log.c_str() + colon + 3);
    at = colon;
  }
  return total;
}

std::vector<UringQueueCounters> uring_exit_counters(const std::string& log) {
  static const std::regex line(
      R"(uring q(\d+) \(cpu -?\d+\): (\d+) requests, (\d+) replies, .*handlers handed on (\d+), leads )"
      R"(stolen (\d+), .* (\d+) entries moved, (\d+) came back, (\d+) backend operations)");
  std::vector<UringQueueCounters> queues;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    auto n = [&](int i) { return std::stoull((*it)[i].str()); };
    queues.push_back({static_cast<unsigned>(n(1)), n(2), n(3), n(4), n(5), n(6), n(7), n(8)});
  }
  return queues;
}

UringQueueCounters uring_exit_totals(const std::string& log) {
  UringQueueCounters t;
  for (const auto& q : uring_exit_counters(log)) {
    t.requests += q.requests;
    t.replies += q.replies;
    t.handed_on += q.handed_on;
    t.leads_stolen += q.leads_stolen;
    t.moved_entries += q.moved_entries;
    t.returned_entries += q.returned_entries;
    t.backend_ops += q.backend_ops;
  }
  return t;
}

std::vector<std::string> stop_with_sigterm(Process& daemon, const std::string& mnt, bool on_uring) {
  std::vector<std::string> problems;
  bool probed = on_uring && !daemon.wait(0ms) && find_mount(mnt) && [&] {
    struct statvfs st {};
    return ::statvfs(mnt.c_str(), &st) == 0;
  }();
  daemon.signal(SIGTERM);
  auto status = daemon.wait(10s);
  if (!status) {
    problems.push_back("the daemon did not exit on SIGTERM:\n" + daemon.output());
  } else {
    if (!wait_for_mount(mnt, false, 5s)) problems.push_back("the daemon exited but left its mount");
    if (probed && uring_requests_served(daemon.output()) <= 0)
      problems.push_back("no request went over io_uring:\n" + daemon.output());
  }
  force_unmount(mnt);
  return problems;
}

std::string built_program(const std::string& relative) {
  const char* root = std::getenv("URINGFUSE_PROGRAM_ROOT");
  return std::string(root && *root ? root : URINGFUSE_BUILD_ROOT) + "/" + relative;
}

std::string path_passthrough_binary() { return built_program("test/mount/passthrough_hl"); }

void pin_this_thread(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  pthread_setaffinity_np(pthread_self(), sizeof one, &one);
}

std::string example_binary(const std::string& name) {
  if (!name.empty() && name.front() == '/') return name;  // a test program of its own
  const char* dir = std::getenv("URINGFUSE_EXAMPLE_DIR");
  if (dir && *dir) return std::string(dir) + "/" + name + "/" + name;
  return built_program("example/" + name + "/" + name);
}

std::optional<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (n < 0) return std::nullopt;
  return out;
}

namespace {
bool write_all_to(const std::string& path, const std::string& content, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      errno = err;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0;
}
}  // namespace

bool write_file(const std::string& path, const std::string& content, mode_t mode) {
  return write_all_to(path, content, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

bool append_file(const std::string& path, const std::string& content) {
  return write_all_to(path, content, O_WRONLY | O_APPEND, 0);
}

}  // namespace uringfuse::test
