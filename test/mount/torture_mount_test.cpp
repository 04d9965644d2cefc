// The torture suite, over every transport: clients signalled thousands of times a
// second while doing every class of operation, requests interrupted while they wait
// in the daemon, FORGET storms during tree walks, SIGTERM and unmount in the middle
// of a storm, more clients than ring entries. Every case checks: no client error
// beyond what POSIX allows, no hang (bounded waits, the mount watchdog), the daemon
// alive or cleanly exited where the case ends it, requests equal replies on every
// ring queue, the kernel log quiet, and every byte in the source as written.
//
// Each storm lasts URINGFUSE_TORTURE_MS milliseconds (default 3000; doc/testing.md).
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/example_mount.hpp"
#include "../support/fs_target.hpp"
#include "load_content.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

int storm_ms() {
  const char* v = std::getenv("URINGFUSE_TORTURE_MS");
  return v ? std::max(200, std::atoi(v)) : 3000;
}

// More clients than the rings have entries: 2 per queue below.
constexpr unsigned kDepth = 2;
unsigned client_count() {
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  return kDepth * static_cast<unsigned>(cpus > 0 ? cpus : 1) + 2;
}

// Sends SIGUSR1 to each process in turn, one signal every `interval`, until stopped.
// Only children not yet reaped are signalled (an exited one is a zombie until the
// test reaps it after stop(), so its pid cannot be reused meanwhile).
class SignalStorm {
 public:
  SignalStorm(std::vector<pid_t> pids, std::chrono::microseconds interval)
      : pids_(std::move(pids)), thread_([this, interval] {
          while (!stop_.load()) {
            for (pid_t p : pids_) {
              ::kill(p, SIGUSR1);
              sent_.fetch_add(1);
              std::this_thread::sleep_for(interval);
            }
          }
        }) {}
  ~SignalStorm() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t sent() const { return sent_.load(); }

 private:
  std::vector<pid_t> pids_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::thread thread_;
};

