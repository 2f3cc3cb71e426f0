// Spawn + WorkerCgroup together: the child joins its worker cgroup before
// exec, the limits hold (memory and pids), and an OOM kill is visible to the
// supervisor. On this project's CI hosts they run against cgroup v1, and in
// a cgroup v2 VM (tests/vm/cgroup_v2_suite) against v2.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/confine/cgroup.h"
#include "supervisor/confine/spawn.h"
#include "tests/integration/process_support.h"

namespace stockade::supervisor {
namespace {

using stockade::testing::Slurp;
using stockade::testing::StdioPipes;

// `executable` with `argv`, on the test's pipes, joining `cg` through its
// cgroup.procs descriptors.
SpawnSpec JoinSpec(const WorkerCgroup& cg, const StdioPipes& io, std::string executable,
                   std::vector<std::string> argv) {
  SpawnSpec spec;
  spec.executable = std::move(executable);
  spec.argv = std::move(argv);
  spec.stdin_fd = io.in_r.get();
  spec.stdout_fd = io.out_w.get();
  spec.cgroup_procs_fds = cg.procs_fds();
  return spec;
}

class spawn_cgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<CgroupHost> host = CgroupHost::Detect("auto");
    ASSERT_TRUE(host.ok()) << host.status().message();
    if (host->version() == "none") GTEST_SKIP() << host->detail();
    host_.emplace(std::move(host).value());
  }
  std::optional<CgroupHost> host_;
};

TEST_F(spawn_cgroup, child_joins_worker_cgroup_before_exec) {
  CgroupLimits limits{.memory_bytes = 128 << 20, .pids = 8, .cpu_percent = 100};
  StatusOr<WorkerCgroup> cg = host_->CreateWorker("join-test", limits);
  ASSERT_TRUE(cg.ok()) << cg.status().message();
  std::vector<std::string> paths = cg->paths();
  {
    StdioPipes io;
    StatusOr<ChildProcess> child = Spawn(JoinSpec(*cg, io, "/bin/sleep", {"sleep", "30"}));
    ASSERT_TRUE(child.ok()) << child.status().message();
    const std::string pid = std::to_string(child->pid());

    // Listed in every directory's cgroup.procs ...
    for (const std::string& p : paths) {
      EXPECT_NE(("\n" + Slurp(p + "/cgroup.procs")).find("\n" + pid + "\n"), std::string::npos) << p;
    }
    // ... and /proc/<pid>/cgroup names the worker cgroup for memory and pids.
    const std::string own = Slurp("/proc/" + pid + "/cgroup");
    // (stockade-<pid>, or stockade-<pid>-<n> for a later host in this
    // process, e.g. under --gtest_repeat.)
    const std::string parent = "/stockade-" + std::to_string(::getpid());
    size_t hits = 0;
    std::istringstream lines(own);
    for (std::string line; std::getline(lines, line);) {
      const bool leaf = line.size() >= 10 && line.compare(line.size() - 10, 10, "/join-test") == 0;
      if (leaf && line.find(parent) != std::string::npos) ++hits;
    }
    EXPECT_GE(hits, host_->version() == "v1" ? 2u : 1u) << own;
    // Still fine after the child is gone; then the directories can go.
  }
  StatusOr<bool> oom = cg->OomKilled();
  ASSERT_TRUE(oom.ok()) << oom.status().message();
  EXPECT_FALSE(*oom);
  EXPECT_TRUE(cg->Remove().ok());
  for (const std::string& p : paths) EXPECT_FALSE(PathExists(p)) << p;
}

