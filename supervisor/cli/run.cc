#include "supervisor/cli/run.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include <cstdio>
#include <cstring>
#include <string>

#include <google/protobuf/util/json_util.h>

#include "policy/lowering.h"
#include "policy/outcome.h"
#include "policy/policy_loader.h"
#include "supervisor/cli/flags.h"
#include "supervisor/cli/output.h"
#include "supervisor/common/log.h"
#include "supervisor/pool/supervisor.h"

namespace stockade::supervisor {
namespace {

constexpr char kUsage[] =
    "usage: stockade run [options] FILE|-\n"
    "  Runs a JavaScript or TypeScript file (or stdin) in a confined worker and prints\n"
    "  its result. ES2015+ and TypeScript are lowered to ES5 by a compiler worker first.\n"
    "options:\n"
    "  --policy P        default|strict|permissive or a policy file (text protobuf)\n"
    "  --timeout T       per-run timeout, e.g. 500ms, 2s (clamped to the policy)\n"
    "  --memory M        interpreter heap, e.g. 64M (clamped to the policy)\n"
    "  --output M        console output kept, e.g. 1M (clamped to the policy)\n"
    "  --language L      javascript|typescript (default: by the file's extension,\n"
    "                    .ts .tsx .mts .cts are TypeScript)\n"
    "  --json            print the whole typed result as JSON\n"
    "  --worker PATH     stockade-worker binary (default: next to stockade)\n"
    "  --log-level L     debug|info|warn|error|off for supervisor logs on stderr\n";

int Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "stockade run: %s\n", error.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

// Signals are blocked in every thread (the supervisor's threads inherit the
// mask) and taken synchronously by one thread that turns them into Cancel.
std::thread CancelOnSignal(Supervisor& sup, std::atomic<std::uint64_t>& execution_id) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);  // internal: stop the canceller
  return std::thread([&sup, &execution_id, set] {
    int sig = 0;
    bool cancelled = false;
    while (sigwait(&set, &sig) == 0 && sig != SIGUSR2) {
      if (cancelled) _exit(policy::ExitCodeFor(api::CANCELLED));
      cancelled = true;
      while (execution_id.load() == 0) std::this_thread::yield();
      sup.Cancel(execution_id.load());
    }
  });
}

void StopCanceller(std::thread& canceller) {
  pthread_kill(canceller.native_handle(), SIGUSR2);
  canceller.join();
}

}  // namespace

int RunCommand(int argc, char** argv) {
  std::string policy_spec, file, worker, language;
  bool json = false;
  api::ExecuteRequest request;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (arg == "--json") {
      json = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--policy" || IsLimitFlag(arg) || arg == "--worker" || arg == "--log-level" ||
               arg == "--language") {
      const char* v = value(arg.c_str());
      if (!v) return Usage(arg + " needs a value");
      if (arg == "--policy") {
        policy_spec = v;
      } else if (arg == "--language") {
        if (!policy::ParseLanguage(v)) return Usage("bad --language " + std::string(v));
        language = v;
      } else if (arg == "--worker") {
        worker = v;
      } else if (IsLimitFlag(arg)) {
        std::string error;
        ApplyLimitFlag(arg, v, request.mutable_limits(), &error);
        if (!error.empty()) return Usage(error);
      } else {
        LogLevel level;
        if (!ParseLogLevel(v, &level)) return Usage("bad --log-level " + std::string(v));
        SetLogLevel(level);
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      return Usage("unknown option " + arg);
    } else if (file.empty()) {
      file = arg;
    } else {
      return Usage("only one script at a time");
    }
  }
  if (file.empty()) return Usage("no script given");

  auto code = ReadScript(file);
  if (!code.ok()) {
    std::fprintf(stderr, "stockade run: %s\n", code.status().message().c_str());
    return 2;
  }
  auto policy = policy::LoadPolicy(policy_spec);
  if (!policy.ok()) {
    std::fprintf(stderr, "stockade run: %s\n", policy.status().message().c_str());
    return 2;
  }
  request.set_code(std::move(code).value());
  request.set_filename(file == "-" ? "stdin" : file.substr(file.rfind('/') + 1));
  request.set_language(!language.empty() ? language
                                         : std::string(policy::LanguageName(policy::LanguageForFilename(file))));

  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);

  SupervisorOptions options;
  options.policy = std::move(policy).value();
  options.worker_path = worker;
  options.pool_size = 1;  // one script: one worker, warmed while we read it
  auto sup = Supervisor::Start(std::move(options));
  if (!sup.ok()) {
    std::fprintf(stderr, "stockade run: cannot start the supervisor: %s\n",
                 sup.status().message().c_str());
    return policy::ExitCodeFor(api::INTERNAL);
  }
  // Ctrl-C or SIGTERM cancels the run (exit code of CANCELLED) instead of
  // leaving the terminal with a half-reported result; a second one kills.
  std::atomic<std::uint64_t> execution_id{0};
  std::thread canceller = CancelOnSignal(**sup, execution_id);
  if ((*sup)->confinement().cgroup() == "none") {
    // A missing layer is said out loud, never silently skipped.
    WriteAll(STDERR_FILENO, "[stockade] no cgroup limits for this run (" +
                                (*sup)->confinement().cgroup_detail() +
                                "); seccomp and rlimits still apply\n");
  }
  ConsoleSink sink;
  if (!json) {
    sink = PrintConsoleLine;
  }
  std::promise<api::ExecutionResult> done;
  execution_id = (*sup)->Submit(std::move(request), sink, [&done](api::ExecutionResult r) {
    done.set_value(std::move(r));
  });
  api::ExecutionResult result = done.get_future().get();
  StopCanceller(canceller);
  if (const std::string refused = (*sup)->confinement().namespaces_detail(); !refused.empty()) {
    WriteAll(STDERR_FILENO, "[stockade] this host refused some namespaces (" + refused +
                                "); the run had " + result.namespaces() + " and every other layer\n");
  }

  return PrintResult(result, json);
}

}  // namespace stockade::supervisor
