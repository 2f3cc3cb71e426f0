#include "supervisor/cli/repl_signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <optional>

#include "policy/outcome.h"
#include "supervisor/cli/api_client.h"
#include "supervisor/cli/output.h"

namespace stockade::supervisor {
namespace {

volatile std::sig_atomic_t g_running = 0;      // between RunGuard's ends
volatile std::sig_atomic_t g_interrupted = 0;  // Ctrl-C at the prompt
volatile std::sig_atomic_t g_cancel_sent = 0;  // Ctrl-C during this run
volatile std::sig_atomic_t g_quit = 0;         // SIGTERM or SIGHUP
int g_cancel_pipe = -1;                        // wakes the canceller
int g_cancelled_exit = 0;                      // policy::ExitCodeFor(CANCELLED), looked up beforehand

void OnSignal(int sig) {
  if (sig != SIGINT) {
    if (g_running) _exit(128 + sig);  // the terminal is libedit's only at the prompt
    g_quit = 1;
    return;
  }
  if (!g_running) {
    g_interrupted = 1;
    return;
  }
  if (g_cancel_sent || g_cancel_pipe < 0) {
    static constexpr char kMsg[] = "\n[stockade] leaving; the run ends on the daemon by its limits\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    _exit(g_cancelled_exit);
  }
  g_cancel_sent = 1;
  const char c = 'c';
  (void)!::write(g_cancel_pipe, &c, 1);
}

void SetHandlers(bool restart) {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = restart ? SA_RESTART : 0;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

}  // namespace

void InstallReplSignalHandlers() {
  g_cancelled_exit = policy::ExitCodeFor(api::CANCELLED);
  SetHandlers(/*restart=*/false);
}

bool TakeInterrupt() {
  const bool was = g_interrupted != 0 || g_quit != 0;
  g_interrupted = 0;
  return was;
}

bool QuitRequested() { return g_quit != 0; }

Canceller::Canceller(std::string url, HttpHeaders auth) : url_(std::move(url)), auth_(std::move(auth)) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;  // then a Ctrl-C during a run leaves at once
  read_fd_ = fds[0];
  g_cancel_pipe = fds[1];
  // Signals must go to the main thread: their job at the prompt is to
  // interrupt its read.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Canceller::~Canceller() {
  if (!thread_.joinable()) return;
  const char q = 'q';
  (void)!::write(g_cancel_pipe, &q, 1);
  thread_.join();
  ::close(read_fd_);
  ::close(g_cancel_pipe);
  g_cancel_pipe = -1;
}

void Canceller::SetExecution(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  id_ = id;
}

void Canceller::Loop() {
  char c = 0;
  while (::read(read_fd_, &c, 1) == 1 && c != 'q') {
    std::string id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      id = id_;
    }
    // The stream then delivers the CANCELLED result, printed like any other.
    if (id.empty()) {
      WriteAll(STDERR_FILENO, "\n[stockade] the run is not under way yet; Ctrl-C again leaves\n");
    } else if (std::optional<ApiError> failed = CancelExecution(url_, auth_, id)) {
      WriteAll(STDERR_FILENO, "\n[stockade] could not cancel the run: " + failed->message + "; Ctrl-C again leaves\n");
    } else {
      WriteAll(STDERR_FILENO, "\n");  // past the terminal's ^C, before the CANCELLED result
    }
  }
}

RunGuard::RunGuard(Canceller& canceller) : canceller_(canceller) {
  SetHandlers(/*restart=*/true);
  g_cancel_sent = 0;
  g_running = 1;
}

RunGuard::~RunGuard() {
  g_running = 0;
  canceller_.SetExecution("");
  SetHandlers(/*restart=*/false);
  g_interrupted = 0;  // a Ctrl-C for the run is not one for the prompt
}

}  // namespace stockade::supervisor
