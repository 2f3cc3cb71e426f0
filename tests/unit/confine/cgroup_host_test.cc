// CgroupHost against the real host: detection, worker directories, limit
// files and clean-up. Tests that need a particular version skip with the
// reason detection gave when the host does not offer it.
#include <unistd.h>

#include <iostream>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/confine/cgroup.h"

namespace stockade::supervisor {
namespace {

std::string ReadTrimmed(const std::string& path) {
  StatusOr<std::string> text = ReadSmallFile(path);
  if (!text.ok()) return "<" + text.status().message() + ">";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool HostHasV1Memory() {
  auto view = ProcCgroupView::ReadSelf();
  if (!view.ok()) return false;
  for (const MountEntry& m : view->mounts) {
    if (m.fs_type != "cgroup") continue;
    for (const std::string& o : m.super_options) {
      if (o == "memory") return true;
    }
  }
  return false;
}

TEST(cgroup_host, none_mode_is_empty) {
  StatusOr<CgroupHost> host = CgroupHost::Detect("none");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->version(), "none");
  EXPECT_NE(host->detail().find("disabled by policy"), std::string::npos);
  StatusOr<WorkerCgroup> w = host->CreateWorker("w", {});
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->empty());
  EXPECT_TRUE(w->procs_fds().empty());
  EXPECT_FALSE(w->OomKilled().ok());
}

TEST(cgroup_host, unknown_mode_is_an_error) {
  StatusOr<CgroupHost> host = CgroupHost::Detect("v3");
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.status().message().find("unknown cgroup mode"), std::string::npos);
}

TEST(cgroup_host, auto_never_fails_and_explains) {
  StatusOr<CgroupHost> host = CgroupHost::Detect("auto");
  ASSERT_TRUE(host.ok()) << host.status().message();
  EXPECT_FALSE(host->detail().empty());
  EXPECT_EQ(host->detail().rfind(std::string(host->version() == "none" ? "none: " : "cgroup "), 0), 0u)
      << host->detail();
  std::cout << "cgroup auto: " << host->detail() << "\n";
}

TEST(cgroup_host, forced_v2_fails_with_reason_when_unusable) {
  StatusOr<CgroupHost> host = CgroupHost::Detect("v2");
  if (host.ok()) GTEST_SKIP() << "cgroup v2 is usable here: " << host->detail();
  const std::string msg = host.status().message();
  std::cout << "v2: " << msg << "\n";
  EXPECT_NE(msg.find("cgroup v2"), std::string::npos) << msg;
  EXPECT_NE(msg.find(": "), std::string::npos) << msg;  // a reason follows, never a bare errno
}

TEST(cgroup_host, v1_worker_limits_and_cleanup) {
  if (!HostHasV1Memory()) GTEST_SKIP() << "no cgroup v1 memory hierarchy on this host";
  StatusOr<CgroupHost> host = CgroupHost::Detect("v1");
  if (!host.ok()) GTEST_SKIP() << host.status().message();
  EXPECT_EQ(host->version(), "v1");
  EXPECT_NE(host->detail().find("stockade-" + std::to_string(::getpid())), std::string::npos) << host->detail();

  std::vector<std::string> paths;
  {
    CgroupLimits limits{.memory_bytes = 64 << 20, .pids = 16, .cpu_percent = 50};
    StatusOr<WorkerCgroup> w = host->CreateWorker("limits-test", limits);
    ASSERT_TRUE(w.ok()) << w.status().message();
    paths = w->paths();
    ASSERT_GE(paths.size(), 2u);
    EXPECT_EQ(w->procs_fds().size(), paths.size());
    EXPECT_EQ(ReadTrimmed(paths[0] + "/memory.limit_in_bytes"), std::to_string(64 << 20));
    for (const std::string& p : paths) {
      if (PathExists(p + "/pids.max")) {
        EXPECT_EQ(ReadTrimmed(p + "/pids.max"), "16");
      }
      if (PathExists(p + "/cpu.cfs_quota_us")) {
        EXPECT_EQ(ReadTrimmed(p + "/cpu.cfs_quota_us"), "50000");
        EXPECT_EQ(ReadTrimmed(p + "/cpu.cfs_period_us"), "100000");
      }
    }
    StatusOr<bool> oom = w->OomKilled();
    ASSERT_TRUE(oom.ok()) << oom.status().message();
    EXPECT_FALSE(*oom);
    EXPECT_TRUE(w->MemoryCurrentBytes().ok());
    EXPECT_TRUE(w->MemoryPeakBytes().ok());

    // A second worker with the same name is refused while the first lives.
    EXPECT_FALSE(host->CreateWorker("limits-test", limits).ok());
  }
  for (const std::string& p : paths) EXPECT_FALSE(PathExists(p)) << p;
}

