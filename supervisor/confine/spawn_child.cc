#include "supervisor/confine/spawn_child.h"

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
#include <unistd.h>

namespace stockade::supervisor {
namespace {

// The kernel's struct sigaction. An all-zero value means SIG_DFL, no flags,
// empty mask on every layout (x86_64 and arm64 both have sa_restorer), which
// is the only value the child ever installs.
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};

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

}  // namespace

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
  // "0" means "the writing process" in both cgroup v1 and v2. A child that
  // clone3 created in its cgroup (v2) is there already.
  for (size_t i = 0; !a->in_cgroup && i < a->procs_count; ++i) {
    if (::syscall(SYS_write, a->procs_fds[i], "0", 1) != 1) ChildFail(a, "write cgroup.procs", errno);
  }

  // After joining (or being created in the cgroup), so the worker's view of
  // the cgroup tree is rooted at its own cgroup. Not fatal: the report says
  // it is missing.
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

}  // namespace stockade::supervisor
