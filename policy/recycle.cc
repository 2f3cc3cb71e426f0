#include "policy/recycle.h"

#include "policy/limits.h"
#include "policy/outcome.h"

namespace stockade::policy {

std::string_view RecycleReasonName(RecycleReason reason) {
  switch (reason) {
    case RecycleReason::kNone: return "none";
    case RecycleReason::kMaxExecutions: return "max_executions";
    case RecycleReason::kIdle: return "idle";
    case RecycleReason::kLimitTrip: return "limit_trip";
    case RecycleReason::kScriptError: return "script_error";
    case RecycleReason::kHeapGrowth: return "heap_growth";
    case RecycleReason::kCpuBudget: return "cpu_budget";
    case RecycleReason::kDied: return "died";
    case RecycleReason::kUnresponsive: return "unresponsive";
    case RecycleReason::kMemoryGrowth: return "memory_growth";
    case RecycleReason::kDegraded: return "degraded";
    case RecycleReason::kShrink: return "shrink";
    case RecycleReason::kReload: return "reload";
    case RecycleReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

RecycleReason ShouldRecycleAfterRun(const WorkerStats& stats, const Policy& policy) {
  const RecyclePolicy& r = policy.recycle();
  if (r.after_limit_trip() && IsLimitTrip(stats.last_status)) return RecycleReason::kLimitTrip;
  if (r.after_error() && (stats.last_status == api::RUNTIME_ERROR ||
                          stats.last_status == api::SYNTAX_ERROR)) {
    return RecycleReason::kScriptError;
  }
  if (stats.executions >= r.max_executions()) return RecycleReason::kMaxExecutions;
  // Degraded: only over a full window, so a worker is not condemned for
  // running one bad script in its first few runs.
  // In 64 bits: both products can pass 2^32 with a large window or percent.
  if (r.max_error_percent() > 0 && r.error_window() > 0 && stats.recent_runs >= r.error_window() &&
      std::uint64_t{stats.recent_failures} * 100 >=
          std::uint64_t{r.max_error_percent()} * stats.recent_runs) {
    return RecycleReason::kDegraded;
  }
  if (r.max_heap_bytes() > 0 && stats.heap_bytes_after > r.max_heap_bytes()) {
    return RecycleReason::kHeapGrowth;
  }
  // RLIMIT_CPU is cumulative: retire the worker while the longest run the
  // policy admits still fits under it, so the rlimit stays a backstop.
  const std::uint64_t budget_us = WorkerRlimitsFor(policy).cpu_seconds * 1000000;
  const std::uint64_t longest_us = std::uint64_t{policy.limits().max_timeout_ms()} * 1000;
  if (stats.cpu_used_us + longest_us >= budget_us) return RecycleReason::kCpuBudget;
  return RecycleReason::kNone;
}

bool ShouldCheckRssAfterRun(const WorkerStats& stats, const Policy& policy) {
  const std::uint64_t max = policy.recycle().max_rss_bytes();
  if (max == 0) return false;
  return stats.executions % kRssCheckEvery == 0 || stats.heap_peak_bytes > max / 4;
}

bool ShouldRecycleForRss(std::uint64_t rss_bytes, const Policy& policy) {
  const std::uint64_t max = policy.recycle().max_rss_bytes();
  return max > 0 && rss_bytes > max;
}

bool ShouldRecycleIdle(std::uint64_t idle_ms, const Policy& policy) {
  const std::uint32_t max_idle = policy.recycle().max_idle_ms();
  return max_idle > 0 && idle_ms >= max_idle;
}

}  // namespace stockade::policy
