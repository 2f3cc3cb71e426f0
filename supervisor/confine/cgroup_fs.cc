#include "supervisor/confine/cgroup_fs.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>

#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string> SplitOn(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string UnescapeOctal(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + i + 1, s.begin() + i + 4, [](char c) { return c >= '0' && c <= '7'; })) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::vector<pid_t> ListedPids(const std::string& procs_file) {
  std::vector<pid_t> pids;
  auto text = ReadSmallFile(procs_file);
  if (!text.ok()) return pids;
  for (const std::string& word : SplitWords(*text)) pids.push_back(std::atoi(word.c_str()));
  return pids;
}

// Kills whatever is still inside the cgroup at `dir`. v2 (Linux 5.14+) has
// cgroup.kill, which is atomic against forks. Otherwise each listed pid is
// pinned with a pidfd first and signalled only if it is still listed after
// that, so a pid that was reaped and reused in between is never hit.
void KillMembers(const std::string& dir) {
  if (WriteSmallFile(dir + "/cgroup.kill", "1").ok()) return;
  const std::string procs = dir + "/cgroup.procs";
  std::vector<std::pair<pid_t, UniqueFd>> pinned;
  for (pid_t pid : ListedPids(procs)) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) pinned.emplace_back(pid, UniqueFd(fd));
  }
  std::vector<pid_t> still = ListedPids(procs);
  for (auto& [pid, fd] : pinned) {
    if (std::find(still.begin(), still.end(), pid) != still.end()) {
      ::syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0);
    }
  }
}

// rmdir(2), emptying the cgroup first if it still has members. Budget: ~50 ms
// in total. Members killed with SIGKILL leave the cgroup as soon as they exit
// (before they are reaped), so this is normally one or two rounds.
Status RemoveCgroup(const std::string& path) {
  constexpr int kAttempts = 10;
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
    if (errno != EBUSY || attempt + 1 == kAttempts) return ErrnoError("cannot remove cgroup " + path);
    KillMembers(path);
    timespec pause = {0, 1'000'000L * (attempt + 1)};
    ::nanosleep(&pause, nullptr);
  }
}

// Removes every child cgroup of `path` (cgroup directories hold only control
// files besides their children, which rmdir(2) takes care of).
void RemoveSubdirectories(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> children;
  while (const dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") children.push_back(path + "/" + e->d_name);
  }
  ::closedir(dir);
  for (const std::string& child : children) {
    RemoveSubdirectories(child);
    (void)RemoveCgroup(child);
  }
}

std::string PermissionHint(int err) {
  if (err != EACCES && err != EPERM && err != EROFS) return "";
  return " (the supervisor needs write access to its own cgroup: run it as root, or delegate the "
         "cgroup to its user, e.g. systemd Delegate=yes)";
}

}  // namespace

std::vector<MountEntry> ParseMountinfo(std::string_view text) {
  std::vector<MountEntry> mounts;
  for (std::string_view line : SplitLines(text)) {
    // id parent maj:min root mount-point options [optional...] - type source super-options
    std::vector<std::string> f = SplitOn(line, ' ');
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 6 || dash == f.end() || f.end() - dash < 3) continue;
    MountEntry m;
    m.root = UnescapeOctal(f[3]);
    m.mount_point = UnescapeOctal(f[4]);
    m.fs_type = *(dash + 1);
    m.super_options = SplitOn(*(dash + 3), ',');
    mounts.push_back(std::move(m));
  }
  return mounts;
}

std::vector<ProcCgroupEntry> ParseProcCgroup(std::string_view text) {
  std::vector<ProcCgroupEntry> groups;
  for (std::string_view line : SplitLines(text)) {
    size_t a = line.find(':');
    size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    ProcCgroupEntry e;
    e.hierarchy = std::atoi(std::string(line.substr(0, a)).c_str());
    e.controllers = SplitOn(line.substr(a + 1, b - a - 1), ',');
    e.path = std::string(line.substr(b + 1));  // the path may itself contain ':'
    groups.push_back(std::move(e));
  }
  return groups;
}

