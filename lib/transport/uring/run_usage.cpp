// Reads the thread's context switches; see run_usage.hpp.
#include "transport/uring/run_usage.hpp"

#include <sys/resource.h>

namespace uringfuse::detail {

RunUsage RunUsage::now() noexcept {
  RunUsage u;
  rusage r{};
  if (::getrusage(RUSAGE_THREAD, &r) != 0) return u;  // not taken: the run counts as unverified
  u.taken_ = true;
  u.voluntary_switches_ = r.ru_nvcsw;
  u.involuntary_switches_ = r.ru_nivcsw;
  return u;
}

RunKind RunUsage::classify(std::chrono::nanoseconds took, const RunUsage& start) noexcept {
  if (took < HandlerPacing::kSlow) return RunKind::quick;
  if (!start.taken_) return RunKind::unverified;
  const RunUsage end = now();
  if (!end.taken_) return RunKind::unverified;
  const bool slept = end.voluntary_switches_ > start.voluntary_switches_;
  const bool switched_out = end.involuntary_switches_ > start.involuntary_switches_;
  return switched_out && !slept ? RunKind::preempted : RunKind::blocked;
}

}  // namespace uringfuse::detail
