// spawn_child: the child's side of Spawn, between clone(2) (or clone3(2))
// and execve(2).
//
// The child runs on a small stack in the parent's memory (CLONE_VM), so it
// may only make raw system calls: no allocation, no locks, no libc wrapper
// that touches errno's TLS in ways the parent would not expect. Spawn
// (spawn.cc) prepares everything in a ChildArgs beforehand; ChildMain runs
// the set-up steps in order (signal dispositions, user namespace maps,
// cgroups, the empty root, session, rlimits, ids and capabilities, the pipe
// descriptors) and execs, or records the step that failed and exits.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace stockade::supervisor {

// The kernel's signal set is 64 bits on every architecture we build for
// (x86_64, arm64); the rt_sig* syscalls take its size explicitly.
inline constexpr size_t kKernelSigsetBytes = 8;
inline constexpr int kKernelNsig = 64;  // signals 1..64

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
  // Created in the worker cgroup by clone3(CLONE_INTO_CGROUP): the
  // cgroup.procs writes are skipped (there is nothing left to join).
  bool in_cgroup = false;
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

// The clone(2) / clone3(2) entry point; `arg` is a ChildArgs*. Returns only through
// exec or exit.
int ChildMain(void* arg);

}  // namespace stockade::supervisor
