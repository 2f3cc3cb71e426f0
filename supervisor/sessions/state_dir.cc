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

// mkdir -p, the last component 0700; parents made 0755 as system dirs are.
Status MakeDirs(const std::string& path) {
  std::string at;
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t slash = path.find('/', i);
    at = path.substr(0, slash == std::string::npos ? path.size() : slash);
    i = slash == std::string::npos ? path.size() + 1 : slash + 1;
    if (at.empty()) continue;
    const bool last = i > path.size();
    if (::mkdir(at.c_str(), last ? 0700 : 0755) != 0 && errno != EEXIST) {
      return ErrnoError("state directory " + path + ": cannot make " + at);
    }
  }
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("state directory " + path);
  if (!S_ISDIR(st.st_mode)) return Status::Error("state directory " + path + ": not a directory");
  return Status::Ok();
}

}  // namespace

StatusOr<StateDir> StateDir::Open(const std::string& path) {
  if (path.empty()) return Status::Error("state directory: no path");
  STOCKADE_RETURN_IF_ERROR(MakeDirs(path));
  const std::string lock_path = path + "/lock";
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return ErrnoError("state directory " + path + ": cannot open " + lock_path);
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
    return ErrnoError("state directory " + path + ": cannot lock " + lock_path);
  }
  // Who holds it, for the message above; advisory only.
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) (void)!::pwrite(fd.get(), me.data(), me.size(), 0);
  return StateDir(path, std::move(fd));
}

}  // namespace stockade::supervisor
