#include "supervisor/confine/init_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <string>

#include "supervisor/common/log.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {
namespace {

// Set in the daemon child only; read by RunningUnderStockadeInit(). Written
// once before any thread exists, so a plain bool is enough.
bool g_under_init = false;
pid_t g_init_pid = 0;  // with g_under_init: the init's pid, in our pid namespace

// What the init passes on to the daemon. SIGKILL and SIGSTOP cannot be caught,
// and the job-control signals are left alone: they concern the terminal, not
// the service.
constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// SIGKILLed processes normally vanish at once; one stuck in uninterruptible
// sleep (a hung NFS mount) must not keep the container from stopping forever.
constexpr std::chrono::milliseconds kKillPhaseLimit{5000};
constexpr std::chrono::milliseconds kKillPollInterval{100};

sigset_t InitSignalSet() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwardedSignals) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  return set;
}

// Dispositions are inherited across fork and exec. An inherited SIG_IGN for
// SIGCHLD would make the kernel auto-reap children, losing the daemon's exit
// status in the init and the workers' statuses in the daemon, so both sides
// start from the defaults.
void ResetDispositions() {
  for (int sig : kForwardedSignals) ::signal(sig, SIG_DFL);
  ::signal(SIGCHLD, SIG_DFL);
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;  // waitpid without WUNTRACED reports only exits and deaths
}

// The parent pid from /proc/<pid>/stat; nullopt if the process is gone. The
// command name (field 2) may hold spaces and ')', so parse after the last ')'.
std::optional<pid_t> ParentOf(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buf[512];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  const char* close_paren = std::strrchr(buf, ')');
  if (!close_paren) return std::nullopt;
  char state = 0;
  int ppid = 0;
  if (std::sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return std::nullopt;
  return static_cast<pid_t>(ppid);
}

// The init's half of the split. Single-threaded, no handlers: every signal it
// cares about stays blocked and is taken synchronously with sigtimedwait, so
// nothing here has to be async-signal-safe.
class InitLoop {
 public:
  InitLoop(pid_t daemon, UniqueFd daemon_pidfd, bool pid1, std::chrono::milliseconds grace)
      : daemon_(daemon), daemon_pidfd_(std::move(daemon_pidfd)), pid1_(pid1), grace_(grace) {}

  [[noreturn]] void Run() {
    const sigset_t signals = InitSignalSet();
    while (!daemon_status_) {
      const int sig = WaitForSignal(signals, std::nullopt);
      if (sig == SIGCHLD) {
        ReapAll();
      } else if (sig > 0) {
        Forward(sig);
      }
    }
    const int code = ExitCodeOf(*daemon_status_);
    Log(LogLevel::kInfo, "init.daemon_exited", {{"pid", daemon_}, {"exit_code", code}});
    StopLeftovers(signals);
    // _exit, not exit: the atexit handlers and static destructors belong to
    // the daemon, which has run (or skipped) them in its own process.
    ::_exit(code);
  }

 private:
  // Takes one signal; 0 on timeout. nullopt waits forever.
  static int WaitForSignal(const sigset_t& signals, std::optional<std::chrono::milliseconds> timeout) {
    siginfo_t info;
    timespec ts{};
    if (timeout) {
      ts.tv_sec = static_cast<time_t>(timeout->count() / 1000);
      ts.tv_nsec = static_cast<long>((timeout->count() % 1000) * 1000000);
    }
    const int sig = timeout ? ::sigtimedwait(&signals, &info, &ts) : ::sigwaitinfo(&signals, &info);
    return sig < 0 ? 0 : sig;  // EAGAIN (timeout) or EINTR (a stop/continue)
  }

  // Reaps every child that has exited. Returns false once we have no children
  // at all: every remaining descendant has an ancestor that is our child, so
  // none left means the tree below us is empty.
  bool ReapAll() {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid > 0) {
        if (pid == daemon_) {
          daemon_status_ = status;
          daemon_pidfd_.reset();
        }
        continue;
      }
      if (pid == 0) return true;
      if (errno == EINTR) continue;
      return false;  // ECHILD
    }
  }

  // Through the pidfd, so the signal reaches the daemon and nothing else. If
  // the kernel has no pidfd_open (before 5.3) kill() is still exact here: we
  // forward only until we reap the daemon, and an unreaped child keeps its pid.
  void Forward(int sig) {
    if (daemon_status_) return;
    const long rc = daemon_pidfd_ ? ::syscall(SYS_pidfd_send_signal, daemon_pidfd_.get(), sig, nullptr, 0)
                                  : ::kill(daemon_, sig);
    if (rc != 0 && errno != ESRCH) {
      Log(LogLevel::kWarn, "init.forward_failed", {{"signal", sig}, {"error", std::strerror(errno)}});
    }
  }

  // As PID 1 of a namespace, kill(-1) reaches exactly the namespace's other
  // processes. As a subreaper it would reach everything the user owns, so we
  // signal only our own children, found in /proc: an unreaped child cannot
  // have its pid recycled, so kill(pid) cannot hit a stranger. Deeper
  // descendants are re-parented to us when their parents die and are picked
  // up by the next scan. `already` skips children signalled before.
  void SignalLeftovers(int sig, std::set<pid_t>* already) {
    if (pid1_) {
      ::kill(-1, sig);
      return;
    }
    const pid_t self = ::getpid();
    DIR* dir = ::opendir("/proc");
    if (!dir) return;
    while (const dirent* entry = ::readdir(dir)) {
      char* end = nullptr;
      const long pid = std::strtol(entry->d_name, &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      if (ParentOf(static_cast<pid_t>(pid)) != self) continue;
      if (already && !already->insert(static_cast<pid_t>(pid)).second) continue;
      ::kill(static_cast<pid_t>(pid), sig);
    }
    ::closedir(dir);
  }

  // SIGTERM, up to `grace_` for them to go, then SIGKILL until nobody is left.
  void StopLeftovers(const sigset_t& signals) {
    using Clock = std::chrono::steady_clock;
    if (!ReapAll()) return;
    std::set<pid_t> termed;
    SignalLeftovers(SIGTERM, &termed);
    const auto term_deadline = Clock::now() + grace_;
    while (ReapAll()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(term_deadline - Clock::now());
      if (left <= std::chrono::milliseconds::zero()) break;
      // Forwarded signals arriving now have no daemon to go to; any signal
      // just wakes us to reap and look for newly re-parented orphans.
      WaitForSignal(signals, std::min(left, kKillPollInterval));
      if (!pid1_) SignalLeftovers(SIGTERM, &termed);
    }
    const auto kill_deadline = Clock::now() + kKillPhaseLimit;
    while (ReapAll()) {
      if (Clock::now() >= kill_deadline) {
        Log(LogLevel::kWarn, "init.leftovers_unkillable", {{"waited_ms", kKillPhaseLimit.count()}});
        return;
      }
      SignalLeftovers(SIGKILL, nullptr);
      WaitForSignal(signals, kKillPollInterval);
    }
  }

  const pid_t daemon_;
  UniqueFd daemon_pidfd_;
  const bool pid1_;
  const std::chrono::milliseconds grace_;
  std::optional<int> daemon_status_;
};

