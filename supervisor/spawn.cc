#include "supervisor/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace stockade::supervisor {
namespace {

// The kernel's signal set is 64 bits on every architecture we build for
// (x86_64, arm64); the rt_sig* syscalls take its size explicitly.
constexpr size_t kKernelSigsetBytes = 8;
constexpr int kKernelNsig = 64;  // signals 1..64

// The kernel's struct sigaction. An all-zero value means SIG_DFL, no flags,
// empty mask on every layout (x86_64 and arm64 both have sa_restorer), which
// is the only value the child ever installs.
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};

// The child's stack. It needs only a few frames of raw syscalls; the guard
// page turns an overflow into a crash of the child instead of silent
// corruption of the supervisor's heap (the memory is shared).
constexpr size_t kGuardBytes = 4096;
constexpr size_t kStackBytes = 64 * 1024;

class ChildStack {
 public:
  ChildStack() {
    void* p = ::mmap(nullptr, kGuardBytes + kStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<char*>(p);
    ::mprotect(base_, kGuardBytes, PROT_NONE);
  }
  ~ChildStack() {
    if (base_) ::munmap(base_, kGuardBytes + kStackBytes);
  }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;

  explicit operator bool() const { return base_ != nullptr; }
  void* top() const { return base_ + kGuardBytes + kStackBytes; }  // stacks grow down

 private:
  char* base_ = nullptr;
};

struct RlimitStep {
  int resource;
  const char* step;  // names the failing step in the error
  uint64_t soft;
  uint64_t hard;
};

// Everything the child needs, prepared by the parent so that the child
// allocates nothing. `step`/`err` are the shared error slot: the child writes
// them just before _exit, the parent reads them after clone() returns.
struct ChildArgs {
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdin_fd = -1;
  int stdout_fd = -1;
  const int* procs_fds = nullptr;
  size_t procs_count = 0;
  RlimitStep rlimits[6] = {};
  size_t rlimit_count = 0;
  bool new_session = false;
  bool die_with_parent = false;
  bool no_new_privs = false;
  bool set_ids = false;
  bool drop_caps = false;
  int exec_fd = -1;
  int nice = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t parent_pid = 0;

  const char* step = nullptr;
  int err = 0;
};

// --- Child side: raw syscalls only. ---
// syscall(2) is a thin assembly stub; on failure it stores errno in the TLS of
// the parent's (suspended) thread, which we read back at once and which the
// parent overwrites anyway. Nothing here takes a lock or touches the heap.

[[noreturn]] void ChildFail(ChildArgs* a, const char* step, int err) {
  a->step = step;
  a->err = err;
  ::syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

// Makes `fd` the child's descriptor `target`, without close-on-exec.
void ChildInstallFd(ChildArgs* a, int fd, int target, const char* step) {
  long rc = fd == target ? ::syscall(SYS_fcntl, fd, F_SETFD, 0)  // dup3 refuses fd == target
                         : ::syscall(SYS_dup3, fd, target, 0);
  if (rc < 0) ChildFail(a, step, errno);
}

void ChildDropBoundingSet(ChildArgs* a) {
  for (int cap = 0; cap < 64; ++cap) {
    if (::syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
      if (errno == EPERM) return;  // not privileged: there is nothing to drop
      ChildFail(a, "prctl(PR_CAPBSET_DROP)", errno);
    }
  }
}

int ChildMain(void* arg) {
  auto* a = static_cast<ChildArgs*>(arg);

  // Signals are all blocked (the parent did it before clone). A handler
  // inherited from the supervisor must never run here: it would run on the
  // supervisor's memory. Reset every disposition before anything else.
  KernelSigaction dfl{};
  for (int sig = 1; sig <= kKernelNsig; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, kKernelSigsetBytes) < 0) {
      ChildFail(a, "rt_sigaction(SIG_DFL)", errno);
    }
  }

  // Join the worker cgroups first, so the exec'd image is charged to them.
  // "0" means "the writing process" in both cgroup v1 and v2.
  for (size_t i = 0; i < a->procs_count; ++i) {
    if (::syscall(SYS_write, a->procs_fds[i], "0", 1) != 1) ChildFail(a, "write cgroup.procs", errno);
  }

  if (a->new_session && ::syscall(SYS_setsid) < 0) ChildFail(a, "setsid", errno);

