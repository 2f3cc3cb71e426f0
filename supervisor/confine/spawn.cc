#include "supervisor/confine/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "supervisor/common/log.h"
#include "supervisor/common/unique_fd.h"
#include "supervisor/confine/child_stack.h"
#include "supervisor/confine/clone3.h"
#include "supervisor/confine/spawn_child.h"
#include "supervisor/confine/spawn_namespaces.h"

namespace stockade::supervisor {
namespace {

// Whether clone3(CLONE_INTO_CGROUP) is worth trying: cleared, for the rest
// of the process, once the host refused it (spawn.h).
std::atomic<bool> g_clone_into_cgroup{kHaveClone3};

void StopCloneIntoCgroup(const std::string& why) {
  if (g_clone_into_cgroup.exchange(false)) {
    Log(LogLevel::kInfo, "spawn_clone3_unavailable",
        {{"reason", why}, {"fallback", "clone(2) and a cgroup.procs write in the child"}});
  }
}

// The path of a cgroup directory descriptor, for error messages.
std::string CgroupPath(int dir_fd) {
  char buf[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(dir_fd);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "(descriptor " + std::to_string(dir_fd) + ")";
}

// Why clone3 refused to create a child in a cgroup, when the cgroup is the
// reason: what an operator should look at.
[[maybe_unused]] const char* CgroupRefusalHint(int err) {
  switch (err) {
    case EAGAIN: return " (its pids.max is reached, or this user's process limit)";
    case EBUSY: return " (controllers are enabled in its cgroup.subtree_control: not a leaf)";
    case EOPNOTSUPP: return " (a threaded or invalid domain cgroup)";
    case EACCES:
    case ENOENT: return " (this process may not move processes into it)";
    case EBADF: return " (not a cgroup v2 directory)";
    case ENODEV: return " (the cgroup has been removed)";
    default: return "";
  }
}

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
  if (spec.cgroup_dir_fd >= 0) STOCKADE_RETURN_IF_ERROR(CheckFd(spec.cgroup_dir_fd, "cgroup_dir_fd"));
  if (spec.exec_fd >= 0) STOCKADE_RETURN_IF_ERROR(CheckFd(spec.exec_fd, "exec_fd"));
  if (spec.rlimits.open_files && *spec.rlimits.open_files < 2) {
    return Status::Error("rlimits.open_files must be at least 2 (descriptors 0 and 1)");
  }
  if (spec.rlimits.cpu_seconds && *spec.rlimits.cpu_seconds == RLIM_INFINITY) {
    return Status::Error("rlimits.cpu_seconds too large");
  }
  return Status::Ok();
}

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
  auto unblock = [&saved] { ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, nullptr, kKernelSigsetBytes); };
  int pidfd = -1;
  pid_t pid = -1;
  int clone3_errno = 0;  // set when clone3 failed and clone(2) is tried instead
#if STOCKADE_HAVE_CLONE3
  if (spec.cgroup_dir_fd >= 0 && g_clone_into_cgroup.load(std::memory_order_relaxed)) {
    // The same child as clone's below, created in the cgroup: exit_signal
    // is a field of its own, and clone3 takes the stack's base and size.
    struct clone_args ca = {};
    ca.flags = static_cast<uint64_t>(static_cast<unsigned>(flags & ~CSIGNAL)) | CLONE_INTO_CGROUP;
    ca.pidfd = reinterpret_cast<uintptr_t>(&pidfd);
    ca.exit_signal = SIGCHLD;
    ca.stack = reinterpret_cast<uintptr_t>(stack.base());
    ca.stack_size = ChildStack::size();
    ca.cgroup = static_cast<uint64_t>(spec.cgroup_dir_fd);
    args.in_cgroup = true;
    const long rc = stockade_clone3(&ca, sizeof ca, ChildMain, &args);
    if (rc >= 0) {
      pid = static_cast<pid_t>(rc);
    } else {
      args.in_cgroup = false;
      clone3_errno = static_cast<int>(-rc);
      if (clone3_errno == ENOSYS || clone3_errno == E2BIG) {
        // No clone3, or one without CLONE_INTO_CGROUP (struct too large).
        StopCloneIntoCgroup(std::string("clone3: ") + std::strerror(clone3_errno));
      } else if (!IsNamespaceRefusal(clone3_errno)) {
        // Nothing a namespace or clone3 itself answers with: the cgroup's.
        unblock();
        return Status::Error(what + ": clone3(CLONE_INTO_CGROUP) into " + CgroupPath(spec.cgroup_dir_fd) + ": " +
                             std::strerror(clone3_errno) + CgroupRefusalHint(clone3_errno));
      }
      // Otherwise a namespace's or clone3's own refusal: clone(2) below
      // tells which (see the end of this function).
    }
  }
#endif
  if (pid < 0) {
    if (spec.cgroup_dir_fd >= 0 && spec.cgroup_procs_fds.empty()) {
      unblock();
      return Status::Error(what + ": cannot create the child in " + CgroupPath(spec.cgroup_dir_fd) +
                           " with clone3 here" +
                           (clone3_errno != 0 ? std::string(" (") + std::strerror(clone3_errno) + ")" : "") +
                           ", and no cgroup.procs descriptor was given to join it otherwise");
    }
    pid = ::clone(ChildMain, stack.top(), flags, &args, &pidfd);
    const int clone_errno = errno;
    if (pid < 0) {
      unblock();
      if ((ns & kCloneNamespaces) != 0 && IsNamespaceRefusal(clone_errno)) refusal->clone_err = clone_errno;
      return ErrnoError(what + ": clone", clone_errno);
    }
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
    unblock();
    if (!mapped.ok()) {
      (void)child.Reap();
      report->refused.push_back({kNsUser, mapped.message()});
      refusal->known = kNsUser;
      return mapped.With(what);
    }
  } else {
    unblock();
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
  if (clone3_errno != 0 && clone3_errno != ENOSYS && clone3_errno != E2BIG) {
    // clone(2) with the same namespaces and the same cgroup succeeded where
    // clone3 did not: clone3 itself is refused here (e.g. a seccomp profile
    // answering EPERM rather than ENOSYS).
    StopCloneIntoCgroup(std::string("clone3 refused (") + std::strerror(clone3_errno) +
                        ") where clone(2) with the same flags was allowed");
  }
  report->namespaces = ns;
  report->into_cgroup = args.in_cgroup;
  if (args.cgroup_ns_err != 0) {
    report->namespaces &= ~unsigned{kNsCgroup};
    report->refused.push_back({kNsCgroup, std::string("unshare(CLONE_NEWCGROUP): ") + std::strerror(args.cgroup_ns_err)});
  }
  return child;
}

}  // namespace

void DisableCloneIntoCgroup() { StopCloneIntoCgroup("disabled by DisableCloneIntoCgroup()"); }

const char* CgroupJoinName(bool into_cgroup) {
  return into_cgroup ? "spawned into the cgroup (clone3 CLONE_INTO_CGROUP)" : "joined through cgroup.procs";
}

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
