#include "policy/json_string.h"
#include "supervisor/cli/selftest.h"

#include <cstdio>
#include <string>

#include "policy/policy_loader.h"
#include "supervisor/cli/output.h"
#include "supervisor/common/log.h"
#include "supervisor/selftest/selftest.h"
#include "supervisor/pool/supervisor.h"

namespace stockade::supervisor {

int SelftestCommand(int argc, char** argv) {
  std::string policy_spec, worker, testcases;
  bool testcases_given = false;
  bool json = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--policy" && i + 1 < argc) {
      policy_spec = argv[++i];
    } else if (arg == "--worker" && i + 1 < argc) {
      worker = argv[++i];
    } else if (arg == "--testcases" && i + 1 < argc) {
      testcases = argv[++i];
      testcases_given = true;
    } else {
      std::fprintf(stderr, "usage: stockade selftest [--policy P] [--worker PATH] [--testcases PATH] [--json]\n");
      return 2;
    }
  }
  SetLogLevel(LogLevel::kError);
  auto policy = policy::LoadPolicy(policy_spec);
  if (!policy.ok()) {
    std::fprintf(stderr, "stockade selftest: %s\n", policy.status().message().c_str());
    return 2;
  }
  SupervisorOptions options;
  options.policy = *policy;
  options.worker_path = worker;
  options.pool_size = 1;
  auto sup = Supervisor::Start(std::move(options));
  if (!sup.ok()) {
    std::fprintf(stderr, "FAIL  supervisor start: %s\n", sup.status().message().c_str());
    return 1;
  }
  // The test worker, when the tests were built beside us (a build tree).
  if (!testcases_given) {
    const std::string dir = DefaultWorkerPath().substr(0, DefaultWorkerPath().rfind('/') + 1);
    testcases = dir + "stockade-worker-hostile";
  }
  const std::vector<SelfCheck> checks = RunSelftest(**sup, testcases);
  bool failed = false;
  std::string out = json ? "{\"checks\":[" : "";
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const SelfCheck& c = checks[i];
    failed |= c.result == SelfCheck::Result::kFail;
    if (json) {
      if (i > 0) out += ",";
      out += "{\"name\":";
      policy::AppendJsonString(c.name, &out);
      out += ",\"result\":\"" + std::string(SelfCheckResultName(c.result)) + "\",\"detail\":";
      policy::AppendJsonString(c.detail, &out);
      out += "}";
    } else {
      char head[16];
      std::snprintf(head, sizeof head, "%-12s", SelfCheckResultName(c.result));
      out += head + c.name + " — " + c.detail + "\n";
    }
  }
  if (json) out += std::string("],\"passed\":") + (failed ? "false" : "true") + "}\n";
  WriteAll(1, out);
  return failed ? 1 : 0;
}

}  // namespace stockade::supervisor
