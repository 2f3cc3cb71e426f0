// The per-run deadline that Duktape's exec-timeout hook consults.
//
// Duktape calls our hook every 256K bytecode instructions; the hook compares
// CLOCK_MONOTONIC (a vDSO read, no syscall) with the run's deadline. Once the
// deadline has tripped it stays tripped until the next Arm(): Duktape then
// re-throws at the first instruction of every catch or finally block, so a
// script cannot swallow the timeout, and the run is reported as TIMEOUT even
// if some catch produced a value. Between runs the deadline is expired, so
// any script code that could still run then (it should not) dies at once.
#pragma once

#include <cstdint>

namespace stockade::worker {

// CLOCK_MONOTONIC in nanoseconds.
std::int64_t MonotonicNowNs();

class Deadline {
 public:
  // Arms for timeout_ms from now; 0 means no deadline (tests only; the
  // supervisor always sends one, and its wall-clock kill is the backstop).
  void Arm(std::uint32_t timeout_ms);
  // Trips on the next check and stays tripped (between runs).
  void Expire();

  // Sticky: true from the first call at or after the deadline until Arm().
  bool Check(std::int64_t now_ns) {
    if (tripped_) return true;
    if (deadline_ns_ == 0 || now_ns < deadline_ns_) return false;
    tripped_ = true;
    tripped_at_ns_ = now_ns;
    return true;
  }

  bool tripped() const { return tripped_; }
  // A virtual wait of the event loop (a timer `ms` ahead, nothing else to
  // do): instead of sleeping, the deadline moves `ms` closer. False, and
  // tripped, when the wait would reach the deadline; the overshoot then
  // counts from the moment of the wait.
  bool Wait(std::uint64_t ms);
  // Milliseconds of virtual waits since Arm().
  std::uint64_t waited_ms() const { return waited_ms_; }
  // Absolute CLOCK_MONOTONIC deadline; 0 when none is armed.
  std::int64_t deadline_ns() const { return deadline_ns_; }
  std::uint32_t timeout_ms() const { return timeout_ms_; }
  // How late the trip was noticed, for the TIMEOUT detail and tests.
  std::int64_t overshoot_ns() const {
    return tripped_ && deadline_ns_ != 0 ? tripped_at_ns_ - deadline_ns_ : 0;
  }

 private:
  std::int64_t deadline_ns_ = 0;
  std::int64_t tripped_at_ns_ = 0;
  std::uint32_t timeout_ms_ = 0;
  std::uint64_t waited_ms_ = 0;
  bool tripped_ = false;
};

}  // namespace stockade::worker
