#include "supervisor/confine/seccomp_listener.h"

#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace stockade::supervisor {

StatusOr<SeccompListener> SeccompListener::TakeFrom(int pidfd, int target_fd) {
  const long fd = syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
  if (fd < 0) return ErrnoError("pidfd_getfd(worker listener fd " + std::to_string(target_fd) + ")");
  UniqueFd owned(static_cast<int>(fd));
  // The fd number came from the worker: make sure it really is a seccomp
  // listener and not, say, one of its pipes (holding a pipe's read end would
  // keep our writes to a dead worker from ever failing).
  char link[64] = {};
  const std::string path = "/proc/self/fd/" + std::to_string(owned.get());
  const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
  if (n < 0 || std::string_view(link, static_cast<std::size_t>(n)) != "anon_inode:seccomp notify") {
    return Status::Error("worker fd " + std::to_string(target_fd) + " is not a seccomp listener (" +
                         std::string(link, n > 0 ? static_cast<std::size_t>(n) : 0) + ")");
  }
  return SeccompListener(std::move(owned));
}

StatusOr<std::string> SeccompListener::ReceiveViolation(int fd) {
  struct seccomp_notif* req = nullptr;
  struct seccomp_notif_resp* resp = nullptr;
  if (seccomp_notify_alloc(&req, &resp) < 0) return Status::Error("seccomp_notify_alloc failed");
  const int rc = seccomp_notify_receive(fd, req);
  if (rc < 0) {
    seccomp_notify_free(req, resp);
    return ErrnoError("seccomp notification receive", -rc);
  }
  std::string name;
  if (char* resolved = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr)) {
    name = resolved;
    std::free(resolved);
  } else {
    name = "syscall " + std::to_string(req->data.nr);
  }
  seccomp_notify_free(req, resp);
  return name;
}

bool SeccompListener::Supported() {
  static const bool supported = [] {
    const long pidfd = syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0) return false;
    const long fd = syscall(SYS_pidfd_getfd, pidfd, 0, 0);
    close(static_cast<int>(pidfd));
    if (fd < 0) return false;
    close(static_cast<int>(fd));
    return seccomp_api_get() >= 5;  // API level 5: user notification available
  }();
  return supported;
}

}  // namespace stockade::supervisor
