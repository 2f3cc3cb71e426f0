// ChildProcess and ExitInfo: decoding exits, signalling by pidfd, and the
// kill-and-reap guarantee of the destructor.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/confine/child_process.h"

namespace stockade::supervisor {
namespace {

// A plain fork()ed child running `fn`; fine in a single-threaded test.
template <typename Fn>
ChildProcess ForkChild(Fn fn) {
  pid_t pid = ::fork();
  if (pid == 0) {
    fn();
    ::_exit(0);
  }
  StatusOr<ChildProcess> child = ChildProcess::Adopt(pid);
  EXPECT_TRUE(child.ok()) << child.status().message();
  return std::move(child).value();
}

bool ProcessExists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

TEST(spawn_child_process, exit_code_is_decoded) {
  ChildProcess child = ForkChild([] { ::_exit(3); });
  StatusOr<ExitInfo> info = child.Reap();
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_TRUE(info->exited);
  EXPECT_EQ(info->code, 3);
  EXPECT_EQ(info->describe(), "exited with code 3");
  EXPECT_TRUE(child.reaped());
}

TEST(spawn_child_process, signal_death_is_decoded) {
  ChildProcess child = ForkChild([] { ::pause(); });
  ASSERT_TRUE(child.Signal(SIGTERM).ok());
  StatusOr<ExitInfo> info = child.Reap();
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->exited);
  EXPECT_EQ(info->signal, SIGTERM);
  EXPECT_EQ(info->describe(), "killed by signal 15 (SIGTERM)");
}

TEST(spawn_child_process, try_reap_peek_and_reap) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  ChildProcess child = ForkChild([&] {
    ::close(ready[1]);  // or our own copy would keep the pipe open forever
    char c;
    (void)!::read(ready[0], &c, 1);  // wait until told to exit
    ::_exit(7);
  });
  ::close(ready[0]);
  siginfo_t si;
  StatusOr<bool> done = child.TryReap(&si);
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done) << "child should still be running";

  ::close(ready[1]);  // EOF: the child exits
  siginfo_t peek{};
  ASSERT_EQ(::waitid(P_PIDFD, static_cast<id_t>(child.pidfd()), &peek, WEXITED | WNOWAIT), 0);
  done = child.TryReap(&si, ChildProcess::Wait::kPeek);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  EXPECT_FALSE(child.reaped()) << "a peek must leave the zombie in place";
  done = child.TryReap(&si);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  ASSERT_TRUE(child.exit_info().has_value());
  EXPECT_EQ(child.exit_info()->code, 7);
}

TEST(spawn_child_process, destructor_kills_and_reaps) {
  pid_t pid;
  {
    ChildProcess child = ForkChild([] { ::pause(); });
    pid = child.pid();
    ASSERT_TRUE(ProcessExists(pid));
  }
  // Reaped, not a zombie: the pid no longer exists at all. (It could in
  // theory be reused this fast; pid_max makes that vanishingly unlikely.)
  EXPECT_FALSE(ProcessExists(pid));
}

TEST(spawn_child_process, signal_after_reap_is_safe) {
  ChildProcess child = ForkChild([] { ::_exit(0); });
  ASSERT_TRUE(child.Reap().ok());
  EXPECT_TRUE(child.Signal(SIGKILL).ok());
  // Reap again returns the recorded result instead of failing.
  StatusOr<ExitInfo> again = child.Reap();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->exited);
}

TEST(spawn_child_process, signal_to_unreaped_zombie_is_safe) {
  ChildProcess child = ForkChild([] { ::_exit(0); });
  siginfo_t si{};
  ASSERT_EQ(::waitid(P_PIDFD, static_cast<id_t>(child.pidfd()), &si, WEXITED | WNOWAIT), 0);
  EXPECT_TRUE(child.Signal(SIGKILL).ok());
}

TEST(spawn_child_process, move_transfers_ownership) {
  ChildProcess a = ForkChild([] { ::pause(); });
  pid_t pid = a.pid();
  ChildProcess b = std::move(a);
  EXPECT_FALSE(static_cast<bool>(a));  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b.pid(), pid);
  EXPECT_FALSE(a.Signal(SIGKILL).ok());  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(b.Signal(SIGKILL).ok());
  StatusOr<ExitInfo> info = b.Reap();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->signal, SIGKILL);
}

}  // namespace
}  // namespace stockade::supervisor