TEST_F(spawn_cgroup, destroying_cgroup_with_live_member_kills_it) {
  StatusOr<WorkerCgroup> cg = host_->CreateWorker("busy-test", {});
  ASSERT_TRUE(cg.ok()) << cg.status().message();
  StdioPipes io;
  StatusOr<ChildProcess> child = Spawn(JoinSpec(*cg, io, "/bin/sleep", {"sleep", "30"}));
  ASSERT_TRUE(child.ok()) << child.status().message();
  // Wrong order on purpose (the pool reaps first): removal must still work.
  std::vector<std::string> paths = cg->paths();
  EXPECT_TRUE(cg->Remove().ok());
  for (const std::string& p : paths) EXPECT_FALSE(PathExists(p)) << p;
  StatusOr<ExitInfo> exit = child->Reap();
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->signal, SIGKILL) << exit->describe();
}

TEST_F(spawn_cgroup, memory_bomb_is_oom_killed_and_reported) {
  // tests/testcases/memory_hog.cc: writes every page it maps, so each one
  // is really charged; it exits 3 if nothing stops it by 1 GiB.
  const std::string hog = std::string(STOCKADE_BIN_DIR) + "/stockade-memory-hog";
  StatusOr<WorkerCgroup> cg = host_->CreateWorker("oom-test", {.memory_bytes = 48 << 20, .pids = 8});
  ASSERT_TRUE(cg.ok()) << cg.status().message();
  StdioPipes io;
  SpawnSpec spec = JoinSpec(*cg, io, hog, {"stockade-memory-hog", "1024"});
  spec.rlimits.cpu_seconds = 20;  // a safety net only
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_TRUE(child.ok()) << child.status().message();
  StatusOr<ExitInfo> exit = child->Reap();
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->signal, SIGKILL) << exit->describe();
  StatusOr<bool> oom = cg->OomKilled();
  ASSERT_TRUE(oom.ok()) << oom.status().message();
  EXPECT_TRUE(*oom);
  StatusOr<uint64_t> peak = cg->MemoryPeakBytes();
  if (peak.ok()) {
    EXPECT_GT(*peak, uint64_t{16} << 20);
    EXPECT_LE(*peak, uint64_t{48} << 20);
  }
}

TEST_F(spawn_cgroup, fork_bomb_stops_at_pids_max) {
  // tests/testcases/fork_bomb.cc: forks until refused, prints "<forks>
  // <errno>", exits 3 if nothing refuses it by 512. The test keeps its uid
  // (root here), so RLIMIT_NPROC cannot be what stops it: only pids.max.
  const std::string bomb = std::string(STOCKADE_BIN_DIR) + "/stockade-fork-bomb";
  StatusOr<WorkerCgroup> cg = host_->CreateWorker("pids-test", {.pids = 8});
  ASSERT_TRUE(cg.ok()) << cg.status().message();
  StdioPipes io;
  SpawnSpec spec = JoinSpec(*cg, io, bomb, {"stockade-fork-bomb", "512"});
  spec.rlimits.cpu_seconds = 20;  // a safety net only
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_TRUE(child.ok()) << child.status().message();
  const std::string out = io.ReadAll();  // EOF once the bomb and its children are gone
  StatusOr<ExitInfo> exit = child->Reap();
  ASSERT_TRUE(exit.ok());
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->describe() << "; printed " << out;
  int forks = -1, err = -1;
  ASSERT_EQ(std::sscanf(out.c_str(), "%d %d", &forks, &err), 2) << out;
  // pids.max counts the bomb itself: seven children fit, the eighth fork is
  // refused with EAGAIN.
  EXPECT_EQ(forks, 7) << out;
  EXPECT_EQ(err, EAGAIN) << out;
  // The kernel counted the refusal where the limit is (pids.events: "max N").
  long refusals = 0;
  for (const std::string& p : cg->paths()) {
    if (!PathExists(p + "/pids.events")) continue;
    const std::string events = Slurp(p + "/pids.events");
    const size_t at = events.find("max ");
    ASSERT_NE(at, std::string::npos) << events;
    refusals = std::atol(events.c_str() + at + 4);
  }
  EXPECT_GE(refusals, 1) << "pids.events counted no refusal";
}

}  // namespace
}  // namespace stockade::supervisor
