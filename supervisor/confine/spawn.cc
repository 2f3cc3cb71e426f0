#include "supervisor/confine/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "supervisor/confine/child_stack.h"
#include "supervisor/confine/spawn_namespaces.h"
#include "supervisor/common/unique_fd.h"

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
  int parent_pidfd = -1;  // the supervisor process: readable once it is gone

  // Namespaces (the clone flags made them; these finish the job).
  int go_fd = -1;             // user namespace: one byte once the maps are written
  int go_write_fd = -1;       // our copy of its write end: closed, or EOF never comes
  int done_fd = -1;           // without CLONE_VFORK: close-on-exec, kept to exec
  bool empty_root = false;    // new mount namespace: pivot to an empty tmpfs
  bool cgroup_ns = false;     // unshare(CLONE_NEWCGROUP) once in the worker cgroups
  bool drop_ns_caps = false;  // new user namespace: drop what it granted

  const char* step = nullptr;
  int err = 0;
  // Namespace steps that failed without failing the spawn: the empty
  // root's (the parent retries without the mount namespace) and the
  // cgroup namespace's (the child goes on without it).
  const char* root_step = nullptr;
  int root_err = 0;
  int cgroup_ns_err = 0;
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

// Gives up on the empty root: records the step in its own slot and exits,
// so that the parent spawns again without the mount namespace. A worker
// left in a mount namespace of its own that still shows the host's tree
// would be neither one thing nor the other: its /proc/<pid>/ns/mnt differs
// from ours while the layer is not there, and outside checks could not
// tell a refusal from a broken layer.
[[noreturn]] void ChildRootFail(ChildArgs* a, const char* step) {
  a->root_step = step;
  a->root_err = errno;
  ::syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

// In the new mount namespace: make nothing propagate back to the host,
// mount an empty read-only tmpfs, make it the root and detach the old one.
// The executable stays reachable through exec_fd (an open file keeps its
// mount alive). A failure is a refusal by the host, not of this spawn:
// `/` that is not a mount point (a chroot) makes MS_PRIVATE fail with
// EINVAL, no tmpfs, pivot_root refused. The parent falls back.
void ChildEmptyRoot(ChildArgs* a) {
  auto fail = [a](const char* step) { ChildRootFail(a, step); };
  if (::syscall(SYS_mount, nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    return fail("mount(/, MS_PRIVATE)");
  }
  // Any existing directory will do as the mount point: it is only ever seen
  // by this namespace, and only until the pivot.
  const char* const points[] = {"/tmp", "/mnt", "/dev", "/proc"};
  const char* point = nullptr;
  for (const char* p : points) {
    if (::syscall(SYS_mount, "stockade", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=0555,size=4k") == 0) {
      point = p;
      break;
    }
  }
  if (point == nullptr) return fail("mount(tmpfs)");
  if (::syscall(SYS_chdir, point) < 0) return fail("chdir(new root)");
  // pivot_root(".", "."): the old root ends up stacked on the new one, and
  // detaching "." then takes it away with everything under it.
  if (::syscall(SYS_pivot_root, ".", ".") < 0) return fail("pivot_root");
  if (::syscall(SYS_umount2, ".", MNT_DETACH) < 0) return fail("umount2(old root)");
  if (::syscall(SYS_chdir, "/") < 0) return fail("chdir(/)");
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

  // A user namespace: the parent writes our uid/gid maps, then one byte.
  // EOF means it gave up (or died): nothing to wait for.
  if (a->go_fd >= 0) {
    ::syscall(SYS_close, a->go_write_fd);
    char go = 0;
    long n;
    do {
      n = ::syscall(SYS_read, a->go_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) ChildFail(a, "wait for the user namespace maps", n < 0 ? errno : EPIPE);
  }

  // Join the worker cgroups first, so the exec'd image is charged to them.
  // "0" means "the writing process" in both cgroup v1 and v2.
  for (size_t i = 0; i < a->procs_count; ++i) {
    if (::syscall(SYS_write, a->procs_fds[i], "0", 1) != 1) ChildFail(a, "write cgroup.procs", errno);
  }

  // After joining, so the worker's view of the cgroup tree is rooted at its
  // own cgroup. Not fatal: the report says it is missing.
  if (a->cgroup_ns && ::syscall(SYS_unshare, CLONE_NEWCGROUP) < 0) a->cgroup_ns_err = errno;
  if (a->empty_root) ChildEmptyRoot(a);

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
  if (a->drop_ns_caps) {
    // Creating a user namespace granted every capability in it, the
    // bounding set included, and a uid change inside one that has no root
    // mapped clears nothing. Exec as a non-root uid would drop them; this
    // makes it so before exec too, and visible from outside.
    ChildDropBoundingSet(a);
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capset, &header, data) < 0) ChildFail(a, "capset(0) in the user namespace", errno);
  }

  if (a->die_with_parent) {
    if (::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
      ChildFail(a, "prctl(PR_SET_PDEATHSIG)", errno);
    }
    // If the supervisor died before the prctl, no signal will ever come.
    // Give up instead of running orphaned. (Not getppid(): in a new PID
    // namespace it is 0 whoever the parent is.)
    struct pollfd parent = {a->parent_pidfd, POLLIN, 0};
    struct timespec now = {0, 0};
    if (::syscall(SYS_ppoll, &parent, 1, &now, nullptr, 0) != 0) {
      ChildFail(a, "supervisor exited during spawn", ESRCH);
    }
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
  // The done pipe (parent keeps both numbers >= 3, so the moves above and
  // the exec fd's below cannot land on it) stays open to the exec.
  unsigned first_closed = 2;
  if (a->exec_fd >= 0) {
    if (::syscall(SYS_dup3, a->exec_fd, 2, O_CLOEXEC) < 0) ChildFail(a, "dup3(exec fd)", errno);
    first_closed = 3;
  }
  if (a->done_fd >= 0) {
    if (a->done_fd != static_cast<int>(first_closed) &&
        ::syscall(SYS_dup3, a->done_fd, first_closed, O_CLOEXEC) < 0) {
      ChildFail(a, "dup3(done pipe)", errno);
    }
    ++first_closed;
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

namespace {

// A pipe whose ends are both >= 3, so that the child's moves of its pipe
// ends to 0 and 1 (and of the exec fd to 2) cannot overwrite them.
Status HighPipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
  for (UniqueFd& end : ends) {
    if (end.get() >= 3) continue;
    const int moved = ::fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return ErrnoError("fcntl(F_DUPFD_CLOEXEC)");
    end.reset(moved);
  }
  *read_end = std::move(ends[0]);
  *write_end = std::move(ends[1]);
  return Status::Ok();
}

// What made one attempt fail in a way the next attempt can avoid.
struct Refusal {
  int clone_err = 0;     // clone refused some namespace flag with this errno
  unsigned known = 0;    // these namespaces, already recorded in the report
};

// One attempt with the namespaces in `ns`. On an error that a namespace
// caused, `refusal` says which (or that clone must be asked), so the caller
// can retry without it.
StatusOr<ChildProcess> SpawnOnce(const SpawnSpec& spec, unsigned ns, int exec_fd, const std::string& what,
                                 SpawnReport* report, Refusal* refusal) {
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
  args.exec_fd = exec_fd;
  args.nice = spec.nice;
  args.uid = spec.uid.value_or(::geteuid());
  args.gid = spec.gid.value_or(::getegid());
  args.empty_root = (ns & kNsMount) != 0;
  args.cgroup_ns = (ns & kNsCgroup) != 0;
  const bool user_ns = (ns & kNsUser) != 0;
  args.drop_ns_caps = user_ns;
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

  UniqueFd self(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
  if (!self) return ErrnoError(what + ": pidfd_open(self)");
  args.parent_pidfd = self.get();

  // A user namespace needs the parent running while the child waits: the
  // go pipe carries "maps written", the done pipe's EOF "exec happened".
  UniqueFd go_r, go_w, done_r, done_w;
  if (user_ns) {
    STOCKADE_RETURN_IF_ERROR(HighPipe(&go_r, &go_w).With(what));
    STOCKADE_RETURN_IF_ERROR(HighPipe(&done_r, &done_w).With(what));
    args.go_fd = go_r.get();
    args.go_write_fd = go_w.get();
    args.done_fd = done_w.get();
  }

  ChildStack stack;
  if (!stack) return ErrnoError(what + ": mmap(child stack)");

  const int flags =
      CLONE_VM | CLONE_PIDFD | SIGCHLD | (user_ns ? 0 : CLONE_VFORK) | CloneFlags(ns & kCloneNamespaces);
  // Block every signal, including glibc's internal ones (which
  // pthread_sigmask would refuse to block), so that no handler can run in the
  // child between clone and its reset of the dispositions. Without
  // CLONE_VFORK this also keeps this thread from being interrupted (and from
  // touching errno, which the child shares) while the child runs.
  uint64_t all = ~uint64_t{0};
  uint64_t saved = 0;
  ::syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &saved, kKernelSigsetBytes);
  int pidfd = -1;
  const pid_t pid = ::clone(ChildMain, stack.top(), flags, &args, &pidfd);
  const int clone_errno = errno;
  if (pid < 0) {
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, nullptr, kKernelSigsetBytes);
    if ((ns & kCloneNamespaces) != 0 && IsNamespaceRefusal(clone_errno)) refusal->clone_err = clone_errno;
    return ErrnoError(what + ": clone", clone_errno);
  }
  ChildProcess child(pid, UniqueFd(pidfd));
  if (user_ns) {
    // Our copies of the child's ends go, so that EOF means the child's did.
    go_r.reset();
    done_w.reset();
    const Status mapped = WriteIdMaps(pid, args.uid, args.gid);
    if (mapped.ok()) {
      const char go = 1;
      (void)!::write(go_w.get(), &go, 1);
    }
    go_w.reset();  // EOF: a child still waiting gives up
    char byte;
    while (::read(done_r.get(), &byte, 1) > 0) {
    }
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, nullptr, kKernelSigsetBytes);
    if (!mapped.ok()) {
      (void)child.Reap();
      report->refused.push_back({kNsUser, mapped.message()});
      refusal->known = kNsUser;
      return mapped.With(what);
    }
  } else {
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, nullptr, kKernelSigsetBytes);
  }

  // The child has exec'd or exited, so the error slots are final here.
  if (args.root_step != nullptr) {
    // The mount namespace exists but not its empty root: not the layer it
    // is meant to be, so it is refused and the caller spawns without it.
    (void)child.Reap();
    report->refused.push_back({kNsMount, std::string("empty root: ") + args.root_step + ": " + std::strerror(args.root_err)});
    refusal->known = kNsMount;
    return Status::Error(what + ": empty root: " + args.root_step + ": " + std::strerror(args.root_err));
  }
  if (args.step != nullptr) {
    (void)child.Reap();  // the child has already called exit_group
    return ErrnoError(what + ": " + args.step, args.err);
  }
  report->namespaces = ns;
  if (args.cgroup_ns_err != 0) {
    report->namespaces &= ~unsigned{kNsCgroup};
    report->refused.push_back({kNsCgroup, std::string("unshare(CLONE_NEWCGROUP): ") + std::strerror(args.cgroup_ns_err)});
  }
  return child;
}

}  // namespace

StatusOr<ChildProcess> Spawn(const SpawnSpec& spec, SpawnReport* report) {
  const std::string what = "spawn " + spec.executable;
  STOCKADE_RETURN_IF_ERROR(Validate(spec).With(what));
  SpawnReport local;
  if (report == nullptr) report = &local;
  *report = SpawnReport{};

  unsigned ns = spec.namespaces & kAllNamespaces;
  const bool keeps_root = ::geteuid() == 0 && spec.uid.value_or(0) == 0;
  if ((ns & kNsUser) != 0 && keeps_root) {
    ns &= ~unsigned{kNsUser};
    report->refused.push_back({kNsUser, "not used: the worker keeps uid 0, and mapping it would map root"});
  }
  // With an empty root the executable has no path; open it while it has.
  UniqueFd own_exec_fd;
  int exec_fd = spec.exec_fd;
  if ((ns & kNsMount) != 0 && exec_fd < 0) {
    own_exec_fd.reset(::open(spec.executable.c_str(), O_PATH | O_CLOEXEC));
    if (!own_exec_fd) return ErrnoError(what + ": open");
    exec_fd = own_exec_fd.get();
  }

  // The fallback ladder: a clone that refuses a namespace is retried
  // without the refused ones, until none is left to refuse.
  for (;;) {
    Refusal refusal;
    auto child = SpawnOnce(spec, ns, exec_fd, what, report, &refusal);
    if (child.ok()) return child;
    if (refusal.known != 0) {
      ns &= ~refusal.known;
    } else if (refusal.clone_err != 0) {
      ns &= ~FindRefusedNamespaces(ns & kCloneNamespaces, refusal.clone_err, &report->refused);
    } else {
      return child;
    }
  }
}

}  // namespace stockade::supervisor
