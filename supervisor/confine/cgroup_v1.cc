#include "supervisor/confine/cgroup_v1.h"

#include <algorithm>

namespace stockade::supervisor {
namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// <mount>/<our path> for one v1 controller.
StatusOr<std::string> OwnDir(const ProcCgroupView& view, std::string_view controller) {
  const ProcCgroupEntry* own = nullptr;
  for (const ProcCgroupEntry& e : view.groups) {
    if (e.hierarchy > 0 && Contains(e.controllers, controller)) own = &e;
  }
  if (own == nullptr) {
    return Status::Error("no v1 hierarchy has the " + std::string(controller) + " controller");
  }
  Status last = Status::Error("the v1 " + std::string(controller) + " hierarchy is not mounted");
  for (const MountEntry& m : view.mounts) {
    if (m.fs_type != "cgroup" || !Contains(m.super_options, controller)) continue;
    StatusOr<std::string> dir = CgroupDirUnder(m, own->path);
    if (dir.ok()) return dir;
    last = dir.status();
  }
  return last;
}

std::string ChildOf(const std::string& parent, std::string_view name) {
  return parent + "/" + std::string(name);
}

}  // namespace

StatusOr<CgroupV1Parents> SetUpCgroupV1(const ProcCgroupView& view, const std::string& leaf) {
  CgroupV1Parents parents;
  // Returns the parent path for `controller`, creating it unless a
  // co-mounted controller already did.
  auto set_up = [&](std::string_view controller) -> StatusOr<std::string> {
    STOCKADE_ASSIGN_OR_RETURN(std::string own, OwnDir(view, controller));
    std::string path = ChildOf(own, leaf);
    for (const CgroupDir& d : parents.dirs) {
      if (d.path() == path) return path;
    }
    // Adopt an existing directory: a previous supervisor with the same pid
    // (PID 1 in a restarted container) may have left it behind.
    STOCKADE_ASSIGN_OR_RETURN(CgroupDir dir, CgroupDir::Create(path, /*adopt_existing=*/true));
    parents.dirs.push_back(std::move(dir));
    return path;
  };

  StatusOr<std::string> memory = set_up("memory");
  if (!memory.ok()) return memory.status().With("cgroup v1 memory");
  parents.memory = *memory;
  StatusOr<std::string> pids = set_up("pids");
  if (!pids.ok()) return pids.status().With("cgroup v1 pids");
  parents.pids = *pids;
  StatusOr<std::string> cpu = set_up("cpu");
  if (cpu.ok()) {
    parents.cpu = *cpu;
  } else {
    parents.cpu_why = cpu.status().message();
  }
  return parents;
}

std::string DescribeCgroupV1(const CgroupV1Parents& parents) {
  std::string out = "cgroup v1: memory at " + parents.memory + ", pids at " + parents.pids;
  if (!parents.cpu.empty()) {
    out += ", cpu at " + parents.cpu;
  } else {
    out += "; no cpu quota (" + parents.cpu_why + ")";
  }
  return out;
}

StatusOr<WorkerCgroup> CreateCgroupV1Worker(const CgroupV1Parents& parents, std::string_view name,
                                            const CgroupLimits& limits) {
  const char* kWhat = "cgroup v1";
  Status valid = CheckCgroupName(name);
  if (!valid.ok()) return valid.With(kWhat);

  // One directory per hierarchy; they are owned from the moment they exist,
  // so a failure below removes whatever was already created.
  std::vector<CgroupDir> dirs;
  for (const CgroupDir& parent : parents.dirs) {
    StatusOr<CgroupDir> dir = CgroupDir::Create(ChildOf(parent.path(), name), /*adopt_existing=*/false);
    if (!dir.ok()) return dir.status().With(kWhat);
    dirs.push_back(std::move(dir).value());
  }

  const std::string memory = ChildOf(parents.memory, name);
  if (limits.memory_bytes > 0) {
    const std::string bytes = std::to_string(limits.memory_bytes);
    STOCKADE_RETURN_IF_ERROR(WriteSmallFile(memory + "/memory.limit_in_bytes", bytes).With(kWhat));
    // memory+swap must be written after memory (the kernel requires memsw >=
    // memory); it only exists with swap accounting enabled.
    if (PathExists(memory + "/memory.memsw.limit_in_bytes")) {
      STOCKADE_RETURN_IF_ERROR(WriteSmallFile(memory + "/memory.memsw.limit_in_bytes", bytes).With(kWhat));
    }
  }
  if (limits.pids > 0) {
    const std::string pids = ChildOf(parents.pids, name);
    STOCKADE_RETURN_IF_ERROR(WriteSmallFile(pids + "/pids.max", std::to_string(limits.pids)).With(kWhat));
  }
  if (limits.cpu_percent > 0 && !parents.cpu.empty()) {
    const std::string cpu = ChildOf(parents.cpu, name);
    STOCKADE_RETURN_IF_ERROR(
        WriteSmallFile(cpu + "/cpu.cfs_period_us", std::to_string(kCpuPeriodMicros)).With(kWhat));
    STOCKADE_RETURN_IF_ERROR(
        WriteSmallFile(cpu + "/cpu.cfs_quota_us", std::to_string(CpuQuotaMicros(limits.cpu_percent)))
            .With(kWhat));
  }
  return WorkerCgroup::Assemble(CgroupVersion::kV1, std::move(dirs));
}

}  // namespace stockade::supervisor
