// A minimal init (in the manner of tini) for when the daemon runs as PID 1.
//
// In a container `stockade serve` is often PID 1, and PID 1 inherits every
// orphan in its PID namespace: somebody must reap them or the zombies pile up,
// and somebody must turn the runtime's SIGTERM into an orderly shutdown (the
// kernel drops signals to PID 1 that have no handler). The daemon itself must
// not be that somebody: it tracks workers by pidfd and waitid(P_PIDFD), and a
// process-wide waitpid(-1) reaper would steal its workers' exit statuses.
//
// So BecomeInitIfNeeded() splits the process in two before any thread exists.
// The forked CHILD returns and becomes the real daemon, with a clean signal
// mask and PR_SET_PDEATHSIG(SIGKILL) so it never outlives its init. The PARENT
// stays a small single-threaded init: it reaps every child that exits (the
// orphans re-parented to it and finally the daemon), forwards SIGTERM, SIGINT,
// SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the daemon through a pidfd, and once
// the daemon has exited it sends SIGTERM, then after `kill_grace` SIGKILL, to
// whatever is left, reaps it and exits with the daemon's status (128+signal
// when the daemon was killed by a signal). The daemon's workers stay the
// daemon's children, so the init's reaping never touches them.
//
// With `force` (--subreaper) the same split happens when we are not PID 1: the
// init becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so orphaned
// descendants come to it instead of the real init, and at the end it signals
// only its own children rather than kill(-1), which would reach every process
// the user may signal.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace stockade::supervisor {

struct InitOptions {
  // Act as init (as a child subreaper) even when we are not PID 1.
  bool force = false;
  // After the daemon exits: how long leftover processes get between SIGTERM
  // and SIGKILL.
  std::chrono::milliseconds kill_grace{2000};
};

// Returns true in the process that should go on to be the daemon: either no
// init was needed (not PID 1 and not forced), or this is the forked child. In
// the init parent it never returns: it exits with the daemon's status. If the
// split itself fails (fork fails), it logs a warning and returns true so the
// daemon still runs, only without an init in front of it.
//
// Must be called before any thread is created: the init relies on its signal
// mask being the only one in the process, and fork() copies only the caller.
bool BecomeInitIfNeeded(const InitOptions& options);

// Whether this process is the daemon child of our init (for tests and
// /readyz).
bool RunningUnderStockadeInit();
// That init's pid (1 in a container), or 0 when there is none. The cgroup
// v2 set-up moves it into a leaf with the daemon: it shares the daemon's
// cgroup, where it would keep the controllers from being enabled
// (cgroup_v2.h).
pid_t StockadeInitPid();

}  // namespace stockade::supervisor
