// The per-queue ring loop: REGISTER, then for every completion handle the request
// and queue one COMMIT_AND_FETCH per reply; one submit per batch.
#include "transport/uring/ring_queue.hpp"

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "transport/uring/completion_action.hpp"
#include "transport/uring/kernel_order.hpp"
#include "transport/uring/serve_group.hpp"
#include "uringfuse/log.hpp"

namespace uringfuse::detail {
namespace {

// user_data of the wake-up poll; entries use their own address.
constexpr std::uint64_t kWakeTag = 1;

// The kernel never expects an answer to these; the entry is committed empty so it
// can fetch the next request.
bool needs_no_reply(std::uint32_t opcode) {
  using abi::Opcode;
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::FORGET:
    case Opcode::BATCH_FORGET:
    case Opcode::INTERRUPT:
    case Opcode::NOTIFY_REPLY:
      return true;
    default:
      return false;
  }
}

// The entry whose handler this thread runs off the lead, while the transport lets
// such entries move (ServeGroup::moves_entries()): its reply, if the handler blocked
// before it, is kept here instead of handed to the leader. initial-exec: read on
// every reply that is handed over.
struct MoveCandidate {
  RingEntry* entry = nullptr;
  std::chrono::steady_clock::time_point start;
  RunUsage usage;  // the run's, if taken
  bool kept = false;
};
thread_local MoveCandidate t_move __attribute__((tls_model("initial-exec")));

// When the handler this thread runs first started backend I/O: what it did before
// that was synchronous, and blocking there stalls the ring like any handler's; the
// waiting after it holds nothing. initial-exec: read on every operation started.
struct FirstAwait {
  bool watching = false;
  bool seen = false;
  std::chrono::steady_clock::time_point at;
};
thread_local FirstAwait t_first_await __attribute__((tls_model("initial-exec")));

[[noreturn]] void fail(int err, const char* what) {
  throw std::system_error(err < 0 ? -err : err, std::generic_category(), what);
}

}  // namespace

RingQueue::RingQueue(unsigned qid, int cpu, std::size_t depth, int dev_fd, RequestHandler& handler)
    : qid_(qid), cpu_(cpu), depth_(depth), dev_fd_(dev_fd), handler_(handler),
      via_("uring:q" + std::to_string(qid)) {}

RingQueue::~RingQueue() {
  if (ring_ready_) {
    forget_ring_memory(ring_);
    io_uring_queue_exit(&ring_);
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (cq_event_fd_ >= 0) ::close(cq_event_fd_);
}

void RingQueue::setup(std::size_t payload_size, bool want_event_fd, BufferFactory make_buffers) {
  setup_ring(want_event_fd);
  buffers_ = make_buffers(cpu_, depth_, payload_size);
  entries_ = std::make_unique<RingEntry[]>(depth_);  // fixed addresses: the kernel's user_data
  for (std::size_t i = 0; i < depth_; ++i) {
    RingEntry& e = entries_[i];
    e.owner = this;
    e.buffers = buffers_->entry(i);
    e.registration[0] = {e.buffers.header, sizeof(abi::fuse_uring_req_header)};
    e.registration[1] = {e.buffers.payload.data(), e.buffers.payload.size()};
  }
}

void RingQueue::setup_without_entries() { setup_ring(false); }

void RingQueue::setup_ring(bool want_event_fd) {
  io_uring_params params{};
  params.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
  // Entries, the wake-up poll and the backend I/O of coroutines all complete here:
  // room for several operations per entry. (The kernel keeps what overflows; this
  // only saves it the trouble.)
  params.cq_entries = static_cast<unsigned>(std::max<std::size_t>(8 * (depth_ + 1), 64));
  // Submission slots for every entry's commit and a few backend operations each: a
  // full queue is flushed from inside whatever handler wanted a slot, and flushing
  // issues the block I/O queued before it there (tens of microseconds on a disk).
  const auto sq_entries = static_cast<unsigned>(std::max<std::size_t>(4 * (depth_ + 1), 32));
  if (int r = io_uring_queue_init_params(sq_entries, &ring_, &params); r < 0)
    fail(r, "io_uring_queue_init");
  fresh_ring_memory();
  ring_ready_ = true;
  if (int r = io_uring_register_files(&ring_, &dev_fd_, 1); r < 0) fail(r, "registering /dev/fuse");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) fail(errno, "eventfd");
  if (want_event_fd) {
    cq_event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (cq_event_fd_ < 0) fail(errno, "eventfd");
    if (int r = io_uring_register_eventfd(&ring_, cq_event_fd_); r < 0) fail(r, "io_uring_register_eventfd");
  }
  arm_wake_poll();
}

