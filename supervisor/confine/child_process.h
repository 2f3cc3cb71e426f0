// ChildProcess: the move-only owner of one child process, tracked by pidfd.
//
// A worker is identified by its pidfd, never by its pid alone: once a pid is
// reaped the kernel may hand the number to an unrelated process, and kill(pid)
// would then hit a stranger. pidfd_send_signal(2) and waitid(P_PIDFD) act on
// the exact process the pidfd was created for, so a signal to a child that is
// already gone is a harmless no-op here instead of a hazard. The pidfd also
// becomes readable when the child exits, which lets the pool wait for it with
// Asio (posix::stream_descriptor) instead of a SIGCHLD handler.
//
// Ownership rule (STYLE.md 14): a ChildProcess that is destroyed before it was
// reaped sends SIGKILL and reaps, so no code path leaks a running worker or a
// zombie. Reaping blocks only until the kernel has torn the process down, which
// after SIGKILL is bounded and short.
//
// Caveat for PID-1 duty: a process-wide waitpid(-1) reaper would steal the exit
// status of these children. The reaper must use waitid(P_ALL, ..., WNOWAIT) to
// look first and leave tracked pids to their ChildProcess.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "proto/status.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {

// How a child ended, decoded from waitid's siginfo_t.
struct ExitInfo {
  bool exited = false;  // true: called exit(code); false: killed by `signal`
  int code = 0;         // exit status when `exited`
  int signal = 0;       // terminating signal when !exited
  bool core = false;    // the kernel wrote (or tried to write) a core dump

  static ExitInfo FromSiginfo(const siginfo_t& info);
  // "exited with code 3", "killed by signal 9 (SIGKILL)", "... (core dumped)".
  std::string describe() const;
};

class ChildProcess {
 public:
  // Whether TryReap consumes the exit status or only looks at it (WNOWAIT),
  // leaving the child a zombie that can still be reaped later.
  enum class Wait { kReap, kPeek };

  ChildProcess() = default;  // owns nothing
  ChildProcess(pid_t pid, UniqueFd pidfd);
  // Starts tracking an existing child of this process via pidfd_open(2). Only
  // safe for a pid that cannot have been reaped yet (our own unreaped child).
  static StatusOr<ChildProcess> Adopt(pid_t pid);
  ~ChildProcess();

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  explicit operator bool() const { return static_cast<bool>(pidfd_); }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  bool reaped() const { return exit_.has_value(); }
  // Set once the child has been reaped.
  const std::optional<ExitInfo>& exit_info() const { return exit_; }

  // Sends `sig` through the pidfd. OK (and nothing is sent) when the child was
  // already reaped or has already exited: there is nobody left to signal.
  Status Signal(int sig);

  // Non-blocking: true and *info filled when the child has exited, false when
  // it is still running. With Wait::kPeek the child stays unreaped.
  StatusOr<bool> TryReap(siginfo_t* info, Wait how = Wait::kReap);

  // Blocks until the child exits, reaps it and returns how it ended. Calling it
  // again after the child was reaped returns the recorded ExitInfo.
  StatusOr<ExitInfo> Reap();

 private:
  void KillAndReap() noexcept;

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  std::optional<ExitInfo> exit_;
};

}  // namespace stockade::supervisor
