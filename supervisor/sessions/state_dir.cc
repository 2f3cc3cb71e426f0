#include "supervisor/sessions/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace stockade::supervisor {
namespace {

// mkdir -p: parents made 0755 as system directories are, the directory
// itself 0700.
Status MakeDirs(const std::string& path) {
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t slash = path.find('/', i);
    const std::string at = path.substr(0, slash == std::string::npos ? path.size() : slash);
    i = slash == std::string::npos ? path.size() + 1 : slash + 1;
    if (at.empty()) continue;
    const bool last = i > path.size();
    if (::mkdir(at.c_str(), last ? 0700 : 0755) != 0 && errno != EEXIST) {
      return ErrnoError("state directory " + path + ": cannot make " + at);
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<StateDir> StateDir::Open(const std::string& given) {
  std::string path = given;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) return Status::Error("state directory: no path");
  STOCKADE_RETURN_IF_ERROR(MakeDirs(path));
  // The directory itself, not what a symlink in its place points to; and
  // only one nobody else can write in: whoever can replace the files in it
  // could forge other tenants' sessions, or point the store's files at
  // ours to have us change them.
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return ErrnoError("state directory " + path + " (it must be a directory, not a symlink)");
  struct stat st{};
  if (::fstat(dir.get(), &st) != 0) return ErrnoError("state directory " + path);
  if (st.st_uid != ::geteuid()) {
    return Status::Error("state directory " + path + " belongs to uid " + std::to_string(st.st_uid) +
                         ", not to this daemon's (" + std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & 0077) != 0 && ::fchmod(dir.get(), st.st_mode & 0700) != 0) {
    return ErrnoError("state directory " + path + ": cannot make it private (0700)");
  }
  UniqueFd fd(::openat(dir.get(), "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return ErrnoError("state directory " + path + ": cannot open its lock file");
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      char pid[32] = {};
      const ssize_t n = ::pread(fd.get(), pid, sizeof pid - 1, 0);
      std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return Status::Error("state directory " + path + " is in use by another stockade serve" +
                           (holder.empty() ? "" : " (pid " + holder + ")") +
                           "; give each daemon its own --state-dir");
    }
    return ErrnoError("state directory " + path + ": cannot lock it");
  }
  // Who holds it, for the message above; advisory only.
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) (void)!::pwrite(fd.get(), me.data(), me.size(), 0);
  return StateDir(path, std::move(fd));
}

}  // namespace stockade::supervisor
