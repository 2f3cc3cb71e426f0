// Typed outcomes: how facts about a run map to one api::Status, and how a
// status maps to a CLI exit code.
//
// When a worker dies mid-run, the supervisor gathers what it knows from the
// outside (how the process ended, whether it was killed for the deadline or
// for a bad frame, which syscall the seccomp listener saw, whether the
// cgroup OOM-killed it) and this decides what the caller is told. The
// supervisor's own observations outrank anything the worker said.
#pragma once

#include <cstdint>

#include <string>
#include <string_view>

#include "proto/api.pb.h"

namespace stockade::policy {

struct DeathFacts {
  bool exited = false;        // exited normally (code valid), else signalled
  int exit_code = 0;
  int signal = 0;             // the signal that ended it, when !exited
  bool cancelled = false;     // the caller cancelled; we killed it
  bool deadline_killed = false;  // we killed it past deadline + grace
  std::uint64_t timeout_ms = 0;  // ... that deadline, and the grace after it
  std::uint64_t grace_ms = 0;
  bool framing_killed = false;   // we killed it for a bad frame
  std::string framing_detail;    // what was wrong with the frame
  std::string violation_syscall; // seen by the seccomp listener (supervisor side)
  bool oom_killed = false;    // the cgroup's OOM killer ended it
  std::string fatal_message;  // a Fatal frame, if the worker sent one
  bool fatal_out_of_memory = false;  // ... marked out_of_memory
  // The filter's default action was a notification to the supervisor's
  // listener (user-notify mode), so a forbidden native syscall would have
  // been named, not killed: a SIGSYS death then means the filter's bad-arch
  // action fired. False when unknown, not only in kill mode.
  bool listener_in_force = false;
};

struct Outcome {
  api::Status status = api::STATUS_UNSPECIFIED;
  std::string detail;
  std::string violation_syscall;
  int signal = 0;
};

Outcome ClassifyWorkerDeath(const DeathFacts& facts);

// TIMEOUT, MEMORY_LIMIT, OUTPUT_LIMIT: the run hit a limit.
bool IsLimitTrip(api::Status status);

// Distinct per outcome class; 0 only for OK. Documented in README.md.
int ExitCodeFor(api::Status status);

std::string_view StatusName(api::Status status);

}  // namespace stockade::policy
