// cgroup_stale: the names of Stockade's cgroup parents, and the sweep of
// the ones a dead supervisor left behind.
//
// Each CgroupHost makes one parent per hierarchy next to where the
// supervisor sits: "stockade-<pid>" for the first host in a process and
// "stockade-<pid>-<n>" for more (selftest's second Supervisor). Destroying
// the host removes them; a supervisor killed with SIGKILL (kill -9, the OOM
// killer, a container stopped hard) cannot, and its parents stay with their
// w<id> worker cgroups forever, a few per killed daemon. So a starting host
// removes the parents whose owner pid is gone.
//
// What is never touched: a name not spelt exactly by this scheme (decimal
// pid without a sign or leading zero, an optional decimal <n>), our own
// pid's parents (the adoption in CgroupDir::Create deals with those), and
// any pid that exists in our pid namespace, whatever runs under it now: a
// reused pid costs a leftover directory, never another process's cgroup.
// The sweep looks only in the directories our own parents are made in. A
// supervisor in another pid namespace that shares that directory would
// look dead to us; give each one a cgroup of its own (as systemd and
// container runtimes do), which is also what cgroup_v2.h asks.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace stockade::supervisor {

// "stockade-<pid>" (n == 0) or "stockade-<pid>-<n>".
std::string CgroupParentName(pid_t pid, unsigned n);

// The owner pid of a parent named by CgroupParentName, or nullopt for any
// other name (the inverse, strict: "stockade-012", "stockade-1x" and
// "stockade--1" are not ours).
std::optional<pid_t> CgroupParentOwner(std::string_view name);

// The decision: `name` is one of our parents, not `self`'s, and its owner
// is not alive (asked of `alive`, a seam for tests).
bool IsStaleCgroupParent(std::string_view name, pid_t self, const std::function<bool(pid_t)>& alive);

// Whether `pid` names a process in our pid namespace (a zombie counts):
// kill(pid, 0) does not say ESRCH, or /proc/<pid> exists.
bool PidAlive(pid_t pid);

struct StaleSweep {
  unsigned removed = 0;     // parents removed, with their worker cgroups
  unsigned failed = 0;      // stale parents that could not be removed
  std::string first_error;  // why the first of those failed
};

// Removes every stale parent directly under `dir` (a cgroup directory),
// emptying each first (its worker cgroups; members are killed, since their
// supervisor is gone). Never fails: what it could not remove is counted.
StaleSweep RemoveStaleCgroupParents(const std::string& dir, pid_t self);

}  // namespace stockade::supervisor
