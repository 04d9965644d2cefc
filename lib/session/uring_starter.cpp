// Ring set-up during INIT, with the memory figure the rings need.
#include "session/uring_starter.hpp"

#include <unistd.h>

#include <exception>

#include "uringfuse/log.hpp"

namespace uringfuse::detail {

SessionUringStarter::SessionUringStarter(UringTransportConfig config, RequestHandler*& handler)
    : config_(config), handler_(handler) {}

bool SessionUringStarter::prepare(const InitOutcome& agreed, std::string& why) {
  // Runs inside the connection's noexcept request handling: a std::bad_alloc here
  // must become a fallback to /dev/fuse, not std::terminate. Whatever was built is
  // freed when `transport` goes.
  try {
    return build(agreed, why);
  } catch (const std::exception& e) {
    why = std::string("setting up the rings: ") + e.what();
  }
  transport_.reset();
  return false;
}

bool SessionUringStarter::build(const InitOutcome& agreed, std::string& why) {
  auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t payload = uring_payload_size(agreed.max_write, agreed.max_pages, page);
  transport_ = std::make_unique<UringTransport>(config_, *handler_);
  std::size_t queues = transport_->queue_count();
  double mib = static_cast<double>(queues * config_.depth * (payload + page)) / (1 << 20);
  if (!transport_->prepare(payload, why)) {
    transport_.reset();
    why += " (the rings needed " + std::to_string(queues) + " queues x " +
           std::to_string(config_.depth) + " entries x " + std::to_string((payload + page) >> 10) +
           " KiB = " + std::to_string(static_cast<long>(mib + 0.5)) + " MiB; check RLIMIT_MEMLOCK)";
    return false;
  }
  log(LogLevel::info, "uringfuse: serving over io_uring: %zu queues x %zu entries, %zu threads, %.1f MiB of ring buffers",
      queues, config_.depth, transport_->thread_count(), mib);
  return true;
}

void SessionUringStarter::go() {
  if (transport_) transport_->go();
}

void SessionUringStarter::stop() {
  if (!transport_) return;
  transport_->stop();
  // One line per queue at exit: cheap, and it shows where the traffic went.
  for (const auto& s : transport_->stats())
      log(LogLevel::info,
          "uringfuse: uring q%u (cpu %d): %llu requests, %llu replies, high water %llu; handlers handed "
          "on %llu, leads stolen %llu, %zu threads, %zu one-entry rings, %zu entries moved, %zu came back, "
          "%llu backend operations (%llu submitted at once, %llu left to the batch)",
          s.qid, s.cpu, static_cast<unsigned long long>(s.requests),
          static_cast<unsigned long long>(s.replies), static_cast<unsigned long long>(s.high_water),
          static_cast<unsigned long long>(s.handed_on), static_cast<unsigned long long>(s.leads_stolen),
          s.threads, s.solo_rings, s.moved_entries, s.returned_entries,
          static_cast<unsigned long long>(s.backend_ops),
          static_cast<unsigned long long>(s.submitted_at_once), static_cast<unsigned long long>(s.left_to_batch));
}

}  // namespace uringfuse::detail
