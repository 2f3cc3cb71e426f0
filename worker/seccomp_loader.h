// Loads the seccomp-bpf program the supervisor compiled for this worker.
//
// The worker does not decide its own policy: Init.seccomp_bpf carries a
// classic BPF program (struct sock_filter[], 8 bytes each) built by the
// supervisor from the policy, and this file only hands it to the kernel with
// the raw seccomp() syscall after setting no_new_privs (required to load a
// filter without CAP_SYS_ADMIN, and it stops setuid binaries from gaining
// privileges should an exec ever slip through). That is why the worker does
// not link libseccomp. With a listener requested the filter is loaded with
// SECCOMP_FILTER_FLAG_NEW_LISTENER; the worker leaves the returned fd open
// and never touches it (the supervisor takes a copy with pidfd_getfd).
// An empty program means "no filter" and is reported as such in Ready; the
// supervisor decides whether that is acceptable.
#pragma once

#include <string_view>

#include "proto/status.h"

namespace stockade::worker {

struct SeccompState {
  bool loaded = false;
  bool no_new_privs = false;
  int listener_fd = -1;  // -1 when no listener was requested
};

// Sets no_new_privs and, when `bpf` is non-empty, loads it. Errors carry
// the failing step and errno. After success with a non-empty program only
// the syscalls the program allows are available.
StatusOr<SeccompState> LoadSeccompFilter(std::string_view bpf, bool with_listener);

}  // namespace stockade::worker
