// Running a blocking call on another thread from a coroutine.
//
// Spawning a worker blocks its calling thread until the child has exec'd
// (a vfork-style clone), and on cgroup v1 the child's first cgroup
// migration can hold it ~10 ms for an RCU grace period. None of that may
// stall the io_context thread that serves every other worker, so spawns run
// on a dedicated thread and the coroutine resumes on its own executor with
// the result.
#pragma once

#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace stockade::supervisor {

template <typename T, typename F>
boost::asio::awaitable<T> RunOffThread(boost::asio::thread_pool& pool, F fn) {
  // GCC 12 destroys a coroutine's by-value parameters twice when they have
  // non-trivial destructors (STYLE.md rule 12): capture pointers, not owners.
  static_assert(std::is_trivially_destructible_v<F>, "capture only pointers and scalars");
  namespace asio = boost::asio;
  auto initiate = [&pool, fn = std::move(fn)](auto handler) mutable {
    asio::post(pool, [fn = std::move(fn), handler = std::move(handler)]() mutable {
      T result = fn();
      auto ex = asio::get_associated_executor(handler);
      asio::post(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
        std::move(handler)(std::move(result));
      });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      std::move(initiate), asio::use_awaitable);
}

}  // namespace stockade::supervisor
