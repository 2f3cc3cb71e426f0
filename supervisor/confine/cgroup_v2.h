// cgroup_v2: per-worker cgroups on the unified hierarchy.
//
// Layout, below the cgroup this supervisor was started in (<own>, read from
// the "0::" line of /proc/self/cgroup):
//
//   <own>/                     controllers enabled for children (subtree_control)
//   <own>/supervisor/          the supervisor itself, only if it had to move
//   <own>/stockade-<pid>/      our parent: memory, pids (, cpu) enabled below it
//   <own>/stockade-<pid>/<w>/  one leaf per worker, holding its limits
//
// Why the move: v2's "no internal processes" rule forbids enabling a
// controller in <own>/cgroup.subtree_control while <own> itself has member
// processes (EBUSY), except at the true root. A service started by systemd
// with Delegate=yes, or PID 1 of a container, sits in exactly such a cgroup,
// so we first move ourselves into the leaf <own>/supervisor and then enable
// the controllers; this is the layout systemd documents for delegated
// services. Only our own processes are moved: this one, and the init that
// forked it when it runs as PID 1 (init_process.h), which goes to
// <own>/init. If other processes share <own> (e.g. a shell that started
// us), enabling still fails and we say so rather than move processes we do
// not own. We never move back: once controllers are
// enabled, <own> may not hold processes again. A process that finds itself in
// <own>/supervisor already, with the controllers enabled in <own> (a second
// set-up in one process, or a child of a supervisor that moved), works in
// <own> as if it had moved there itself.
//
// v2 is usable when <own>/cgroup.controllers offers memory and pids (cpu is
// optional) and we can create directories there.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include "proto/status.h"
#include "supervisor/confine/cgroup_fs.h"
#include "supervisor/confine/cgroup_worker.h"

namespace stockade::supervisor {

struct CgroupV2Parent {
  CgroupDir dir;             // <own>/stockade-<pid>
  bool cpu = false;          // cpu controller enabled for workers
  std::string moved_to;      // "<own>/supervisor" if we moved ourselves, else empty
  std::string init_moved_to; // "<own>/init" if our own init moved too (PID 1 in a container)
  std::string cpu_why;       // why there is no cpu controller, for the description
};

StatusOr<CgroupV2Parent> SetUpCgroupV2(const ProcCgroupView& view, const std::string& leaf);

// "cgroup v2: memory, pids, cpu under /sys/fs/cgroup/…/stockade-123 …".
std::string DescribeCgroupV2(const CgroupV2Parent& parent);

// Creates <parent>/<name> and writes memory.max, memory.swap.max = 0 (where
// swap exists: otherwise the limit could be dodged by swapping),
// memory.oom.group = 1, pids.max and cpu.max.
StatusOr<WorkerCgroup> CreateCgroupV2Worker(const CgroupV2Parent& parent, std::string_view name,
                                            const CgroupLimits& limits);

}  // namespace stockade::supervisor
