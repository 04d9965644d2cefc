// The ring side of coroutine backend I/O (lib/async/io_queue.*) on a real io_uring
// of its own, no FUSE: operations started by the leading thread and handed over from
// others, cancellation by an interrupt before, during and after submission, closing
// with operations in flight, and a race of all of them (TSan runs this too).
#include <fcntl.h>
#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "async/io_queue.hpp"
#include "core/inflight.hpp"
#include "uringfuse/task.hpp"

namespace uringfuse {
namespace {

using namespace std::chrono_literals;

// A ring led by whichever thread calls serve(); every other thread hands over.
class TestRing final : public detail::IoRing {
 public:
  TestRing() { EXPECT_EQ(io_uring_queue_init(256, &ring_, 0), 0); }
  ~TestRing() override { io_uring_queue_exit(&ring_); }

  bool begin_ring_access() noexcept override { return leader_ == std::this_thread::get_id(); }
  void end_ring_access() noexcept override {}
  io_uring_sqe* io_sqe() noexcept override {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }
  void io_handed_over() noexcept override { handed_.fetch_add(1); }

  void lead() { leader_ = std::this_thread::get_id(); }
  // One round as the leader: hand-overs, submit, completions (waiting up to `wait`),
  // then every coroutine that is ready.
  void round(IoQueue& q, std::chrono::milliseconds wait = 5ms) {
    q.drain_handovers();
    io_uring_submit(&ring_);
    __kernel_timespec ts{0, static_cast<long long>(std::chrono::nanoseconds(wait).count())};
    io_uring_cqe* cqe;
    if (io_uring_wait_cqe_timeout(&ring_, &cqe, &ts) == 0) {
      while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
        const auto data = cqe->user_data;
        const int res = cqe->res;
        io_uring_cqe_seen(&ring_, cqe);
        if (IoQueue::is_op(data)) q.complete(data, res);
      }
    }
    while (auto h = q.next_ready()) h.resume();
  }
  std::uint64_t handed() const { return handed_.load(); }

 private:
  io_uring ring_{};
  std::thread::id leader_;
  std::atomic<std::uint64_t> handed_{0};
};

// A request's slot, as a transport takes it (its one reference).
RequestSlot* new_request() {
  static auto pool = detail::SlotPool::make();
  return pool->take();
}
void drop_request(RequestSlot* r) { r->release(); }

// `make` returns the operation (not movable: it is made where it is awaited).
template <class Make>
Task await_one(Make make, int* result, std::atomic<int>* done) {
  *result = co_await make();
  done->fetch_add(1);
}

Task timeout_of(Io io, std::chrono::nanoseconds d, int* result, std::atomic<int>* done) {
  *result = co_await io.timeout(d);
  done->fetch_add(1);
}

Task read_of(Io io, int fd, std::span<std::byte> buf, int* result, std::atomic<int>* done) {
  *result = co_await io.read(fd, buf, 0);
  done->fetch_add(1);
}

void run_until(TestRing& ring, IoQueue& q, const std::atomic<int>& done, int want) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (done.load() < want && std::chrono::steady_clock::now() < give_up) ring.round(q);
  ASSERT_EQ(done.load(), want) << "coroutines never finished";
}

TEST(IoQueue, TheLeaderSubmitsDirectlyAndResumesOnCompletion) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_EQ(::write(pipe_fds[1], "hello", 5), 5);
  std::byte buf[16];
  int got = 0;
  std::atomic<int> done{0};
  read_of(Io(&q, nullptr), pipe_fds[0], buf, &got, &done);
  EXPECT_EQ(done.load(), 0) << "a ring operation completes through the ring";
  EXPECT_EQ(q.in_flight(), 1u);
  run_until(ring, q, done, 1);
  EXPECT_EQ(got, 5);
  EXPECT_EQ(std::memcmp(buf, "hello", 5), 0);
  EXPECT_EQ(ring.handed(), 0u);
  EXPECT_EQ(q.completed(), 1u);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(IoQueue, AnotherThreadHandsItsOperationOver) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  int result = -1;
  std::atomic<int> done{0};
  std::thread([&] { timeout_of(Io(&q, nullptr), 1ms, &result, &done); }).join();
  EXPECT_EQ(ring.handed(), 1u);
  run_until(ring, q, done, 1);
  EXPECT_EQ(result, 0) << "a timeout that ran its course gives 0";
}

TEST(IoQueue, AnInterruptCancelsAnOperationInFlight) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  auto* r = new_request();
  int result = 1;
  std::atomic<int> done{0};
  timeout_of(Io(&q, r), 30s, &result, &done);
  ring.round(q, 1ms);
  EXPECT_EQ(done.load(), 0);
  std::thread([&] { r->interrupt(); }).join();  // as the /dev/fuse reader does
  run_until(ring, q, done, 1);
  EXPECT_EQ(result, -ECANCELED);
  EXPECT_EQ(r->io_ops, nullptr) << "the operation left the request's list";
  drop_request(r);
}

TEST(IoQueue, AnOperationStartedAfterTheInterruptIsCancelledAtOnce) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  auto* r = new_request();
  r->interrupt();
  int result = 1;
  std::atomic<int> done{0};
  timeout_of(Io(&q, r), 30s, &result, &done);
  EXPECT_EQ(done.load(), 1);
  EXPECT_EQ(result, -ECANCELED);
  // Once the reply is out the interrupt means nothing, and close() never is cancelled.
  r->answered = true;
  timeout_of(Io(&q, r), 0ms, &result, &done);
  run_until(ring, q, done, 2);
  EXPECT_EQ(result, 0);
  drop_request(r);
}

