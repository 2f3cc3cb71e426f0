// Reading a process's confinement from the outside, via /proc/<pid>/status.
//
// The supervisor does not take a worker's word for what it applied: after
// Ready it reads the kernel's own view (Seccomp, NoNewPrivs) and refuses a
// worker whose filter is not in force. The same reads back `selftest`.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "proto/status.h"

namespace stockade::supervisor {

// The value of one "Key:\tvalue" line of /proc/<pid>/status, trimmed.
StatusOr<std::string> ProcStatusField(pid_t pid, std::string_view key);

// Kernel view of the process: seccomp mode 2 (filter) and no_new_privs set.
Status CheckSeccompInForce(pid_t pid);

}  // namespace stockade::supervisor
