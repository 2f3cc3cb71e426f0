// Effective limits: what a request asked for, clamped to the policy.
//
// A request may lower any limit but never raise one past the policy's
// ceiling; zero means "the policy default". The same numbers size the
// kernel backstops of a worker (rlimits, cgroup), which are set once per
// worker at the ceiling so any request the policy admits fits inside them.
#pragma once

#include <cstdint>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"
#include "proto/worker.pb.h"

namespace stockade::policy {

wire::RunLimits EffectiveRunLimits(const Policy& policy, const api::Limits& requested);

// The echo of effective limits in a result.
api::Limits ToApiLimits(const wire::RunLimits& run);

struct WorkerRlimits {
  std::uint64_t address_space_bytes;  // RLIMIT_AS
  std::uint64_t cpu_seconds;          // RLIMIT_CPU soft limit; cumulative per worker
  std::uint64_t file_size_bytes;      // RLIMIT_FSIZE
  std::uint64_t open_files;           // RLIMIT_NOFILE
};
WorkerRlimits WorkerRlimitsFor(const Policy& policy);

struct WorkerCgroupLimits {
  std::uint64_t memory_max_bytes;  // heap ceiling + overhead
  std::uint32_t pids_max;
  std::uint32_t cpu_percent;       // of one core; 0 = unlimited
};
WorkerCgroupLimits WorkerCgroupLimitsFor(const Policy& policy);

// Heap ceiling the worker's allocator starts with (Init.heap_limit_bytes).
std::uint64_t WorkerHeapCeiling(const Policy& policy);

// Largest frame a worker may send: the result's JSON budget
// (wire::ResultValueBudget), a session's captured state
// (sessions.state_bytes) and room for the rest of the Result.
std::uint64_t MaxWorkerFrameBytes(const Policy& policy);

}  // namespace stockade::policy
