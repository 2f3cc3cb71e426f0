#include "supervisor/cli/policy.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "policy/policy_loader.h"
#include "policy/syscall_policy.h"
#include "supervisor/cli/output.h"
#include "supervisor/confine/seccomp_filter.h"

namespace stockade::supervisor {
namespace {

constexpr char kUsage[] =
    "usage: stockade policy print [--policy P] [--pfc]\n"
    "       stockade policy export-bpf [--policy P] [--kill] [-o FILE]\n"
    "  print       the effective policy (defaults merged), each allowed syscall with\n"
    "              its reason, the syscalls no policy may allow, and the filter;\n"
    "              --pfc prints only libseccomp's pseudo-C of the compiled filter\n"
    "  export-bpf  the compiled filter as raw BPF (struct sock_filter[]); --kill for\n"
    "              the variant that kills by itself instead of notifying us\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "stockade policy: %s\n", message.c_str());
  return 2;
}

}  // namespace

int PolicyCommand(int argc, char** argv) {
  if (argc < 1) return Fail(std::string("a subcommand is needed\n") + kUsage);
  const std::string sub = argv[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string policy_spec, out_path;
  bool pfc_only = false, kill_mode = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--policy" && i + 1 < argc) {
      policy_spec = argv[++i];
    } else if (arg == "-o" && i + 1 < argc) {
      out_path = argv[++i];
    } else if (arg == "--pfc") {
      pfc_only = true;
    } else if (arg == "--kill") {
      kill_mode = true;
    } else {
      return Fail("unknown option " + arg + "\n" + kUsage);
    }
  }
  auto policy = policy::LoadPolicy(policy_spec);
  if (!policy.ok()) return Fail(policy.status().message());
  const FilterMode mode = kill_mode ? FilterMode::kKillProcess : FilterMode::kUserNotify;

  if (sub == "export-bpf") {
    auto bpf = CompileWorkerFilter(policy->seccomp(), mode);
    if (!bpf.ok()) return Fail(bpf.status().message());
    if (out_path.empty()) {
      WriteAll(1, *bpf);
    } else {
      std::ofstream(out_path, std::ios::binary) << *bpf;
    }
    return 0;
  }
  if (sub != "print") return Fail("unknown subcommand " + sub + "\n" + kUsage);

  auto pfc = DescribeWorkerFilter(policy->seccomp(), mode);
  if (!pfc.ok()) return Fail(pfc.status().message());
  if (pfc_only) {
    WriteAll(1, *pfc);
    return 0;
  }
  std::string out = "# Effective policy (built-in default merged with " +
                    (policy_spec.empty() ? std::string("nothing") : policy_spec) + ")\n";
  out += policy::PolicyToText(*policy);
  out += "\n# Seccomp: allowed syscalls (everything else ends the worker)\n";
  for (const auto& rule : policy->seccomp().allow()) {
    char line[256];
    std::snprintf(line, sizeof line, "#   %-14s %s%s\n", rule.name().c_str(), rule.reason().c_str(),
                  policy::RequiresNoExecArgument(rule.name()) ? " [only without PROT_EXEC]" : "");
    out += line;
  }
  out += "\n# Seccomp: never allowed, whatever a policy says\n";
  for (const auto& f : policy::NeverAllowedSyscalls()) {
    char line[256];
    std::snprintf(line, sizeof line, "#   %-18s %s\n", f.name, f.reason);
    out += line;
  }
  out += "\n# Compiled filter (" + std::string(kill_mode ? "kill" : "user-notify") +
         " mode; other architectures are killed)\n" + *pfc;
  WriteAll(1, out);
  return 0;
}

}  // namespace stockade::supervisor
