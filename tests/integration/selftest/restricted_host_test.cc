// A host that refuses the user and mount namespaces, as a fresh Debian
// chroot does (clone(CLONE_NEWUSER) is EPERM for a chrooted process, and
// MS_PRIVATE on a `/` that is no mount point is EINVAL), played by a seccomp
// profile in a forked child: selftest calls those layers UNAVAILABLE with
// the reason, not FAIL; the daemon's readiness rule (CheckReadiness, what
// /readyz answers) says ready; and `stockade run` still runs a one-liner
// and names what was refused on stderr.
//
// The profile is installed in a forked child, never in the test process.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/common/log.h"
#include "supervisor/selftest/selftest.h"
#include "tests/integration/host_profile.h"
#include "tests/integration/process_support.h"

namespace stockade::supervisor {
namespace {

// The chroot's refusals, nothing else: clone with CLONE_NEWUSER fails with
// EPERM, every mount(2) with EINVAL, clone3 with ENOSYS.
template <typename Body>
std::string UnderTheProfile(Body body) {
  return testing::InChild([&body] {
    testing::InstallRefusingProfile(SYS_mount, EINVAL);
    return body();
  });
}

TEST(RestrictedHost, RefusedNamespacesAreUnavailableNotFailedAndTheDaemonIsReady) {
  const std::string text = UnderTheProfile([]() -> std::string {
    SetLogLevel(LogLevel::kError);  // the refusals are logged as warnings
    SupervisorOptions options;
    options.policy = testing::TestPolicy(1);
    options.worker_path = testing::WorkerBinary();
    auto sup = Supervisor::Start(std::move(options));
    if (!sup.ok()) return "start failed: " + sup.status().message();
    std::string text;
    for (const SelfCheck& c : RunSelftest(**sup, testing::HostileWorkerBinary())) {
      text += c.name + " = " + SelfCheckResultName(c.result) + " (" + c.detail + ")\n";
    }
    const api::Readiness r = CheckReadiness((*sup)->Stats(), (*sup)->confinement(), (*sup)->policy(), false);
    text += std::string("ready ") + (r.ready() ? "yes" : "no") + ", " + std::to_string(r.checks_size()) +
            " checks\n";
    text += "in force " + r.confinement().namespaces() + "\n";
    return text;
  });
  EXPECT_EQ(text.find("= FAIL"), std::string::npos) << text;
  EXPECT_NE(text.find("namespace: user = UNAVAILABLE (refused by this host: user: "), std::string::npos) << text;
  EXPECT_NE(text.find("namespace: mount = UNAVAILABLE (refused by this host: mount: "), std::string::npos) << text;
  if (geteuid() == 0) {
    // Root gets the rest from clone without a user namespace, and the
    // mount namespace is refused at its empty root, as in a chroot.
    EXPECT_NE(text.find("user: clone(CLONE_NEWUSER): Operation not permitted"), std::string::npos) << text;
    EXPECT_NE(text.find("mount: empty root: mount(/, MS_PRIVATE): Invalid argument"), std::string::npos) << text;
    EXPECT_NE(text.find("namespace: net = PASS"), std::string::npos) << text;
    EXPECT_NE(text.find("namespace: pid = PASS"), std::string::npos) << text;
    EXPECT_NE(text.find("in force pid,net,ipc,uts,cgroup\n"), std::string::npos) << text;
  }
  EXPECT_NE(text.find("ready yes, "), std::string::npos) << text;
  EXPECT_EQ(text.find("ready yes, 0 checks"), std::string::npos) << "no worker was checked\n" << text;
}

TEST(RestrictedHost, StockadeRunStillRunsAndNamesTheRefusedNamespacesOnStderr) {
  const std::string err_file = ::testing::TempDir() + "/restricted_host_stderr." + std::to_string(getpid());
  const std::string text = UnderTheProfile([&]() -> std::string {
    const testing::ShellOutput o = testing::RunShell("echo '6 * 7' | " + std::string(STOCKADE_BIN_DIR) +
                                                     "/stockade run - 2>" + err_file);
    return "exit " + std::to_string(o.code) + "\nstdout " + o.out + "stderr " + testing::Slurp(err_file);
  });
  std::remove(err_file.c_str());
  EXPECT_NE(text.find("exit 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("stdout 42\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[stockade] this host refused some namespaces ("), std::string::npos) << text;
  EXPECT_NE(text.find("user: "), std::string::npos) << text;
  EXPECT_NE(text.find("mount: "), std::string::npos) << text;
  if (geteuid() == 0) {
    EXPECT_NE(text.find("mount: empty root: mount(/, MS_PRIVATE): Invalid argument"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace stockade::supervisor
