// Compiling the worker's seccomp filter from the policy, once, in the
// supervisor.
//
// The worker never links libseccomp: the supervisor compiles the allowlist
// to a classic BPF program here and ships the bytes in the Init frame, which
// the worker loads with one seccomp(2) call (~100 µs instead of ~200 µs to
// build it in every worker). Two shapes exist: with a user-notification
// default action, so the supervisor hears of every forbidden syscall and
// kills the worker itself (it, not the possibly compromised worker, names the
// syscall); and a plain KILL_PROCESS default for hosts where the supervisor
// cannot take the listener. Either way a syscall outside the list never runs.
#pragma once

#include <string>

#include "proto/policy.pb.h"
#include "proto/status.h"

namespace stockade::supervisor {

enum class FilterMode {
  kUserNotify,   // default action SECCOMP_RET_USER_NOTIF; the supervisor kills
  kKillProcess,  // default action SECCOMP_RET_KILL_PROCESS
};

// The filter as raw `struct sock_filter` bytes for the Init frame.
StatusOr<std::string> CompileWorkerFilter(const policy::SeccompPolicy& seccomp, FilterMode mode);

// Pseudo-C text of the filter (libseccomp's PFC export), for `policy print`.
StatusOr<std::string> DescribeWorkerFilter(const policy::SeccompPolicy& seccomp, FilterMode mode);

}  // namespace stockade::supervisor
