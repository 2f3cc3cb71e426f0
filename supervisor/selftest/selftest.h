// selftest: what confinement is really in force on this host, checked from
// the outside (the kernel's /proc view of a live worker) and by behaviour
// (hostile scripts must end in their typed outcome). Each check is PASS,
// FAIL, or UNAVAILABLE with the reason the host does not offer it; which
// one is policy/readiness.h's rule, and so is readiness (/readyz): a layer
// the host refuses is UNAVAILABLE unless the policy requires it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/readiness.h"
#include "proto/api.pb.h"
#include "supervisor/pool/supervisor.h"

namespace stockade::supervisor {

struct SelfCheck {
  using Result = policy::CheckResult;
  std::string name;
  Result result = Result::kPass;
  std::string detail;
};

const char* SelfCheckResultName(SelfCheck::Result result);

// The outside checks alone: what the kernel's /proc says about the live
// worker `pid`, against the confinement and policy it was started with.
// Cheap (a few /proc reads), so /readyz runs them on every call.
// `cgroup_join` (WorkerInfo::cgroup_join) is added to the cgroup check's
// detail, so operators see whether workers are created in their cgroup.
std::vector<SelfCheck> OutsideChecks(const api::Confinement& confinement, const policy::Policy& policy,
                                     pid_t pid, std::string_view cgroup_join = "");

// What /readyz answers: the pool's counts, the confinement, the outside
// checks of one idle worker (skipped, not failed, when that worker goes
// while being read) and `ready` by policy::IsReady. The policy's name is
// left to the caller. Pure of I/O but for those /proc reads, so a test can
// ask it of a Supervisor in a restricted child exactly as the daemon does.
api::Readiness CheckReadiness(const PoolStats& stats, const api::Confinement& confinement,
                              const policy::Policy& policy, bool draining);

// Runs every check against `supervisor` (which must have a ready worker).
// `testcase_worker`: the test worker that makes forbidden syscalls and
// writes garbage frames on request (stockade-worker-hostile, built with the
// tests); empty or missing makes those two checks UNAVAILABLE.
std::vector<SelfCheck> RunSelftest(Supervisor& supervisor, const std::string& testcase_worker = "");

}  // namespace stockade::supervisor
