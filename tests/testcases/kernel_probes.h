// What the test host's kernel can do, probed in a forked child so that a
// probe that faults cannot take the test process down.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

namespace stockade::testing {

#if defined(__x86_64__)
// Without IA32 emulation `int $0x80` faults (SIGSEGV) before seccomp sees
// it, so the foreign-ABI tests must know whether it runs at all.
inline bool KernelRunsInt80() {
  const pid_t child = ::fork();
  if (child == 0) {
    long rc;
    asm volatile("int $0x80" : "=a"(rc) : "a"(20L) : "r8", "r9", "r10", "r11", "memory", "cc");
    ::_exit(rc > 0 ? 0 : 1);  // i386 getpid
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

}  // namespace stockade::testing
