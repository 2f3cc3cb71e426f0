// UniqueFd: the one owner of a file descriptor.
//
// Every descriptor the supervisor opens (pipes to workers, pidfds, cgroup
// files) lives in a UniqueFd so that it is closed exactly once, on every path,
// without cleanup code copied onto error branches. It is move-only: a
// descriptor has one owner, and handing it on is an explicit std::move or
// release(). close() errors are ignored on purpose: after close(2) returns,
// the descriptor is gone whatever it reports, and retrying on EINTR could
// close a number another thread has just been given.
#pragma once

#include <unistd.h>

#include <utility>

namespace stockade::supervisor {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

  // Gives up ownership without closing; the caller now owns the number.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the current descriptor (if any) and takes ownership of `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace stockade::supervisor
