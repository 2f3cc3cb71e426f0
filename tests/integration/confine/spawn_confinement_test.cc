// Spawn, checked from the outside through /proc: what the child really gets
// (descriptors, environment, rlimits, session, no_new_privs, signal state),
// and how failures are reported.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "supervisor/confine/spawn.h"
#include "tests/integration/process_support.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {
namespace {

using stockade::testing::Slurp;
using stockade::testing::StdioPipes;

// Fields of /proc/<pid>/stat after the command name (field 3 is index 0).
std::vector<std::string> StatFields(pid_t pid) {
  // Empty once the process is gone (reaped at once where init is quick, as
  // in the test VM): then there is nothing after the ")" to read.
  std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos || name_end + 2 > stat.size()) return {};
  std::istringstream rest(stat.substr(name_end + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// Waits until the child sleeps in the kernel, i.e. the dynamic loader is done
// and no descriptor it briefly opened is still around.
void WaitUntilSleeping(pid_t pid) {
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::string> f = StatFields(pid);
    if (!f.empty() && f[0] == "S") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FAIL() << "pid " << pid << " never went to sleep";
}

// "Max open files            16                   16                   files" -> {"16","16"}.
std::pair<std::string, std::string> Limit(pid_t pid, const std::string& name) {
  std::istringstream in(Slurp("/proc/" + std::to_string(pid) + "/limits"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0) continue;
    std::istringstream vals(line.substr(name.size()));
    std::string soft, hard;
    vals >> soft >> hard;
    return {soft, hard};
  }
  return {"?", "?"};
}

std::string StatusLine(pid_t pid, const std::string& key) {
  std::istringstream in(Slurp("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      return v.substr(v.find_first_not_of(" \t"));
    }
  }
  return "?";
}

SpawnSpec SleepSpec(const StdioPipes& p) {
  SpawnSpec spec;
  spec.executable = "/bin/sleep";
  spec.argv = {"sleep", "30"};
  spec.stdin_fd = p.in_r.get();
  spec.stdout_fd = p.out_w.get();
  return spec;
}

TEST(spawn_confinement, child_state_seen_from_proc) {
  StdioPipes p;
  // Open descriptors without O_CLOEXEC, and ignore a signal: none of this may
  // reach the child.
  UniqueFd leak(::open("/dev/null", O_RDONLY));
  ASSERT_TRUE(leak);
  struct sigaction ign{}, old{};
  ign.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGUSR1, &ign, &old), 0);

  SpawnSpec spec = SleepSpec(p);
  spec.rlimits.address_space_bytes = 256ull << 20;
  spec.rlimits.cpu_seconds = 2;
  spec.rlimits.file_size_bytes = 1 << 20;
  spec.rlimits.open_files = 16;
  StatusOr<ChildProcess> child = Spawn(spec);
  ::sigaction(SIGUSR1, &old, nullptr);
  ASSERT_TRUE(child.ok()) << child.status().message();
  const pid_t pid = child->pid();
  WaitUntilSleeping(pid);
  const std::string proc = "/proc/" + std::to_string(pid);

  // Exactly descriptors 0 and 1, nothing else, not even 2.
  std::vector<std::string> fds;
  for (const auto& e : std::filesystem::directory_iterator(proc + "/fd")) fds.push_back(e.path().filename());
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(std::filesystem::read_symlink(proc + "/fd/0"),
            std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(p.in_r.get())));
  EXPECT_EQ(std::filesystem::read_symlink(proc + "/fd/1"),
            std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(p.out_w.get())));

  EXPECT_EQ(Slurp(proc + "/environ"), "") << "environment must be empty";

  EXPECT_EQ(Limit(pid, "Max address space"), std::make_pair(std::to_string(256ull << 20), std::to_string(256ull << 20)));
  EXPECT_EQ(Limit(pid, "Max cpu time"), std::make_pair(std::string("2"), std::string("3")));
  EXPECT_EQ(Limit(pid, "Max file size"), std::make_pair(std::to_string(1 << 20), std::to_string(1 << 20)));
  EXPECT_EQ(Limit(pid, "Max open files"), std::make_pair(std::string("16"), std::string("16")));
  EXPECT_EQ(Limit(pid, "Max core file size"), std::make_pair(std::string("0"), std::string("0")));
  EXPECT_EQ(Limit(pid, "Max processes"), std::make_pair(std::string("0"), std::string("0")));

  std::vector<std::string> stat = StatFields(pid);
  ASSERT_GE(stat.size(), 4u);
  EXPECT_EQ(stat[1], std::to_string(::getpid())) << "parent";
  EXPECT_EQ(stat[3], std::to_string(pid)) << "session id: the child leads its own session";
  EXPECT_EQ(stat[2], std::to_string(pid)) << "process group";

  EXPECT_EQ(StatusLine(pid, "NoNewPrivs"), "1");
  EXPECT_EQ(StatusLine(pid, "SigBlk"), "0000000000000000");
  EXPECT_EQ(StatusLine(pid, "SigIgn"), "0000000000000000");
}

TEST(spawn_confinement, unset_rlimits_are_inherited_and_options_can_be_off) {
  StdioPipes p;
  SpawnSpec spec = SleepSpec(p);
  spec.new_session = false;
  spec.no_new_privs = false;
  spec.die_with_parent = false;
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_TRUE(child.ok()) << child.status().message();
  const pid_t pid = child->pid();
  WaitUntilSleeping(pid);
  EXPECT_EQ(Limit(pid, "Max open files"), Limit(::getpid(), "Max open files"));
  EXPECT_EQ(Limit(pid, "Max core file size"), std::make_pair(std::string("0"), std::string("0")));
  EXPECT_EQ(StatusLine(pid, "NoNewPrivs"), StatusLine(::getpid(), "NoNewPrivs"));
  EXPECT_NE(StatFields(pid)[3], std::to_string(pid));
}

