// BecomeInitIfNeeded() with real processes: stockade-init-probe plays the
// daemon, either as a forced child subreaper under this test or as PID 1 of a
// fresh PID namespace under unshare(1). The tests look at the kernel's view in
// /proc (who is whose child, who is a zombie) and at exit statuses, never at
// log text. Time only appears as generous upper bounds, plus one lower bound
// that the grace period guarantees.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/confine/child_process.h"
#include "supervisor/common/unique_fd.h"

extern char** environ;

namespace stockade::supervisor {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string ProbeBinary() { return std::string(STOCKADE_BIN_DIR) + "/stockade-init-probe"; }

struct ProcEntry {
  pid_t pid;
  char state;
};

// Every process whose parent is `parent`, with its state letter ('Z' zombie).
std::vector<ProcEntry> ChildrenOf(pid_t parent) {
  std::vector<ProcEntry> out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren == std::string::npos || paren + 4 >= text.size()) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(text.c_str() + paren + 1, " %c %d", &state, &ppid) != 2) continue;
    if (ppid == parent) out.push_back({static_cast<pid_t>(pid), state});
  }
  ::closedir(dir);
  return out;
}

std::string StatusField(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) return line.substr(line.find_first_not_of(" \t", key.size() + 1));
  }
  return "";
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    ::usleep(20 * 1000);
  }
  return done();
}

// Gone, or the pid now belongs to something that is not the probe.
bool ProbeProcessGone(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  if (!std::getline(comm, name)) return true;
  return name.rfind("stockade-init", 0) != 0 || StatusField(pid, "State").rfind("Z", 0) == 0;
}

// One started program with its stdout (and stderr) on pipes. The ChildProcess
// kills and reaps it if a test fails half-way.
class Program {
 public:
  static Program Start(const std::vector<std::string>& argv) {
    Program run;
    int out[2], err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    run.out_.reset(out[0]);
    run.err_.reset(err[0]);
    EXPECT_EQ(rc, 0) << "posix_spawnp " << argv[0] << ": " << std::strerror(rc);
    if (rc != 0) return run;
    auto child = ChildProcess::Adopt(pid);
    EXPECT_TRUE(child.ok()) << child.status().message();
    if (child.ok()) run.child_ = std::move(child).value();
    return run;
  }

  pid_t pid() const { return child_.pid(); }

