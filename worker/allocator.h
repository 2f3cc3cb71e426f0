// The capped allocator behind the Duktape heap: the in-interpreter memory limit.
//
// Every block carries a small header with its size, so the allocator knows the
// exact live byte count and the peak of the current run. When an allocation
// would take the live total over the current cap it fails (returns null) and
// records that the limit tripped; Duktape then runs its emergency garbage
// collection, retries, and finally throws "alloc failed", and the run is
// reported as MEMORY_LIMIT even if the script caught that error (a script
// that hit the cap must not look like it succeeded). The kernel-side limits
// (RLIMIT_AS, cgroup memory.max) set by the supervisor are the backstop; this
// layer exists to give a clean error and keep the worker reusable.
//
// The allocator also enforces the run's deadline inside native code. Duktape
// checks the deadline only between bytecode instructions, so one long call
// into a built-in (`new Array(1e9).join('x')`) would otherwise run far past
// it. Such calls allocate as they go: every 64th allocation of a run reads the
// clock, and once the deadline is more than kNativeGraceNs behind us (the
// bytecode check has had its chance and we are evidently stuck in native
// code) every allocation fails, which unwinds the native call (reported as
// TIMEOUT, not MEMORY_LIMIT). The grace matters: failing allocations right
// at the deadline would make the ordinary unwinding of a timed-out script
// (error objects, tracebacks) run Duktape's emergency GC over and over.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worker/deadline.h"

namespace stockade::worker {

class CappedAllocator {
 public:
  static constexpr std::int64_t kNativeGraceNs = 5'000'000;

  // ceiling: Init.heap_limit_bytes, never exceeded by any run; 0 = none.
  explicit CappedAllocator(std::uint64_t ceiling) : ceiling_(ceiling), cap_(ceiling) {}
  CappedAllocator(const CappedAllocator&) = delete;
  CappedAllocator& operator=(const CappedAllocator&) = delete;

  // The run deadline to enforce during runs (see above); may be null.
  void set_deadline(Deadline* deadline) { deadline_ = deadline; }

  void* Allocate(std::size_t size);
  void* Reallocate(void* ptr, std::size_t size);
  void Free(void* ptr);

  // Starts a run whose cap is min(run_cap, ceiling) (run_cap 0 = the
  // ceiling); resets the peak and the trip flag.
  void BeginRun(std::uint64_t run_cap);
  // Back to the ceiling, for work between runs (preparing the next
  // environment).
  void EndRun() {
    cap_ = ceiling_;
    in_run_ = false;
  }

  // Host memory the interpreter holds outside the heap for a run (a
  // session capture's text and tables, worker/session_capture.h): false,
  // and the limit tripped (the run is MEMORY_LIMIT), when it and the live
  // heap together pass the run's cap.
  bool AdmitExternal(std::uint64_t bytes) {
    if (cap_ == 0 || live_ + bytes <= cap_) return true;
    if (!tripped_) refused_request_ = bytes;
    tripped_ = true;
    return false;
  }

  std::uint64_t live_bytes() const { return live_; }
  std::uint64_t peak_bytes() const { return peak_; }
  std::uint64_t cap() const { return cap_; }
  std::uint64_t ceiling() const { return ceiling_; }
  bool tripped() const { return tripped_; }
  // Size of the request that was refused first in this run.
  std::uint64_t refused_request() const { return refused_request_; }

 private:
  bool Admit(std::size_t old_size, std::size_t new_size);
  bool PastDeadline();

  const std::uint64_t ceiling_;
  Deadline* deadline_ = nullptr;
  bool in_run_ = false;
  std::uint32_t allocations_ = 0;
  bool hard_stop_ = false;  // past deadline + grace: refuse everything
  std::uint64_t cap_;
  std::uint64_t live_ = 0;
  std::uint64_t peak_ = 0;
  std::uint64_t refused_request_ = 0;
  bool tripped_ = false;
};

}  // namespace stockade::worker
