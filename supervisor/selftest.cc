#include "supervisor/selftest.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "policy/limits.h"
#include "policy/outcome.h"
#include "supervisor/proc_status.h"

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

void KernelView(Supervisor& sup, pid_t pid, std::vector<SelfCheck>* out) {
  const std::string proc = "/proc/" + std::to_string(pid);
  Status seccomp = CheckSeccompInForce(pid);
  out->push_back(Check("seccomp filter in force (kernel view)", seccomp.ok(),
                       seccomp.ok() ? "Seccomp: 2, NoNewPrivs: 1; violations: " +
                                          sup.confinement().seccomp_mode()
                                    : seccomp.message()));

  const std::string limits = Slurp(proc + "/limits");
  const policy::WorkerRlimits want = policy::WorkerRlimitsFor(sup.policy());
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
  if (sup.confinement().seccomp_mode() == "user-notify") allowed.insert("2");
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
                           (uid.ok() ? *uid : "?") + "; " + sup.confinement().identity()));

  if (sup.confinement().cgroup() == "none") {
    out->push_back({"cgroup limits", Result::kUnavailable, sup.confinement().cgroup_detail()});
  } else {
    const std::string cg = Slurp(proc + "/cgroup");
    out->push_back(Check("cgroup " + sup.confinement().cgroup() + " membership", cg.find("stockade-") != std::string::npos,
                         sup.confinement().cgroup_detail()));
  }
}

void Behaviour(Supervisor& sup, std::vector<SelfCheck>* out) {
  struct Case {
    const char* name;
    const char* code;
    api::Status want;
  } cases[] = {
      {"CPU loop ends in TIMEOUT", "while (true) {}", api::TIMEOUT},
      {"catastrophic regex ends in TIMEOUT", "/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')", api::TIMEOUT},
      {"memory bomb ends in MEMORY_LIMIT", "var s = 'x'; while (true) s = s + s;", api::MEMORY_LIMIT},
      {"output flood is truncated, not killed", "for (var i = 0; i < 100000; i++) console.log(i); 'done'",
       api::OK},
      {"no host bindings (require, process)", "typeof require + typeof process", api::OK},
  };
  for (const Case& c : cases) {
    api::ExecuteRequest req;
    req.set_code(c.code);
    req.mutable_limits()->set_timeout_ms(300);
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

std::vector<SelfCheck> RunSelftest(Supervisor& sup) {
  std::vector<SelfCheck> out;
  if (!sup.WaitUntilIdle(std::chrono::seconds(10), 1)) {
    out.push_back({"a worker starts", Result::kFail, "no worker became ready within 10 s"});
    return out;
  }
  out.push_back({"a worker starts", Result::kPass,
                 "spawn to Ready in " + std::to_string(sup.Stats().last_spawn_us) + " us"});
  pid_t pid = 0;
  for (const auto& w : sup.Stats().workers) {
    if (w.state == WorkerProcess::State::kIdle) pid = w.pid;
  }
  if (pid > 0) KernelView(sup, pid, &out);
  Behaviour(sup, &out);
  return out;
}

}  // namespace stockade::supervisor
