// How many client connections the daemon may hold open at once.
//
// Each connection is a file descriptor, and the process's descriptor limit
// is shared with what the workers need on the supervisor's side (two pipes,
// pidfds, a seccomp listener and cgroup files each, plus transient pipes
// while one spawns). The cap leaves those aside, so no number of clients
// can make a worker fail to start or a pipe fail to open.
#pragma once

#include <cstdint>
#include <string>

#include "proto/policy.pb.h"

namespace stockade::policy {

// Descriptors the supervisor holds per worker, rounded up from what
// /proc/<pid>/fd shows (pipes, pidfds, listener, cgroup.procs per
// controller) with room for one spawn in progress.
inline constexpr std::uint64_t kFdsPerWorker = 10;
// Descriptors not tied to a worker: stdio, epoll, timers, listeners, the
// log, /proc reads of /readyz, the worker binary.
inline constexpr std::uint64_t kFdsBase = 64;
// Below this the daemon would be useless; it runs with it and says so.
inline constexpr std::uint32_t kMinConnections = 16;
// The derived cap (max_connections 0) is at most this: descriptors are
// not the only cost of a connection. Each may hold up to ~192 KiB outside
// the byte budget (a 64 KiB read buffer, a body up to 64 KiB, a reply or an
// SSE batch up to 64 KiB), so 1024 bounds that to ~192 MiB; an operator
// who wants more sets max_connections.
inline constexpr std::uint32_t kMaxDerivedConnections = 1024;

struct ConnectionCap {
  std::uint32_t cap;
  std::uint64_t reserved_fds;  // set aside for workers and the process
  std::string note;            // non-empty: why the cap is not what was asked
};

// `fd_limit`: the soft RLIMIT_NOFILE in force (after raising it).
ConnectionCap ConnectionCapFor(const Policy& policy, std::uint64_t fd_limit);

}  // namespace stockade::policy
