#include "supervisor/confine/cgroup_stale.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <vector>

#include "supervisor/confine/cgroup_fs.h"

namespace stockade::supervisor {
namespace {

constexpr std::string_view kPrefix = "stockade-";

// A positive decimal without sign or leading zero that fits `T`.
template <typename T>
std::optional<T> StrictNumber(std::string_view s) {
  if (s.empty() || s[0] == '0' || s[0] < '0' || s[0] > '9') return std::nullopt;
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

std::string CgroupParentName(pid_t pid, unsigned n) {
  return std::string(kPrefix) + std::to_string(pid) + (n == 0 ? std::string() : "-" + std::to_string(n));
}

std::optional<pid_t> CgroupParentOwner(std::string_view name) {
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  const std::size_t dash = name.find('-');
  if (dash != std::string_view::npos && !StrictNumber<unsigned>(name.substr(dash + 1))) return std::nullopt;
  return StrictNumber<pid_t>(name.substr(0, dash));
}

bool IsStaleCgroupParent(std::string_view name, pid_t self, const std::function<bool(pid_t)>& alive) {
  const std::optional<pid_t> owner = CgroupParentOwner(name);
  return owner && *owner != self && !alive(*owner);
}

bool PidAlive(pid_t pid) {
  // kill(2) answers for our pid namespace (EPERM: alive, not ours to
  // signal); /proc may be mounted from another one. A pid either knows is
  // taken as alive: when in doubt, the directory stays.
  if (::kill(pid, 0) == 0 || errno != ESRCH) return true;
  return PathExists("/proc/" + std::to_string(pid));
}

StaleSweep RemoveStaleCgroupParents(const std::string& dir, pid_t self) {
  StaleSweep sweep;
  std::vector<std::string> stale;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_type == DT_DIR && IsStaleCgroupParent(e->d_name, self, PidAlive)) stale.push_back(e->d_name);
    }
    ::closedir(d);
  }
  for (const std::string& name : stale) {
    const Status removed = RemoveCgroupTree(dir + "/" + name);
    if (removed.ok()) {
      ++sweep.removed;
    } else if (sweep.failed++ == 0) {
      sweep.first_error = removed.message();
    }
  }
  return sweep;
}

}  // namespace stockade::supervisor