// Children start with SIGUSR1 blocked (the mask survives fork and exec), so a storm
// cannot kill one before it has installed its handler; it unblocks it then.
class SignalsHeldForChildren {
 public:
  SignalsHeldForChildren() {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ::pthread_sigmask(SIG_BLOCK, &usr1, &old_);
  }
  ~SignalsHeldForChildren() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

// True once `pid` has exited, without reaping it.
bool exited_unreaped(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

bool wait_all_exited(const std::vector<std::unique_ptr<Process>>& ps, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (auto& p : ps) all = all && exited_unreaped(p->pid());
    if (all) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// "uring q0 (cpu 0): 12 requests, 12 replies, high water 3" for every queue.
void expect_queues_balanced(const std::string& log) {
  const auto queues = uring_exit_counters(log);
  for (const auto& q : queues)
    EXPECT_EQ(q.requests, q.replies) << "queue " << q.qid << ": requests != replies\n" << log;
  EXPECT_GT(queues.size(), 0u) << "no per-queue counters at exit:\n" << log;
}

// What no healthy daemon logs, whatever its clients do.
void expect_clean_daemon_log(const std::string& log) {
  for (const char* bad : {"COMMIT_AND_FETCH failed", "refused", "sent twice", "the entry ends", "SIGSEGV"})
    EXPECT_EQ(log.find(bad), std::string::npos) << "daemon log has \"" << bad << "\":\n" << log;
}

class Torture : public PassthroughMount<::testing::TestWithParam<Transport>> {
 protected:
  // The passthrough under test: the bundled lowlevel example, or (PathTorture) the
  // path-API one of the compat tests, libfuse's fuse.h on our library.
  void start_fs(const std::vector<std::string>& args) {
    // A storm of URINGFUSE_TORTURE_MS plus its checks must not look hung to the
    // watchdog: with 30 s storms its default 30 s cut every case short.
    watchdog_deadline_ = std::chrono::seconds(30 + 2 * storm_ms() / 1000);
    if (!path_api_) return start_passthrough(args);
    std::vector<std::string> all{"-o", "source=" + src_};
    all.insert(all.end(), args.begin(), args.end());
    start_daemon(path_passthrough_binary(), all);
  }

  std::vector<std::string> transport_args() const {
    auto args = GetParam().args;
    if (GetParam().uring()) args.insert(args.end(), {"-o", "io_uring_q_depth=" + std::to_string(kDepth)});
    return args;
  }

  // The passthrough's handlers sleep 300 us in every read and write first.
  std::vector<std::string> blocking_args() const {
    auto args = transport_args();
    args.push_back("--backend-delay=300");
    return args;
  }

  // Reads and writes are coroutines: each awaits a 300 us timeout, then its source
  // I/O, on the request's own ring (over /dev/fuse both run on the handler's thread).
  std::vector<std::string> async_args() const {
    auto args = transport_args();
    args.insert(args.end(), {"--ring-io=on", "--backend-wait=300"});
    return args;
  }

  // Signals at 50k/s across the clients while they do metadata, data, O_DIRECT reads,
  // listings, xattrs and locks; more clients than ring entries. Every byte checked.
  void signal_storm(const std::vector<std::string>& daemon_args) {
    start_fs(daemon_args);
    const int ms = storm_ms();
    auto clients = start_clients(client_count(), ms, "more,signals");
    SignalStorm storm(pids(clients), 20us);
    const bool done = wait_all_exited(clients, std::chrono::milliseconds(ms) + 20s);
    storm.stop();
    ASSERT_TRUE(done) << "a client hangs";
    EXPECT_GT(storm.sent(), 1000u);
    for (unsigned i = 0; i < clients.size(); ++i) {
      auto status = clients[i]->wait(1s);
      ASSERT_TRUE(status.has_value());
      EXPECT_EQ(*status, 0) << "client " << i << ": " << clients[i]->output();
      expect_source_matches(i, clients[i]->output());
    }
    expect_still_working();
    stop_and_check_log();
  }

  // SIGTERM to the daemon a second into a storm: it exits 0, unmounted, and every
  // client ends (its paths may vanish first: the daemon detaches the mount as it stops).
  void sigterm_mid_storm(const std::vector<std::string>& daemon_args) {
    start_fs(daemon_args);
    auto clients = start_clients(client_count(), 20000, "more,signals,disconnect,gone");
    SignalStorm storm(pids(clients), 20us);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(storm_ms(), 1000)));
    daemon_->signal(SIGTERM);
    auto status = daemon_->wait(15s);
    const bool done = wait_all_exited(clients, 20s);
    storm.stop();
    ASSERT_TRUE(status.has_value()) << "daemon still running after SIGTERM:\n" << daemon_->output();
    EXPECT_EQ(*status, sigterm_status()) << daemon_->output();
    expect_clean_daemon_log(daemon_->output());
    EXPECT_TRUE(wait_for_mount(mnt_, false, 5s)) << "mount left behind";
    ASSERT_TRUE(done) << "a client hangs after the daemon left";
    for (auto& c : clients) {
      auto s = c->wait(1s);
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(*s, 0) << c->output();
    }
  }

  std::vector<std::unique_ptr<Process>> start_clients(unsigned n, int ms, std::string features) {
    if (path_api_) features += ",hidden";
    SignalsHeldForChildren held;
    std::vector<std::unique_ptr<Process>> clients;
    for (unsigned i = 0; i < n; ++i) {
      const std::string dir = "p" + std::to_string(i);
      EXPECT_EQ(::mkdir((mnt_ + "/" + dir).c_str(), 0755), 0);
      clients.push_back(std::make_unique<Process>(
          URINGFUSE_LOAD_CLIENT,
          std::vector<std::string>{mnt_ + "/" + dir, std::to_string(i + 1), std::to_string(ms), features},
          dir_.sub("client" + std::to_string(i) + ".out")));
    }
    return clients;
  }

  static std::vector<pid_t> pids(const std::vector<std::unique_ptr<Process>>& ps) {
    std::vector<pid_t> out;
    for (auto& p : ps) out.push_back(p->pid());
    return out;
  }

  // Every byte of client i's files in the source, against the model it printed.
  void expect_source_matches(unsigned i, const std::string& output) {
    std::istringstream lines(output);
    std::string l, name;
    std::set<std::string> names;
    while (std::getline(lines, l)) {
      std::istringstream f(l);
      unsigned long long generation;
      std::size_t size;
      std::string extra;
      if (!(f >> name >> generation >> size) || (f >> extra)) continue;  // not a model line
      names.insert(name);
      auto got = read_file(src_ + "/p" + std::to_string(i) + "/" + name);
      ASSERT_TRUE(got.has_value()) << "client " << i << ": " << name << " missing in the source";
      EXPECT_TRUE(*got == load_content(generation, 0, size)) << "client " << i << ": " << name << " differs";
    }
    if (path_api_) {
      ASSERT_NO_FATAL_FAILURE(expect_hidden_files_go(src_ + "/p" + std::to_string(i)));
    }
    auto listed = list_dir(src_ + "/p" + std::to_string(i));
    ASSERT_TRUE(listed.has_value());
    EXPECT_EQ(std::set<std::string>(listed->begin(), listed->end()), names) << "client " << i;
  }

  // Every .fuse_hidden* file the path API made goes once the kernel's last RELEASE
  // for it arrives, which may be a moment after the clients exited.
  void expect_hidden_files_go(const std::string& dir) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    std::vector<std::string> hidden;
    do {
      hidden.clear();
      for (const auto& name : list_dir(dir).value_or(std::vector<std::string>{}))
        if (name.rfind(".fuse_hidden", 0) == 0) hidden.push_back(name);
      if (hidden.empty()) return;
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < until);
    FAIL() << hidden.size() << " .fuse_hidden files left in " << dir << ", first " << hidden.front();
  }

