// The transports every mount test runs over, as command-line arguments for the
// bundled example daemons.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace uringfuse::test {

struct Transport {
  std::string name;
  std::vector<std::string> args;
  std::string via;  // what -d prints as via= for requests it carried
  bool uring() const { return via.find("uring") != std::string::npos; }
};

inline std::vector<Transport> all_transports() {
  return {
      {"dev_single", {"-s"}, "via=dev"},
      {"dev_workers", {"-o", "max_threads=4"}, "via=dev"},
      {"dev_clone_fd", {"-o", "clone_fd"}, "via=dev:clone"},
      {"uring", {"-o", "io_uring"}, "via=uring:q"},
      {"uring_one_thread", {"-o", "io_uring,io_uring_threads=1,io_uring_q_depth=64"}, "via=uring:q"},
  };
}

inline std::string transport_name(const ::testing::TestParamInfo<Transport>& info) {
  return info.param.name;
}

}  // namespace uringfuse::test