  // The next line of stdout; nullopt on EOF or after `limit`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds limit = 10s) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{out_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[256];
      const ssize_t n = ::read(out_.get(), chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // The shell-style exit status (128+signal when killed); nullopt if it has
  // not ended within `limit`.
  std::optional<int> Wait(std::chrono::milliseconds limit = 15s) {
    pollfd p{child_.pidfd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
    auto info = child_.Reap();
    EXPECT_TRUE(info.ok()) << info.status().message();
    if (!info.ok()) return std::nullopt;
    return info->exited ? info->code : 128 + info->signal;
  }

  // Everything the program wrote to stderr (call after Wait).
  std::string Stderr() {
    std::string text;
    char chunk[256];
    ssize_t n;
    ::fcntl(err_.get(), F_SETFL, O_NONBLOCK);
    while ((n = ::read(err_.get(), chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(n));
    return text;
  }

 private:
  ChildProcess child_;
  UniqueFd out_, err_;
  std::string buffer_;
};

// "daemon pid=P ppid=Q under_init=U init_pid=I sigblk=HEX" -> the fields.
struct DaemonLine {
  int pid = 0, ppid = 0, under_init = -1, init_pid = -1;
  std::string sigblk;
};
std::optional<DaemonLine> ParseDaemonLine(const std::optional<std::string>& line) {
  if (!line) return std::nullopt;
  DaemonLine d;
  char blk[64] = {};
  if (std::sscanf(line->c_str(), "daemon pid=%d ppid=%d under_init=%d init_pid=%d sigblk=%63s", &d.pid, &d.ppid,
                  &d.under_init, &d.init_pid, blk) != 5) {
    return std::nullopt;
  }
  d.sigblk = blk;
  return d;
}

bool AllZero(const std::string& hex) { return !hex.empty() && hex.find_first_not_of('0') == std::string::npos; }

// The init's children are settled when only the daemon is left and nothing is
// a zombie: every orphan that was handed to it has been reaped.
bool OnlyDaemonLeft(pid_t init) {
  const auto kids = ChildrenOf(init);
  return kids.size() == 1 && kids[0].state != 'Z';
}

TEST(InitProcessTest, WithoutForceAndNotPid1NothingForks) {
  Program run = Program::Start({ProbeBinary(), "print", "exit", "3"});
  auto d = ParseDaemonLine(run.ReadLine());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->pid, run.pid());
  EXPECT_EQ(d->ppid, ::getpid());
  EXPECT_EQ(d->under_init, 0);
  EXPECT_EQ(d->init_pid, 0);
  EXPECT_EQ(run.Wait(), 3);
}

TEST(InitProcessTest, SubreaperReapsOrphansAndPropagatesExitCode) {
  Program run = Program::Start({ProbeBinary(), "--force", "print", "orphans", "5", "wait-term", "7"});
  auto d = ParseDaemonLine(run.ReadLine());
  ASSERT_TRUE(d) << run.Stderr();
  EXPECT_EQ(d->ppid, run.pid()) << "the daemon is the init's child";
  EXPECT_NE(d->pid, run.pid());
  EXPECT_EQ(d->under_init, 1);
  EXPECT_EQ(d->init_pid, run.pid()) << "the cgroup v2 set-up moves this pid into a leaf (cgroup_v2.h)";
  EXPECT_TRUE(AllZero(d->sigblk)) << "daemon starts with an empty mask, got " << d->sigblk;
  EXPECT_EQ(StatusField(run.pid(), "Threads"), "1") << "the init stays single-threaded";
  EXPECT_EQ(StatusField(run.pid(), "NSpid"), std::to_string(run.pid()));

  ASSERT_EQ(run.ReadLine(), "orphans-reparented");
  // From here the five grandchildren are the init's children; only the init
  // reaping them can make them disappear.
  EXPECT_TRUE(WaitUntil([&] { return OnlyDaemonLeft(run.pid()); }, 10s))
      << "children of init: " << ChildrenOf(run.pid()).size();
  ASSERT_EQ(run.ReadLine(), "waiting");
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  EXPECT_EQ(run.Wait(), 7);
}

TEST(InitProcessTest, SigtermToInitReachesDaemonWhichExitsZero) {
  Program run = Program::Start({ProbeBinary(), "--force", "wait-term", "0"});
  ASSERT_EQ(run.ReadLine(), "waiting") << run.Stderr();
  ASSERT_EQ(::kill(run.pid(), SIGTERM), 0);
  EXPECT_EQ(run.Wait(), 0);
}

class ForwardedSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(ForwardedSignalTest, ReachesDaemon) {
  const int sig = GetParam();
  Program run = Program::Start({ProbeBinary(), "--force", "wait-any"});
  ASSERT_EQ(run.ReadLine(), "waiting") << run.Stderr();
  ASSERT_EQ(::kill(run.pid(), sig), 0);
  // The probe exits with the number of the signal it received.
  EXPECT_EQ(run.Wait(), sig) << strsignal(sig);
}

INSTANTIATE_TEST_SUITE_P(AllForwarded, ForwardedSignalTest,
                         ::testing::Values(SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2));

TEST(InitProcessTest, ExitCodeIsPropagated) {
  Program run = Program::Start({ProbeBinary(), "--force", "exit", "42"});
  EXPECT_EQ(run.Wait(), 42) << run.Stderr();
}

TEST(InitProcessTest, DaemonKilledBySigkillGives137) {
  Program run = Program::Start({ProbeBinary(), "--force", "kill-self"});
  EXPECT_EQ(run.Wait(), 128 + SIGKILL) << run.Stderr();
}

TEST(InitProcessTest, LeftoversAreTerminatedThenKilled) {
  constexpr auto kGrace = 300ms;
  Program run = Program::Start({ProbeBinary(), "--force", "--grace-ms", std::to_string(kGrace.count()), "polite", "2",
                        "stubborn", "2", "exit", "3"});
  std::vector<pid_t> leftovers;
  for (int i = 0; i < 4; ++i) {
    auto line = run.ReadLine();
    ASSERT_TRUE(line) << run.Stderr();
    int pid = 0;
    ASSERT_EQ(std::sscanf(line->c_str(), "leftover %d", &pid), 1) << *line;
    leftovers.push_back(pid);
  }
  const auto start = Clock::now();
  EXPECT_EQ(run.Wait(), 3) << run.Stderr();
  // The stubborn ones ignore SIGTERM, so the init had to wait out the grace
  // before SIGKILL; an init that skipped the SIGTERM phase or never ended
  // would fail one of the bounds.
  EXPECT_GE(Clock::now() - start, kGrace - 50ms);
  for (pid_t pid : leftovers) EXPECT_TRUE(ProbeProcessGone(pid)) << "leftover " << pid << " survived the init";
  // The two polite ones were asked with SIGTERM before anything was killed.
  std::vector<std::string> termed;
  while (auto line = run.ReadLine(1s)) termed.push_back(*line);
  EXPECT_EQ(termed.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(std::find(termed.begin(), termed.end(), "term " + std::to_string(leftovers[i])), termed.end())
        << "polite leftover " << leftovers[i] << " never saw SIGTERM";
  }
}

// --- As PID 1 of a new PID namespace --------------------------------------

// Runs `unshare --pid --fork --mount-proc ARGS...`. --kill-child: if a failed
// test kills unshare, the namespace's init goes with it instead of lingering.
Program StartInNamespace(std::vector<std::string> args) {
  std::vector<std::string> argv = {"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Program::Start(argv);
}

// Empty when unshare works here; otherwise why not (for GTEST_SKIP).
std::string NamespaceUnavailable() {
  Program run = StartInNamespace({"true"});
  const auto status = run.Wait();
  if (status == 0) return "";
  return "unshare --pid --fork --mount-proc failed (status " + (status ? std::to_string(*status) : "timeout") +
         "): " + run.Stderr();
}

// unshare's only child is the namespace's PID 1, seen from here.
std::optional<pid_t> NamespaceInit(const Program& unshare) {
  std::optional<pid_t> init;
  WaitUntil(
      [&] {
        const auto kids = ChildrenOf(unshare.pid());
        if (kids.size() == 1) init = kids[0].pid;
        return init.has_value();
      },
      10s);
  return init;
}

TEST(InitProcessTest, AsPid1ReapsOrphansForwardsSigtermAndPropagatesCode) {
  if (auto why = NamespaceUnavailable(); !why.empty()) GTEST_SKIP() << why;
  // No --force: being PID 1 is what makes it an init.
  Program run = StartInNamespace({ProbeBinary(), "print", "orphans", "5", "wait-term", "5"});
  auto d = ParseDaemonLine(run.ReadLine());
  ASSERT_TRUE(d) << run.Stderr();
  EXPECT_EQ(d->ppid, 1);
  EXPECT_EQ(d->pid, 2);
  EXPECT_EQ(d->under_init, 1);
  EXPECT_EQ(d->init_pid, 1);
  EXPECT_TRUE(AllZero(d->sigblk)) << d->sigblk;

  auto init = NamespaceInit(run);
  ASSERT_TRUE(init);
  EXPECT_EQ(StatusField(*init, "NSpid").substr(StatusField(*init, "NSpid").rfind('\t') + 1), "1");

  ASSERT_EQ(run.ReadLine(), "orphans-reparented");
  EXPECT_TRUE(WaitUntil([&] { return OnlyDaemonLeft(*init); }, 10s))
      << "children of init: " << ChildrenOf(*init).size();
  ASSERT_EQ(run.ReadLine(), "waiting");
  // unshare does not pass signals on; the runtime would signal PID 1 itself.
  // A signal from outside the namespace reaches its init only because the
  // init has it blocked and queued, not left at SIG_DFL.
  ASSERT_EQ(::kill(*init, SIGTERM), 0);
  EXPECT_EQ(run.Wait(), 5);
}

TEST(InitProcessTest, AsPid1KillsLeftoversAndPropagatesSignalDeath) {
  if (auto why = NamespaceUnavailable(); !why.empty()) GTEST_SKIP() << why;
  constexpr auto kGrace = 300ms;
  Program run = StartInNamespace(
      {ProbeBinary(), "--grace-ms", std::to_string(kGrace.count()), "stubborn", "2", "polite", "1", "kill-self"});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(run.ReadLine()) << run.Stderr();
  auto init = NamespaceInit(run);
  ASSERT_TRUE(init);
  std::vector<pid_t> before;
  // Host pids of everything in the namespace but the init: the init's
  // children once the daemon is gone, or the daemon's children before.
  for (const auto& d : ChildrenOf(*init)) {
    before.push_back(d.pid);
    for (const auto& g : ChildrenOf(d.pid)) before.push_back(g.pid);
  }
  const auto start = Clock::now();
  EXPECT_EQ(run.Wait(), 128 + SIGKILL) << run.Stderr();
  EXPECT_GE(Clock::now() - start, kGrace - 50ms);
  for (pid_t pid : before) EXPECT_TRUE(ProbeProcessGone(pid)) << pid;
}

}  // namespace
}  // namespace stockade::supervisor