  // The daemon is alive and the filesystem answers after the storm.
  void expect_still_working() {
    ASSERT_FALSE(daemon_->wait(0ms).has_value()) << "daemon died:\n" << daemon_->output();
    const std::string probe = mnt_ + "/after-the-storm";
    {
      std::ofstream out(probe);
      out << "still here\n";
    }
    EXPECT_EQ(read_file(probe).value_or(""), "still here\n");
    EXPECT_EQ(::unlink(probe.c_str()), 0);
  }

  // Stops the daemon as the test ends and checks what it printed on the way out.
  void stop_and_check_log() {
    auto* d = &*daemon_;
    d->signal(SIGTERM);
    auto status = d->wait(15s);
    ASSERT_TRUE(status.has_value()) << "daemon did not exit on SIGTERM:\n" << d->output();
    EXPECT_EQ(*status, sigterm_status()) << d->output();
    expect_clean_daemon_log(d->output());
    if (GetParam().uring()) expect_queues_balanced(d->output());
  }

  // drop_caches in a loop makes the kernel forget every inode it can while walkers
  // list and stat a tree, and writers work beside them.
  void forget_storm_during_tree_walks() {
    for (int d = 0; d < 8; ++d) {
      const std::string dir = src_ + "/tree" + std::to_string(d);
      ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
      for (int f = 0; f < 40; ++f) std::ofstream(dir + "/f" + std::to_string(f)) << d << " " << f << "\n";
    }
    start_fs(transport_args());
    const int ms = storm_ms();
    auto writers = start_clients(2, ms, "more");
    std::atomic<bool> stop{false};
    std::atomic<long> walks{0}, drops{0}, wrong{0};
    std::vector<std::thread> walkers;
    for (int w = 0; w < 2; ++w)
      walkers.emplace_back([&] {
        while (!stop.load()) {
          for (int d = 0; d < 8; ++d) {
            const std::string dir = mnt_ + "/tree" + std::to_string(d);
            auto names = list_dir(dir);
            if (!names || names->size() != 40) ++wrong;
            for (int f = 0; f < 40; f += 7) {
              std::ostringstream want;
              want << d << " " << f << "\n";
              if (read_file(dir + "/f" + std::to_string(f)).value_or("") != want.str()) ++wrong;
            }
          }
          ++walks;
        }
      });
    std::thread dropper([&] {
      while (!stop.load()) {
        std::ofstream("/proc/sys/vm/drop_caches") << "2\n";
        ++drops;
        std::this_thread::sleep_for(5ms);
      }
    });
    const bool done = wait_all_exited(writers, std::chrono::milliseconds(ms) + 20s);
    stop = true;
    for (auto& t : walkers) t.join();
    dropper.join();
    ASSERT_TRUE(done) << "a writer hangs";
    EXPECT_EQ(wrong.load(), 0) << "walks saw missing names or wrong bytes";
    EXPECT_GT(walks.load(), 2);
    EXPECT_GT(drops.load(), 10);
    for (unsigned i = 0; i < writers.size(); ++i) {
      auto status = writers[i]->wait(1s);
      ASSERT_TRUE(status.has_value());
      EXPECT_EQ(*status, 0) << writers[i]->output();
      expect_source_matches(i, writers[i]->output());
    }
    expect_still_working();
    stop_and_check_log();
  }