  // Identity, after the cgroup writes (which need our privileges) and
  // before the parent-death signal (a credential change clears it) and the
  // rlimits (RLIMIT_NPROC = 0 is checked against the new uid's processes at
  // setresuid time, so it must be lowered only afterwards). Raw syscalls:
  // glibc's setresuid would signal every thread of the supervisor.
  if (a->set_ids) {
    // Empty the bounding set too (while we still hold CAP_SETPCAP): nothing
    // exec'd later could regain a capability even through a file's caps.
    ChildDropBoundingSet(a);
    if (::syscall(SYS_setgroups, 0, nullptr) < 0) ChildFail(a, "setgroups(0)", errno);
    if (::syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0) ChildFail(a, "setresgid", errno);
    if (::syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0) ChildFail(a, "setresuid", errno);
  } else if (a->drop_caps) {
    // Stay uid 0 but hold nothing: with SECBIT_NOROOT an exec as root no
    // longer grants the full sets, the bounding set is emptied, and then the
    // current sets are cleared. Locked, so the worker cannot undo it.
    const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                               SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                               SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (::syscall(SYS_prctl, PR_SET_SECUREBITS, bits, 0, 0, 0) < 0) {
      ChildFail(a, "prctl(PR_SET_SECUREBITS)", errno);
    }
    ChildDropBoundingSet(a);
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capset, &header, data) < 0) ChildFail(a, "capset(0)", errno);
  }

  if (a->die_with_parent) {
    if (::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
      ChildFail(a, "prctl(PR_SET_PDEATHSIG)", errno);
    }
    // If the supervisor died before the prctl, no signal will ever come:
    // we have already been re-parented. Give up instead of running orphaned.
    if (::syscall(SYS_getppid) != a->parent_pid) ChildFail(a, "supervisor exited during spawn", ESRCH);
  }

  // Move the pipe ends to 0 and 1. An end that sits on the other's target
  // number is first copied out of the way, so neither dup clobbers the other.
  int in = a->stdin_fd;
  int out = a->stdout_fd;
  if (in == 1 && (in = static_cast<int>(::syscall(SYS_fcntl, in, F_DUPFD, 3))) < 0) {
    ChildFail(a, "fcntl(F_DUPFD, stdin)", errno);
  }
  if (out == 0 && (out = static_cast<int>(::syscall(SYS_fcntl, out, F_DUPFD, 3))) < 0) {
    ChildFail(a, "fcntl(F_DUPFD, stdout)", errno);
  }
  ChildInstallFd(a, in, 0, "dup3(stdin)");
  ChildInstallFd(a, out, 1, "dup3(stdout)");

  // Everything from 2 up goes, CLOEXEC or not: the child's descriptor table is
  // its own copy (no CLONE_FILES), so the supervisor keeps all of them.
  // The executable's O_PATH descriptor, if any, survives as fd 2 until the
  // exec, which closes it (close-on-exec).
  unsigned first_closed = 2;
  if (a->exec_fd >= 0) {
    if (::syscall(SYS_dup3, a->exec_fd, 2, O_CLOEXEC) < 0) ChildFail(a, "dup3(exec fd)", errno);
    first_closed = 3;
  }
  if (::syscall(SYS_close_range, first_closed, ~0U, 0U) < 0) ChildFail(a, "close_range", errno);

  for (size_t i = 0; i < a->rlimit_count; ++i) {
    const RlimitStep& r = a->rlimits[i];
    struct rlimit64 lim = {r.soft, r.hard};
    if (::syscall(SYS_prlimit64, 0, r.resource, &lim, nullptr) < 0) ChildFail(a, r.step, errno);
  }

  if (a->nice != 0 && ::syscall(SYS_setpriority, PRIO_PROCESS, 0, a->nice) < 0) {
    ChildFail(a, "setpriority", errno);
  }
  if (a->no_new_privs && ::syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    ChildFail(a, "prctl(PR_SET_NO_NEW_PRIVS)", errno);
  }

  // Last: the new image starts with an empty signal mask. A signal pending
  // from here on meets a default disposition, never a supervisor handler.
  uint64_t empty = 0;
  if (::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, nullptr, kKernelSigsetBytes) < 0) {
    ChildFail(a, "rt_sigprocmask(SIG_SETMASK)", errno);
  }
  if (a->exec_fd >= 0) {
    ::syscall(SYS_execveat, 2, "", a->argv, a->envp, AT_EMPTY_PATH);
  } else {
    ::syscall(SYS_execve, a->path, a->argv, a->envp);
  }
  ChildFail(a, "execve", errno);
}

// --- Parent side. ---

void AddRlimit(ChildArgs& a, int resource, const char* step, uint64_t soft, uint64_t hard) {
  a.rlimits[a.rlimit_count++] = RlimitStep{resource, step, soft, hard};
}

Status CheckFd(int fd, const char* role) {
  if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
    return Status::Error(std::string(role) + " (" + std::to_string(fd) + ") is not an open descriptor");
  }
  return Status::Ok();
}

