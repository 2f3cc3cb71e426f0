// The worker's last words: a Fatal frame, then _exit.
//
// Used when the worker cannot go on (Duktape fatal error, protocol violation
// by the supervisor, seccomp set-up failure). The frame is built and written
// with one raw write() on the frame fd so it works in any state, including
// under the seccomp filter; _exit() skips atexit handlers and static
// destructors, which might need syscalls the filter forbids. Exit codes are
// part of the wire contract (see worker_loop.h).
#pragma once

#include <string_view>

namespace stockade::worker {

// Exit codes the supervisor can read from a worker's wait status.
inline constexpr int kExitOk = 0;             // supervisor closed the request pipe
inline constexpr int kExitWriteFailed = 1;    // the frame pipe is gone
inline constexpr int kExitProtocol = 2;       // bad frame or unexpected frame kind
inline constexpr int kExitSetup = 3;          // seccomp filter or heap set-up failed
inline constexpr int kExitDuktapeFatal = 70;  // Duktape fatal error (EX_SOFTWARE)
inline constexpr int kExitOutOfMemory = 71;   // a host allocation failed (EX_OSERR)

// Where fatal reports go; the worker loop sets its frame fd (default 1).
void SetFatalFd(int fd);

[[noreturn]] void WriteFatalAndExit(std::string_view message, int exit_code);

// Installs the new-handler and terminate handler: a failed host allocation
// (outside Duktape's capped heap, e.g. under RLIMIT_AS) sends a Fatal frame
// marked out_of_memory that was serialized in advance (nothing can be
// allocated at that point), and an uncaught C++ exception sends a Fatal
// frame; both _exit. Without them abort() would run, whose rt_sigprocmask is
// outside the seccomp allowlist, and a memory bomb would read as a policy
// violation. Call once, before the filter is loaded.
void InstallFailureHandlers();

}  // namespace stockade::worker
