// Spawn on cgroup v2: the child is created in its worker cgroup with
// clone3(CLONE_INTO_CGROUP) and never joins through cgroup.procs; a cgroup
// that refuses the child (pids.max reached, not a leaf) fails the spawn
// with the cgroup named, never a namespace, and leaves nothing behind; a
// host that refuses clone3 itself (ENOSYS as Docker's profile answers, E2BIG
// as a kernel older than 5.7, EPERM as older profiles did) still gets its
// child into the cgroup, through cgroup.procs, with every namespace kept.
//
// cgroup v2 only: on a v1 host every test skips (scripts/vm-test runs them
// in a cgroup v2 VM). The refusing profiles are installed in forked
// children, never in the test process.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/confine/cgroup.h"
#include "supervisor/confine/clone3.h"
#include "supervisor/confine/spawn.h"
#include "tests/integration/host_profile.h"
#include "tests/integration/process_support.h"

namespace stockade::supervisor {
namespace {

using stockade::testing::InChild;
using stockade::testing::Slurp;
using stockade::testing::StdioPipes;

#if defined(__x86_64__)
constexpr unsigned kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kAuditArch = AUDIT_ARCH_AARCH64;
#else
constexpr unsigned kAuditArch = 0;
#endif

// In a forked child only: clone3 fails with `error`, everything else is
// allowed. Exits 90 if the filter cannot be loaded.
void RefuseClone3With(int error) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(error) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    _exit(90);
  }
}

// Whether `own`, a child's /proc/self/cgroup ("0::/<path>\n"), names the
// cgroup directory `dir` (the path is relative to the cgroup2 mount).
bool Names(const std::string& own, const std::string& dir) {
  if (own.rfind("0::/", 0) != 0 || own.back() != '\n' || own.find('\n') != own.size() - 1) return false;
  const std::string path = own.substr(3, own.size() - 4);
  return path != "/" && dir.size() > path.size() && dir.compare(dir.size() - path.size(), path.size(), path) == 0;
}

bool Lists(const std::string& procs_file, pid_t pid) {
  return ("\n" + Slurp(procs_file)).find("\n" + std::to_string(pid) + "\n") != std::string::npos;
}

SpawnSpec SpecFor(const WorkerCgroup& cg, StdioPipes& io, std::vector<std::string> argv) {
  SpawnSpec spec;
  spec.executable = argv.front();
  spec.argv = std::move(argv);
  spec.stdin_fd = io.in_r.get();
  spec.stdout_fd = io.out_w.get();
  spec.cgroup_procs_fds = cg.procs_fds();
  spec.cgroup_dir_fd = cg.dir_fd();
  return spec;
}

class spawn_into_cgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kHaveClone3) GTEST_SKIP() << "no clone3 trampoline for this architecture: Spawn uses clone(2) only";
    StatusOr<CgroupHost> host = CgroupHost::Detect("auto");
    ASSERT_TRUE(host.ok()) << host.status().message();
    if (host->version() != "v2") {
      GTEST_SKIP() << "cgroup v2 only (CLONE_INTO_CGROUP takes a v2 directory); this host has "
                   << host->version() << ": " << host->detail() << ". Run it in a cgroup v2 VM: "
                   << "scripts/vm-test -- build/tests/integration_confine_spawn_into_cgroup_test";
    }
    host_.emplace(std::move(host).value());
  }

  WorkerCgroup Create(const std::string& name, const CgroupLimits& limits = {}) {
    StatusOr<WorkerCgroup> cg = host_->CreateWorker(name, limits);
    EXPECT_TRUE(cg.ok()) << cg.status().message();
    return cg.ok() ? std::move(cg).value() : WorkerCgroup();
  }

  std::optional<CgroupHost> host_;
};

TEST_F(spawn_into_cgroup, child_is_created_in_the_cgroup_and_writes_no_cgroup_procs) {
  WorkerCgroup cg = Create("into-test", {.memory_bytes = 128 << 20, .pids = 8});
  ASSERT_GE(cg.dir_fd(), 0);
  // The cgroup.procs descriptor handed over is another cgroup's: a child
  // that wrote it would end up there, not in into-test.
  WorkerCgroup decoy = Create("decoy-test");
  StdioPipes io;
  SpawnSpec spec = SpecFor(cg, io, {"/bin/cat", "/proc/self/cgroup"});
  spec.cgroup_procs_fds = decoy.procs_fds();
  SpawnReport report;
  StatusOr<ChildProcess> child = Spawn(spec, &report);
  ASSERT_TRUE(child.ok()) << child.status().message();
  EXPECT_TRUE(report.into_cgroup);
  // cat reads its own membership as soon as it runs: it was in into-test
  // from its first instruction after exec, and never in decoy-test.
  const std::string own = io.ReadAll();
  EXPECT_TRUE(Names(own, cg.paths().front())) << own;
  StatusOr<ExitInfo> exit = child->Reap();
  ASSERT_TRUE(exit.ok());
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->describe();
  EXPECT_EQ(Slurp(decoy.paths().front() + "/cgroup.procs"), "");
  EXPECT_EQ(std::string(CgroupJoinName(report.into_cgroup)), "spawned into the cgroup (clone3 CLONE_INTO_CGROUP)");
}

