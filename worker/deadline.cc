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
  deadline_ns_ = timeout_ms == 0 ? 0 : MonotonicNowNs() + std::int64_t{timeout_ms} * 1000000;
}

void Deadline::Expire() {
  timeout_ms_ = 0;
  deadline_ns_ = 0;
  tripped_ = true;
  tripped_at_ns_ = MonotonicNowNs();
}

}  // namespace stockade::worker
