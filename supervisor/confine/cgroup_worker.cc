#include "supervisor/confine/cgroup_worker.h"

#include <fcntl.h>

#include <utility>

namespace stockade::supervisor {

std::string_view CgroupVersionName(CgroupVersion v) {
  switch (v) {
    case CgroupVersion::kV1:
      return "v1";
    case CgroupVersion::kV2:
      return "v2";
    case CgroupVersion::kNone:
      break;
  }
  return "none";
}

StatusOr<WorkerCgroup> WorkerCgroup::Assemble(CgroupVersion version, std::vector<CgroupDir> dirs) {
  WorkerCgroup cg;
  cg.version_ = version;
  cg.dirs_ = std::move(dirs);
  for (const CgroupDir& dir : cg.dirs_) {
    const std::string path = dir.file("cgroup.procs");
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return ErrnoError("cannot open " + path);  // cg's destructor removes the dirs
    cg.procs_fds_.push_back(std::move(fd));
  }
  if (version == CgroupVersion::kV2 && !cg.dirs_.empty()) {
    const std::string& path = cg.dirs_.front().path();
    cg.dir_fd_.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cg.dir_fd_) return ErrnoError("cannot open " + path);
  }
  return cg;
}

std::vector<std::string> WorkerCgroup::paths() const {
  std::vector<std::string> out;
  for (const CgroupDir& dir : dirs_) out.push_back(dir.path());
  return out;
}

std::vector<int> WorkerCgroup::procs_fds() const {
  std::vector<int> out;
  for (const UniqueFd& fd : procs_fds_) out.push_back(fd.get());
  return out;
}

StatusOr<std::string> WorkerCgroup::MemoryFile(std::string_view v1_name, std::string_view v2_name) const {
  if (dirs_.empty()) return Status::Error("no cgroup in force for this worker");
  std::string path = dirs_.front().file(version_ == CgroupVersion::kV2 ? v2_name : v1_name);
  if (!PathExists(path)) return Status::Error(path + " does not exist on this kernel");
  return path;
}

StatusOr<uint64_t> WorkerCgroup::MemoryPeakBytes() const {
  STOCKADE_ASSIGN_OR_RETURN(std::string path, MemoryFile("memory.max_usage_in_bytes", "memory.peak"));
  return ReadNumberFile(path);
}

StatusOr<uint64_t> WorkerCgroup::MemoryCurrentBytes() const {
  STOCKADE_ASSIGN_OR_RETURN(std::string path, MemoryFile("memory.usage_in_bytes", "memory.current"));
  return ReadNumberFile(path);
}

StatusOr<bool> WorkerCgroup::OomKilled() const {
  STOCKADE_ASSIGN_OR_RETURN(std::string path, MemoryFile("memory.oom_control", "memory.events"));
  STOCKADE_ASSIGN_OR_RETURN(uint64_t kills, ReadKeyedNumber(path, "oom_kill"));
  return kills > 0;
}

Status WorkerCgroup::Remove() {
  procs_fds_.clear();
  dir_fd_.reset();
  Status result = Status::Ok();
  for (CgroupDir& dir : dirs_) {
    Status st = dir.Remove();
    if (result.ok() && !st.ok()) result = st;
  }
  dirs_.clear();
  return result;
}

}  // namespace stockade::supervisor