TEST_F(spawn_into_cgroup, cgroup_namespace_is_rooted_at_the_worker_cgroup) {
  // unshare(CLONE_NEWCGROUP) in the child comes after joining; created in
  // the cgroup, the child is there from the start, so its view is rooted
  // at its own cgroup just the same.
  WorkerCgroup cg = Create("cgns-test");
  StdioPipes io;
  SpawnSpec spec = SpecFor(cg, io, {"/bin/cat", "/proc/self/cgroup"});
  spec.namespaces = kNsCgroup;
  SpawnReport report;
  StatusOr<ChildProcess> child = Spawn(spec, &report);
  ASSERT_TRUE(child.ok()) << child.status().message();
  if ((report.namespaces & kNsCgroup) == 0) {
    GTEST_SKIP() << "this host refuses the cgroup namespace: " << report.refused.front().reason;
  }
  EXPECT_TRUE(report.into_cgroup);
  EXPECT_EQ(io.ReadAll(), "0::/\n");
  (void)child->Reap();
}

TEST_F(spawn_into_cgroup, user_namespace_child_is_created_in_the_cgroup_too) {
  // A new user namespace is the spawn without CLONE_VFORK (the parent
  // writes the id maps while the child waits): clone3 returns in the
  // parent while the child runs on its own stack.
  WorkerCgroup cg = Create("userns-test");
  StdioPipes io;
  SpawnSpec spec = SpecFor(cg, io, {"/bin/cat", "/proc/self/cgroup"});
  if (::geteuid() == 0) {  // root's own uid gets no user namespace: map another one
    spec.uid = 65534;
    spec.gid = 65534;
  }
  spec.namespaces = kNsUser | kNsPid;
  SpawnReport report;
  StatusOr<ChildProcess> child = Spawn(spec, &report);
  ASSERT_TRUE(child.ok()) << child.status().message();
  if ((report.namespaces & kNsUser) == 0) {
    GTEST_SKIP() << "this host refuses the user namespace: " << report.refused.front().reason;
  }
  EXPECT_TRUE(report.into_cgroup);
  const std::string own = io.ReadAll();
  StatusOr<ExitInfo> exit = child->Reap();
  ASSERT_TRUE(exit.ok());
  EXPECT_TRUE(Names(own, cg.paths().front())) << own << exit->describe();
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->describe();
}

TEST_F(spawn_into_cgroup, full_pids_cgroup_fails_naming_the_cgroup_and_leaves_nothing_behind) {
  WorkerCgroup cg = Create("full-test", {.pids = 1});
  const std::string dir = cg.paths().front();
  StdioPipes io;
  SpawnSpec spec = SpecFor(cg, io, {"/bin/sleep", "30"});
  StatusOr<ChildProcess> sleeper = Spawn(spec);
  ASSERT_TRUE(sleeper.ok()) << sleeper.status().message();
  ASSERT_EQ(Slurp(dir + "/pids.current"), "1\n");

  // A second child would be the cgroup's second process: the kernel
  // refuses to create it there (cgroup.procs would have moved it in
  // regardless, since pids.max holds only against fork).
  StdioPipes io2;
  SpawnSpec second = SpecFor(cg, io2, {"/bin/true"});
  // A namespace must not take the blame (namespaces without a user
  // namespace need root).
  if (::geteuid() == 0) second.namespaces = kNsUts | kNsIpc;
  SpawnReport report;
  StatusOr<ChildProcess> refused = Spawn(second, &report);
  ASSERT_FALSE(refused.ok());
  const std::string msg = refused.status().message();
  EXPECT_NE(msg.find("clone3(CLONE_INTO_CGROUP) into " + dir + ": " + std::strerror(EAGAIN)), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("pids.max"), std::string::npos) << msg;
  EXPECT_TRUE(report.refused.empty()) << report.refused.front().reason;

  // Nothing left: the sleeper alone in the cgroup, no child of ours
  // waiting to be reaped.
  EXPECT_EQ(Slurp(dir + "/cgroup.procs"), std::to_string(sleeper->pid()) + "\n");
  EXPECT_EQ(Slurp(dir + "/pids.current"), "1\n");
  siginfo_t info = {};
  ASSERT_EQ(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT), 0);
  EXPECT_EQ(info.si_pid, 0) << "an unreaped child: " << info.si_pid;

  // A cgroup's refusal is not the host's: the next spawn still uses clone3.
  WorkerCgroup other = Create("after-full-test");
  StdioPipes io3;
  SpawnReport next;
  StatusOr<ChildProcess> child = Spawn(SpecFor(other, io3, {"/bin/true"}), &next);
  ASSERT_TRUE(child.ok()) << child.status().message();
  EXPECT_TRUE(next.into_cgroup);
  (void)child->Reap();
}

