// Reading the possible-CPU list the kernel uses for its queue count.
#include "transport/uring/cpu_topology.hpp"

#include <sys/sysinfo.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <string>

namespace uringfuse::detail {

std::vector<int> parse_cpu_list(std::string_view list) {
  std::vector<int> cpus;
  while (!list.empty() && (list.back() == '\n' || list.back() == ' ')) list.remove_suffix(1);
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    int lo = 0, hi = 0;
    auto dash = item.find('-');
    auto parse = [](std::string_view s, int& v) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && p == s.data() + s.size() && v >= 0;
    };
    if (dash == std::string_view::npos) {
      if (!parse(item, lo)) return {};
      hi = lo;
    } else if (!parse(item.substr(0, dash), lo) || !parse(item.substr(dash + 1), hi) || hi < lo) {
      return {};
    }
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  return cpus;
}

std::vector<int> possible_cpus() {
  std::ifstream in("/sys/devices/system/cpu/possible");
  std::string line;
  if (std::getline(in, line)) {
    auto cpus = parse_cpu_list(line);
    if (!cpus.empty()) return cpus;
  }
  std::vector<int> cpus(static_cast<std::size_t>(std::max(1, get_nprocs_conf())));
  for (std::size_t i = 0; i < cpus.size(); ++i) cpus[i] = static_cast<int>(i);
  return cpus;
}

std::size_t uring_queue_count() {
  auto cpus = possible_cpus();
  return static_cast<std::size_t>(*std::max_element(cpus.begin(), cpus.end())) + 1;
}

}  // namespace uringfuse::detail
