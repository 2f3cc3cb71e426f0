// The pool with real workers: warm-up, recycling, crashes, queueing,
// cancellation and concurrency.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

using namespace std::chrono_literals;
using supervisor::WorkerProcess;

pid_t BusyWorkerPid(supervisor::Supervisor& sup) {
  for (int i = 0; i < 2000; ++i) {
    for (const auto& w : sup.Stats().workers) {
      if (w.state == WorkerProcess::State::kBusy) return w.pid;
    }
    std::this_thread::sleep_for(1ms);
  }
  return -1;
}

TEST(Pool, WarmsUpToItsSize) {
  auto sup = StartSupervisor(TestPolicy(4));
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  supervisor::PoolStats s = sup->Stats();
  EXPECT_EQ(s.idle, 4u);
  EXPECT_EQ(s.spawned, 4u);
  EXPECT_EQ(s.workers.size(), 4u);
  EXPECT_GT(s.last_spawn_us, 0u);
}

TEST(Pool, RecyclesAfterMaxExecutionsAndStaysFull) {
  policy::Policy p = TestPolicy(1);
  p.mutable_recycle()->set_max_executions(3);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  std::set<std::uint64_t> workers;
  for (int i = 0; i < 9; ++i) {
    api::ExecutionResult r = sup->Run(Code("1"));
    ASSERT_EQ(r.status(), api::OK) << r.detail();
    workers.insert(r.worker_id());
  }
  EXPECT_EQ(workers.size(), 3u);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  EXPECT_GE(sup->Stats().recycles["max_executions"], 3u);
}

TEST(Pool, WorkerKilledMidRunIsReportedAndReplaced) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  auto fut = std::async(std::launch::async, [&] { return sup->Run(Code("while (true) {}", 20000)); });
  const pid_t pid = BusyWorkerPid(*sup);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  api::ExecutionResult r = fut.get();
  EXPECT_EQ(r.status(), api::WORKER_CRASHED) << r.detail();
  EXPECT_EQ(r.signal(), SIGKILL);
  EXPECT_FALSE(r.session_usable());
  api::ExecutionResult after = sup->Run(Code("'recovered'"));
  EXPECT_EQ(after.status(), api::OK);
  EXPECT_NE(after.worker_id(), r.worker_id());
  EXPECT_EQ(sup->Stats().recycles["died"], 1u);
}

TEST(Pool, FullQueueIsRejectedWithARetryHint) {
  policy::Policy p = TestPolicy(1);
  p.mutable_pool()->set_queue_capacity(2);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  std::vector<std::future<api::ExecutionResult>> running;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto promise = std::make_shared<std::promise<api::ExecutionResult>>();
    running.push_back(promise->get_future());
    ids.push_back(sup->Submit(Code("while (true) {}", 3000), {},
                              [promise](api::ExecutionResult r) { promise->set_value(std::move(r)); }));
  }
  std::this_thread::sleep_for(100ms);
  api::ExecutionResult rejected = sup->Run(Code("1"));
  EXPECT_EQ(rejected.status(), api::QUEUE_FULL);
  EXPECT_GT(rejected.retry_after_ms(), 0u);
  for (std::uint64_t id : ids) EXPECT_TRUE(sup->Cancel(id));
  int cancelled = 0;
  for (auto& f : running) cancelled += f.get().status() == api::CANCELLED;
  EXPECT_EQ(cancelled, 3);
  EXPECT_EQ(sup->Run(Code("2")).value_json(), "2");
}

TEST(Pool, QueueDeadlineAnswersInsteadOfWaitingForever) {
  policy::Policy p = TestPolicy(1);
  p.mutable_pool()->set_queue_deadline_ms(100);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  auto busy = std::async(std::launch::async, [&] { return sup->Run(Code("while (true) {}", 1000)); });
  std::this_thread::sleep_for(50ms);
  api::ExecutionResult r = sup->Run(Code("1"));
  EXPECT_EQ(r.status(), api::QUEUE_FULL);
  EXPECT_NE(r.detail().find("deadline"), std::string::npos);
  EXPECT_EQ(busy.get().status(), api::TIMEOUT);
}

TEST(Pool, ConcurrentCallersAllGetTheirOwnAnswers) {
  auto sup = StartSupervisor(TestPolicy(3));
  ASSERT_TRUE(sup);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const int v = t * 1000 + i;
        api::ExecutionResult r = sup->Run(Code("console.log('x'); " + std::to_string(v) + " * 2"));
        if (r.status() == api::OK && r.value_json() == std::to_string(v * 2) && r.console_size() == 1) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST(Pool, ShutdownWithWorkRunningAnswersEveryone) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  auto promise = std::make_shared<std::promise<api::ExecutionResult>>();
  auto fut = promise->get_future();
  sup->Submit(Code("while (true) {}", 20000), {},
              [promise](api::ExecutionResult r) { promise->set_value(std::move(r)); });
  ASSERT_GT(BusyWorkerPid(*sup), 0);
  sup.reset();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(fut.get().status(), api::CANCELLED);
}

}  // namespace
}  // namespace stockade::testing

namespace stockade::testing {
namespace {

TEST(Pool, AWorkerThatDiesWhileIdleIsReplacedBeforeItIsUsed) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  const pid_t pid = sup->Stats().workers.at(0).pid;
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // The replacement comes up on its own; no request is sacrificed to find out.
  for (int i = 0; i < 500 && sup->Stats().recycles["died"] == 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(sup->Stats().recycles["died"], 1u);
  api::ExecutionResult r = sup->Run(Code("'fine'"));
  EXPECT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(sup->Stats().outcomes["WORKER_CRASHED"], 0u);
}

}  // namespace
}  // namespace stockade::testing

