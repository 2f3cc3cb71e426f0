// cgroup_v1: per-worker cgroups on the legacy hierarchy-per-controller layout.
//
// On v1 every controller is its own tree (memory under
// /sys/fs/cgroup/memory, pids under /sys/fs/cgroup/pids, cpu often co-mounted
// as cpu,cpuacct) and this process may sit at a different path in each; both
// come from /proc/self/mountinfo and /proc/self/cgroup, never from a guess.
// For each controller we create <mount>/<our path>/stockade-<pid>/ and, per
// worker, one directory below it; the worker joins all of them.
//
// memory and pids are required: without them the kernel backstop for
// MEMORY_LIMIT and fork bombs is missing. cpu is optional (a runaway loop is
// also stopped by the wall-clock kill and RLIMIT_CPU); when absent the
// description says so and cpu_percent is not enforced.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "proto/status.h"
#include "supervisor/confine/cgroup_fs.h"
#include "supervisor/confine/cgroup_worker.h"

namespace stockade::supervisor {

// The supervisor's stockade-<pid> directories on v1.
struct CgroupV1Parents {
  std::vector<CgroupDir> dirs;  // one per distinct hierarchy, memory's first
  std::string memory;           // the parent directory for each controller
  std::string pids;
  std::string cpu;      // empty when the cpu controller is not usable
  std::string cpu_why;  // why not, for the description
};

StatusOr<CgroupV1Parents> SetUpCgroupV1(const ProcCgroupView& view, const std::string& leaf);

// "cgroup v1: memory at /sys/fs/cgroup/memory/…/stockade-123, pids at …".
std::string DescribeCgroupV1(const CgroupV1Parents& parents);

// Creates <parent>/<name> in every hierarchy and writes the limits:
// memory.limit_in_bytes and memory.memsw.limit_in_bytes (when swap accounting
// exists, so the limit cannot be dodged by swapping), pids.max, and
// cpu.cfs_quota_us / cpu.cfs_period_us.
StatusOr<WorkerCgroup> CreateCgroupV1Worker(const CgroupV1Parents& parents, std::string_view name,
                                            const CgroupLimits& limits);

}  // namespace stockade::supervisor
