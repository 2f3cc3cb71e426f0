#include "policy/connection_cap.h"

#include <algorithm>

namespace stockade::policy {

ConnectionCap ConnectionCapFor(const Policy& policy, std::uint64_t fd_limit) {
  const std::uint64_t workers = std::max(policy.pool().size(), policy.pool().max_size());
  ConnectionCap out;
  out.reserved_fds = kFdsBase + workers * kFdsPerWorker;
  const std::uint64_t room = fd_limit > out.reserved_fds ? fd_limit - out.reserved_fds : 0;
  const std::uint64_t asked = policy.daemon().max_connections();
  std::uint64_t cap = asked == 0 ? std::min<std::uint64_t>(room, kMaxDerivedConnections)
                                 : std::min<std::uint64_t>(asked, room);
  if (asked != 0 && asked > room) {
    out.note = "daemon.max_connections " + std::to_string(asked) + " lowered to " + std::to_string(room) +
               ": RLIMIT_NOFILE is " + std::to_string(fd_limit) + " and " +
               std::to_string(out.reserved_fds) + " descriptors are kept for " + std::to_string(workers) +
               " workers; raise the limit (ulimit -n, LimitNOFILE=)";
  }
  if (cap < kMinConnections) {
    out.note = "RLIMIT_NOFILE " + std::to_string(fd_limit) + " leaves " + std::to_string(room) +
               " descriptors beside the " + std::to_string(out.reserved_fds) + " kept for " +
               std::to_string(workers) + " workers; serving " + std::to_string(kMinConnections) +
               " connections anyway (workers may fail to start): raise the limit or pool.max_size";
    cap = kMinConnections;
  }
  out.cap = static_cast<std::uint32_t>(std::min<std::uint64_t>(cap, UINT32_MAX));
  return out;
}

}  // namespace stockade::policy
