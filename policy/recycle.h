// When a worker is retired and replaced (SPEC §2.10).
//
// Pure decisions over a worker's counters; the pool asks after every run and
// on its idle timer, and logs and counts the reason it gets back. Deaths
// (crash, framing error, hard kill) retire a worker without asking.
#pragma once

#include <cstdint>
#include <string_view>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"

namespace stockade::policy {

enum class RecycleReason {
  kNone,
  kMaxExecutions,  // recycle.max_executions reached
  kIdle,           // idle past recycle.max_idle_ms
  kLimitTrip,      // the last run hit TIMEOUT, MEMORY_LIMIT or OUTPUT_LIMIT
  kScriptError,    // the last run failed and recycle.after_error is set
  kHeapGrowth,     // live heap after a run past recycle.max_heap_bytes
  kCpuBudget,      // the next run could reach the worker's RLIMIT_CPU
  kDied,           // crashed, killed, or violated the protocol or the filter
  kUnresponsive,   // did not answer a heartbeat in time
  kMemoryGrowth,   // resident memory (measured by the supervisor) past recycle.max_rss_bytes
  kDegraded,       // too many failed runs in the recent window
  kShrink,         // an extra worker no longer needed
  kReload,         // started under a policy that has since been reloaded
  kShutdown,       // the pool is stopping
};

std::string_view RecycleReasonName(RecycleReason reason);

struct WorkerStats {
  std::uint32_t executions = 0;        // runs completed by this worker
  std::uint32_t recent_runs = 0;       // runs in the error window (<= recycle.error_window)
  std::uint32_t recent_failures = 0;   // non-OK runs among them
  api::Status last_status = api::STATUS_UNSPECIFIED;
  std::uint64_t heap_bytes_after = 0;  // live heap after the last run
  std::uint64_t heap_peak_bytes = 0;   // heap high-water mark of the last run
  std::uint64_t cpu_used_us = 0;       // CPU the worker has used, microseconds
};

RecycleReason ShouldRecycleAfterRun(const WorkerStats& stats, const Policy& policy);
bool ShouldRecycleIdle(std::uint64_t idle_ms, const Policy& policy);
// Checked on heartbeats, with the RSS the supervisor read from /proc.
bool ShouldRecycleForRss(std::uint64_t rss_bytes, const Policy& policy);
// Whether to read the worker's RSS after this run as well: a busy worker
// never idles long enough for a heartbeat, so without this its resident
// memory would go unchecked under sustained load. A /proc read is cheap but
// not free, so: every kRssCheckEvery runs, and after any run whose heap
// peaked past a quarter of the bound (the runs that grow RSS).
inline constexpr std::uint32_t kRssCheckEvery = 32;
bool ShouldCheckRssAfterRun(const WorkerStats& stats, const Policy& policy);

}  // namespace stockade::policy
