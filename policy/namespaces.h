// Namespaces: the Linux namespaces a worker can be started in, as a bit set,
// with the spellings used in policies, reports and logs.
//
// Namespaces are a further layer under seccomp, not the boundary: a worker
// that somehow made a syscall the filter forbids would find no network
// interface but a loopback that is down (net), no other process to see or
// signal (pid), an empty read-only root with no files at all (mount), no
// System V IPC objects or POSIX queues of the host (ipc), its own hostname
// (uts), a cgroup tree rooted at its own cgroup (cgroup), and uids that map
// to nothing but the one it runs as (user). Hosts differ in what they allow
// (user namespaces disabled by sysctl, Docker's default seccomp profile
// refusing unshare and clone flags, a non-root supervisor without user
// namespaces), so every namespace is asked for separately and the effective
// set is reported; see docs/SECURITY.md for the fallback ladder.
#pragma once

#include <string>
#include <string_view>

#include "proto/status.h"

namespace stockade::policy {

enum Namespace : unsigned {
  kNsUser = 1u << 0,
  kNsPid = 1u << 1,
  kNsNet = 1u << 2,
  kNsMount = 1u << 3,
  kNsIpc = 1u << 4,
  kNsUts = 1u << 5,
  kNsCgroup = 1u << 6,
};
inline constexpr unsigned kAllNamespaces = 0x7f;

// "user", "pid", ... for one bit.
std::string_view NamespaceName(Namespace ns);

// "user,pid,net,mount,ipc,uts,cgroup" in that fixed order, or "none".
std::string NamespaceList(unsigned set);

// The inverse of NamespaceList: a comma-separated list of names (spaces
// allowed), "all" or "none". An unknown name is an error that names it.
StatusOr<unsigned> ParseNamespaceList(std::string_view text);

}  // namespace stockade::policy