// The daemon's half: undo what the init set up for itself.
void BecomeDaemonChild(pid_t init_pid) {
  // If the init dies the daemon must not run on unsupervised; SIGKILL rather
  // than SIGTERM because nobody would be left to reap or forward anyway.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The init may have died before PDEATHSIG was armed.
  if (::getppid() != init_pid) ::_exit(1);
  ResetDispositions();
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  g_under_init = true;
  g_init_pid = init_pid;
}

}  // namespace

bool BecomeInitIfNeeded(const InitOptions& options) {
  const bool pid1 = ::getpid() == 1;
  if (!pid1 && !options.force) return true;

  // Not inherited by fork: only the init becomes the subreaper.
  if (!pid1 && ::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    Log(LogLevel::kWarn, "init.subreaper_failed", {{"error", std::strerror(errno)}});
  }

  // Block before forking, so a SIGTERM that arrives while the daemon is still
  // starting waits in the init's queue instead of killing it.
  const sigset_t signals = InitSignalSet();
  sigset_t old_mask;
  ::sigprocmask(SIG_BLOCK, &signals, &old_mask);
  ResetDispositions();
  // Unflushed stdio would otherwise be written twice, once by each process.
  std::fflush(nullptr);

  const pid_t init_pid = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    Log(LogLevel::kWarn, "init.fork_failed", {{"error", std::strerror(errno)}});
    if (!pid1) ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    return true;
  }
  if (child == 0) {
    BecomeDaemonChild(init_pid);
    return true;
  }

  // pidfd_open on our own unreaped child is race-free: nobody else can reap it.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
  InitLoop(child, std::move(pidfd), pid1, options.kill_grace).Run();
}

bool RunningUnderStockadeInit() { return g_under_init; }

pid_t StockadeInitPid() { return g_under_init ? g_init_pid : 0; }

}  // namespace stockade::supervisor