  // The mount detached (umount -l) in the middle of a storm: clients lose their paths,
  // the last reference goes, the kernel sends DESTROY and the daemon exits 0.
  void unmount_mid_storm() {
    start_fs(transport_args());
    auto clients = start_clients(client_count(), 20000, "more,signals,disconnect,gone");
    SignalStorm storm(pids(clients), 20us);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(storm_ms(), 1000)));
    ASSERT_EQ(::umount2(mnt_.c_str(), MNT_DETACH), 0) << std::strerror(errno);
    const bool done = wait_all_exited(clients, 20s);
    storm.stop();
    ASSERT_TRUE(done) << "a client hangs after the unmount";
    for (auto& c : clients) {
      auto s = c->wait(1s);
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(*s, 0) << c->output();
    }
    auto status = daemon_->wait(15s);
    ASSERT_TRUE(status.has_value()) << "daemon still running after the unmount:\n" << daemon_->output();
    EXPECT_EQ(*status, 0) << daemon_->output();
    expect_clean_daemon_log(daemon_->output());
  }

  // What the daemon exits with after SIGTERM: 0, or libfuse's fuse_main's 8.
  int sigterm_status() const { return path_api_ ? 8 : 0; }

  bool path_api_ = false;
};

class PathTorture : public Torture {
 protected:
  PathTorture() { path_api_ = true; }
};

// Signals at 50k/s across the clients while they do metadata, data, O_DIRECT reads,
// listings, xattrs and locks; more clients than ring entries.
TEST_P(Torture, SignalStormOverEveryClassOfOperation) { signal_storm(transport_args()); }

// The same storm over handlers that block: every read and write first sleeps 300 us
// (--backend-delay), so over io_uring the rings hand their lead on, followers and
// one-entry rings serve the queues, and replies come from threads that do not lead.
TEST_P(Torture, SignalStormOverBlockingHandlers) {
  signal_storm(blocking_args());
  if (GetParam().name == "uring") {  // uring_one_thread runs every handler on its thread
    static const std::regex moved(R"(handlers handed on [1-9])");
    EXPECT_TRUE(std::regex_search(daemon_->output(), moved)) << "no handler was handed on:\n" << daemon_->output();
  }
}

// SIGTERM while blocking handlers are in flight on every thread of the rings.
TEST_P(Torture, SigtermMidStormOverBlockingHandlers) { sigterm_mid_storm(blocking_args()); }

// The storm over coroutine handlers: interrupts cancel awaited operations while
// replies race them, and completions resume coroutines between requests.
TEST_P(Torture, SignalStormOverAsyncHandlers) {
  signal_storm(async_args());
  if (GetParam().uring()) {
    static const std::regex awaited(R"([1-9][0-9]* backend operations)");
    EXPECT_TRUE(std::regex_search(daemon_->output(), awaited)) << "no I/O went through a ring:\n" << daemon_->output();
  }
}

// SIGTERM while coroutines wait on every ring: each is cancelled and finishes.
TEST_P(Torture, SigtermMidStormOverAsyncHandlers) { sigterm_mid_storm(async_args()); }

