#include "supervisor/confine/cgroup_v2.h"

#include <errno.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "supervisor/confine/init_process.h"

namespace stockade::supervisor {
namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// <mount>/<our path> on the unified hierarchy.
StatusOr<std::string> OwnDir(const ProcCgroupView& view) {
  const ProcCgroupEntry* own = nullptr;
  for (const ProcCgroupEntry& e : view.groups) {
    if (e.hierarchy == 0) own = &e;
  }
  if (own == nullptr) return Status::Error("this process is in no cgroup v2 hierarchy");
  Status last = Status::Error("no cgroup2 file system is mounted");
  for (const MountEntry& m : view.mounts) {
    if (m.fs_type != "cgroup2") continue;
    StatusOr<std::string> dir = CgroupDirUnder(m, own->path);
    if (dir.ok()) return dir;
    last = dir.status();
  }
  return last;
}

// Enables `controller` for the children of `dir`; returns 0 or the errno.
int Enable(const std::string& dir, const std::string& controller) {
  StatusOr<std::string> enabled = ReadSmallFile(dir + "/cgroup.subtree_control");
  if (enabled.ok() && Contains(SplitWords(*enabled), controller)) return 0;
  return WriteSmallFileErrno(dir + "/cgroup.subtree_control", "+" + controller);
}

Status EnableError(const std::string& dir, const std::string& controller, int err) {
  std::string msg = "cannot enable " + controller + " in " + dir + "/cgroup.subtree_control: " + std::strerror(err);
  if (err == EBUSY) {
    msg += " (other processes share " + dir +
           "; start the supervisor in a cgroup of its own, e.g. a systemd service with Delegate=yes)";
  } else if (err == EROFS) {
    msg += " (the cgroup file system is mounted read-only here, as in an unprivileged container: the "
           "supervisor needs a writable cgroup delegated to it)";
  }
  return Status::Error(msg);
}

// The no-internal-processes dance: see the header. Writing "0" to
// cgroup.procs moves the writing process (all its threads); a pid, that
// process.
Status MoveToLeaf(const std::string& leaf, pid_t pid = 0) {
  if (::mkdir(leaf.c_str(), 0755) < 0 && errno != EEXIST) return ErrnoError("cannot create " + leaf);
  return WriteSmallFile(leaf + "/cgroup.procs", std::to_string(pid));
}

// Whether `own` is the leaf <parent>/supervisor that an earlier set-up
// moved this process, or the process that started it, into: then <parent>
// already has memory and pids enabled for its children, and <parent> is the
// cgroup to work in. Without this a second set-up (a second host in one
// process; `stockade run` started by a supervisor that moved) would take
// the leaf for its own cgroup, fail to enable anything there (the leaf holds
// processes) and move one level deeper, where nothing is offered.
bool InOurLeaf(const std::string& own) {
  const size_t slash = own.rfind('/');
  if (slash == std::string::npos || own.compare(slash + 1, std::string::npos, "supervisor") != 0) return false;
  StatusOr<std::string> enabled = ReadSmallFile(own.substr(0, slash) + "/cgroup.subtree_control");
  if (!enabled.ok()) return false;
  const std::vector<std::string> words = SplitWords(*enabled);
  return Contains(words, "memory") && Contains(words, "pids");
}

}  // namespace

