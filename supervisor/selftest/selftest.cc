#include "supervisor/selftest/selftest.h"

#include <dirent.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "policy/limits.h"
#include "policy/namespaces.h"
#include "policy/outcome.h"
#include "policy/readiness.h"
#include "supervisor/confine/proc_status.h"

namespace stockade::supervisor {
namespace {

using Result = SelfCheck::Result;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

SelfCheck Check(std::string name, bool ok, std::string detail) {
  return SelfCheck{std::move(name), ok ? Result::kPass : Result::kFail, std::move(detail)};
}

// "Max open files  10  10  files" -> the soft limit column.
std::string LimitRow(const std::string& limits, const std::string& name) {
  const auto at = limits.find(name);
  if (at == std::string::npos) return "";
  std::istringstream row(limits.substr(at + name.size(), limits.find('\n', at) - at - name.size()));
  std::string soft;
  row >> soft;
  return soft;
}

void KernelView(const api::Confinement& c, const policy::Policy& policy, pid_t pid, std::string_view cgroup_join,
                std::vector<SelfCheck>* out) {
  const std::string proc = "/proc/" + std::to_string(pid);
  Status seccomp = CheckSeccompInForce(pid);
  out->push_back(Check("seccomp filter in force (kernel view)", seccomp.ok(),
                       seccomp.ok() ? "Seccomp: 2, NoNewPrivs: 1; violations: " +
                                          c.seccomp_mode()
                                    : seccomp.message()));

  const std::string limits = Slurp(proc + "/limits");
  const policy::WorkerRlimits want = policy::WorkerRlimitsFor(policy);
  struct Row {
    const char* label;
    std::string expected;
  } rows[] = {{"Max address space", std::to_string(want.address_space_bytes)},
              {"Max cpu time", std::to_string(want.cpu_seconds)},
              {"Max file size", std::to_string(want.file_size_bytes)},
              {"Max open files", std::to_string(want.open_files)},
              {"Max core file size", "0"},
              {"Max processes", "0"}};
  for (const Row& r : rows) {
    const std::string got = LimitRow(limits, r.label);
    out->push_back(Check(std::string("rlimit: ") + r.label, got == r.expected,
                         "soft limit " + got + (got == r.expected ? "" : ", expected " + r.expected)));
  }

  std::set<std::string> fds;
  if (DIR* d = opendir((proc + "/fd").c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') fds.insert(e->d_name);
    }
    closedir(d);
  }
  std::set<std::string> allowed = {"0", "1"};
  if (c.seccomp_mode() == "user-notify") allowed.insert("2");
  std::string listed;
  for (const auto& fd : fds) listed += (listed.empty() ? "" : ",") + fd;
  out->push_back(Check("open file descriptors: only the pipes (and the seccomp listener)", fds == allowed,
                       "fds " + listed));
  const std::string environ = Slurp(proc + "/environ");
  out->push_back(Check("environment empty", environ.empty(), std::to_string(environ.size()) + " bytes"));

  auto cap = ProcStatusField(pid, "CapEff");
  auto uid = ProcStatusField(pid, "Uid");
  const bool no_caps = cap.ok() && *cap == "0000000000000000";
  out->push_back(Check("no capabilities", no_caps,
                       "CapEff " + (cap.ok() ? *cap : cap.status().message()) + "; Uid " +
                           (uid.ok() ? *uid : "?") + "; " + c.identity()));

  policy::LayerState cgroup;
  cgroup.required = policy.cgroup().required();
  cgroup.claimed = c.cgroup() != "none";
  if (!cgroup.claimed) {
    out->push_back({"cgroup limits", policy::JudgeLayer(cgroup), c.cgroup_detail()});
  } else {
    cgroup.in_force = Slurp(proc + "/cgroup").find("stockade-") != std::string::npos;
    std::string detail = c.cgroup_detail();
    if (!cgroup_join.empty()) detail += "; " + std::string(cgroup_join);
    out->push_back({"cgroup " + c.cgroup() + " membership", policy::JudgeLayer(cgroup), detail});
  }
}

std::string NsLink(const std::string& proc, std::string_view name) {
  char buf[128];
  const ssize_t n = readlink((proc + "/ns/" + std::string(name)).c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

// The reason a namespace is missing, from the supervisor's refusal list.
std::string RefusalOf(const api::Confinement& c, std::string_view name) {
  const std::string& all = c.namespaces_detail();
  const std::string key = std::string(name) + ": ";
  for (std::size_t at = 0; (at = all.find(key, at)) != std::string::npos; at += key.size()) {
    if (at == 0 || all.compare(at - 2, 2, "; ") == 0) return all.substr(at, all.find("; ", at) - at);
  }
  return "";
}

// What each namespace is supposed to take away, checked from outside.
std::string NsEffect(policy::Namespace ns, const std::string& proc, bool* ok) {
  *ok = true;
  switch (ns) {
    case policy::kNsUser: {
      std::string map = Slurp(proc + "/uid_map");
      while (!map.empty() && map.back() == '\n') map.pop_back();
      std::istringstream row(map);
      std::string inside, outside, count;
      row >> inside >> outside >> count;
      *ok = map.find('\n') == std::string::npos && count == "1" && inside != "0" && inside == outside;
      return "uid_map \"" + inside + " " + outside + " " + count + "\" (one uid, not root)";
    }
    case policy::kNsPid: {
      auto nspid = ProcStatusField(std::stoi(proc.substr(6)), "NSpid");
      const std::string v = nspid.ok() ? *nspid : "";
      *ok = v.size() > 2 && v.substr(v.size() - 2) == "\t1";
      return "NSpid " + v + " (pid 1 of its own namespace, no other process visible)";
    }
    case policy::kNsNet: {
      // Interfaces of the worker's namespace, and any IPv6 address (a
      // loopback that is up has ::1).
      const std::string dev = Slurp(proc + "/net/dev");
      int interfaces = 0;
      bool only_lo = true;
      std::istringstream lines(dev);
      std::string line;
      while (std::getline(lines, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        ++interfaces;
        only_lo &= name == "lo";
      }
      const bool no_address = Slurp(proc + "/net/if_inet6").empty();
      *ok = interfaces == 1 && only_lo && no_address;
      return std::to_string(interfaces) + " interface(s)" + (only_lo ? " (lo only)" : "") +
             (no_address ? ", no address: loopback down" : ", has addresses");
    }
    case policy::kNsMount: {
      int entries = 0;
      if (DIR* d = opendir((proc + "/root").c_str())) {
        while (dirent* e = readdir(d)) {
          if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") ++entries;
        }
        closedir(d);
      } else {
        entries = -1;
      }
      struct statvfs vfs {};
      const bool read_only = statvfs((proc + "/root").c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
      *ok = entries == 0 && read_only;
      return "root: " + (entries < 0 ? std::string("unreadable") : std::to_string(entries) + " entries") +
             (read_only ? ", read-only" : ", writable");
    }
    default:
      return "own namespace";
  }
}

void Namespaces(const api::Confinement& c, const policy::Policy& policy, pid_t pid,
                std::vector<SelfCheck>* out) {
  const std::string proc = "/proc/" + std::to_string(pid);
  auto in_force = policy::ParseNamespaceList(c.namespaces());
  auto wanted = policy::ParseNamespaceList(policy.namespaces().use());
  auto required = policy::ParseNamespaceList(policy.namespaces().require());
  for (unsigned bit = policy::kNsUser; bit <= policy::kNsCgroup; bit <<= 1) {
    const auto ns = static_cast<policy::Namespace>(bit);
    const std::string_view name = policy::NamespaceName(ns);
    // The kernel's names for the links: "mnt" is the mount namespace.
    const std::string_view link = ns == policy::kNsMount ? "mnt" : name;
    const std::string check = "namespace: " + std::string(name);
    const bool separate = NsLink(proc, link) != NsLink("/proc/self", link) && !NsLink(proc, link).empty();
    policy::LayerState layer;
    layer.wanted = !(wanted.ok() && (*wanted & bit) == 0);
    layer.required = required.ok() && (*required & bit) != 0;
    layer.claimed = in_force.ok() && (*in_force & bit) != 0;
    std::string detail;
    if (layer.claimed) {
      bool ok = false;
      const std::string effect = NsEffect(ns, proc, &ok);
      layer.in_force = separate && ok;
      detail = (separate ? "" : "the worker shares the supervisor's; ") + effect;
    } else if (!layer.wanted) {
      detail = "not asked for (policy namespaces.use)";
    } else {
      // Refused: a property of the host, not a broken layer. Spawn never
      // leaves a worker in a namespace it does not claim; if one were, the
      // report would be pessimistic, not false, so it is only mentioned.
      detail = "refused by this host: " + RefusalOf(c, name);
      if (layer.required) detail += " (required by namespaces.require)";
      if (separate) detail += "; the worker has one of its own all the same";
    }
    out->push_back({check, policy::JudgeLayer(layer), detail});
  }
}

// Checks that need the test worker: the shipped one cannot be made to call
// a forbidden syscall or write a bad frame, by design.
void WithTestcaseWorker(Supervisor& sup, const std::string& testcase_worker, std::vector<SelfCheck>* out) {
  const char* kill_check = "seccomp kills a forbidden syscall and names it";
  const char* frame_check = "supervisor survives garbage frames from a worker";
  if (testcase_worker.empty() || access(testcase_worker.c_str(), X_OK) != 0) {
    const std::string why = "needs the test worker (stockade-worker-hostile, built with the tests; "
                            "--testcases PATH)" + (testcase_worker.empty() ? "" : ": " + testcase_worker + " not found");
    out->push_back({kill_check, Result::kUnavailable, why});
    out->push_back({frame_check, Result::kUnavailable, why});
    return;
  }
  SupervisorOptions options;
  options.policy = sup.policy();
  options.worker_path = testcase_worker;
  options.pool_size = 1;
  auto hostile = Supervisor::Start(std::move(options));
  if (!hostile.ok()) {
    out->push_back({kill_check, Result::kFail, "test worker: " + hostile.status().message()});
    return;
  }
  auto run = [&](const char* code) {
    api::ExecuteRequest req;
    req.set_code(code);
    req.mutable_limits()->set_timeout_ms(3000);
    return (*hostile)->Run(req);
  };
  api::ExecutionResult r = run("hostile.syscall('socket')");
  const bool named = r.status() == api::POLICY_VIOLATION && r.violation_syscall() == "socket";
  const bool killed_unnamed = r.status() == api::POLICY_VIOLATION && sup.confinement().seccomp_mode() == "kill";
  out->push_back(Check(kill_check, named || killed_unnamed,
                       std::string(policy::StatusName(r.status())) + ": " +
                           (r.detail().empty() ? r.value_json() : r.detail())));
  std::string detail;
  bool ok = true;
  for (const char* kind : {"oversized", "unparseable", "truncated", "wrong_result"}) {
    api::ExecutionResult g = run((std::string("hostile.garbage('") + kind + "'); 1").c_str());
    api::ExecutionResult after = run("1+1");
    const bool fine = g.status() == api::WORKER_CRASHED && after.status() == api::OK;
    ok &= fine;
    detail += std::string(detail.empty() ? "" : "; ") + kind + ": " + std::string(policy::StatusName(g.status())) +
              ", next run " + std::string(policy::StatusName(after.status()));
  }
  out->push_back(Check(frame_check, ok, detail));
}

void Behaviour(Supervisor& sup, std::vector<SelfCheck>* out) {
  // The timeout is what the TIMEOUT cases cost; the others end on their own
  // limit long before theirs, which only has to leave room on slow hosts
  // (an emulated VM runs them ten times slower).
  struct Case {
    const char* name;
    const char* code;
    api::Status want;
    std::uint32_t timeout_ms;
  } cases[] = {
      {"CPU loop ends in TIMEOUT", "while (true) {}", api::TIMEOUT, 300},
      {"catastrophic regex ends in TIMEOUT", "/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')", api::TIMEOUT,
       300},
      {"memory bomb ends in MEMORY_LIMIT", "var s = 'x'; while (true) s = s + s;", api::MEMORY_LIMIT, 5000},
      {"output flood is truncated, not killed", "for (var i = 0; i < 100000; i++) console.log(i); 'done'",
       api::OK, 5000},
      {"no host bindings (require, process)", "typeof require + typeof process", api::OK, 5000},
  };
  for (const Case& c : cases) {
    api::ExecuteRequest req;
    req.set_code(c.code);
    req.mutable_limits()->set_timeout_ms(c.timeout_ms);
    req.mutable_limits()->set_output_bytes(4096);
    api::ExecutionResult r = sup.Run(req);
    bool ok = r.status() == c.want;
    if (ok && c.want == api::OK && std::string(c.name).find("flood") != std::string::npos) {
      ok = r.output().truncated();
    }
    if (ok && std::string(c.name).find("bindings") != std::string::npos) {
      ok = r.value_json() == "\"undefinedundefined\"";
    }
    std::string detail = std::string(policy::StatusName(r.status()));
    if (!r.detail().empty()) detail += ": " + r.detail();
    out->push_back(Check(c.name, ok, detail));
  }
}

}  // namespace

const char* SelfCheckResultName(SelfCheck::Result result) {
  switch (result) {
    case Result::kPass: return "PASS";
    case Result::kFail: return "FAIL";
    case Result::kUnavailable: return "UNAVAILABLE";
  }
  return "?";
}

std::vector<SelfCheck> OutsideChecks(const api::Confinement& confinement, const policy::Policy& policy,
                                     pid_t pid, std::string_view cgroup_join) {
  std::vector<SelfCheck> out;
  KernelView(confinement, policy, pid, cgroup_join, &out);
  Namespaces(confinement, policy, pid, &out);
  return out;
}

api::Readiness CheckReadiness(const PoolStats& stats, const api::Confinement& confinement,
                              const policy::Policy& policy, bool draining) {
  api::Readiness r;
  r.set_draining(draining);
  r.set_idle_workers(stats.idle);
  r.set_busy_workers(stats.busy);
  r.set_queued(stats.queued);
  *r.mutable_confinement() = confinement;
  // The kernel's view of one idle worker: confinement as it is, not as
  // configured. A worker can go between the listing and the reads; then
  // the checks are skipped this time rather than failed.
  std::vector<policy::CheckResult> results;
  for (const WorkerInfo& w : stats.workers) {
    if (w.state != WorkerProcess::State::kIdle || w.pid <= 0) continue;
    for (const SelfCheck& c : OutsideChecks(confinement, policy, w.pid, w.cgroup_join)) {
      api::ConfinementCheck* check = r.add_checks();
      check->set_name(c.name);
      check->set_result(SelfCheckResultName(c.result));
      check->set_detail(c.detail);
      results.push_back(c.result);
    }
    if (kill(w.pid, 0) != 0) {
      r.clear_checks();
      results.clear();
      continue;
    }
    break;
  }
  r.set_ready(policy::IsReady(draining, stats.idle + stats.busy, results));
  return r;
}

std::vector<SelfCheck> RunSelftest(Supervisor& sup, const std::string& testcase_worker) {
  std::vector<SelfCheck> out;
  if (!sup.WaitUntilIdle(std::chrono::seconds(10), 1)) {
    out.push_back({"a worker starts", Result::kFail, "no worker became ready within 10 s"});
    return out;
  }
  out.push_back({"a worker starts", Result::kPass,
                 "spawn to Ready in " + std::to_string(sup.Stats().last_spawn_us) + " us"});
  pid_t pid = 0;
  std::string cgroup_join;
  for (const auto& w : sup.Stats().workers) {
    if (w.state == WorkerProcess::State::kIdle) {
      pid = w.pid;
      cgroup_join = w.cgroup_join;
    }
  }
  if (pid > 0) {
    std::vector<SelfCheck> outside = OutsideChecks(sup.confinement(), sup.policy(), pid, cgroup_join);
    out.insert(out.end(), outside.begin(), outside.end());
  }
  Behaviour(sup, &out);
  WithTestcaseWorker(sup, testcase_worker, &out);
  return out;
}

}  // namespace stockade::supervisor
