// Playing a restrictive host in a test: run a body in a forked child (where
// a seccomp profile or a uid change cannot touch the test process) and
// collect the text it produces, and the seccomp profiles such hosts apply
// to us, in miniature.
#pragma once

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace stockade::testing {

// Runs `body` in a forked child and returns the text it produced, with the
// child's exit status appended when it did not exit 0.
template <typename Body>
std::string InChild(Body body) {
  int report_pipe[2];
  if (pipe2(report_pipe, O_CLOEXEC) != 0) return "pipe2 failed";
  const pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    close(report_pipe[0]);
    const std::string text = body();
    (void)!write(report_pipe[1], text.data(), text.size());
    _exit(0);
  }
  close(report_pipe[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(report_pipe[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(report_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) text += "\nchild status " + std::to_string(status);
  return text;
}

// The refusals restrictive hosts share: clone with CLONE_NEWUSER fails with
// EPERM and clone3 with ENOSYS (so libc falls back to clone, whose flags
// the filter can see); plus `syscall_nr` failing with `error`:
//   Docker's default profile: unshare(2), EPERM;
//   a chroot: mount(2), EINVAL (MS_PRIVATE on a `/` that is no mount point).
// Call only in a forked child; exits 90 if the filter cannot be loaded.
inline void InstallRefusingProfile(int syscall_nr, int error) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(syscall_nr), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<unsigned>(error) & SECCOMP_RET_DATA)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    _exit(90);
  }
}

// Docker's default profile, in miniature: clone with CLONE_NEWUSER and every
// unshare(2) fail with EPERM, clone3 with ENOSYS (so libc falls back to clone).
inline void InstallDockerLikeProfile() { InstallRefusingProfile(SYS_unshare, EPERM); }

}  // namespace stockade::testing
