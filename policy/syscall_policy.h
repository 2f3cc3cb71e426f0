// What the worker may never be allowed to do, whatever a policy file says.
//
// The allowlist itself is data in the policy (default.textproto, each entry
// with its reason); this file holds the decisions around it: syscalls that no
// policy may allow because they would hand the sandboxed code a way out
// (files, network, new programs, new processes, other processes' memory), and
// the calls that stay allowed only with non-executable protections.
#pragma once

#include <span>
#include <string_view>

#include "proto/policy.pb.h"
#include "proto/status.h"

namespace stockade::policy {

struct ForbiddenSyscall {
  const char* name;
  const char* reason;
};

// Never allowed, grouped by family; a policy naming one is refused.
std::span<const ForbiddenSyscall> NeverAllowedSyscalls();

// mmap, mprotect: allowed only when the protection lacks PROT_EXEC, so the
// worker can never create executable memory (no JIT, no shellcode).
bool RequiresNoExecArgument(std::string_view syscall);
// Which argument holds the protection bits (0-based) for those calls.
int ProtectionArgumentIndex(std::string_view syscall);

// Every name resolves on this architecture, has a reason, appears once and
// is not never-allowed.
Status ValidateAllowlist(const SeccompPolicy& seccomp);

}  // namespace stockade::policy
