// cgroup_fs: the file-system plumbing shared by the cgroup v1 and v2 code.
//
// Cgroups are driven entirely through a pseudo file system, so both versions
// need the same few things: find where each hierarchy is mounted and where
// this process sits in it (/proc/self/mountinfo and /proc/self/cgroup), read
// and write small control files with errors that name the file and the value,
// and own the directories we create so they are removed on every path.
//
// The parsers take text, not paths, so they are unit-tested against the
// layouts found in the wild (pure v2, hybrid v1+v2, containers with a
// cgroup namespace, co-mounted "cpu,cpuacct").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"

namespace stockade::supervisor {

// One line of /proc/self/mountinfo, only the fields we use.
struct MountEntry {
  std::string root;         // the directory of the file system seen at the mount point
  std::string mount_point;  // where it is mounted (octal escapes decoded)
  std::string fs_type;      // "cgroup" (v1) or "cgroup2"
  std::vector<std::string> super_options;  // v1: the controllers, e.g. {"rw","cpu","cpuacct"}
};
std::vector<MountEntry> ParseMountinfo(std::string_view text);

// One line of /proc/self/cgroup: "hierarchy-id:controllers:path".
struct ProcCgroupEntry {
  int hierarchy = -1;                    // 0 is the v2 unified hierarchy
  std::vector<std::string> controllers;  // empty for v2 (and for named v1 hierarchies)
  std::string path;                      // relative to the hierarchy's root
};
std::vector<ProcCgroupEntry> ParseProcCgroup(std::string_view text);

// Both files of one process, read together.
struct ProcCgroupView {
  std::vector<MountEntry> mounts;
  std::vector<ProcCgroupEntry> groups;
  static StatusOr<ProcCgroupView> ReadSelf();
};

// The directory of `cgroup_path` under `mount`: mount_point + the part of the
// path below the mount's root. Fails when the cgroup lies outside the mounted
// subtree (e.g. a bind mount of some other branch).
StatusOr<std::string> CgroupDirUnder(const MountEntry& mount, std::string_view cgroup_path);

// A worker cgroup name must be one plain path component.
Status CheckCgroupName(std::string_view name);

// The CPU quota is expressed per 100 ms period (the kernel's default): short
// enough that a throttled worker stalls for at most that long at a time.
constexpr uint64_t kCpuPeriodMicros = 100'000;
inline uint64_t CpuQuotaMicros(uint32_t percent) { return uint64_t{percent} * kCpuPeriodMicros / 100; }

bool PathExists(const std::string& path);
std::vector<std::string> SplitWords(std::string_view text);
StatusOr<std::string> ReadSmallFile(const std::string& path);
// Writes `value` in a single write(2), as the cgroup files require.
Status WriteSmallFile(const std::string& path, std::string_view value);
// The same, returning 0 or the errno, for callers that react to EBUSY & co.
int WriteSmallFileErrno(const std::string& path, std::string_view value);
// A file holding one number, or "max" (returned as UINT64_MAX).
StatusOr<uint64_t> ReadNumberFile(const std::string& path);
// A flat-keyed file ("oom_kill 3\n..."): the number after `key`, or 0 if absent.
StatusOr<uint64_t> ReadKeyedNumber(const std::string& path, std::string_view key);

// Removes the cgroup at `path` with every cgroup below it, deepest first,
// killing members that are still there (see CgroupDir). For directories
// no live CgroupDir owns: the stale parents of a dead supervisor.
Status RemoveCgroupTree(const std::string& path);

// Move-only owner of a cgroup directory this process created. Removal is
// rmdir(2); a cgroup that still has members (EBUSY) is emptied by killing
// them (cgroup.kill on v2, SIGKILL through a pidfd per listed pid otherwise)
// and retried briefly. The destructor removes the directory and never fails
// loudly: by then there is nobody left to report to.
class CgroupDir {
 public:
  CgroupDir() = default;
  // mkdir(path). When it already exists: with `adopt_existing`, take it over
  // and remove its (stale) child cgroups; otherwise fail, since another owner
  // may still be using it.
  static StatusOr<CgroupDir> Create(std::string path, bool adopt_existing);
  ~CgroupDir() { (void)Remove(); }

  CgroupDir(CgroupDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  CgroupDir& operator=(CgroupDir&& other) noexcept;
  CgroupDir(const CgroupDir&) = delete;
  CgroupDir& operator=(const CgroupDir&) = delete;

  explicit operator bool() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Removes the directory now; afterwards this object owns nothing.
  Status Remove();

 private:
  explicit CgroupDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace stockade::supervisor
