// Spawn: start one confined child process (a worker, or a test program).
//
// What the child gets is decided entirely by SpawnSpec, and everything not
// listed there is taken away before execve(2):
//   - exactly two descriptors, 0 and 1 (the caller's pipe ends); every other
//     descriptor, including 2, is closed with close_range(2), so nothing the
//     supervisor holds (listening sockets, other workers' pipes, cgroup files)
//     can leak into untrusted code whether or not it was opened O_CLOEXEC;
//   - an empty environment, so no secret in the supervisor's environment
//     (API keys, tokens) is readable by the worker;
//   - default dispositions for every signal and an empty signal mask;
//   - the rlimits in SpawnRlimits, always with RLIMIT_CORE = 0 (a core file
//     would hold the untrusted heap and could fill the disk) and RLIMIT_NPROC
//     = 0 (the worker has no business creating processes; seccomp forbids it
//     too, this is the second layer);
//   - optionally another uid/gid with no supplementary groups, which for a
//     root supervisor also drops every capability;
//   - membership of the worker cgroups, before exec, so the new image is
//     charged to the worker from its first page: on cgroup v2 the child is
//     created in its cgroup (cgroup_dir_fd, below), elsewhere it writes
//     itself into cgroup.procs;
//   - optionally a new session, SIGKILL on parent death and no_new_privs;
//   - optionally new namespaces (namespaces.h), each best effort and
//     reported: the child starts with what the host allows.
//
// Mechanism: clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD), the way glibc's
// posix_spawn works. fork(2) copies the page tables, which costs time
// proportional to the supervisor's resident size; a vfork-style child shares
// the parent's memory until execve, so spawning is O(1) in supervisor size.
// The price is that the child runs on borrowed memory: it makes only raw
// system calls, allocates nothing, and reports a failing step by writing into
// a slot in the parent's stack frame, which the parent reads when it resumes
// (after execve succeeded or the child exited). The parent's thread is
// suspended in between, but other supervisor threads keep running.
//
// A new user namespace changes the mechanism: its uid and gid maps must be
// written from outside (only a process in the parent namespace may map the
// worker's ids without mapping root), so the parent cannot be suspended.
// That spawn drops CLONE_VFORK, the child waits on a pipe for the maps, and
// the parent learns that execve happened from the EOF of a close-on-exec
// pipe. The parent thread touches nothing the child uses meanwhile.
//
// Joining the cgroup: on cgroup v2 the child is created in it with
// clone3(CLONE_INTO_CGROUP) (Linux 5.7+, the trampoline in clone3.h), so it
// never runs anywhere else, and no cgroup.procs write is needed: the move
// takes the global cgroup_threadgroup_rwsem for writing, which stalls every
// fork on the host meanwhile and can wait for an RCU grace period.
// Where the kernel or a seccomp profile refuses clone3 (ENOSYS: Docker's
// default profile; E2BIG: a kernel older than CLONE_INTO_CGROUP), Spawn
// falls back to clone(2) plus the cgroup.procs write, and remembers that
// for the rest of the process. A clone3 error that could be a namespace's
// (EPERM, EINVAL, ENOSPC, EUSERS) is retried once through the clone path,
// which either succeeds (clone3 itself was refused: remembered too) or
// names the namespace as clone errors always did. Any other clone3 error
// is the cgroup's (EAGAIN: its pids.max is reached; EBUSY, EOPNOTSUPP: not
// a leaf; EACCES: not ours to move into) and fails the spawn, naming it.
//
// PR_SET_PDEATHSIG fires when the *thread* that spawned the child exits, not
// the process: call Spawn from a long-lived thread (the io_context thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/status.h"
#include "supervisor/confine/child_process.h"
#include "policy/namespaces.h"

