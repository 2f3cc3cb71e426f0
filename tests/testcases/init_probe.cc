// stockade-init-probe: a stand-in daemon for init_process_test.
//
// It calls BecomeInitIfNeeded() exactly as `stockade serve` does and then, in
// the daemon child, runs the commands on its command line one after another,
// reporting on stdout (one line per event) what the test needs to check:
//
//   stockade-init-probe [--force] [--grace-ms N] COMMAND...
//     print         "daemon pid=P ppid=Q under_init=0|1 sigblk=HEX"
//     orphans N     double-fork N grandchildren that exit only after they have
//                   been re-parented; prints "orphans-reparented" once all N
//                   have been (so they are now the init's to reap)
//     polite N      fork N children that sleep until killed; "leftover PID"
//                   each, and "term PID" from the child when SIGTERM comes
//     stubborn N    the same, but the children ignore SIGTERM
//     wait-term C   "waiting", then block until SIGTERM and exit with code C
//     wait-any      "waiting", then block until any signal the init forwards
//                   and exit with that signal's number as the code
//     exit C        exit with code C
//     kill-self     die by SIGKILL
//
// Any misuse exits 100 with a message, so a broken probe never looks like a
// propagated exit code.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "supervisor/confine/init_process.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "init-probe: %s: %s\n", what, std::strerror(errno));
  std::fflush(stderr);
  ::_exit(100);
}

int Number(const char* text) {
  if (!text) {
    errno = EINVAL;
    Fail("missing number");
  }
  return std::atoi(text);
}

std::string SigBlk() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigBlk:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 7));
  }
  return "?";
}

// The grandchild reports its pid after it has been re-parented (its parent
// exited), then exits: it becomes a zombie that only the init can reap.
void SpawnOrphans(int n) {
  int fds[2];
  if (::pipe(fds) != 0) Fail("pipe");
  for (int i = 0; i < n; ++i) {
    const pid_t middle = ::fork();
    if (middle < 0) Fail("fork");
    if (middle == 0) {
      // Taken before the fork: the middle may already be gone by the time
      // the grandchild first runs.
      const pid_t middle_pid = ::getpid();
      const pid_t grandchild = ::fork();
      if (grandchild < 0) ::_exit(101);
      if (grandchild == 0) {
        for (int tries = 0; ::getppid() == middle_pid && tries < 10000; ++tries) ::usleep(1000);
        const pid_t self = ::getpid();
        if (::write(fds[1], &self, sizeof self) != sizeof self) ::_exit(102);
        ::_exit(0);
      }
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(middle, &status, 0);
  }
  ::close(fds[1]);
  for (int i = 0; i < n; ++i) {
    pid_t pid = 0;
    if (::read(fds[0], &pid, sizeof pid) != sizeof pid) Fail("read orphan report");
  }
  ::close(fds[0]);
  std::printf("orphans-reparented\n");
}

// A polite leftover says it was asked to go, so the test can tell the SIGTERM
// phase from the SIGKILL that would end it anyway. Only write(2) and _exit:
// this runs as a signal handler.
void ReportTerm(int) {
  char line[32] = "term ";
  char digits[16];
  int n = 0;
  for (pid_t pid = ::getpid(); pid > 0; pid /= 10) digits[n++] = static_cast<char>('0' + pid % 10);
  int len = 5;
  while (n > 0) line[len++] = digits[--n];
  line[len++] = '\n';
  if (::write(STDOUT_FILENO, line, static_cast<size_t>(len)) < 0) ::_exit(1);
  ::_exit(0);
}

// Children that outlive the daemon. Each confirms over a pipe that its
// SIGTERM disposition is in place before we report it, so "stubborn" really
// means the SIGTERM phase cannot end it.
void SpawnLeftovers(int n, bool ignore_term) {
  for (int i = 0; i < n; ++i) {
    int fds[2];
    if (::pipe(fds) != 0) Fail("pipe");
    const pid_t child = ::fork();
    if (child < 0) Fail("fork");
    if (child == 0) {
      if (ignore_term) {
        ::signal(SIGTERM, SIG_IGN);
      } else {
        ::signal(SIGTERM, ReportTerm);
      }
      const char ready = 'r';
      if (::write(fds[1], &ready, 1) != 1) ::_exit(103);
      for (;;) ::pause();
    }
    ::close(fds[1]);
    char ready = 0;
    if (::read(fds[0], &ready, 1) != 1) Fail("read leftover ready");
    ::close(fds[0]);
    std::printf("leftover %d\n", static_cast<int>(child));
  }
}

// code < 0: exit with the number of the signal received.
[[noreturn]] void WaitForSignal(bool any, int code) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  if (any) {
    for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
  }
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  std::printf("waiting\n");
  std::fflush(stdout);
  int sig = 0;
  if (::sigwait(&set, &sig) != 0) Fail("sigwait");
  std::exit(code < 0 ? sig : code);
}

}  // namespace

int main(int argc, char** argv) {
  stockade::supervisor::InitOptions options;
  int i = 1;
  for (; i < argc; ++i) {
    if (std::strcmp(argv[i], "--force") == 0) {
      options.force = true;
    } else if (std::strcmp(argv[i], "--grace-ms") == 0 && i + 1 < argc) {
      options.kill_grace = std::chrono::milliseconds(Number(argv[++i]));
    } else {
      break;
    }
  }
  if (!stockade::supervisor::BecomeInitIfNeeded(options)) Fail("BecomeInitIfNeeded returned false");
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  for (; i < argc; ++i) {
    const std::string cmd = argv[i];
    const char* arg = i + 1 < argc ? argv[i + 1] : nullptr;
    if (cmd == "print") {
      std::printf("daemon pid=%d ppid=%d under_init=%d init_pid=%d sigblk=%s\n", static_cast<int>(::getpid()),
                  static_cast<int>(::getppid()), stockade::supervisor::RunningUnderStockadeInit() ? 1 : 0,
                  static_cast<int>(stockade::supervisor::StockadeInitPid()), SigBlk().c_str());
    } else if (cmd == "orphans") {
      SpawnOrphans(Number(arg));
      ++i;
    } else if (cmd == "polite" || cmd == "stubborn") {
      SpawnLeftovers(Number(arg), cmd == "stubborn");
      ++i;
    } else if (cmd == "wait-term") {
      WaitForSignal(false, Number(arg));
    } else if (cmd == "wait-any") {
      WaitForSignal(true, -1);
    } else if (cmd == "exit") {
      std::fflush(stdout);
      ::_exit(Number(arg));
    } else if (cmd == "kill-self") {
      std::fflush(stdout);
      ::raise(SIGKILL);
    } else {
      errno = EINVAL;
      Fail(argv[i]);
    }
  }
  return 0;
}
