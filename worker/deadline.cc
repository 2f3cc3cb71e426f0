#include "worker/deadline.h"

#include <time.h>

namespace stockade::worker {

std::int64_t MonotonicNowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void Deadline::Arm(std::uint32_t timeout_ms) {
  timeout_ms_ = timeout_ms;
  tripped_ = false;
  tripped_at_ns_ = 0;
  waited_ms_ = 0;
  deadline_ns_ = timeout_ms == 0 ? 0 : MonotonicNowNs() + std::int64_t{timeout_ms} * 1000000;
}

bool Deadline::Wait(std::uint64_t ms) {
  if (tripped_) return false;
  if (deadline_ns_ == 0) {
    waited_ms_ += ms;
    return true;
  }
  const std::int64_t now = MonotonicNowNs();
  const std::int64_t left_ns = deadline_ns_ - now;
  const std::uint64_t left_ms = static_cast<std::uint64_t>(left_ns > 0 ? left_ns : 0) / 1000000;
  if (ms >= left_ms) {
    // The deadline is where the wait would have hit it: only that much of
    // the wait counts.
    waited_ms_ += left_ms;
    tripped_ = true;
    tripped_at_ns_ = deadline_ns_;
    return false;
  }
  waited_ms_ += ms;
  deadline_ns_ -= static_cast<std::int64_t>(ms) * 1000000;
  return true;
}

void Deadline::Expire() {
  timeout_ms_ = 0;
  deadline_ns_ = 0;
  tripped_ = true;
  tripped_at_ns_ = MonotonicNowNs();
}

}  // namespace stockade::worker
