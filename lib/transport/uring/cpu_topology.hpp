// Which CPUs the kernel may ever route a request from: it sizes its io_uring queue
// array by the possible CPUs, so we need exactly that number of queues.
#pragma once

#include <string_view>
#include <vector>

namespace uringfuse::detail {

// Parses a kernel CPU list ("0-3,8,10-11"); empty on a malformed list.
std::vector<int> parse_cpu_list(std::string_view list);
// /sys/devices/system/cpu/possible; falls back to get_nprocs_conf() if unreadable.
std::vector<int> possible_cpus();
// Queues the kernel expects: one per possible CPU id (max id + 1).
std::size_t uring_queue_count();

}  // namespace uringfuse::detail
