// CgroupHost: which cgroup version this host offers us, and per-worker cgroups.
//
// Detected once at start-up, at run time, because the same binary meets pure
// v2 hosts (current distributions, most Kubernetes nodes), v1 hosts (older
// distributions, some CI machines and containers) and hosts where cgroups
// are not ours to use (unprivileged, no delegation). Modes, from
// CgroupPolicy.mode:
//   "auto" (or empty): v2 if usable, else v1, else none; never an error, the
//                      reasons for falling back end up in detail();
//   "v2" / "v1":       that version or an error saying why not;
//   "none":            no cgroups (the rlimits and the wall-clock kill remain).
// Whether "none" is acceptable is the caller's decision (CgroupPolicy.required).
//
// The host owns the supervisor's stockade-<pid> parent directory (one per
// hierarchy on v1) and removes it when destroyed, so destroy every
// WorkerCgroup first. Detection also removes the parents of supervisors
// that died without removing theirs (cgroup_stale.h), and logs how many
// (`stale_cgroups_removed`). Detection may move the supervisor itself into a leaf
// cgroup on v2 (see cgroup_v2.h), so run it before any worker is spawned.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "proto/status.h"
#include "supervisor/confine/cgroup_v1.h"
#include "supervisor/confine/cgroup_v2.h"
#include "supervisor/confine/cgroup_worker.h"

namespace stockade::supervisor {

class CgroupHost {
 public:
  static StatusOr<CgroupHost> Detect(std::string_view mode);

  CgroupHost(CgroupHost&&) noexcept = default;
  CgroupHost& operator=(CgroupHost&&) noexcept = default;
  CgroupHost(const CgroupHost&) = delete;
  CgroupHost& operator=(const CgroupHost&) = delete;
  ~CgroupHost() = default;  // removes the parent directories

  CgroupVersion version_id() const;
  std::string_view version() const { return CgroupVersionName(version_id()); }  // "v2", "v1", "none"
  // One sentence for logs and `stockade selftest`: what is in force, or why
  // nothing is ("none: cgroup v2: …; cgroup v1: …").
  const std::string& detail() const { return detail_; }

  // A cgroup for one worker, named `name` below the parent, with `limits`.
  // With version "none" this returns an empty WorkerCgroup.
  StatusOr<WorkerCgroup> CreateWorker(std::string_view name, const CgroupLimits& limits) const;

  // Gives the workers' parent the CPU weight of `workers` ordinary tasks
  // (cpu.shares 1024 each on v1, cpu.weight 100 each on v2). The parent is
  // one scheduling entity beside the supervisor's threads and everything
  // else on the host: at the default weight all workers together competed
  // as one thread, and under load some runs waited tens of milliseconds
  // for a CPU (BENCHMARKS.md, "Tails"). No-op without a cpu controller.
  Status WeighWorkersAs(unsigned workers) const;

  // How many stale parents (with their worker cgroups) detection removed.
  unsigned stale_removed() const { return stale_removed_; }

 private:
  using Layout = std::variant<std::monostate, CgroupV1Parents, CgroupV2Parent>;
  CgroupHost(Layout layout, std::string detail) : layout_(std::move(layout)), detail_(std::move(detail)) {}

  // Next to each of our parents, removes those of dead supervisors.
  void RemoveStaleParents();

  Layout layout_;
  std::string detail_;
  unsigned stale_removed_ = 0;
};

}  // namespace stockade::supervisor