TEST(IoQueue, ACancellationThatOvertakesItsHandOverStillCancels) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  auto* r = new_request();
  int result = 1;
  std::atomic<int> done{0};
  // Handed over, then interrupted before the leader saw either: the cancellation is
  // taken with the operation and wins.
  std::thread([&] { timeout_of(Io(&q, r), 30s, &result, &done); }).join();
  r->interrupt();
  run_until(ring, q, done, 1);
  EXPECT_EQ(result, -ECANCELED);
  drop_request(r);
}

TEST(IoQueue, ClosingCancelsWhatIsInFlightAndRefusesNewOperations) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  int a = 1, b = 1, c = 1;
  std::atomic<int> done{0};
  timeout_of(Io(&q, nullptr), 30s, &a, &done);
  std::thread([&] { timeout_of(Io(&q, nullptr), 30s, &b, &done); }).join();  // handed over, not taken yet
  ring.round(q, 1ms);
  q.close();
  run_until(ring, q, done, 2);
  EXPECT_EQ(a, -ECANCELED);
  EXPECT_EQ(b, -ECANCELED);
  EXPECT_EQ(q.in_flight(), 0u);
  timeout_of(Io(&q, nullptr), 30s, &c, &done);
  EXPECT_EQ(done.load(), 3) << "after close an operation completes at once";
  EXPECT_EQ(c, -ECANCELED);
}

TEST(IoQueue, WithoutARingOperationsRunOnTheCallingThread) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  Io io;  // no queue
  EXPECT_FALSE(io.on_ring());
  int sent = 0, got = 0, slept = 1;
  std::atomic<int> done{0};
  const char msg[] = "ping";
  await_one([&] { return io.send(pair[0], std::as_bytes(std::span(msg, 4))); }, &sent, &done);
  std::byte buf[8];
  await_one([&] { return io.recv(pair[1], buf); }, &got, &done);
  timeout_of(io, 1ms, &slept, &done);
  EXPECT_EQ(done.load(), 3);
  EXPECT_EQ(sent, 4);
  EXPECT_EQ(got, 4);
  EXPECT_EQ(slept, 0);
  int closed = 1;
  await_one([&] { return io.close(pair[0]); }, &closed, &done);
  EXPECT_EQ(closed, 0);
  await_one([&] { return io.close(pair[0]); }, &closed, &done);
  EXPECT_EQ(closed, -EBADF);
  ::close(pair[1]);
}

TEST(IoQueue, ASynchronousTimeoutEndsOnAnInterrupt) {
  auto* r = new_request();
  int result = 1;
  std::atomic<int> done{0};
  std::thread waiter([&] { timeout_of(Io(nullptr, r), 30s, &result, &done); });
  std::this_thread::sleep_for(20ms);
  r->interrupt();
  waiter.join();
  EXPECT_EQ(result, -ECANCELED);
  drop_request(r);
}

// Coroutines started from several threads, each awaiting short timeouts in a loop,
// while another thread interrupts their requests at random: every coroutine ends
// exactly once, every operation is accounted for.
Task looping(Io io, int rounds, std::atomic<int>* done, std::atomic<int>* cancelled) {
  for (int i = 0; i < rounds; ++i) {
    int r = co_await io.timeout(std::chrono::microseconds(i % 7 * 20));
    if (r == -ECANCELED) {
      cancelled->fetch_add(1);
      break;
    }
  }
  done->fetch_add(1);
}

TEST(IoQueue, StartsHandOversAndCancellationsRaceCleanly) {
  TestRing ring;
  IoQueue q(ring);
  ring.lead();
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<RequestSlot*> requests;
  for (int i = 0; i < kThreads * kPerThread; ++i) requests.push_back(new_request());
  std::atomic<int> done{0}, cancelled{0};
  std::atomic<bool> starting{true};
  std::vector<std::thread> starters;
  for (int t = 0; t < kThreads; ++t)
    starters.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        looping(Io(&q, requests[t * kPerThread + i]), 40, &done, &cancelled);
        std::this_thread::sleep_for(50us);
      }
    });
  std::thread interrupter([&] {
    std::mt19937 rng(7);
    while (starting.load() || done.load() < kThreads * kPerThread) {
      requests[rng() % requests.size()]->interrupt();
      std::this_thread::sleep_for(100us);
    }
  });
  // The leader serves while the starters run; they finish on their own.
  std::atomic<bool> started{false};
  std::thread joiner([&] {
    for (auto& s : starters) s.join();
    started = true;
  });
  while (!started.load()) ring.round(q, 1ms);
  joiner.join();
  starting = false;
  run_until(ring, q, done, kThreads * kPerThread);
  interrupter.join();
  EXPECT_GT(cancelled.load(), 0) << "the interrupter never hit a waiting coroutine";
  EXPECT_EQ(q.in_flight(), 0u);
  for (auto* r : requests) {
    EXPECT_EQ(r->io_ops, nullptr);
    drop_request(r);
  }
}

}  // namespace
}  // namespace uringfuse
