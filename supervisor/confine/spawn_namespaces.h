// spawn_namespaces: the parent's side of starting a child in namespaces.
//
// Which clone(2) flag each namespace is, which errors mean "the host
// refuses this namespace" rather than "the spawn failed", how to find the
// culprit when clone refuses several at once (probe each alone), and the
// uid/gid maps that a new user namespace needs written from outside. Apart
// from Spawn (spawn.cc), whose fallback ladder these serve, so that the
// child's side there stays one readable sequence of raw syscalls.
#pragma once

#include <sys/types.h>

#include <vector>

#include "proto/status.h"
#include "supervisor/confine/spawn.h"

namespace stockade::supervisor {

// The namespaces that clone(2) itself creates; cgroup is unshared later.
inline constexpr unsigned kCloneNamespaces = kNsUser | kNsPid | kNsNet | kNsMount | kNsIpc | kNsUts;

// The CLONE_NEW* flags of the clone namespaces in `set`.
int CloneFlags(unsigned set);

// Errors with which clone(2) refuses a namespace rather than failing for
// another reason: EPERM (no privilege, a seccomp profile), EINVAL (a kernel
// without it), ENOSPC/EUSERS (user.max_*_namespaces reached or set to 0).
bool IsNamespaceRefusal(int err);

// A clone with several namespaces was refused: find out which, one at a
// time (with the user namespace, when asked for, since an unprivileged
// caller gets the others only inside one), and append why to `refused`.
// Returns the refused bits.
unsigned FindRefusedNamespaces(unsigned set, int combined_err, std::vector<NamespaceRefusal>* refused);

// Maps the child's ids to themselves, one each. A root parent may map any
// id and leaves setgroups(2) allowed (the child drops its supplementary
// groups itself); an unprivileged one may map only its own ids, after
// denying setgroups (the kernel's rule, see user_namespaces(7)).
Status WriteIdMaps(pid_t pid, uid_t uid, gid_t gid);

}  // namespace stockade::supervisor