TEST(spawn_confinement, stdio_reaches_the_child) {
  StdioPipes p;
  SpawnSpec spec;
  spec.executable = "/bin/cat";
  spec.stdin_fd = p.in_r.get();
  spec.stdout_fd = p.out_w.get();
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_TRUE(child.ok()) << child.status().message();
  p.in_r.reset();
  p.out_w.reset();
  ASSERT_EQ(::write(p.in_w.get(), "ping", 4), 4);
  p.in_w.reset();
  char buf[16] = {};
  ASSERT_EQ(::read(p.out_r.get(), buf, sizeof buf), 4);
  EXPECT_STREQ(buf, "ping");
  StatusOr<ExitInfo> exit = child->Reap();
  ASSERT_TRUE(exit.ok());
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->describe();
}

TEST(spawn_confinement, swapped_descriptors_land_right) {
  // The caller's stdin end sits on 1 and its stdout end on 0: the child must
  // still get them the right way round.
  StdioPipes p;
  UniqueFd saved0(::fcntl(0, F_DUPFD_CLOEXEC, 10)), saved1(::fcntl(1, F_DUPFD_CLOEXEC, 10));
  ASSERT_EQ(::dup2(p.in_r.get(), 1), 1);
  ASSERT_EQ(::dup2(p.out_w.get(), 0), 0);
  SpawnSpec spec;
  spec.executable = "/bin/cat";
  spec.stdin_fd = 1;
  spec.stdout_fd = 0;
  StatusOr<ChildProcess> child = Spawn(spec);
  ::dup2(saved0.get(), 0);
  ::dup2(saved1.get(), 1);
  ASSERT_TRUE(child.ok()) << child.status().message();
  p.in_r.reset();
  p.out_w.reset();
  ASSERT_EQ(::write(p.in_w.get(), "pong", 4), 4);
  p.in_w.reset();
  char buf[16] = {};
  ASSERT_EQ(::read(p.out_r.get(), buf, sizeof buf), 4);
  EXPECT_STREQ(buf, "pong");
}

TEST(spawn_confinement, bad_executable_names_the_step) {
  StdioPipes p;
  SpawnSpec spec = SleepSpec(p);
  spec.executable = "/nonexistent/stockade-worker";
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().message(), "spawn /nonexistent/stockade-worker: execve: No such file or directory");
}

TEST(spawn_confinement, failing_rlimit_names_the_step) {
  StdioPipes p;
  SpawnSpec spec = SleepSpec(p);
  rlimit cur{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &cur), 0);
  if (cur.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "RLIMIT_NOFILE hard limit is infinite";
  // Raising the hard limit above nr_open fails even for root.
  spec.rlimits.open_files = 1ull << 40;
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().message().rfind("spawn /bin/sleep: setrlimit(RLIMIT_NOFILE): ", 0), 0u)
      << child.status().message();
}

TEST(spawn_confinement, address_space_too_small_for_exec) {
  StdioPipes p;
  SpawnSpec spec = SleepSpec(p);
  spec.rlimits.address_space_bytes = 4096;
  StatusOr<ChildProcess> child = Spawn(spec);
  if (child.ok()) {
    // Some kernels let execve succeed and the loader die instead.
    StatusOr<ExitInfo> exit = child->Reap();
    ASSERT_TRUE(exit.ok());
    EXPECT_FALSE(exit->exited && exit->code == 0) << exit->describe();
  } else {
    EXPECT_NE(child.status().message().find("spawn /bin/sleep: "), std::string::npos);
  }
}

TEST(spawn_confinement, invalid_spec_is_rejected_before_clone) {
  StdioPipes p;
  SpawnSpec spec = SleepSpec(p);
  spec.executable = "sleep";
  EXPECT_FALSE(Spawn(spec).ok());
  spec = SleepSpec(p);
  spec.stdout_fd = 999;
  StatusOr<ChildProcess> child = Spawn(spec);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("stdout_fd (999) is not an open descriptor"), std::string::npos);
}

TEST(spawn_confinement, child_dies_with_its_parent) {
  // An intermediate process spawns the sleeper and exits; PR_SET_PDEATHSIG
  // must take the sleeper down with it.
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  pid_t middle = ::fork();
  if (middle == 0) {
    StdioPipes p;
    StatusOr<ChildProcess> child = Spawn(SleepSpec(p));
    pid_t pid = child.ok() ? child->pid() : -1;
    (void)!::write(report[1], &pid, sizeof pid);
    ::_exit(0);  // no destructors: the sleeper must die from the parent-death signal alone
  }
  ::close(report[1]);
  pid_t sleeper = -1;
  ASSERT_EQ(::read(report[0], &sleeper, sizeof sleeper), static_cast<ssize_t>(sizeof sleeper));
  ::close(report[0]);
  ASSERT_GT(sleeper, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(middle, &status, 0), middle);
  // The sleeper was re-parented (to init or a subreaper) and killed; wait for it to vanish.
  bool gone = false;
  for (int i = 0; i < 2000 && !gone; ++i) {
    std::vector<std::string> f = StatFields(sleeper);
    gone = f.empty() || f[0] == "Z" || f[0] == "X";
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(gone) << "sleeper " << sleeper << " survived its parent";
}

}  // namespace
}  // namespace stockade::supervisor
