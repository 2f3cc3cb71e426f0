// The daemon's shutdown and PID-1 duty: SIGTERM drains (no new connections,
// in-flight runs finish and are answered, exit 0, no worker left behind), a
// second SIGTERM stops at once, and as PID 1 of a new PID namespace it reaps
// orphans and still drains cleanly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

std::string Busy(int ms, const std::string& value) {
  return "var t = Date.now(); while (Date.now() - t < " + std::to_string(ms) + ") {} '" + value + "'";
}

// Starts `n` synchronous runs of `code` on their own threads.
std::vector<std::future<Reply>> StartSyncRuns(const Daemon& d, int n, const std::string& code) {
  std::vector<std::future<Reply>> runs;
  for (int i = 0; i < n; ++i) {
    runs.push_back(std::async(std::launch::async, [&d, code] { return Post(d, ExecBody(code, 20000), "", 60s); }));
  }
  return runs;
}

bool WaitBusy(const Daemon& d, std::uint32_t busy, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Reply r = Get(d, "/readyz");
    if (!r.body.empty() && FromJson<api::Readiness>(r.body).busy_workers() >= busy) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

bool ProcessGone(pid_t pid) {
  auto p = ReadProc(pid);
  return !p || p->state == 'Z' || !IsWorker(*p);
}

TEST(DaemonLifecycle, SigtermFinishesInFlightRunsRefusesNewOnesAndExitsZero) {
  auto d = Daemon::Start({.policy_text = "pool { size: 2 max_size: 2 } daemon { drain_timeout_ms: 20000 }",
                          .pool_size = 2});
  ASSERT_TRUE(d);
  auto runs = StartSyncRuns(*d, 2, Busy(1500, "finished"));
  ASSERT_TRUE(WaitBusy(*d, 2));
  const std::vector<pid_t> workers = WorkersOf(d->pid());
  ASSERT_EQ(workers.size(), 2u);

  d->Signal(SIGTERM);
  ASSERT_TRUE(d->WaitForLog("\"event\":\"drain_start\"", 10s)) << d->log();
  // New connections are refused (or, if one slipped in, answered 503).
  const auto deadline = Clock::now() + 10s;
  bool refused = false;
  while (!refused && Clock::now() < deadline) {
    Connection c = Connection::Tcp(d->port());
    if (!c.connected()) {
      refused = true;
      break;
    }
    Reply r = c.Request(http::verb::post, "/v1/executions", ExecBody("1", 5000), "", 10s, false);
    EXPECT_TRUE(r.status == 0 || r.status == 503) << r.status << " " << r.body;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(refused) << "still accepting connections while draining";
  EXPECT_FALSE(std::filesystem::exists(d->unix_path())) << "the Unix socket outlived the drain";

  for (auto& run : runs) {
    Reply r = run.get();
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    const api::Execution e = FromJson<api::Execution>(r.body);
    EXPECT_EQ(e.state(), api::DONE);
    EXPECT_EQ(e.result().status(), api::OK) << r.body;
    EXPECT_EQ(e.result().value_json(), "\"finished\"");
  }
  const std::optional<int> code = d->WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << "daemon still running after the drain\n" << d->log();
  EXPECT_EQ(*code, 0) << d->log();
  for (pid_t w : workers) EXPECT_TRUE(ProcessGone(w)) << "worker " << w << " outlived the daemon";
}

TEST(DaemonLifecycle, ASecondSigtermStopsAtOnce) {
  auto d = Daemon::Start({.policy_text = "pool { size: 1 max_size: 1 } daemon { drain_timeout_ms: 60000 }",
                          .pool_size = 1});
  ASSERT_TRUE(d);
  auto runs = StartSyncRuns(*d, 1, "for (;;) {}");
  ASSERT_TRUE(WaitBusy(*d, 1));
  const std::vector<pid_t> workers = WorkersOf(d->pid());
  d->Signal(SIGTERM);
  ASSERT_TRUE(d->WaitForLog("\"event\":\"drain_start\"", 10s)) << d->log();
  const auto started = Clock::now();
  d->Signal(SIGTERM);
  const std::optional<int> code = d->WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << "a second SIGTERM did not stop the daemon\n" << d->log();
  EXPECT_EQ(*code, 0) << d->log();
  EXPECT_LT(Clock::now() - started, 15s);
  for (pid_t w : workers) EXPECT_TRUE(ProcessGone(w)) << "worker " << w << " outlived the daemon";
  // The waiting client gets an answer or a closed connection, never a hang.
  EXPECT_EQ(runs[0].wait_for(10s), std::future_status::ready);
}

TEST(DaemonLifecycle, TheDrainDeadlineBoundsTheWait) {
  auto d = Daemon::Start({.policy_text = "pool { size: 1 max_size: 1 } daemon { drain_timeout_ms: 500 }",
                          .pool_size = 1});
  ASSERT_TRUE(d);
  auto runs = StartSyncRuns(*d, 1, "for (;;) {}");
  ASSERT_TRUE(WaitBusy(*d, 1));
  d->Signal(SIGTERM);
  const std::optional<int> code = d->WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << "the drain outlived its 500 ms deadline by 15 s\n" << d->log();
  EXPECT_EQ(*code, 0) << d->log();
  // The log reader polls: after the exit, wait for the line, not read at once.
  EXPECT_TRUE(d->WaitForLog("\"event\":\"drain_complete\"", 5s)) << d->log();
  ASSERT_EQ(runs[0].wait_for(10s), std::future_status::ready);
  // The run the deadline cut off still gets its answer: CANCELLED.
  const Reply reply = runs[0].get();
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(FromJson<api::Execution>(reply.body).result().status(), api::CANCELLED) << reply.body;
}

// unshare(1) forks the namespace's PID 1 and waits for it; that PID 1 is our
// init, whose child is the daemon.
std::vector<std::string> UnsharePidPrefix() {
  // sh leaves an orphan (the subshell's sleep) to the namespace's PID 1,
  // then becomes the daemon: the init must reap it.
  return {"unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", "(sleep 0.2 &); exec \"$0\" \"$@\""};
}

TEST(DaemonLifecycle, AsPid1ItReapsOrphansAndDrainsOnSigterm) {
  if (std::system("unshare --pid --fork --mount-proc true >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "cannot create a PID namespace here (unshare --pid --fork --mount-proc failed)";
  }
  auto d = Daemon::Start({.policy_text = "pool { size: 2 max_size: 2 } daemon { drain_timeout_ms: 20000 }",
                          .pool_size = 2,
                          .prefix = UnsharePidPrefix()});
  ASSERT_TRUE(d);
  EXPECT_NE(d->log().find("\"pid1\":true"), std::string::npos) << d->log();
  // d->pid() is unshare; its child is PID 1 inside the namespace.
  std::vector<ProcInfo> init = ChildrenOf(d->pid());
  ASSERT_EQ(init.size(), 1u);
  const pid_t init_pid = init[0].pid;

  auto runs = StartSyncRuns(*d, 2, Busy(1000, "pid1"));
  ASSERT_TRUE(WaitBusy(*d, 2));
  // By now the orphaned sleep has exited: nothing in the namespace is a
  // zombie (workers included).
  const auto deadline = Clock::now() + 10s;
  std::vector<ProcInfo> zombies;
  do {
    zombies.clear();
    bool orphan_alive = false;
    for (const ProcInfo& p : DescendantsOf(d->pid())) {
      if (p.state == 'Z') zombies.push_back(p);
      if (p.state != 'Z' && p.exe.size() >= 6 && p.exe.compare(p.exe.size() - 6, 6, "/sleep") == 0) {
        orphan_alive = true;
      }
    }
    if (orphan_alive) zombies.push_back(ProcInfo{});  // not yet: look again
    if (!zombies.empty()) std::this_thread::sleep_for(50ms);
  } while (!zombies.empty() && Clock::now() < deadline);
  for (const ProcInfo& z : zombies) ADD_FAILURE() << "zombie " << z.pid << " (parent " << z.ppid << ")";

  ::kill(init_pid, SIGTERM);
  for (auto& run : runs) {
    Reply r = run.get();
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_EQ(FromJson<api::Execution>(r.body).result().value_json(), "\"pid1\"") << r.body;
  }
  const std::optional<int> code = d->WaitExit(30s);
  ASSERT_TRUE(code.has_value()) << "PID 1 did not exit after SIGTERM\n" << d->log();
  EXPECT_EQ(*code, 0) << d->log();
  EXPECT_TRUE(DescendantsOf(d->pid()).empty());
}

}  // namespace
}  // namespace stockade::testing