StatusOr<ProcCgroupView> ProcCgroupView::ReadSelf() {
  ProcCgroupView view;
  STOCKADE_ASSIGN_OR_RETURN(std::string mountinfo, ReadSmallFile("/proc/self/mountinfo"));
  STOCKADE_ASSIGN_OR_RETURN(std::string cgroup, ReadSmallFile("/proc/self/cgroup"));
  view.mounts = ParseMountinfo(mountinfo);
  view.groups = ParseProcCgroup(cgroup);
  return view;
}

StatusOr<std::string> CgroupDirUnder(const MountEntry& mount, std::string_view cgroup_path) {
  std::string_view root = mount.root;
  if (root == "/") root = "";
  bool inside = cgroup_path.substr(0, root.size()) == root &&
                (cgroup_path.size() == root.size() || cgroup_path[root.size()] == '/');
  if (!inside) {
    return Status::Error("our cgroup " + std::string(cgroup_path) + " is outside the subtree " +
                         mount.root + " mounted at " + mount.mount_point);
  }
  std::string rel(cgroup_path.substr(root.size()));
  if (rel == "/") rel.clear();
  return mount.mount_point + rel;
}

Status CheckCgroupName(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos || name.size() > 200) {
    return Status::Error("invalid cgroup name \"" + std::string(name) + "\" (one path component expected)");
  }
  return Status::Ok();
}

bool PathExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& line : SplitOn(text, '\n')) {
    for (const std::string& tab : SplitOn(line, '\t')) {
      for (std::string& word : SplitOn(tab, ' ')) out.push_back(std::move(word));
    }
  }
  return out;
}

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError("cannot open " + path);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read " + path);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

int WriteSmallFileErrno(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  return static_cast<size_t>(n) == value.size() ? 0 : EIO;  // cgroup files never write short
}

Status WriteSmallFile(const std::string& path, std::string_view value) {
  int err = WriteSmallFileErrno(path, value);
  if (err == 0) return Status::Ok();
  return Status::Error("cannot write \"" + std::string(value) + "\" to " + path + ": " + std::strerror(err) +
                       PermissionHint(err));
}

StatusOr<uint64_t> ReadNumberFile(const std::string& path) {
  STOCKADE_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  std::vector<std::string> words = SplitWords(text);
  if (words.size() == 1 && words[0] == "max") return std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  if (words.size() != 1 || !ParseU64(words[0], &value)) {
    return Status::Error(path + ": expected a number, found \"" + text + "\"");
  }
  return value;
}

StatusOr<uint64_t> ReadKeyedNumber(const std::string& path, std::string_view key) {
  STOCKADE_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  for (std::string_view line : SplitLines(text)) {
    std::vector<std::string> kv = SplitOn(line, ' ');
    if (kv.size() != 2 || kv[0] != key) continue;
    uint64_t value = 0;
    if (!ParseU64(kv[1], &value)) return Status::Error(path + ": bad value for " + std::string(key));
    return value;
  }
  return 0;
}

Status RemoveCgroupTree(const std::string& path) {
  RemoveSubdirectories(path);
  return RemoveCgroup(path);
}

StatusOr<CgroupDir> CgroupDir::Create(std::string path, bool adopt_existing) {
  if (::mkdir(path.c_str(), 0755) == 0) return CgroupDir(std::move(path));
  int err = errno;
  if (err == EEXIST && adopt_existing) {
    // Left behind by an earlier supervisor with our pid (PID 1 in a restarted
    // container): its worker cgroups are stale and their names would collide
    // with the ones we are about to create.
    RemoveSubdirectories(path);
    return CgroupDir(std::move(path));
  }
  if (err == EEXIST) return Status::Error("cannot create " + path + ": a cgroup of that name is still in use");
  return Status::Error("cannot create " + path + ": " + std::strerror(err) + PermissionHint(err));
}

CgroupDir& CgroupDir::operator=(CgroupDir&& other) noexcept {
  if (this != &other) {
    (void)Remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

Status CgroupDir::Remove() {
  if (path_.empty()) return Status::Ok();
  const std::string path = std::move(path_);
  path_.clear();
  return RemoveCgroup(path);
}

}  // namespace stockade::supervisor
