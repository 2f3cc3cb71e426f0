// A supervisor killed with SIGKILL leaves its stockade-<pid> cgroups
// behind; the next start removes them (supervisor/confine/cgroup_stale.h). Played
// with fake leftovers: the parents of a reaped child, with a worker cgroup
// in one, in every hierarchy where our own parent is made, next to a live
// process's parent and a name that is not ours, which must both stay.
// Skips where this host gives us no cgroups.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/confine/cgroup.h"
#include "supervisor/confine/cgroup_stale.h"
#include "tests/integration/process_support.h"

namespace stockade::supervisor {
namespace {

std::string Parent(const std::string& path) { return path.substr(0, path.rfind('/')); }

// A pid that is gone: a child that exited and was reaped.
pid_t DeadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

class CgroupStale : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<CgroupHost> host = CgroupHost::Detect("auto");
    ASSERT_TRUE(host.ok()) << host.status().message();
    if (host->version() == "none") GTEST_SKIP() << "no cgroups for us here: " << host->detail();
    host_.emplace(std::move(host).value());
    // Where our parents are: above the parent of a worker cgroup.
    StatusOr<WorkerCgroup> probe = host_->CreateWorker("stale-probe", {});
    ASSERT_TRUE(probe.ok()) << probe.status().message();
    for (const std::string& p : probe->paths()) dirs_.push_back(Parent(Parent(p)));
    live_ = ::fork();
    ASSERT_GE(live_, 0);
    if (live_ == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  void TearDown() override {
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) ::rmdir(it->c_str());
    if (live_ > 0) {
      ::kill(live_, SIGKILL);
      ::waitpid(live_, nullptr, 0);
    }
  }
  // mkdir in a cgroup file system makes a cgroup; removed in TearDown if
  // the test did not expect it gone.
  void Make(const std::string& path) {
    ASSERT_EQ(::mkdir(path.c_str(), 0755), 0) << path << ": " << std::strerror(errno);
    made_.push_back(path);
  }

  std::optional<CgroupHost> host_;
  std::vector<std::string> dirs_;
  std::vector<std::string> made_;
  pid_t live_ = -1;
};

TEST_F(CgroupStale, AStartRemovesTheCgroupsOfADeadSupervisorAndNothingElse) {
  const pid_t dead = DeadPid();
  std::vector<std::string> stale, kept;
  for (const std::string& dir : dirs_) {
    const std::string first = dir + "/" + CgroupParentName(dead, 0);
    Make(first);
    Make(first + "/w1");
    Make(dir + "/" + CgroupParentName(dead, 1));
    Make(dir + "/" + CgroupParentName(live_, 0));
    Make(dir + "/" + CgroupParentName(dead, 0) + "x");
    stale.insert(stale.end(), {first, first + "/w1", dir + "/" + CgroupParentName(dead, 1)});
    kept.insert(kept.end(), {dir + "/" + CgroupParentName(live_, 0), dir + "/" + CgroupParentName(dead, 0) + "x",
                             dir + "/" + CgroupParentName(::getpid(), 0)});
  }
  // A second host in this process starts as a supervisor's does.
  StatusOr<CgroupHost> second = CgroupHost::Detect("auto");
  ASSERT_TRUE(second.ok()) << second.status().message();
  for (const std::string& p : stale) EXPECT_FALSE(PathExists(p)) << p << " was left";
  for (const std::string& p : kept) EXPECT_TRUE(PathExists(p)) << p << " was removed";
}

TEST_F(CgroupStale, StockadeRunRemovesThemAndSaysHowMany) {
  const pid_t dead = DeadPid();
  std::vector<std::string> stale;
  for (const std::string& dir : dirs_) {
    const std::string parent = dir + "/" + CgroupParentName(dead, 0);
    Make(parent);
    Make(parent + "/w3");
    stale.push_back(parent);
  }
  const testing::ShellOutput o = testing::RunShell("echo 1+1 | " + std::string(STOCKADE_BIN_DIR) +
                                                   "/stockade run --log-level info - 2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  for (const std::string& p : stale) EXPECT_FALSE(PathExists(p)) << p << " was left\n" << o.out;
  // Another test's start may have swept them first; then this one has
  // nothing to say, so the line is only checked for its shape.
  const std::size_t at = o.out.find("\"event\":\"stale_cgroups_removed\"");
  if (at != std::string::npos) {
    EXPECT_NE(o.out.find("\"count\":", at), std::string::npos) << o.out;
  }
}

}  // namespace
}  // namespace stockade::supervisor
