// clone3: the clone3(2) system call with a child that runs a function on a
// stack of its own, for Spawn's CLONE_INTO_CGROUP (spawn.h).
//
// Why it exists: glibc 2.36 exports no clone3 wrapper (its __clone3 is
// internal), and a plain syscall(SYS_clone3, ...) cannot start a CLONE_VM
// child. Without a new stack the child would return through syscall()'s
// frame on the parent's stack and overwrite the frames (return addresses
// among them) that the suspended parent resumes on; with a new stack it has
// no frame to return to at all. So the instruction after the system call
// has to be the child's entry, written in assembly: clear the frame pointer,
// call fn(arg), exit with its result, never return. clone3.S does that for
// x86_64, modelled on glibc's sysdeps/unix/sysv/linux/x86_64/clone3.S. On
// any other architecture kHaveClone3 is false and Spawn uses clone(2) and
// the cgroup.procs write. aarch64 is left out on purpose until something
// can run it: qemu-user answers clone3 with ENOSYS, and an unproven entry
// in the spawn path could corrupt the supervisor's memory.
//
// The function touches no errno: it returns the kernel's answer as is, the
// child's pid to the parent or -errno, so the caller needs no TLS between
// clone3 and reading the result (the child shares the parent's memory).
#pragma once

#include <linux/sched.h>  // struct clone_args, CLONE_INTO_CGROUP (Linux 5.7+ headers)

#include <cstddef>

#if defined(__x86_64__)
#define STOCKADE_HAVE_CLONE3 1
#else
#define STOCKADE_HAVE_CLONE3 0
#endif

namespace stockade::supervisor {

inline constexpr bool kHaveClone3 = STOCKADE_HAVE_CLONE3 != 0;

}  // namespace stockade::supervisor

#if STOCKADE_HAVE_CLONE3
// clone3(args, size); in the child (which must have args->stack set), runs
// fn(arg) on that stack and exits with its return value. Returns the child's
// pid, or -errno if the kernel refused (the child never existed).
extern "C" long stockade_clone3(struct clone_args* args, std::size_t size, int (*fn)(void*), void* arg);
#endif
