#include "policy/readiness.h"

#include <algorithm>

namespace stockade::policy {

CheckResult JudgeLayer(const LayerState& layer) {
  // Claimed but not there: the report is wrong, whatever the policy says.
  if (layer.claimed) return layer.in_force ? CheckResult::kPass : CheckResult::kFail;
  // Missing and required: the policy's own condition for running is unmet.
  if (layer.required) return CheckResult::kFail;
  // Not asked for, or refused by the host: said, never a failure.
  return CheckResult::kUnavailable;
}

bool IsReady(bool draining, std::uint32_t live_workers, const std::vector<CheckResult>& checks) {
  if (draining || live_workers == 0) return false;
  return std::none_of(checks.begin(), checks.end(), [](CheckResult c) { return c == CheckResult::kFail; });
}

}  // namespace stockade::policy
