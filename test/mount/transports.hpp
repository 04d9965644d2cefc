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
};

inline std::vector<Transport> all_transports() {
  return {
      {"dev_single", {"-s"}, "via=dev"},
      {"dev_workers", {"-o", "max_threads=4"}, "via=dev"},
      {"dev_clone_fd", {"-o", "clone_fd"}, "via=dev:clone"},
  };
}

inline std::string transport_name(const ::testing::TestParamInfo<Transport>& info) {
  return info.param.name;
}

}  // namespace uringfuse::test