Status Validate(const SpawnSpec& spec) {
  if (spec.executable.empty() || spec.executable[0] != '/') {
    return Status::Error("executable must be an absolute path");
  }
  STOCKADE_RETURN_IF_ERROR(CheckFd(spec.stdin_fd, "stdin_fd"));
  STOCKADE_RETURN_IF_ERROR(CheckFd(spec.stdout_fd, "stdout_fd"));
  for (int fd : spec.cgroup_procs_fds) STOCKADE_RETURN_IF_ERROR(CheckFd(fd, "cgroup.procs fd"));
  if (spec.exec_fd >= 0) STOCKADE_RETURN_IF_ERROR(CheckFd(spec.exec_fd, "exec_fd"));
  if (spec.rlimits.open_files && *spec.rlimits.open_files < 2) {
    return Status::Error("rlimits.open_files must be at least 2 (descriptors 0 and 1)");
  }
  if (spec.rlimits.cpu_seconds && *spec.rlimits.cpu_seconds == RLIM_INFINITY) {
    return Status::Error("rlimits.cpu_seconds too large");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<ChildProcess> Spawn(const SpawnSpec& spec) {
  const std::string what = "spawn " + spec.executable;
  STOCKADE_RETURN_IF_ERROR(Validate(spec).With(what));

  // Everything the child reads is laid out now; the child must not allocate.
  std::vector<char*> argv;
  if (spec.argv.empty()) {
    argv.push_back(const_cast<char*>(spec.executable.c_str()));
  } else {
    for (const std::string& s : spec.argv) argv.push_back(const_cast<char*>(s.c_str()));
  }
  argv.push_back(nullptr);
  char* envp[] = {nullptr};  // the worker inherits no environment at all

  ChildArgs args;
  args.path = spec.executable.c_str();
  args.argv = argv.data();
  args.envp = envp;
  args.stdin_fd = spec.stdin_fd;
  args.stdout_fd = spec.stdout_fd;
  args.procs_fds = spec.cgroup_procs_fds.data();
  args.procs_count = spec.cgroup_procs_fds.size();
  args.new_session = spec.new_session;
  args.die_with_parent = spec.die_with_parent;
  args.no_new_privs = spec.no_new_privs;
  args.set_ids = spec.uid.has_value() || spec.gid.has_value();
  args.drop_caps = spec.drop_capabilities;
  args.exec_fd = spec.exec_fd;
  args.nice = spec.nice;
  args.uid = spec.uid.value_or(::getuid());
  args.gid = spec.gid.value_or(::getgid());
  args.parent_pid = ::getpid();
  const SpawnRlimits& r = spec.rlimits;
  if (r.address_space_bytes) {
    AddRlimit(args, RLIMIT_AS, "setrlimit(RLIMIT_AS)", *r.address_space_bytes, *r.address_space_bytes);
  }
  if (r.cpu_seconds) AddRlimit(args, RLIMIT_CPU, "setrlimit(RLIMIT_CPU)", *r.cpu_seconds, *r.cpu_seconds + 1);
  if (r.file_size_bytes) {
    AddRlimit(args, RLIMIT_FSIZE, "setrlimit(RLIMIT_FSIZE)", *r.file_size_bytes, *r.file_size_bytes);
  }
  if (r.open_files) AddRlimit(args, RLIMIT_NOFILE, "setrlimit(RLIMIT_NOFILE)", *r.open_files, *r.open_files);
  AddRlimit(args, RLIMIT_CORE, "setrlimit(RLIMIT_CORE)", 0, 0);
  AddRlimit(args, RLIMIT_NPROC, "setrlimit(RLIMIT_NPROC)", 0, 0);

  ChildStack stack;
  if (!stack) return ErrnoError(what + ": mmap(child stack)");

  // Block every signal, including glibc's internal ones (which
  // pthread_sigmask would refuse to block), so that no handler can run in the
  // child between clone and its reset of the dispositions.
  uint64_t all = ~uint64_t{0};
  uint64_t saved = 0;
  ::syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &saved, kKernelSigsetBytes);
  int pidfd = -1;
  pid_t pid = ::clone(ChildMain, stack.top(), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &args, &pidfd);
  int clone_errno = errno;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, nullptr, kKernelSigsetBytes);
  if (pid < 0) return ErrnoError(what + ": clone", clone_errno);

  // CLONE_VFORK: we resume only after the child's execve succeeded or it
  // exited, so the error slot is final here.
  ChildProcess child(pid, UniqueFd(pidfd));
  if (args.step != nullptr) {
    (void)child.Reap();  // the child has already called exit_group
    return ErrnoError(what + ": " + args.step, args.err);
  }
  return child;
}

}  // namespace stockade::supervisor