TEST(cgroup_host, host_removes_parent_dirs) {
  std::string worker_path;
  std::string parent_marker = "/stockade-" + std::to_string(::getpid());
  {
    StatusOr<CgroupHost> host = CgroupHost::Detect("auto");
    ASSERT_TRUE(host.ok());
    if (host->version() == "none") GTEST_SKIP() << host->detail();
    StatusOr<WorkerCgroup> w = host->CreateWorker("x", {});
    ASSERT_TRUE(w.ok()) << w.status().message();
    worker_path = w->paths()[0];
  }
  std::string parent = worker_path.substr(0, worker_path.rfind('/'));
  ASSERT_NE(parent.find(parent_marker), std::string::npos) << parent;
  EXPECT_FALSE(PathExists(parent)) << parent;
}

TEST(cgroup_host, v2_worker_limits) {
  StatusOr<CgroupHost> host = CgroupHost::Detect("v2");
  if (!host.ok()) GTEST_SKIP() << "cgroup v2 not usable: " << host.status().message();
  CgroupLimits limits{.memory_bytes = 64 << 20, .pids = 16, .cpu_percent = 50};
  StatusOr<WorkerCgroup> w = host->CreateWorker("limits-test", limits);
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_EQ(w->paths().size(), 1u);
  const std::string dir = w->paths()[0];
  EXPECT_EQ(ReadTrimmed(dir + "/memory.max"), std::to_string(64 << 20));
  EXPECT_EQ(ReadTrimmed(dir + "/pids.max"), "16");
  if (PathExists(dir + "/cpu.max")) {
    EXPECT_EQ(ReadTrimmed(dir + "/cpu.max"), "50000 100000");
  }
  StatusOr<bool> oom = w->OomKilled();
  ASSERT_TRUE(oom.ok()) << oom.status().message();
  EXPECT_FALSE(*oom);
}

TEST(cgroup_host, v2_second_host_works_where_the_first_did) {
  // Run alone in a non-root cgroup (tests/vm/cgroup_v2_suite does), the
  // first host moves this process into <own>/supervisor. The second must
  // see that and work in <own> too, not in the leaf (where it could enable
  // nothing, and would move one level deeper, where nothing is offered).
  StatusOr<CgroupHost> first = CgroupHost::Detect("v2");
  if (!first.ok()) GTEST_SKIP() << "cgroup v2 not usable: " << first.status().message();
  StatusOr<CgroupHost> second = CgroupHost::Detect("v2");
  ASSERT_TRUE(second.ok()) << second.status().message();
  StatusOr<WorkerCgroup> a = first->CreateWorker("first", {.pids = 4});
  StatusOr<WorkerCgroup> b = second->CreateWorker("second", {.pids = 4});
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto grandparent = [](const std::string& p) { return p.substr(0, p.rfind('/', p.rfind('/') - 1)); };
  EXPECT_EQ(grandparent(a->paths()[0]), grandparent(b->paths()[0]));
  EXPECT_EQ(second->detail().find("/supervisor/supervisor"), std::string::npos) << second->detail();
  std::cout << "first: " << first->detail() << "\nsecond: " << second->detail() << "\n";
}

}  // namespace
}  // namespace stockade::supervisor