// Requests that wait in the daemon until their caller is interrupted (the notify
// example's /slow answers EINTR once the INTERRUPT arrives, from another thread),
// interleaved with ordinary reads of /data.
TEST_P(Torture, RequestsInterruptedWhileTheyWait) {
  start_daemon("notify", GetParam().args);
  const int ms = std::min(storm_ms(), 2000);
  std::vector<std::unique_ptr<Process>> readers;
  SignalsHeldForChildren held;
  for (int i = 0; i < 3; ++i)
    readers.push_back(std::make_unique<Process>(
        URINGFUSE_LOAD_CLIENT, std::vector<std::string>{mnt_ + "/slow", "1", std::to_string(ms), "slow,signals"},
        dir_.sub("slow" + std::to_string(i) + ".out")));
  SignalStorm storm(pids(readers), 200us);
  std::atomic<bool> stop{false};
  std::atomic<int> data_errors{0};
  std::thread plain([&] {
    while (!stop.load())
      if (read_file(mnt_ + "/data").value_or("") != "original\n") ++data_errors;
  });
  // Over /dev/fuse every interrupt reaches the daemon. Over io_uring Linux 6.18 sends
  // none for a request interrupted before a ring entry took it (fuse_uring_prepare_send
  // sets FR_SENT without looking at FR_INTERRUPTED, which the /dev/fuse read path
  // does), so such a read waits in the daemon; after the readers' deadline the test
  // releases those through /ctl and only counts them.
  bool done = wait_all_exited(readers, std::chrono::milliseconds(ms) + 2s);
  int releases = 0;
  for (; !done && releases < 100; ++releases) {
    std::ofstream(mnt_ + "/ctl") << "release\n";
    done = wait_all_exited(readers, 100ms);
  }
  storm.stop();
  stop = true;
  plain.join();
  ASSERT_TRUE(done) << "a reader hangs";
  if (!GetParam().uring()) {
    EXPECT_EQ(releases, 0) << "an interrupt was lost on /dev/fuse";
  }
  if (releases) std::printf("[ note     ] %d release rounds for reads the kernel never interrupted\n", releases);
  long interrupted = 0;
  for (auto& r : readers) {
    auto status = r->wait(1s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0) << r->output();
    long n = 0;
    EXPECT_EQ(std::sscanf(r->output().c_str(), "interrupted %ld", &n), 1) << r->output();
    if (!GetParam().uring()) {
      EXPECT_GT(n, 0) << "a reader was never interrupted";
    }
    interrupted += n;
  }
  EXPECT_GT(interrupted, 0) << "no read was interrupted";
  EXPECT_EQ(data_errors.load(), 0);
  ASSERT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
  stop_and_check_log();
}

TEST_P(Torture, ForgetStormDuringTreeWalks) { forget_storm_during_tree_walks(); }

// SIGTERM in the middle of a storm: the daemon exits 0 and unmounts; every client
// ends (finished, or told ENOTCONN/ECONNABORTED), none hangs.
TEST_P(Torture, SigtermMidStorm) { sigterm_mid_storm(transport_args()); }

TEST_P(Torture, UnmountMidStorm) { unmount_mid_storm(); }

INSTANTIATE_TEST_SUITE_P(Transports, Torture, ::testing::ValuesIn(all_transports()), transport_name);

// The same storms over the path API (test/compat/passthrough_hl.c): its node table,
// path building and tree lock under signals, FORGETs, SIGTERM and unmount.
TEST_P(PathTorture, SignalStormOverEveryClassOfOperation) { signal_storm(transport_args()); }
TEST_P(PathTorture, ForgetStormDuringTreeWalks) { forget_storm_during_tree_walks(); }
TEST_P(PathTorture, SigtermMidStorm) { sigterm_mid_storm(transport_args()); }
TEST_P(PathTorture, UnmountMidStorm) { unmount_mid_storm(); }

INSTANTIATE_TEST_SUITE_P(Transports, PathTorture, ::testing::ValuesIn(all_transports()), transport_name);

}  // namespace
}  // namespace uringfuse::test
