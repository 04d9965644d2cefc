// What a ring entry does with the result of its REGISTER or COMMIT_AND_FETCH
// completion. A pure function, so that every class of result is tested without a
// ring (test/unit/uring_fault_test.cpp).
#pragma once

#include <cerrno>

namespace uringfuse::detail {

enum class CompletionAction {
  serve,     // 0: the entry now holds a request
  resubmit,  // the command did not run; send the same one again
  end,       // the connection or the ring is going away: the entry ends, quietly
  fail,      // anything else: the entry ends, and the error is logged
};

constexpr CompletionAction completion_action(int res) noexcept {
  switch (res) {
    case 0:
      return CompletionAction::serve;
    case -EAGAIN:
    case -EINTR:
      return CompletionAction::resubmit;
    // -ENOTCONN: unmounted or aborted (the kernel's teardown answers every command so).
    // -ENODEV: the device is gone. -ECANCELED: the ring itself is being torn down.
    case -ENOTCONN:
    case -ENODEV:
    case -ECANCELED:
      return CompletionAction::end;
    default:  // -EINVAL (a refused REGISTER: wrong queue or buffer sizes), -EOPNOTSUPP, ...
      return CompletionAction::fail;  // and a positive result, which no command gives
  }
}

}  // namespace uringfuse::detail
