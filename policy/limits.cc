#include "policy/limits.h"

#include "proto/frame.h"

#include <algorithm>

namespace stockade::policy {
namespace {

template <typename T>
T Clamp(T requested, T fallback, T ceiling) {
  const T v = requested == 0 ? fallback : requested;
  return std::min(v, ceiling);
}

}  // namespace

wire::RunLimits EffectiveRunLimits(const Policy& policy, const api::Limits& requested) {
  const LimitsPolicy& l = policy.limits();
  wire::RunLimits run;
  run.set_timeout_ms(Clamp(requested.timeout_ms(), l.timeout_ms(), l.max_timeout_ms()));
  run.set_memory_bytes(Clamp<std::uint64_t>(requested.memory_bytes(), l.memory_bytes(),
                                            l.max_memory_bytes()));
  run.set_output_bytes(Clamp<std::uint64_t>(requested.output_bytes(), l.output_bytes(),
                                            l.max_output_bytes()));
  run.set_result_bytes(l.result_bytes());
  return run;
}

api::Limits ToApiLimits(const wire::RunLimits& run) {
  api::Limits out;
  out.set_timeout_ms(run.timeout_ms());
  out.set_memory_bytes(run.memory_bytes());
  out.set_output_bytes(run.output_bytes());
  return out;
}

WorkerRlimits WorkerRlimitsFor(const Policy& policy) {
  const LimitsPolicy& l = policy.limits();
  // RLIMIT_CPU counts the worker's whole life, so it is a backstop sized for
  // two longest runs; recycling retires a worker before it could be reached
  // inside a run (see recycle.h).
  // In 64 bits: a max_timeout_ms near 2^32 must not wrap to a 2 s limit.
  const std::uint64_t longest_s = (std::uint64_t{l.max_timeout_ms()} + 999) / 1000;
  return WorkerRlimits{
      .address_space_bytes = l.max_memory_bytes() + l.memory_overhead_bytes(),
      .cpu_seconds = 2 * longest_s + 2,
      .file_size_bytes = l.disk_bytes(),
      .open_files = l.max_open_files(),
  };
}

WorkerCgroupLimits WorkerCgroupLimitsFor(const Policy& policy) {
  const LimitsPolicy& l = policy.limits();
  return WorkerCgroupLimits{
      .memory_max_bytes = l.max_memory_bytes() + l.memory_overhead_bytes(),
      .pids_max = l.max_pids(),
      .cpu_percent = l.cpu_percent(),
  };
}

std::uint64_t WorkerHeapCeiling(const Policy& policy) { return policy.limits().max_memory_bytes(); }

std::uint64_t MaxWorkerFrameBytes(const Policy& policy) {
  // A session run's Result carries the state it captured too (at most
  // sessions.state_bytes, with its summary).
  return wire::ResultValueBudget(policy.limits().result_bytes()) + policy.sessions().state_bytes() + (1u << 20);
}

}  // namespace stockade::policy