TEST_F(spawn_into_cgroup, cgroup_that_is_no_leaf_fails_naming_the_cgroup) {
  // Controllers enabled for children: v2's no-internal-processes rule
  // refuses a process in it (EBUSY), with or without namespaces.
  WorkerCgroup cg = Create("inner-test");
  const std::string dir = cg.paths().front();
  ASSERT_EQ(::mkdir((dir + "/leaf").c_str(), 0755), 0) << std::strerror(errno);
  struct RemoveLeaf {  // before cg, which cannot remove a cgroup with children
    std::string path;
    ~RemoveLeaf() { ::rmdir(path.c_str()); }
  } remove_leaf{dir + "/leaf"};
  {
    UniqueFd control(::open((dir + "/cgroup.subtree_control").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(control);
    // memory: a domain controller (with only threaded ones such as pids
    // enabled the cgroup could still become a thread root, and is allowed).
    ASSERT_EQ(::write(control.get(), "+memory", 7), 7) << std::strerror(errno);
  }
  StdioPipes io;
  SpawnSpec spec = SpecFor(cg, io, {"/bin/true"});
  if (::geteuid() == 0) spec.namespaces = kNsUts;  // a namespace must not take the blame
  SpawnReport report;
  StatusOr<ChildProcess> child = Spawn(spec, &report);
  ASSERT_FALSE(child.ok()) << "spawned into a cgroup with controllers enabled below it; "
                           << CgroupJoinName(report.into_cgroup);
  EXPECT_NE(child.status().message().find("into " + dir + ": " + std::strerror(EBUSY)), std::string::npos)
      << child.status().message();
  EXPECT_TRUE(report.refused.empty()) << report.refused.front().reason;
  EXPECT_EQ(Slurp(dir + "/cgroup.procs"), "");
}

// clone3 refused by the host, as each kind of host refuses it.
struct Refusal {
  int error;
  const char* name;  // the errno's, for the test's name
  const char* host;
};
void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }

class spawn_into_cgroup_refused : public spawn_into_cgroup, public ::testing::WithParamInterface<Refusal> {};

TEST_P(spawn_into_cgroup_refused, child_joins_through_cgroup_procs_instead) {
  WorkerCgroup cg = Create("fallback-test", {.memory_bytes = 128 << 20, .pids = 8});
  const std::string dir = cg.paths().front();
  const bool root = ::geteuid() == 0;  // namespaces without a user namespace need it
  const std::string text = InChild([&]() -> std::string {
    RefuseClone3With(GetParam().error);
    std::string out;
    // Twice: the second spawn after the host's refusal was remembered.
    for (int i = 0; i < 2; ++i) {
      StdioPipes io;
      SpawnSpec spec = SpecFor(cg, io, {"/bin/sleep", "30"});
      if (root) spec.namespaces = kNsUts | kNsIpc;
      SpawnReport report;
      StatusOr<ChildProcess> child = Spawn(spec, &report);
      if (!child.ok()) return out + "spawn failed: " + child.status().message() + "\n";
      out += std::string(CgroupJoinName(report.into_cgroup)) + "; in cgroup.procs: " +
             (Lists(dir + "/cgroup.procs", child->pid()) ? "yes" : "no") +
             "; namespaces: " + policy::NamespaceList(report.namespaces) + "; refused:";
      for (const NamespaceRefusal& r : report.refused) out += " " + r.reason;
      out += "\n";
    }
    // Without the cgroup.procs descriptor there is no way in: a clear error.
    StdioPipes io;
    SpawnSpec alone = SpecFor(cg, io, {"/bin/true"});
    alone.cgroup_procs_fds.clear();
    StatusOr<ChildProcess> child = Spawn(alone);
    out += child.ok() ? std::string("spawned without a way into the cgroup\n") : child.status().message() + "\n";
    return out;
  });
  const std::string ns = root ? "ipc,uts" : "none";
  const std::string joined = "joined through cgroup.procs; in cgroup.procs: yes; namespaces: " + ns + "; refused:\n";
  EXPECT_EQ(text.substr(0, 2 * joined.size()), joined + joined) << GetParam().host << "\n" << text;
  EXPECT_NE(text.find("cannot create the child in " + dir + " with clone3 here"), std::string::npos) << text;
  EXPECT_NE(text.find("no cgroup.procs descriptor was given"), std::string::npos) << text;
  EXPECT_EQ(Slurp(dir + "/cgroup.procs"), "") << "the forked child's children outlived it";
}

INSTANTIATE_TEST_SUITE_P(hosts, spawn_into_cgroup_refused,
                         ::testing::Values(Refusal{ENOSYS, "enosys", "Docker's default seccomp profile"},
                                           Refusal{E2BIG, "e2big", "a kernel older than CLONE_INTO_CGROUP (5.7)"},
                                           Refusal{EPERM, "eperm", "an older seccomp profile answering EPERM"}),
                         [](const ::testing::TestParamInfo<Refusal>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace stockade::supervisor
