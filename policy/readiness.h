// Readiness: how one confinement layer's check is judged, and when a
// supervisor may take work. Pure decisions, shared by `stockade selftest`,
// the daemon's /readyz and the tests that play a restricted host.
//
// The rule. A layer the host refuses (a namespace, cgroups) is UNAVAILABLE,
// with the reason, because a host is allowed to offer less: the other
// layers still hold, and the refusal is reported everywhere. It is FAIL
// only when the policy requires it (`namespaces.require`,
// `cgroup.required`), or when the supervisor claims it is in force and the
// kernel's view says it is not: then what is reported is not true, and an
// orchestrator must not route to that host. A supervisor is ready when it
// is not draining, has a live worker and no check FAILed. Without this
// distinction a chroot or a locked-down container, which refuses the mount
// or user namespace, would never become ready.
#pragma once

#include <cstdint>
#include <vector>

namespace stockade::policy {

enum class CheckResult { kPass, kFail, kUnavailable };

// What is known about one layer of one worker.
struct LayerState {
  bool wanted = true;     // the policy asks for it (e.g. namespaces.use)
  bool required = false;  // the policy will not run without it
  bool claimed = false;   // the supervisor reports it in force for the worker
  bool in_force = false;  // the kernel's view agrees that it is
};

CheckResult JudgeLayer(const LayerState& layer);

// Ready to take work: not draining, at least one live (idle or busy)
// worker, and no check FAILed. UNAVAILABLE never blocks readiness.
bool IsReady(bool draining, std::uint32_t live_workers, const std::vector<CheckResult>& checks);

}  // namespace stockade::policy
