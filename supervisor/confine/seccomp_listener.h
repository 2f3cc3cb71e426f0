// The supervisor's end of a worker's seccomp user-notification listener.
//
// The worker loads its filter with SECCOMP_FILTER_FLAG_NEW_LISTENER and
// reports the listener's fd number; the supervisor copies it out of the
// worker with pidfd_getfd(2). From then on every forbidden syscall blocks
// the worker and wakes the supervisor, which reads the syscall number and
// architecture from the kernel (not from the worker), names it, and kills
// the worker. The blocked syscall never runs.
#pragma once

#include <string>

#include "proto/status.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {

class SeccompListener {
 public:
  // Copies fd `target_fd` of the process behind `pidfd`.
  static StatusOr<SeccompListener> TakeFrom(int pidfd, int target_fd);

  int fd() const { return fd_.get(); }
  // Hands the fd to an owner that closes it (e.g. an Asio descriptor).
  UniqueFd Release() { return std::move(fd_); }

  // Receives one pending notification from listener `fd` and returns the
  // syscall's name (or "syscall <nr>" when the name is unknown).
  static StatusOr<std::string> ReceiveViolation(int fd);

  // Whether this kernel and our privileges allow pidfd_getfd on a child;
  // decided once at start-up by trying it on ourselves.
  static bool Supported();

 private:
  explicit SeccompListener(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace stockade::supervisor
