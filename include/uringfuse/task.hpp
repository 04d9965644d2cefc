// Coroutine types for asynchronous handlers (doc/async.md).
//
// Task: what a handler's coroutine returns. It starts at once, inside the handler
// call, runs until its first co_await that has to wait, and then the handler call
// returns; the coroutine finishes later, on the ring thread that completes its I/O.
// Nobody awaits a Task: the frame frees itself when the coroutine ends. An exception
// escaping it is logged, and the reply objects in its frame, destroyed unanswered,
// answer EIO, as for a handler that throws.
//
// Async<T>: a coroutine that returns a T to the coroutine that co_awaits it, for
// helpers shared by several handlers. It starts when awaited and resumes its caller
// when done (symmetric transfer: no stack growth through a chain of them).
#pragma once

#include "uringfuse/cxx_standard.hpp"

#include <coroutine>
#include <exception>
#include <utility>
#include <variant>

namespace uringfuse {

class Task {
 public:
  struct promise_type {
    Task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept;  // logs it
  };
};

template <class T = void>
class Async;

// The building blocks of Async's promise type; a compiler needs them in the header,
// a filesystem never names them.
namespace async_machinery {

// The continuation each Async resumes when it finishes.
struct FinalAwaiter {
  bool await_ready() noexcept { return false; }
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> done) noexcept {
    auto next = done.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() noexcept {}
};

template <class T>
struct ResultSlot {
  std::variant<std::monostate, T, std::exception_ptr> result;
  template <class U>
  void return_value(U&& value) {
    result.template emplace<1>(std::forward<U>(value));
  }
  T take() {
    if (auto* e = std::get_if<2>(&result)) std::rethrow_exception(*e);
    return std::move(std::get<1>(result));
  }
  void fail(std::exception_ptr e) { result.template emplace<2>(std::move(e)); }
};

template <>
struct ResultSlot<void> {
  std::exception_ptr error;
  void return_void() noexcept {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
  void fail(std::exception_ptr e) { error = std::move(e); }
};

}  // namespace async_machinery

template <class T>
class Async {
 public:
  struct promise_type : async_machinery::ResultSlot<T> {
    std::coroutine_handle<> continuation;
    Async get_return_object() noexcept {
      return Async(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    async_machinery::FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { this->fail(std::current_exception()); }
  };

  Async(Async&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Async& operator=(Async&&) = delete;
  ~Async() {
    if (handle_) handle_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    handle_.promise().continuation = caller;
    return handle_;
  }
  T await_resume() { return handle_.promise().take(); }

 private:
  explicit Async(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

}  // namespace uringfuse
