// /metrics moves with what the daemon did: scrape, do known things over the
// API (runs of each outcome, rejections, a policy violation with the hostile
// worker), scrape again and compare the counters.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

double Delta(const std::string& before, const std::string& after, const std::string& series) {
  return MetricValue(after, series) - MetricValue(before, series);
}

TEST(DaemonMetrics, CountersMoveWithOutcomesAndRejections) {
  auto d = Daemon::Start({.policy_text = "pool { size: 1 max_size: 1 }", .pool_size = 1});
  ASSERT_TRUE(d);
  ASSERT_TRUE(WaitPoolSize(*d, 1));
  const std::string before = Scrape(*d);
  EXPECT_GE(MetricValue(before, "stockade_worker_spawn_seconds_count"), 1) << before;
  EXPECT_EQ(MetricValue(before, "stockade_workers{state=\"idle\"}"), 1) << before;

  for (int i = 0; i < 3; ++i) ASSERT_EQ(Post(*d, ExecBody("1", 5000)).status, 200);
  ASSERT_EQ(Post(*d, ExecBody("throw new Error('x')", 5000)).status, 200);
  ASSERT_EQ(Post(*d, ExecBody("for (;;) {}", 200)).status, 200);       // TIMEOUT, then a recycle
  ASSERT_EQ(Post(*d, "{\"code\": ").status, 400);                       // invalid_request
  ASSERT_EQ(Post(*d, ExecBody(std::string(200 * 1024, ' '))).status, 413);  // code_too_large
  ASSERT_TRUE(WaitPoolSize(*d, 1));
  const std::string after = Scrape(*d);

  EXPECT_EQ(Delta(before, after, "stockade_executions_total{status=\"OK\"}"), 3) << after;
  EXPECT_EQ(Delta(before, after, "stockade_executions_total{status=\"RUNTIME_ERROR\"}"), 1) << after;
  EXPECT_EQ(Delta(before, after, "stockade_executions_total{status=\"TIMEOUT\"}"), 1) << after;
  EXPECT_EQ(Delta(before, after, "stockade_run_seconds_count"), 5) << after;
  EXPECT_EQ(Delta(before, after, "stockade_queue_wait_seconds_count"), 5) << after;
  EXPECT_GT(Delta(before, after, "stockade_run_seconds_sum"), 0.15) << after;  // the 200 ms timeout
  EXPECT_EQ(Delta(before, after, "stockade_worker_recycles_total{reason=\"limit_trip\"}"), 1) << after;
  EXPECT_GE(Delta(before, after, "stockade_worker_spawn_seconds_count"), 1) << after;
  EXPECT_EQ(Delta(before, after, "stockade_rejections_total{reason=\"invalid_request\"}"), 1) << after;
  EXPECT_EQ(Delta(before, after, "stockade_rejections_total{reason=\"code_too_large\"}"), 1) << after;
  EXPECT_EQ(MetricValue(after, "stockade_queue_depth"), 0) << after;
  EXPECT_EQ(MetricSum(after, "stockade_workers"), 1) << after;
}

TEST(DaemonMetrics, QueueFullAndQueueDepthAreVisible) {
  auto d = Daemon::Start({.policy_text = "pool { size: 1 max_size: 1 queue_capacity: 1 }", .pool_size = 1});
  ASSERT_TRUE(d);
  ASSERT_TRUE(WaitPoolSize(*d, 1));
  const std::string before = Scrape(*d);
  Reply running = Post(*d, ExecBody("for (;;) {}", 20000, false));
  ASSERT_EQ(running.status, 202);
  const std::string running_id = FromJson<api::Execution>(running.body).id();
  ASSERT_TRUE(WaitRunning(*d, running_id));
  Reply queued = Post(*d, ExecBody("1", 5000, false));
  ASSERT_EQ(queued.status, 202);
  ASSERT_EQ(Post(*d, ExecBody("2", 5000)).status, 429);
  const std::string during = Scrape(*d);
  EXPECT_EQ(MetricValue(during, "stockade_queue_depth"), 1) << during;
  EXPECT_EQ(MetricValue(during, "stockade_workers{state=\"busy\"}"), 1) << during;
  EXPECT_EQ(Delta(before, during, "stockade_rejections_total{reason=\"queue_full\"}"), 1) << during;
  ASSERT_EQ(Delete(*d, "/v1/executions/" + running_id).status, 200);
  EXPECT_EQ(WaitDone(*d, FromJson<api::Execution>(queued.body).id()).result().status(), api::OK);
  const std::string after = Scrape(*d);
  EXPECT_EQ(Delta(before, after, "stockade_executions_total{status=\"CANCELLED\"}"), 1) << after;
  EXPECT_EQ(MetricValue(after, "stockade_queue_depth"), 0) << after;
}

TEST(DaemonMetrics, PolicyViolationsAreCountedBySyscall) {
  auto d = Daemon::Start({.pool_size = 1, .worker = std::string(STOCKADE_BIN_DIR) + "/stockade-worker-hostile"});
  ASSERT_TRUE(d);
  ASSERT_TRUE(WaitPoolSize(*d, 1));
  const std::string before = Scrape(*d);
  Reply r = Post(*d, ExecBody("hostile.syscall('socket')", 5000));
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  const api::Execution e = FromJson<api::Execution>(r.body);
  EXPECT_EQ(e.result().status(), api::POLICY_VIOLATION) << r.body;
  EXPECT_EQ(e.result().violation_syscall(), "socket") << r.body;
  ASSERT_TRUE(WaitPoolSize(*d, 1));
  const std::string after = Scrape(*d);
  EXPECT_EQ(Delta(before, after, "stockade_policy_violations_total{syscall=\"socket\"}"), 1) << after;
  EXPECT_EQ(Delta(before, after, "stockade_executions_total{status=\"POLICY_VIOLATION\"}"), 1) << after;
  EXPECT_GE(MetricSum(after, "stockade_worker_recycles_total") - MetricSum(before, "stockade_worker_recycles_total"),
            1)
      << after;
}

}  // namespace
}  // namespace stockade::testing