namespace stockade::testing {
namespace {

TEST(Pool, RunsWithoutCgroupsWhenToldAndSaysSo) {
  policy::Policy p = TestPolicy(1);
  p.mutable_cgroup()->set_mode("none");
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  EXPECT_EQ(sup->confinement().cgroup(), "none");
  EXPECT_FALSE(sup->confinement().cgroup_detail().empty());
  EXPECT_TRUE(sup->confinement().seccomp());
  EXPECT_EQ(sup->Run(Code("1+2")).value_json(), "3");
}

}  // namespace
}  // namespace stockade::testing

namespace stockade::testing {
namespace {

TEST(Pool, AWorkerBinaryThatCannotStartIsAnInternalErrorNotAHang) {
  auto sup = StartSupervisor(TestPolicy(2), "/bin/false");
  ASSERT_TRUE(sup);
  api::ExecutionResult r = sup->Run(Code("1"));
  EXPECT_EQ(r.status(), api::INTERNAL);
  EXPECT_NE(r.detail().find("no worker can be started"), std::string::npos) << r.detail();
  EXPECT_GE(sup->Stats().spawn_failures, 2u);
}

}  // namespace
}  // namespace stockade::testing

namespace stockade::testing {
namespace {

TEST(Pool, GrowsUnderLoadAndShrinksWhenIdle) {
  policy::Policy p = TestPolicy(1);
  p.mutable_pool()->set_max_size(3);
  p.mutable_pool()->set_shrink_idle_ms(200);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  std::vector<std::future<api::ExecutionResult>> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(std::async(std::launch::async, [&] {
      // Long enough that the extra workers are up before the first is free,
      // even on a loaded machine.
      return sup->Run(Code("var t = Date.now(); while (Date.now() - t < 1500) {} 1"));
    }));
  }
  std::set<std::uint64_t> workers;
  for (auto& r : runs) {
    api::ExecutionResult res = r.get();
    EXPECT_EQ(res.status(), api::OK) << res.detail();
    workers.insert(res.worker_id());
  }
  EXPECT_EQ(workers.size(), 3u);  // two extra workers were started
  // Retiring is asynchronous (the worker is stopped and reaped after the
  // shrink is counted), so wait for both; the bound only guards a hang.
  for (int i = 0; i < 4000 && (sup->Stats().recycles["shrink"] < 2 || sup->Stats().workers.size() > 1); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(sup->Stats().recycles["shrink"], 2u);
  EXPECT_EQ(sup->Stats().workers.size(), 1u);
}

TEST(Pool, HeartbeatsKeepIdleWorkersHonest) {
  policy::Policy p = TestPolicy(1);
  p.mutable_recycle()->set_heartbeat_ms(20);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  std::this_thread::sleep_for(200ms);  // several heartbeats
  EXPECT_EQ(sup->Stats().recycles.count("unresponsive"), 0u);
  // A worker stopped (SIGSTOP) cannot answer: it is replaced.
  const pid_t pid = sup->Stats().workers.at(0).pid;
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  for (int i = 0; i < 1000 && sup->Stats().recycles["unresponsive"] == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(sup->Stats().recycles["unresponsive"], 1u);
  EXPECT_EQ(sup->Run(Code("'alive'")).value_json(), "\"alive\"");
}

TEST(Pool, AWorkerOverItsResidentMemoryBoundIsReplacedAtItsHeartbeat) {
  // The bound sits below any worker's resident size, so the first heartbeat
  // must find it over: this checks that the supervisor reads the kernel's
  // figure (/proc/<pid>/statm) and acts on it.
  policy::Policy p = TestPolicy(1);
  p.mutable_recycle()->set_heartbeat_ms(20);
  p.mutable_recycle()->set_max_rss_bytes(256u << 10);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  for (int i = 0; i < 1000 && sup->Stats().recycles["memory_growth"] == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_GE(sup->Stats().recycles["memory_growth"], 1u);
  EXPECT_EQ(sup->Run(Code("2+2")).value_json(), "4");
}

TEST(Pool, UnderLoadAWorkerOverItsResidentMemoryBoundIsReplacedAfterTheRun) {
  // No heartbeats (a busy worker never idles long enough for one): the
  // check after a run must catch it. The bound sits below any worker's
  // resident size and the run's heap peaks past a quarter of it, so the
  // check is due after the first run and must find the worker over.
  policy::Policy p = TestPolicy(1);
  p.mutable_recycle()->set_heartbeat_ms(0);
  p.mutable_recycle()->set_max_rss_bytes(256u << 10);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  ASSERT_TRUE(sup->WaitUntilIdle(5s));
  EXPECT_EQ(sup->Stats().recycles["memory_growth"], 0u);
  api::ExecutionResult r = sup->Run(Code("var a = []; for (var i = 0; i < 1000; i++) a.push({i: i}); a.length"));
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  for (int i = 0; i < 1000 && sup->Stats().recycles["memory_growth"] == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(sup->Stats().recycles["memory_growth"], 1u);
  EXPECT_EQ(sup->Run(Code("2+2")).value_json(), "4");
}

}  // namespace
}  // namespace stockade::testing
