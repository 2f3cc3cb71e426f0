#include "supervisor/confine/child_process.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

namespace stockade::supervisor {
namespace {

// glibc 2.36 has no wrappers for these two; the raw syscalls are stable ABI.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int PidfdSendSignal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// waitid(P_PIDFD) retried on EINTR. Returns 0 or -1 with errno set.
int WaitPidfd(int pidfd, siginfo_t* info, int options) {
  int rc;
  do {
    *info = siginfo_t{};
    rc = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), info, options);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

}  // namespace

ExitInfo ExitInfo::FromSiginfo(const siginfo_t& info) {
  ExitInfo e;
  switch (info.si_code) {
    case CLD_EXITED:
      e.exited = true;
      e.code = info.si_status;
      break;
    case CLD_DUMPED:
      e.core = true;
      e.signal = info.si_status;
      break;
    default:  // CLD_KILLED (WEXITED only reports terminations)
      e.signal = info.si_status;
      break;
  }
  return e;
}

std::string ExitInfo::describe() const {
  if (exited) return "exited with code " + std::to_string(code);
  std::string out = "killed by signal " + std::to_string(signal);
  if (const char* abbrev = ::sigabbrev_np(signal)) out += std::string(" (SIG") + abbrev + ")";
  if (core) out += " (core dumped)";
  return out;
}

ChildProcess::ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}

StatusOr<ChildProcess> ChildProcess::Adopt(pid_t pid) {
  int fd = PidfdOpen(pid);
  if (fd < 0) return ErrnoError("pidfd_open(" + std::to_string(pid) + ")");
  return ChildProcess(pid, UniqueFd(fd));
}

ChildProcess::~ChildProcess() { KillAndReap(); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      exit_(std::exchange(other.exit_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();  // the child we owned until now must not outlive us
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    exit_ = std::exchange(other.exit_, std::nullopt);
  }
  return *this;
}

Status ChildProcess::Signal(int sig) {
  if (!pidfd_) return Status::Error("signal: no child process");
  if (reaped()) return Status::Ok();
  if (PidfdSendSignal(pidfd_.get(), sig) == 0) return Status::Ok();
  // ESRCH: the process has exited (it may still be an unreaped zombie).
  if (errno == ESRCH) return Status::Ok();
  return ErrnoError("pidfd_send_signal(pid " + std::to_string(pid_) + ", " +
                    std::to_string(sig) + ")");
}

StatusOr<bool> ChildProcess::TryReap(siginfo_t* info, Wait how) {
  if (!pidfd_) return Status::Error("waitid: no child process");
  if (reaped()) return Status::Error("waitid: pid " + std::to_string(pid_) + " already reaped");
  int options = WEXITED | WNOHANG | (how == Wait::kPeek ? WNOWAIT : 0);
  if (WaitPidfd(pidfd_.get(), info, options) < 0) {
    return ErrnoError("waitid(pid " + std::to_string(pid_) + ")");
  }
  // With WNOHANG and nothing to report, the kernel leaves si_pid zero.
  if (info->si_pid == 0) return false;
  if (how == Wait::kReap) exit_ = ExitInfo::FromSiginfo(*info);
  return true;
}

StatusOr<ExitInfo> ChildProcess::Reap() {
  if (!pidfd_) return Status::Error("waitid: no child process");
  if (reaped()) return *exit_;
  siginfo_t info;
  if (WaitPidfd(pidfd_.get(), &info, WEXITED) < 0) {
    return ErrnoError("waitid(pid " + std::to_string(pid_) + ")");
  }
  exit_ = ExitInfo::FromSiginfo(info);
  return *exit_;
}

void ChildProcess::KillAndReap() noexcept {
  if (pidfd_ && !reaped()) {
    PidfdSendSignal(pidfd_.get(), SIGKILL);  // ESRCH (already exited) is fine
    siginfo_t info;
    if (WaitPidfd(pidfd_.get(), &info, WEXITED) == 0) exit_ = ExitInfo::FromSiginfo(info);
  }
  pidfd_.reset();
  pid_ = -1;
  exit_.reset();
}

}  // namespace stockade::supervisor
