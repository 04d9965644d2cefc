// Load over every transport: more client processes than the rings have entries (queue
// depth times queues) or the pool has threads, each doing mixed metadata and data work
// (load_client.cpp) for a bounded time in its own directory of the passthrough. Each
// client checks what it reads as it goes; afterwards every byte of every file in the
// source is checked against the clients' final models.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/example_mount.hpp"
#include "../support/fs_target.hpp"
#include "load_content.hpp"
#include "transports.hpp"

namespace uringfuse::test {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kQueueDepth = 8;   // set for the io_uring transports below
constexpr int kClientMilliseconds = 1500;

unsigned client_count() {
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  return kQueueDepth * static_cast<unsigned>(cpus > 0 ? cpus : 1) + 8;
}

class LoadMount : public PassthroughMount<::testing::TestWithParam<Transport>> {};

// Checks src_dir against a client's printed model: the same names, and every byte.
void expect_source_matches(const std::string& src_dir, const std::string& model, int client) {
  std::istringstream lines(model);
  std::set<std::string> names;
  std::string name;
  unsigned long long generation;
  std::size_t size;
  while (lines >> name >> generation >> size) {
    names.insert(name);
    auto got = read_file(src_dir + "/" + name);
    ASSERT_TRUE(got.has_value()) << "client " << client << ": " << name << " missing in the source";
    ASSERT_EQ(got->size(), size) << "client " << client << ": " << name;
    EXPECT_TRUE(*got == load_content(generation, 0, size))
        << "client " << client << ": " << name << " differs in the source";
  }
  auto listed = list_dir(src_dir);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(std::set<std::string>(listed->begin(), listed->end()), names) << "client " << client;
}

TEST_P(LoadMount, ManyProcessesMixedWorkEveryByteChecked) {
  auto args = GetParam().args;
  if (GetParam().uring()) args.insert(args.end(), {"-o", "io_uring_q_depth=" + std::to_string(kQueueDepth)});
  start_passthrough(args);

  const unsigned clients = client_count();
  std::vector<std::unique_ptr<Process>> running;
  for (unsigned i = 0; i < clients; ++i) {
    const std::string dir = "p" + std::to_string(i);
    ASSERT_EQ(::mkdir((mnt_ + "/" + dir).c_str(), 0755), 0);
    running.push_back(std::make_unique<Process>(
        URINGFUSE_LOAD_CLIENT, std::vector<std::string>{mnt_ + "/" + dir, std::to_string(i + 1),
                                                       std::to_string(kClientMilliseconds)},
        dir_.sub("client" + std::to_string(i) + ".out")));
  }
  std::vector<std::string> models(clients);
  for (unsigned i = 0; i < clients; ++i) {
    auto status = running[i]->wait(25s);  // inside the mount watchdog's 30 s
    ASSERT_TRUE(status.has_value()) << "client " << i << " still running";
    models[i] = running[i]->output();
    ASSERT_EQ(*status, 0) << "client " << i << ": " << models[i];
  }
  EXPECT_FALSE(daemon_->wait(0ms).has_value()) << daemon_->output();
  for (unsigned i = 0; i < clients; ++i)
    expect_source_matches(src_ + "/p" + std::to_string(i), models[i], static_cast<int>(i));
}

INSTANTIATE_TEST_SUITE_P(Transports, LoadMount, ::testing::ValuesIn(all_transports()), transport_name);

}  // namespace
}  // namespace uringfuse::test
