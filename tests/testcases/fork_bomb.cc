// fork_bomb: forks until the kernel refuses, for the cgroup pids tests.
//
// Each child only waits for its parent to go, so the processes pile up
// until fork(2) fails; that failure must come from the worker cgroup's
// pids.max (the caller keeps its uid, so RLIMIT_NPROC does not apply to
// a root test and cannot be the one stopping it). Prints "<forks> <errno>"
// on stdout (descriptor 1), kills and reaps its children, and exits 0. It
// fails loudly if nothing stops it: after argv[1] forks (default 512) it
// prints "<forks> 0" and exits 3.
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const long ceiling = argc > 1 ? std::atol(argv[1]) : 512;
  std::vector<pid_t> children;
  children.reserve(static_cast<size_t>(ceiling));
  int err = 0;
  for (long i = 0; i < ceiling; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (;;) ::pause();
    }
    if (pid < 0) {
      err = errno;
      break;
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) ::kill(pid, SIGKILL);
  for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
  std::printf("%zu %d\n", children.size(), err);
  return err == 0 ? 3 : 0;
}
