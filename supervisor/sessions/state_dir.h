// The daemon's state directory: where the session store lives, made if
// missing (0700: the store holds every tenant's session data), and held
// with an exclusive lock for as long as the daemon runs, so that a second
// daemon pointed at the same directory is refused instead of the two
// interleaving writes and expiring each other's sessions.
#pragma once

#include <string>

#include "proto/status.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {

class StateDir {
 public:
  // Makes `path` (and its parents) if missing and locks it. Errors name the
  // directory and the reason (permission, read-only, held by pid N).
  static StatusOr<StateDir> Open(const std::string& path);

  const std::string& path() const { return path_; }
  std::string SessionsDb() const { return path_ + "/sessions.db"; }

 private:
  StateDir(std::string path, UniqueFd lock) : path_(std::move(path)), lock_(std::move(lock)) {}
  std::string path_;
  UniqueFd lock_;  // flock(LOCK_EX) on DIR/lock, released when closed
};

}  // namespace stockade::supervisor