namespace stockade::supervisor {

using policy::Namespace;
using policy::kNsUser;
using policy::kNsPid;
using policy::kNsNet;
using policy::kNsMount;
using policy::kNsIpc;
using policy::kNsUts;
using policy::kNsCgroup;
using policy::kAllNamespaces;

// Resource limits applied in the child before execve. An unset field leaves
// the limit inherited from the supervisor. A set field becomes both the soft
// and the hard limit (the child cannot raise it again), except the CPU limit.
// A set value of 0 is a real limit of zero, not "unlimited".
struct SpawnRlimits {
  // RLIMIT_AS, bytes. Must leave room for the executable and its libraries,
  // or execve itself fails with ENOMEM (reported as the execve step).
  std::optional<uint64_t> address_space_bytes;
  // RLIMIT_CPU, seconds of CPU time. Soft = this, hard = this + 1: the kernel
  // sends SIGXCPU at the soft limit and SIGKILL one second later, so a worker
  // that ignores SIGXCPU still dies.
  std::optional<uint64_t> cpu_seconds;
  // RLIMIT_FSIZE, bytes: largest file the child may write (pipes unaffected).
  std::optional<uint64_t> file_size_bytes;
  // RLIMIT_NOFILE: one more than the highest descriptor number the child may
  // open. At least 2 so descriptors 0 and 1 stay usable.
  std::optional<uint64_t> open_files;
};

struct SpawnSpec {
  std::string executable;         // absolute path; no PATH search
  std::vector<std::string> argv;  // argv[0] included; empty -> {executable}
  int stdin_fd = -1;              // becomes the child's descriptor 0 (required)
  int stdout_fd = -1;             // becomes the child's descriptor 1 (required)
  SpawnRlimits rlimits;
  // Open cgroup.procs descriptors (WorkerCgroup::procs_fds()); the child
  // writes itself into each before execve, unless cgroup_dir_fd put it in
  // its cgroup already.
  std::vector<int> cgroup_procs_fds;
  // A cgroup v2 directory, opened O_RDONLY | O_DIRECTORY
  // (WorkerCgroup::dir_fd()): the child is created in it with
  // clone3(CLONE_INTO_CGROUP). The cgroup.procs descriptor of the same
  // directory stays in cgroup_procs_fds as the fallback for a host that
  // refuses clone3. -1: clone(2) and cgroup.procs only.
  int cgroup_dir_fd = -1;
  bool new_session = true;      // setsid(): no controlling terminal, own group
  bool die_with_parent = true;  // PR_SET_PDEATHSIG(SIGKILL), race-checked
  bool no_new_privs = true;     // PR_SET_NO_NEW_PRIVS: setuid bits are inert
  // Run as this uid/gid with no supplementary groups (needs root). Leaving
  // uid 0 also empties the capability sets, so a root supervisor's worker
  // holds no capability and RLIMIT_NPROC applies to it. Unset: keep ours.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // Keep the uid but hold no capability: empty every set, lock the
  // securebits so an exec as root grants none. For a root supervisor whose
  // worker binary another uid cannot execute.
  bool drop_capabilities = false;
  // An O_PATH descriptor of `executable`: the child runs it with
  // execveat(AT_EMPTY_PATH), so the directories above it need not be
  // searchable by the worker's uid (e.g. a checkout under /root). -1: by path.
  int exec_fd = -1;
  // Scheduling niceness for the child (0: unchanged). Positive values let
  // the supervisor's own threads win the CPU when workers compete for it.
  int nice = 0;
  // Namespaces to start the child in, a set of Namespace bits. Each one the
  // host refuses is left out (and named in SpawnReport); the child starts
  // with the rest rather than not at all. kNsMount gives the child an empty,
  // read-only root: the executable is then reached through exec_fd (opened
  // here if unset) and must be statically linked. A host that lets the
  // namespace be created but not the empty root (a chroot, whose `/` is no
  // mount point) refuses it too: the child is started again without it,
  // never left with the host's tree in a namespace of its own. kNsUser
  // maps the child's uid/gid (`uid`/`gid`, else ours) to themselves and
  // nothing else; a root supervisor's child that keeps uid 0 gets no user
  // namespace, since the only uid it could map is root's.
  unsigned namespaces = 0;
};

struct NamespaceRefusal {
  Namespace ns;
  std::string reason;  // e.g. "clone(CLONE_NEWUSER): Operation not permitted"
};

// What Spawn obtained, when it succeeded.
struct SpawnReport {
  unsigned namespaces = 0;                // the namespaces the child is in
  std::vector<NamespaceRefusal> refused;  // asked for, not obtained, and why
  // Created in its cgroup by clone3(CLONE_INTO_CGROUP); false: it joined
  // through cgroup.procs (or no cgroup was asked for).
  bool into_cgroup = false;
};

// Starts the child and returns once execve has succeeded. On failure returns
// "spawn <executable>: <step>: <strerror>" and the child has been reaped.
StatusOr<ChildProcess> Spawn(const SpawnSpec& spec, SpawnReport* report = nullptr);

// Makes every later Spawn in this process join its cgroup through
// cgroup.procs, as Spawn does by itself once the host refused clone3. For
// tests and `stockade-bench spawn-v2`, which compare the two ways.
void DisableCloneIntoCgroup();

// "spawned into the cgroup (clone3 CLONE_INTO_CGROUP)" or "joined through
// cgroup.procs": how a report's child got into its cgroup, for operators.
const char* CgroupJoinName(bool into_cgroup);

}  // namespace stockade::supervisor
