#include "policy/outcome.h"

#include <csignal>
#include <cstring>

namespace stockade::policy {
namespace {

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

Outcome ClassifyWorkerDeath(const DeathFacts& f) {
  Outcome out;
  out.signal = f.exited ? 0 : f.signal;
  // Order matters: what the supervisor did or saw outranks how the process
  // happened to end (every one of these ends in SIGKILL from us).
  if (!f.violation_syscall.empty()) {
    out.status = api::POLICY_VIOLATION;
    out.violation_syscall = f.violation_syscall;
    out.detail = "the script attempted the forbidden syscall " + f.violation_syscall +
                 "; the worker was killed";
    return out;
  }
  if (f.cancelled) {
    out.status = api::CANCELLED;
    out.detail = "cancelled by the caller; the worker was stopped";
    return out;
  }
  if (f.deadline_killed) {
    out.status = api::TIMEOUT;
    out.detail = f.timeout_ms == 0
                     ? "the script did not stop at its deadline and was killed"
                     : "the script did not stop at its timeout of " + std::to_string(f.timeout_ms) +
                           " ms and was killed " + std::to_string(f.grace_ms) + " ms later";
    return out;
  }
  if (f.fatal_out_of_memory) {
    out.status = api::MEMORY_LIMIT;
    out.detail = "the worker ran out of memory outside the interpreter heap (address-space limit)";
    return out;
  }
  if (f.oom_killed) {
    out.status = api::MEMORY_LIMIT;
    out.detail = "the worker's cgroup memory limit was exceeded (kernel OOM kill)";
    return out;
  }
  if (f.framing_killed) {
    out.status = api::WORKER_CRASHED;
    out.detail = "the worker sent a bad frame (" + f.framing_detail + ") and was killed";
    return out;
  }
  if (!f.exited && f.signal == SIGXCPU) {
    out.status = api::TIMEOUT;
    out.detail = "the worker reached its CPU time rlimit";
    return out;
  }
  if (!f.exited && f.signal == SIGXFSZ) {
    // Like SIGXCPU for time: the kernel enforced a configured limit. The
    // shipped worker writes only to pipes, which RLIMIT_FSIZE does not
    // cover, so reaching it means native code wrote to a regular file.
    out.status = api::OUTPUT_LIMIT;
    out.detail = "the worker wrote past its file-size limit (RLIMIT_FSIZE, limits.disk_bytes) "
                 "and was killed by SIGXFSZ";
    return out;
  }
  if (!f.exited && f.signal == SIGSYS) {
    // The kernel kills without saying which syscall, so the name stays
    // "unknown". With the listener in force every forbidden native syscall
    // is a notification instead, so only the bad-arch action can kill.
    out.status = api::POLICY_VIOLATION;
    out.violation_syscall = "unknown";
    if (f.listener_in_force) {
      out.detail = "the worker was killed by its seccomp filter: a foreign-ABI (32-bit int 0x80 "
                   "or x32) syscall was refused; the kernel does not name it";
    } else {
      out.detail = "the worker was killed by its seccomp filter: a foreign-ABI (32-bit int 0x80 "
                   "or x32) syscall was refused, or, in kill mode (no supervisor listener), any "
                   "forbidden syscall; the kernel does not name it";
    }
    return out;
  }
  out.status = api::WORKER_CRASHED;
  if (!f.fatal_message.empty()) {
    out.detail = "the interpreter failed: " + f.fatal_message;
  } else if (f.exited) {
    out.detail = "the worker exited unexpectedly with code " + std::to_string(f.exit_code);
  } else {
    out.detail = "the worker was killed by " + SignalName(f.signal);
  }
  return out;
}

bool IsLimitTrip(api::Status status) {
  return status == api::TIMEOUT || status == api::MEMORY_LIMIT || status == api::OUTPUT_LIMIT;
}

int ExitCodeFor(api::Status status) {
  switch (status) {
    case api::OK: return 0;
    case api::RUNTIME_ERROR: return 1;
    case api::SYNTAX_ERROR: return 3;
    case api::TIMEOUT: return 4;
    case api::MEMORY_LIMIT: return 5;
    case api::OUTPUT_LIMIT: return 6;
    case api::POLICY_VIOLATION: return 7;
    case api::WORKER_CRASHED: return 8;
    case api::CANCELLED: return 9;
    case api::QUEUE_FULL: return 10;
    case api::INVALID_REQUEST: return 11;
    case api::UNAUTHORIZED: return 12;
    case api::INTERNAL: return 13;
    default: return 13;
  }
}

std::string_view StatusName(api::Status status) {
  const std::string& name = api::Status_Name(status);
  return name.empty() ? std::string_view("STATUS_UNSPECIFIED") : std::string_view(name);
}

}  // namespace stockade::policy