StatusOr<CgroupV2Parent> SetUpCgroupV2(const ProcCgroupView& view, const std::string& leaf) {
  CgroupV2Parent parent;
  STOCKADE_ASSIGN_OR_RETURN(std::string own, OwnDir(view));
  if (InOurLeaf(own)) {
    parent.moved_to = own;
    own.resize(own.rfind('/'));
  }
  STOCKADE_ASSIGN_OR_RETURN(std::string available, ReadSmallFile(own + "/cgroup.controllers"));
  const std::vector<std::string> offered = SplitWords(available);
  std::vector<std::string> required = {"memory", "pids"};
  std::vector<std::string> missing;
  for (const std::string& c : required) {
    if (!Contains(offered, c)) missing.push_back(c);
  }
  if (!missing.empty()) {
    return Status::Error("cgroup v2 at " + own + " has no " + Join(missing, ", ") + " controller (offered: " +
                         (offered.empty() ? "none" : Join(offered, " ")) +
                         "); the parent cgroup must delegate them");
  }

  for (const std::string& c : required) {
    int err = Enable(own, c);
    if (err == EBUSY && parent.moved_to.empty()) {
      parent.moved_to = own + "/supervisor";
      STOCKADE_RETURN_IF_ERROR(MoveToLeaf(parent.moved_to));
      // Our own init (PID 1 of a container: init_process.h) came with us
      // into <own>; it goes into a leaf of its own, or nothing could be
      // enabled while it stays.
      if (const pid_t init = StockadeInitPid(); init > 0) {
        const std::string init_leaf = own + "/init";
        if (MoveToLeaf(init_leaf, init).ok()) parent.init_moved_to = init_leaf;
      }
      err = Enable(own, c);
    }
    if (err != 0) return EnableError(own, c, err);
  }
  // cpu is optional; it can fail for reasons of its own (e.g. EINVAL while a
  // realtime thread sits outside the root cgroup).
  if (!Contains(offered, "cpu")) {
    parent.cpu_why = "cpu controller not offered at " + own;
  } else if (int err = Enable(own, "cpu"); err != 0) {
    parent.cpu_why = EnableError(own, "cpu", err).message();
  } else {
    parent.cpu = true;
  }

  // Adopt an existing directory: a previous supervisor with the same pid
  // (PID 1 in a restarted container) may have left it behind.
  STOCKADE_ASSIGN_OR_RETURN(parent.dir, CgroupDir::Create(own + "/" + leaf,
                                                          /*adopt_existing=*/true));
  // stockade-<pid> has no processes of its own, so this cannot hit EBUSY.
  if (parent.cpu) required.push_back("cpu");
  for (const std::string& c : required) {
    if (int err = Enable(parent.dir.path(), c); err != 0) return EnableError(parent.dir.path(), c, err);
  }
  return parent;
}

std::string DescribeCgroupV2(const CgroupV2Parent& parent) {
  std::string out = std::string("cgroup v2: memory, pids") + (parent.cpu ? ", cpu" : "") + " under " +
                    parent.dir.path();
  if (!parent.moved_to.empty()) out += "; supervisor moved to " + parent.moved_to;
  if (!parent.init_moved_to.empty()) out += ", its init to " + parent.init_moved_to;
  if (!parent.cpu) out += "; no cpu quota (" + parent.cpu_why + ")";
  return out;
}

StatusOr<WorkerCgroup> CreateCgroupV2Worker(const CgroupV2Parent& parent, std::string_view name,
                                            const CgroupLimits& limits) {
  const char* kWhat = "cgroup v2";
  Status valid = CheckCgroupName(name);
  if (!valid.ok()) return valid.With(kWhat);
  StatusOr<CgroupDir> created = CgroupDir::Create(parent.dir.file(name), /*adopt_existing=*/false);
  if (!created.ok()) return created.status().With(kWhat);
  CgroupDir dir = std::move(created).value();  // removed again if anything below fails

  if (limits.memory_bytes > 0) {
    STOCKADE_RETURN_IF_ERROR(WriteSmallFile(dir.file("memory.max"), std::to_string(limits.memory_bytes)).With(kWhat));
    if (PathExists(dir.file("memory.swap.max"))) {
      STOCKADE_RETURN_IF_ERROR(WriteSmallFile(dir.file("memory.swap.max"), "0").With(kWhat));
    }
  }
  // On OOM, kill every process of the worker together rather than one chosen
  // by the OOM heuristic: a half-killed worker is worse than a dead one.
  if (PathExists(dir.file("memory.oom.group"))) {
    STOCKADE_RETURN_IF_ERROR(WriteSmallFile(dir.file("memory.oom.group"), "1").With(kWhat));
  }
  if (limits.pids > 0) {
    STOCKADE_RETURN_IF_ERROR(WriteSmallFile(dir.file("pids.max"), std::to_string(limits.pids)).With(kWhat));
  }
  if (limits.cpu_percent > 0 && parent.cpu) {
    const std::string quota =
        std::to_string(CpuQuotaMicros(limits.cpu_percent)) + " " + std::to_string(kCpuPeriodMicros);
    STOCKADE_RETURN_IF_ERROR(WriteSmallFile(dir.file("cpu.max"), quota).With(kWhat));
  }
  std::vector<CgroupDir> dirs;
  dirs.push_back(std::move(dir));
  return WorkerCgroup::Assemble(CgroupVersion::kV2, std::move(dirs));
}

}  // namespace stockade::supervisor
