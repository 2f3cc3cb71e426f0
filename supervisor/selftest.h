// selftest: what confinement is really in force on this host, checked from
// the outside (the kernel's /proc view of a live worker) and by behaviour
// (hostile scripts must end in their typed outcome). Each check is PASS,
// FAIL, or UNAVAILABLE with the reason the host does not offer it.
#pragma once

#include <string>
#include <vector>

#include "supervisor/supervisor.h"

namespace stockade::supervisor {

struct SelfCheck {
  enum class Result { kPass, kFail, kUnavailable };
  std::string name;
  Result result = Result::kPass;
  std::string detail;
};

const char* SelfCheckResultName(SelfCheck::Result result);

// The outside checks alone: what the kernel's /proc says about the live
// worker `pid`, against the confinement and policy it was started with.
// Cheap (a few /proc reads), so /readyz runs them on every call.
std::vector<SelfCheck> OutsideChecks(const api::Confinement& confinement, const policy::Policy& policy,
                                     pid_t pid);

// Runs every check against `supervisor` (which must have a ready worker).
// `testcase_worker`: the test worker that makes forbidden syscalls and
// writes garbage frames on request (stockade-worker-hostile, built with the
// tests); empty or missing makes those two checks UNAVAILABLE.
std::vector<SelfCheck> RunSelftest(Supervisor& supervisor, const std::string& testcase_worker = "");

}  // namespace stockade::supervisor
