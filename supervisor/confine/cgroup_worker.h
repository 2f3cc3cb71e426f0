// WorkerCgroup: the cgroup(s) of one worker, and what the pool reads back.
//
// A worker gets its own cgroup so the kernel enforces a memory, process-count
// and CPU ceiling that nothing inside the worker can lift (the backstop behind
// Duktape's own allocator cap, SPEC §2.7). On v2 that is one directory; on v1
// one directory per controller hierarchy. This object owns them: the
// directories are removed when it is destroyed, which must happen after the
// worker was reaped (a cgroup with members cannot be removed; if one is still
// there it is killed first, see CgroupDir).
//
// The spawn child joins the cgroup itself, before execve, by writing to the
// cgroup.procs descriptors opened here (SpawnSpec::cgroup_procs_fds). Opening
// them in the supervisor means the child needs no path lookups and no
// permission to open anything. On v2 the directory itself is open too
// (SpawnSpec::cgroup_dir_fd), so that the child can be created in it with
// clone3(CLONE_INTO_CGROUP) and need not join at all; the cgroup.procs
// descriptor stays the fallback for hosts that refuse clone3.
//
// A WorkerCgroup made by a host whose version is "none" is empty: no
// directories, no descriptors, and the statistics report that they are not
// available. The pool can hold one per worker either way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"
#include "supervisor/confine/cgroup_fs.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {

enum class CgroupVersion { kNone, kV1, kV2 };
std::string_view CgroupVersionName(CgroupVersion v);  // "none", "v1", "v2"

// Per-worker ceilings. 0 means unlimited (nothing is written).
struct CgroupLimits {
  uint64_t memory_bytes = 0;  // v2 memory.max (+ memory.swap.max 0); v1 memory.limit_in_bytes (+ memsw)
  uint32_t pids = 0;          // pids.max: processes and threads in the worker
  uint32_t cpu_percent = 0;   // % of one core: 50 = half a core, 200 = two cores
};

class WorkerCgroup {
 public:
  WorkerCgroup() = default;  // empty: no cgroup in force
  // Takes ownership of freshly configured directories (the one with the
  // memory controller first) and opens their cgroup.procs files.
  static StatusOr<WorkerCgroup> Assemble(CgroupVersion version, std::vector<CgroupDir> dirs);

  WorkerCgroup(WorkerCgroup&&) noexcept = default;
  WorkerCgroup& operator=(WorkerCgroup&&) noexcept = default;
  WorkerCgroup(const WorkerCgroup&) = delete;
  WorkerCgroup& operator=(const WorkerCgroup&) = delete;
  ~WorkerCgroup() = default;  // the descriptors close first, then dirs_ are removed

  CgroupVersion version() const { return version_; }
  bool empty() const { return dirs_.empty(); }
  std::vector<std::string> paths() const;
  // cgroup.procs of every directory, O_WRONLY | O_CLOEXEC, for SpawnSpec.
  std::vector<int> procs_fds() const;
  // v2: the directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, for SpawnSpec's
  // clone3(CLONE_INTO_CGROUP). -1 on v1 (clone3 cannot target a v1
  // hierarchy) and when empty.
  int dir_fd() const { return dir_fd_.get(); }

  // Highest memory use so far: v2 memory.peak (Linux 5.19+), v1
  // memory.max_usage_in_bytes.
  StatusOr<uint64_t> MemoryPeakBytes() const;
  // Current use: v2 memory.current, v1 memory.usage_in_bytes.
  StatusOr<uint64_t> MemoryCurrentBytes() const;
  // Whether the kernel's OOM killer fired inside this cgroup (v2
  // memory.events, v1 memory.oom_control: "oom_kill N" with N > 0). The pool
  // turns a worker death with this set into MEMORY_LIMIT, not WORKER_CRASHED.
  StatusOr<bool> OomKilled() const;

  // Removes the directories now, reporting failure (the destructor cannot).
  Status Remove();

 private:
  StatusOr<std::string> MemoryFile(std::string_view v1_name, std::string_view v2_name) const;

  CgroupVersion version_ = CgroupVersion::kNone;
  // Declared before the descriptors so that it is destroyed after them.
  std::vector<CgroupDir> dirs_;
  std::vector<UniqueFd> procs_fds_;
  UniqueFd dir_fd_;
};

}  // namespace stockade::supervisor
