#include "supervisor/confine/cgroup.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/confine/cgroup_stale.h"
#include "supervisor/common/log.h"

namespace stockade::supervisor {

StatusOr<CgroupHost> CgroupHost::Detect(std::string_view mode) {
  if (mode == "none") return CgroupHost({}, "none: cgroups disabled by policy (cgroup.mode = \"none\")");
  const bool is_auto = mode.empty() || mode == "auto";
  if (!is_auto && mode != "v2" && mode != "v1") {
    return Status::Error("unknown cgroup mode \"" + std::string(mode) + "\" (expected auto, v2, v1 or none)");
  }

  StatusOr<ProcCgroupView> view = ProcCgroupView::ReadSelf();
  if (!view.ok()) {
    if (!is_auto) return view.status().With("cgroup " + std::string(mode));
    return CgroupHost({}, "none: " + view.status().message());
  }
  // One parent per CgroupHost: "stockade-<pid>" for the first in this
  // process, "stockade-<pid>-<n>" for more (several Supervisors in one
  // process, e.g. selftest's second one), which would otherwise share
  // worker cgroup names and remove each other's.
  static std::atomic<unsigned> hosts{0};
  const std::string leaf = CgroupParentName(::getpid(), hosts++);

  std::string why_not_v2;
  if (is_auto || mode == "v2") {
    StatusOr<CgroupV2Parent> v2 = SetUpCgroupV2(*view, leaf);
    if (v2.ok()) {
      std::string detail = DescribeCgroupV2(*v2);
      CgroupHost host(std::move(v2).value(), std::move(detail));
      host.RemoveStaleParents();
      return host;
    }
    if (!is_auto) return v2.status().With("cgroup v2 unusable");
    why_not_v2 = v2.status().message();
  }

  StatusOr<CgroupV1Parents> v1 = SetUpCgroupV1(*view, leaf);
  if (v1.ok()) {
    std::string detail = DescribeCgroupV1(*v1);
    CgroupHost host(std::move(v1).value(), std::move(detail));
    host.RemoveStaleParents();
    return host;
  }
  if (!is_auto) return v1.status().With("cgroup v1 unusable");
  return CgroupHost({}, "none: cgroup v2: " + why_not_v2 + "; cgroup v1: " + v1.status().message());
}

void CgroupHost::RemoveStaleParents() {
  // The directories our own parents are made in: one on v2, one per
  // distinct hierarchy on v1.
  std::vector<std::string> dirs;
  auto add = [&dirs](const std::string& parent) {
    const std::string dir = parent.substr(0, parent.rfind('/'));
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  };
  if (const auto* v1 = std::get_if<CgroupV1Parents>(&layout_)) {
    for (const CgroupDir& d : v1->dirs) add(d.path());
  } else if (const auto* v2 = std::get_if<CgroupV2Parent>(&layout_)) {
    add(v2->dir.path());
  }
  StaleSweep all;
  for (const std::string& dir : dirs) {
    StaleSweep one = RemoveStaleCgroupParents(dir, ::getpid());
    all.removed += one.removed;
    if (one.failed > 0 && all.failed == 0) all.first_error = one.first_error;
    all.failed += one.failed;
  }
  stale_removed_ = all.removed;
  if (all.removed == 0 && all.failed == 0) return;
  Log(all.failed == 0 ? LogLevel::kInfo : LogLevel::kWarn, "stale_cgroups_removed",
      {{"count", all.removed}, {"failed", all.failed}, {"error", all.first_error}});
}

CgroupVersion CgroupHost::version_id() const {
  if (std::holds_alternative<CgroupV1Parents>(layout_)) return CgroupVersion::kV1;
  if (std::holds_alternative<CgroupV2Parent>(layout_)) return CgroupVersion::kV2;
  return CgroupVersion::kNone;
}

StatusOr<WorkerCgroup> CgroupHost::CreateWorker(std::string_view name, const CgroupLimits& limits) const {
  if (const auto* v1 = std::get_if<CgroupV1Parents>(&layout_)) return CreateCgroupV1Worker(*v1, name, limits);
  if (const auto* v2 = std::get_if<CgroupV2Parent>(&layout_)) return CreateCgroupV2Worker(*v2, name, limits);
  return WorkerCgroup();
}

Status CgroupHost::WeighWorkersAs(unsigned workers) const {
  const std::uint64_t n = std::max(1u, workers);
  if (const auto* v1 = std::get_if<CgroupV1Parents>(&layout_); v1 && !v1->cpu.empty()) {
    // cpu.shares: 2 to 262144 (kernel MIN_SHARES, MAX_SHARES).
    return WriteSmallFile(v1->cpu + "/cpu.shares", std::to_string(std::min<std::uint64_t>(1024 * n, 262144)));
  }
  if (const auto* v2 = std::get_if<CgroupV2Parent>(&layout_); v2 && v2->cpu) {
    // cpu.weight: 1 to 10000.
    return WriteSmallFile(v2->dir.path() + "/cpu.weight", std::to_string(std::min<std::uint64_t>(100 * n, 10000)));
  }
  return Status::Ok();
}

}  // namespace stockade::supervisor