void RingQueue::take_in(RingEntry& e, RingQueue& home) {
  home_ = &home;
  if (home.dropping_.load(std::memory_order_acquire)) drop_replies();
  e.owner = this;
  // Its request was counted in flight at home; its reply is counted here.
  home.in_flight_.fetch_sub(1, std::memory_order_relaxed);
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (high_water_.load(std::memory_order_relaxed) == 0) high_water_.store(1, std::memory_order_relaxed);
  live_entries_.fetch_add(1, std::memory_order_relaxed);
  queue_commit(&e);
  submit();
}

bool RingQueue::commit_here(RingEntry* e) {
  if (!group_) return false;
  if (!home_) return group_->commit_here(*this, e);
  if (!group_->begin_ring_here()) return false;  // another thread's reply: handed over
  if (!send_home(e)) queue_commit(e);
  group_->end_ring_here();
  return true;
}

bool RingQueue::send_home(RingEntry* e) {
  // Quick: answered inside its handler within the blocking threshold, with no backend
  // I/O on this ring started for it or still running, and nothing else to resume.
  const bool quick = std::chrono::steady_clock::now() - serving_since_ < HandlerPacing::kSlow &&
                     io_.started() == ops_at_start_ && io_.in_flight() == 0 && !work_waiting();
  quick_in_a_row_ = quick ? quick_in_a_row_ + 1 : 0;
  if (quick_in_a_row_ < kQuickToGoHome || dropping_.load(std::memory_order_acquire)) return false;
  // Its next COMMIT_AND_FETCH goes out on the home ring, whose leader alone submits
  // there: handed over like any foreign reply, the request counted in flight there
  // (its reply is counted there). Home never stopped counting the entry as live;
  // here it ends, and with no entry left this ring's loop ends and its thread goes
  // back to being a follower of the home queue.
  e->owner = home_;
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  home_->in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (alive()) live_entries_.fetch_sub(1, std::memory_order_relaxed);
  returned_.fetch_add(1, std::memory_order_relaxed);
  quick_in_a_row_ = 0;
  home_->push_foreign(e);
  return true;
}

bool RingQueue::keep_for_move(RingEntry* e) {
  if (t_move.entry != e || t_move.kept) return false;
  // A handler that answered quickly keeps its entry on the queue's ring: only the
  // ones that blocked first are served better by a thread of their own. One that was
  // merely preempted on the way blocked nothing.
  const RunKind kind = RunUsage::classify(std::chrono::steady_clock::now() - t_move.start, t_move.usage);
  if (kind == RunKind::quick || kind == RunKind::preempted) return false;
  t_move.kept = true;
  return true;
}

void RingQueue::io_starting() noexcept {
  if (!t_first_await.watching || t_first_await.seen) return;
  t_first_await.seen = true;
  t_first_await.at = std::chrono::steady_clock::now();
}

bool RingQueue::begin_ring_access() noexcept { return group_ && group_->begin_ring_here(); }
void RingQueue::end_ring_access() noexcept { group_->end_ring_here(); }

bool RingQueue::completions_ready() { return io_uring_cq_ready(&ring_) > 0; }

