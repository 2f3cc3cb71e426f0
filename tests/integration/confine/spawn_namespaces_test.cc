// Namespaces, checked from the outside: a worker spawned with every
// namespace really is in its own (the kernel's /proc links differ from
// ours) and each takes away what it should; and the fallback ladder, under
// a Docker-like seccomp profile that refuses user namespaces and unshare,
// still starts the worker with what is left and names what was refused;
// in a chroot, whose `/` is no mount point, the mount namespace is refused
// and the worker started without it.
//
// The profile is installed in a forked child, never in the test process.
#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/confine/spawn.h"
#include "supervisor/common/unique_fd.h"
#include "tests/integration/host_profile.h"
#include "tests/integration/process_support.h"

namespace stockade::supervisor {
namespace {

using testing::InChild;
using testing::InstallDockerLikeProfile;

using stockade::testing::Slurp;

std::string NsLink(pid_t pid, const char* name) {
  char buf[128];
  const std::string path = (pid == 0 ? std::string("/proc/self") : "/proc/" + std::to_string(pid)) + "/ns/" + name;
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string StatusField(pid_t pid, const std::string& field) {
  std::istringstream in(Slurp("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string v = line.substr(field.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

// A stockade-worker waiting for its Init frame: alive until `to_child` closes.
struct Waiting {
  UniqueFd to_child;
  UniqueFd from_child;
  ChildProcess child;
  SpawnReport report;
  Status status = Status::Ok();
};

Waiting SpawnWorker(unsigned namespaces) {
  Waiting w;
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    w.status = ErrnoError("pipe2");
    return w;
  }
  UniqueFd in_r(in[0]), out_w(out[1]);
  w.to_child.reset(in[1]);
  w.from_child.reset(out[0]);
  SpawnSpec spec;
  spec.executable = testing::WorkerBinary();
  spec.stdin_fd = in_r.get();
  spec.stdout_fd = out_w.get();
  if (geteuid() == 0) {
    spec.uid = 65534;
    spec.gid = 65534;
  }
  spec.namespaces = namespaces;
  auto child = Spawn(spec, &w.report);
  if (!child.ok()) {
    w.status = child.status();
    return w;
  }
  w.child = std::move(child).value();
  return w;
}

TEST(SpawnNamespaces, EveryNamespaceTakesAwayWhatItShould) {
  Waiting w = SpawnWorker(kAllNamespaces);
  ASSERT_TRUE(w.status.ok()) << w.status.message();
  std::string refused;
  for (const auto& r : w.report.refused) refused += std::string(policy::NamespaceName(r.ns)) + ": " + r.reason + "; ";
  if (w.report.namespaces != kAllNamespaces) {
    GTEST_SKIP() << "this host refuses some namespaces (" << refused << "); the ladder test covers that";
  }
  EXPECT_TRUE(w.report.refused.empty()) << refused;
  const pid_t pid = w.child.pid();
  for (const char* ns : {"user", "pid", "net", "mnt", "ipc", "uts", "cgroup"}) {
    EXPECT_NE(NsLink(pid, ns), NsLink(0, ns)) << ns << " namespace shared with the supervisor";
    EXPECT_FALSE(NsLink(pid, ns).empty()) << ns;
  }
  const std::string proc = "/proc/" + std::to_string(pid);
  // user: exactly one id, the worker's own, and not root.
  std::istringstream map(Slurp(proc + "/uid_map"));
  std::string inside, outside, count, extra;
  map >> inside >> outside >> count >> extra;
  EXPECT_EQ(inside, geteuid() == 0 ? "65534" : std::to_string(geteuid()));
  EXPECT_EQ(inside, outside);
  EXPECT_EQ(count, "1");
  EXPECT_TRUE(extra.empty()) << "more than one uid mapped";
  // Creating the user namespace granted every capability in it; none is
  // left, the bounding set included.
  EXPECT_EQ(StatusField(pid, "CapEff"), "0000000000000000");
  EXPECT_EQ(StatusField(pid, "CapPrm"), "0000000000000000");
  EXPECT_EQ(StatusField(pid, "CapBnd"), "0000000000000000");
  // pid: the worker is pid 1 of its namespace.
  const std::string nspid = StatusField(pid, "NSpid");
  EXPECT_EQ(nspid.substr(nspid.find_last_of(" \t") + 1), "1") << nspid;
  // net: only a loopback, and it is down (no address).
  const std::string dev = Slurp(proc + "/net/dev");
  EXPECT_NE(dev.find("lo:"), std::string::npos) << dev;
  EXPECT_EQ(dev.find("eth"), std::string::npos) << dev;
  EXPECT_TRUE(Slurp(proc + "/net/if_inet6").empty());
  // mount: an empty, read-only root.
  int entries = 0;
  DIR* d = opendir((proc + "/root").c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++entries;
  }
  closedir(d);
  EXPECT_EQ(entries, 0);
  struct statvfs vfs {};
  ASSERT_EQ(statvfs((proc + "/root").c_str(), &vfs), 0);
  EXPECT_NE(vfs.f_flag & ST_RDONLY, 0u);
  // The host's mount table did not gain the worker's tmpfs (no propagation).
  EXPECT_EQ(Slurp("/proc/self/mountinfo").find(" stockade "), std::string::npos);
}

// Why this host refuses a worker's empty root ("empty root: mount(/,
// MS_PRIVATE): Invalid argument" in a chroot), or "" when it allows it.
// Asked of a spawn with the mount namespace alone, outside any profile.
std::string HostRefusesTheEmptyRoot() {
  Waiting w = SpawnWorker(kNsMount);
  for (const auto& r : w.report.refused) {
    if (r.ns == kNsMount) return r.reason;
  }
  return "";
}


TEST(SpawnNamespaces, UnderADockerLikeProfileTheLadderStartsTheWorkerWithWhatIsLeft) {
  const std::string text = InChild([] {
    InstallDockerLikeProfile();
    Waiting w = SpawnWorker(kAllNamespaces);
    std::string text = w.status.ok() ? "ok\n" : "error " + w.status.message() + "\n";
    text += "in " + policy::NamespaceList(w.report.namespaces) + "\n";
    for (const auto& r : w.report.refused) text += std::string(policy::NamespaceName(r.ns)) + ": " + r.reason + "\n";
    if (w.status.ok()) {
      text += std::string("netns ") + (NsLink(w.child.pid(), "net") != NsLink(0, "net") ? "own" : "shared") + "\n";
    }
    return text;
  });
  // Never a bare EPERM: the worker starts, and each refusal is named.
  EXPECT_EQ(text.rfind("ok\n", 0), 0u) << text;
  EXPECT_NE(text.find("user: clone(CLONE_NEWUSER): Operation not permitted"), std::string::npos) << text;
  EXPECT_NE(text.find("cgroup: unshare(CLONE_NEWCGROUP): Operation not permitted"), std::string::npos) << text;
  if (geteuid() == 0) {
    // Root still gets the others from clone itself, without a user
    // namespace; the mount namespace only where this host allows its empty
    // root at all (not in a chroot), which the profile does not change.
    const std::string mount_refused = HostRefusesTheEmptyRoot();
    if (mount_refused.empty()) {
      EXPECT_NE(text.find("in pid,net,mount,ipc,uts\n"), std::string::npos) << text;
    } else {
      EXPECT_NE(text.find("in pid,net,ipc,uts\n"), std::string::npos) << text;
      EXPECT_NE(text.find("mount: " + mount_refused), std::string::npos) << text;
    }
    EXPECT_NE(text.find("netns own"), std::string::npos) << text;
  } else {
    // Unprivileged, nothing is left without a user namespace.
    EXPECT_NE(text.find("in none\n"), std::string::npos) << text;
  }
}

// Spawns a worker with every namespace from a forked child that has become
// uid/gid 65534 (an unprivileged supervisor) and returns its report.
std::string UnprivilegedSpawnReport(bool dumpable) {
  const int exec_fd = open(testing::WorkerBinary().c_str(), O_PATH | O_CLOEXEC);
  if (exec_fd < 0) return "open worker failed";
  const std::string text = InChild([&]() -> std::string {
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
      return "could not become uid 65534";
    }
    // A process that changed its uids is not dumpable, so its /proc files
    // (and its children's, which share its mm) belong to root. A supervisor
    // started as an ordinary user never is.
    if (dumpable && prctl(PR_SET_DUMPABLE, 1) != 0) return "PR_SET_DUMPABLE failed";
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return "pipe2 failed";
    SpawnSpec spec;
    spec.executable = testing::WorkerBinary();
    spec.exec_fd = exec_fd;
    spec.stdin_fd = in[0];
    spec.stdout_fd = out[1];
    spec.namespaces = kAllNamespaces;
    SpawnReport report;
    auto child = Spawn(spec, &report);
    std::string text = child.ok() ? "ok\n" : "error " + child.status().message() + "\n";
    text += "in " + policy::NamespaceList(report.namespaces) + "\n";
    for (const auto& r : report.refused) text += std::string(policy::NamespaceName(r.ns)) + ": " + r.reason + "\n";
    if (child.ok()) {
      std::istringstream map(Slurp("/proc/" + std::to_string(child->pid()) + "/uid_map"));
      std::string inside, outside, count;
      map >> inside >> outside >> count;
      text += "uid_map " + inside + " " + outside + " " + count + "\n";
      text += "CapEff " + StatusField(child->pid(), "CapEff") + "\n";
    }
    return text;
  });
  close(exec_fd);
  return text;
}

// An unprivileged supervisor: the user namespace comes from clone, the
// parent may map only its own ids (after denying setgroups), and the other
// namespaces are owned by the new user namespace.
TEST(SpawnNamespaces, AnUnprivilegedSupervisorGetsThemInsideAUserNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to become an unprivileged uid in a child";
  const std::string text = UnprivilegedSpawnReport(/*dumpable=*/true);
  EXPECT_EQ(text.rfind("ok\n", 0), 0u) << text;
  if (text.find("user: clone(CLONE_NEWUSER)") != std::string::npos) {
    GTEST_SKIP() << "unprivileged user namespaces are disabled here:\n" << text;
  }
  EXPECT_NE(text.find("in user,pid,net,mount,ipc,uts,cgroup\n"), std::string::npos) << text;
  EXPECT_NE(text.find("uid_map 65534 65534 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("CapEff 0000000000000000\n"), std::string::npos) << text;
}

// When the maps cannot be written (here: a non-dumpable supervisor, whose
// /proc files are root's), the child is not left waiting: the ladder drops
// the user namespace and, unprivileged, the rest with it, and says why.
TEST(SpawnNamespaces, MapsThatCannotBeWrittenFallBackInsteadOfHanging) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to become an unprivileged uid in a child";
  const std::string text = UnprivilegedSpawnReport(/*dumpable=*/false);
  EXPECT_EQ(text.rfind("ok\n", 0), 0u) << text;
  if (text.find("user: clone(CLONE_NEWUSER)") != std::string::npos) {
    // Refused at clone (sysctl, a chroot): there are no maps to write.
    GTEST_SKIP() << "unprivileged user namespaces are refused here before any map is written:\n" << text;
  }
  EXPECT_NE(text.find("user: open /proc/"), std::string::npos) << text;
  EXPECT_NE(text.find("in none\n"), std::string::npos) << text;
}

TEST(SpawnNamespaces, NoneAskedNoneGiven) {
  Waiting w = SpawnWorker(0);
  ASSERT_TRUE(w.status.ok()) << w.status.message();
  EXPECT_EQ(w.report.namespaces, 0u);
  EXPECT_TRUE(w.report.refused.empty());
  EXPECT_EQ(NsLink(w.child.pid(), "net"), NsLink(0, "net"));
}

// A chroot, as a fresh Debian chroot is: its `/` is no mount point, so the
// first step of the empty root (MS_PRIVATE on `/`) fails with EINVAL. The
// mount namespace is refused with that reason, and the worker is started
// again without it: in our own mount namespace, not in a half-made one that
// still shows the host's tree. The other namespaces are kept.
TEST(SpawnNamespaces, InAChrootTheMountNamespaceIsRefusedAndTheWorkerStartsWithoutIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chroot in a child";
  std::string dir = ::testing::TempDir() + "/stockade-chroot-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr) << std::strerror(errno);
  // Opened before the chroot: the worker is exec'd through its descriptor,
  // and its /proc links are read through ours.
  const int exec_fd = open(testing::WorkerBinary().c_str(), O_PATH | O_CLOEXEC);
  const int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(exec_fd, 0);
  ASSERT_GE(proc_fd, 0);
  const std::string text = InChild([&]() -> std::string {
    if (chroot(dir.c_str()) != 0 || chdir("/") != 0) return std::string("chroot: ") + std::strerror(errno);
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return "pipe2 failed";
    SpawnSpec spec;
    spec.executable = testing::WorkerBinary();
    spec.exec_fd = exec_fd;
    spec.stdin_fd = in[0];
    spec.stdout_fd = out[1];
    spec.uid = 65534;
    spec.gid = 65534;
    spec.namespaces = kNsMount | kNsNet;
    SpawnReport report;
    auto child = Spawn(spec, &report);
    std::string text = child.ok() ? "ok\n" : "error " + child.status().message() + "\n";
    text += "in " + policy::NamespaceList(report.namespaces) + "\n";
    for (const auto& r : report.refused) text += std::string(policy::NamespaceName(r.ns)) + ": " + r.reason + "\n";
    if (child.ok()) {
      auto link = [&](const std::string& path) {
        char buf[128];
        const ssize_t n = readlinkat(proc_fd, path.c_str(), buf, sizeof buf);
        return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
      };
      const std::string own = link("self/ns/mnt");
      text += std::string("mntns ") + (link(std::to_string(child->pid()) + "/ns/mnt") == own ? "ours" : "own") + "\n";
    }
    return text;
  });
  close(exec_fd);
  close(proc_fd);
  rmdir(dir.c_str());
  EXPECT_EQ(text.rfind("ok\n", 0), 0u) << text;
  EXPECT_NE(text.find("mount: empty root: mount(/, MS_PRIVATE): Invalid argument\n"), std::string::npos) << text;
  EXPECT_NE(text.find("in net\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mntns ours\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace stockade::supervisor