io_uring_sqe* RingQueue::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {  // full: flush what is queued and take a fresh slot
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void RingQueue::arm_wake_poll() {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_poll_add(sqe, wake_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, kWakeTag);
}

void RingQueue::prep_command(RingEntry* e, abi::UringCmd cmd) {
  io_uring_sqe* sqe = next_sqe();
  std::memset(sqe, 0, 2 * sizeof(io_uring_sqe));  // SQE128: the command area is the second half
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->flags = IOSQE_FIXED_FILE;
  sqe->fd = 0;  // fixed-file index of /dev/fuse
  sqe->cmd_op = static_cast<std::uint32_t>(cmd);
  if (cmd == abi::UringCmd::REGISTER) {
    sqe->addr = reinterpret_cast<std::uint64_t>(e->registration);
    sqe->len = 2;
  }
  abi::fuse_uring_cmd_req req{};
  req.commit_id = cmd == abi::UringCmd::COMMIT_AND_FETCH ? e->commit_id : 0;
  req.qid = static_cast<std::uint16_t>(qid_);
  std::memcpy(sqe->cmd, &req, sizeof req);
  io_uring_sqe_set_data(sqe, e);
  e->pending = cmd;
}

void RingQueue::submit_registers() {
  for (std::size_t i = 0; i < depth_; ++i) {
    entries_[i].state.start_register();
    prep_command(&entries_[i], abi::UringCmd::REGISTER);
  }
  live_entries_.store(depth_, std::memory_order_relaxed);
  submit();
}

void RingQueue::submit() { io_uring_submit(&ring_); }

void RingQueue::submit_and_wait(std::chrono::microseconds spin) {
  // The caller of the request just answered usually runs on this CPU and sends its
  // next request within microseconds. Sleeping now costs a wake-up for it; yielding
  // lets the caller run at once, and the new request's task work is done on the way
  // back from sched_yield(), so it shows in the completion queue with no wait call.
  // Measured on a 2-vCPU VM: +14-22% for 4 KiB reads, +18% stat, +15% create
  // (doc/performance.md). Replies handed over meanwhile are taken straight off the
  // stack: nobody wrote the eventfd for them (push_foreign).
  if (spin.count() > 0) {
    io_uring_submit(&ring_);
    const auto until = std::chrono::steady_clock::now() + spin;
    while (!io_uring_cq_ready(&ring_) && std::chrono::steady_clock::now() < until) {
      if (handovers_waiting()) {
        drain_foreign();
        io_uring_submit(&ring_);
      }
      if (io_.has_ready()) return;
      sched_yield();
    }
    if (io_uring_cq_ready(&ring_)) return;
  }
  // About to sleep in the kernel: from now on a hand-over must wake us. seq_cst with
  // push_foreign(): either it sees us asleep, or we see its entry here.
  sleeping_.store(true, std::memory_order_seq_cst);
  if (handovers_waiting() || io_.has_ready()) {
    sleeping_.store(false, std::memory_order_relaxed);
    drain_foreign();
    io_uring_submit(&ring_);
    return;
  }
  int r = io_uring_submit_and_wait(&ring_, 1);
  sleeping_.store(false, std::memory_order_relaxed);
  if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
    log(LogLevel::err, "uringfuse: %s: io_uring_submit_and_wait: %s", via_.c_str(), std::strerror(-r));
}

// The order matters once coroutines wait on a disk. Resuming every finished read
// (and committing its reply) before looking at the requests those replies let the
// clients send kept a queue's requests in one convoy: the reads went to the disk in
// one batch, came back together, and the disk idled while the ring turned the whole
// batch round (0.72x native at depth 16 on a virtio disk, 0.89x in this order with
// the reads and replies after backend I/O submitted at once; doc/performance.md).
RingQueue::Round RingQueue::process_completions() {
  kernel_has_seen();  // for the coroutines made ready by earlier completions
  for (;;) {
    // What the ring holds now first, one at a time, each consumed before it is
    // handled (a handler may hand the lead on; the next leader goes on from the next
    // one): new requests start their backend I/O, finished operations make their
    // coroutines ready.
    for (unsigned n = io_uring_cq_ready(&ring_); n > 0; --n) {
      io_uring_cqe* cqe;
      if (io_uring_peek_cqe(&ring_, &cqe) != 0) break;
      // Each completion may carry a request the kernel let through after a reply
      // committed since this loop began (on another ring, meanwhile): order after it.
      kernel_has_seen();
      const std::uint64_t data = cqe->user_data;
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      const std::uint64_t started = io_.started();
      if (!handle_completion(data, res)) return Round::lead_lost;
      if (io_.started() != started) submit_backend_work();
    }
    // Then one coroutine whose operation is over, and look at the ring again.
    auto coroutine = io_.next_ready();
    if (!coroutine) {
      if (io_uring_cq_ready(&ring_) == 0) break;
      continue;
    }
    if (!resume(coroutine)) return Round::lead_lost;
    submit_backend_work();
  }
  return alive() ? Round::alive : Round::ended;
}

// Submitted now, not with the round's batch: a read waiting in the batch (and in the
// block layer's plug of the io_uring_enter that finally submits it) leaves the disk
// idle meanwhile, and a reply held back holds back the client's next request. Quick
// handlers, which start no backend I/O, keep batching. Unless the syscall is dear on
// this machine (SubmitCost): then what is queued waits for the batch too.
void RingQueue::submit_backend_work() {
  if (io_uring_sq_ready(&ring_) == 0) return;
  if (!submit_cost_.at_once()) {
    left_to_batch_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  submitted_at_once_.fetch_add(1, std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();
  io_uring_submit(&ring_);
  submit_cost_.took(std::chrono::steady_clock::now() - start);
}

bool RingQueue::resume(std::coroutine_handle<> coroutine) {
  // The rest of a handler: paced, handed on and rescued as handlers are.
  const ServeGroup::Run run = group_->before_handler();
  coroutine.resume();
  // Not timed: this part of a coroutine follows an await, and its wall time on a busy
  // CPU is mostly preemption (a standby still rescues one that holds the ring).
  return group_->after_handler(*this, run, run.start);
}

void RingQueue::finish_backend_io() {
  io_.close();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    while (auto coroutine = io_.next_ready()) coroutine.resume();
    if (io_.in_flight() == 0) return;
    if (std::chrono::steady_clock::now() > give_up) {
      log(LogLevel::warning, "uringfuse: %s: %zu backend operations did not end when cancelled; their "
          "coroutines never finish", via_.c_str(), io_.in_flight());
      return;
    }
    io_uring_submit(&ring_);
    __kernel_timespec tick{0, 100'000'000};
    io_uring_cqe* cqe;
    if (io_uring_wait_cqe_timeout(&ring_, &cqe, &tick) != 0) continue;
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      const std::uint64_t data = cqe->user_data;
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      if (IoQueue::is_op(data)) io_.complete(data, res);  // entries: nothing is served any more
    }
  }
}

bool RingQueue::handle_completion(std::uint64_t user_data, int res) {
  if (IoQueue::is_op(user_data)) {
    io_.complete(user_data, res);
    return true;
  }
  if (IoQueue::is_cancel(user_data)) return true;
  if (user_data == kWakeTag) {
    std::uint64_t n;
    [[maybe_unused]] auto r = ::read(wake_fd_, &n, sizeof n);
    drain_foreign();
    arm_wake_poll();
    return true;
  }
  auto* e = reinterpret_cast<RingEntry*>(user_data);
  switch (completion_action(res)) {
    case CompletionAction::serve:
      return handle_request(e);
    case CompletionAction::resubmit:
      prep_command(e, e->pending);
      return true;
    case CompletionAction::fail:
      log(LogLevel::err, "uringfuse: %s: %s failed: %s; the entry ends", via_.c_str(),
          e->pending == abi::UringCmd::REGISTER ? "REGISTER" : "COMMIT_AND_FETCH",
          res < 0 ? std::strerror(-res) : "unexpected positive result");
      break;
    case CompletionAction::end:
      break;
  }
  e->state.end();
  e->pending = abi::UringCmd::INVALID;
  count_entry_ended();
  return true;
}

void RingQueue::count_entry_ended() {
  if (alive()) live_entries_.fetch_sub(1, std::memory_order_relaxed);  // none left: the loop ends
  if (!home_) return;
  if (home_->alive()) home_->live_entries_.fetch_sub(1, std::memory_order_relaxed);
  home_->wake();  // its leader may sleep with no entry of its own left to complete
}

bool RingQueue::handle_request(RingEntry* e) {
  auto* h = e->buffers.header;
  if (!e->begin_request()) {
    // The kernel completed a command for an entry that was not waiting for a request:
    // serving it could commit the entry twice. Log and stop using the entry.
    log(LogLevel::err, "uringfuse: %s: a request arrived on an entry that is %s; the entry ends",
        via_.c_str(), phase_name(e->state.phase()));
    e->state.end();
    count_entry_ended();
    return true;
  }
  RawRequest raw = e->raw_request(via_, qid_ + 1);  // interrupt table 0 belongs to /dev/fuse
  requests_.fetch_add(1, std::memory_order_relaxed);
  auto now = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (now > high_water_.load(std::memory_order_relaxed)) high_water_.store(now, std::memory_order_relaxed);
  abi::fuse_in_header in;
  std::memcpy(&in, h->in_out, sizeof in);
  const std::uint64_t ops_before = io_.started();
  const ServeGroup::Run run = group_->before_handler();
  if (home_) {
    serving_since_ = run.start;
    ops_at_start_ = ops_before;
  }
  RequestSlot& slot = e->slot.next(*slots_);
  slot.target = e;
  slot.io_queue = &io_;
  // The handler's own hold: once it has replied, the entry may carry the next request
  // (served by another thread while this one still runs), and that one must find the
  // slot taken, not refill it under this handler.
  slot.hold();
  const bool may_move = run.ticket == 0 && group_->moves_entries();
  if (may_move) t_move = MoveCandidate{e, run.start, run.usage, false};
  t_first_await = FirstAwait{true, false, {}};
  handler_.handle(raw, slot);
  // Blocking is timed up to the handler's first backend operation, if it started one.
  const auto sync_end = t_first_await.seen ? t_first_await.at : std::chrono::steady_clock::now();
  t_first_await = FirstAwait{};
  slot.release();
  // The kernel expects no answer to these, but the entry must be committed to fetch
  // the next request; a claim, so never twice even if a handler answered anyway.
  if (needs_no_reply(in.opcode)) e->finish_without_reply(in.unique);
  RingEntry* kept = nullptr;
  if (may_move) {
    kept = t_move.kept ? e : nullptr;
    t_move = MoveCandidate{};
  }
  return group_->after_handler(*this, run, sync_end, kept);
}

void RingQueue::queue_commit(RingEntry* e) {
  if (!e->state.start_commit()) {
    log(LogLevel::err, "uringfuse: %s: commit of an entry that is %s refused", via_.c_str(),
        phase_name(e->state.phase()));
    return;
  }
  kernel_will_see();
  replies_.fetch_add(1, std::memory_order_relaxed);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  // The caller gets ECONNABORTED from the abort; the entry ends with the ring.
  if (dropping_.load(std::memory_order_acquire)) return;
  prep_command(e, abi::UringCmd::COMMIT_AND_FETCH);
}

void RingQueue::push_foreign(RingEntry* e) {
  RingEntry* head = foreign_.load(std::memory_order_relaxed);
  do {
    e->next_foreign = head;
  } while (!foreign_.compare_exchange_weak(head, e, std::memory_order_seq_cst, std::memory_order_relaxed));
  wake_if_asleep();
}

void RingQueue::wake_if_asleep() {
  // A leader that is awake (serving, spinning) finds the hand-over without help. One
  // that sleeps, or may be about to (several rings on one thread wait in epoll:
  // always), gets one eventfd write for everything handed over until it drains;
  // seq_cst with drain_foreign(): a push it misses sees the flag it cleared and
  // writes again.
  if (!sleeping_.load(std::memory_order_seq_cst) && !shares_thread_) return;
  if (!wake_pending_.exchange(true, std::memory_order_seq_cst)) wake();
}

void RingQueue::drain_foreign() {
  wake_pending_.store(false, std::memory_order_seq_cst);
  RingEntry* e = foreign_.exchange(nullptr, std::memory_order_seq_cst);
  while (e) {
    RingEntry* next = e->next_foreign;
    queue_commit(e);
    e = next;
  }
  io_.drain_handovers();
}

void RingQueue::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
}

QueueStats RingQueue::stats() const {
  QueueStats s{qid_, cpu_, requests_.load(), replies_.load(), high_water_.load()};
  if (group_) {
    s.handed_on = group_->handed_on();
    s.leads_stolen = group_->stolen();
    s.threads = group_->threads();
  }
  s.backend_ops = io_.completed();
  s.submitted_at_once = submitted_at_once_.load(std::memory_order_relaxed);
  s.left_to_batch = left_to_batch_.load(std::memory_order_relaxed);
  s.returned_entries = returned_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace uringfuse::detail
