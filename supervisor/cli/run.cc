#include "supervisor/cli/run.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <vector>
#include <thread>

#include <cstdio>
#include <cstring>
#include <string>

#include <boost/asio/post.hpp>
#include <google/protobuf/util/json_util.h>

#include "policy/lowering.h"
#include "policy/outcome.h"
#include "policy/policy_loader.h"
#include "supervisor/cli/flags.h"
#include "supervisor/cli/output.h"
#include "supervisor/common/log.h"
#include "supervisor/pool/supervisor.h"
#include "supervisor/sessions/session_manager.h"
#include "supervisor/sessions/session_store.h"

namespace stockade::supervisor {
namespace {

constexpr char kUsage[] =
    "usage: stockade run [options] FILE|- [FILE...]\n"
    "  Runs a JavaScript or TypeScript file (or stdin) in a confined worker and prints\n"
    "  its result. ES2015+ and TypeScript are lowered to ES5 by a compiler worker first.\n"
    "  Several files run in order in one session (in memory): each sees what the ones\n"
    "  before it left at top level; the first that fails stops the rest.\n"
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
// mask) and taken synchronously by one thread that turns them into
// `cancel(id)` of the run in flight. A signal before a run has its id is
// kept in `requested`; whoever sets the id next checks it (Canceller::Started).
struct Canceller {
  std::function<void(std::uint64_t)> cancel;
  std::atomic<std::uint64_t> id{0};
  std::atomic<bool> requested{false};
  std::thread thread;

  // The run `run_id` is in flight now.
  void Started(std::uint64_t run_id) {
    id = run_id;
    if (requested) cancel(run_id);  // twice is harmless: a finished run ignores it
  }
};

void StartCanceller(Canceller& c) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);  // internal: stop the canceller
  c.thread = std::thread([&c, set] {
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig != SIGUSR2) {
      if (c.requested.exchange(true)) _exit(policy::ExitCodeFor(api::CANCELLED));
      if (const std::uint64_t id = c.id.load(); id != 0) c.cancel(id);
    }
  });
}

void StopCanceller(Canceller& c) {
  pthread_kill(c.thread.native_handle(), SIGUSR2);
  c.thread.join();
}

// Builds the request for one script file; false (with a message) when it
// cannot be read.
bool ScriptRequest(const std::string& file, const std::string& language, const api::Limits& limits,
                   api::ExecuteRequest* request) {
  auto code = ReadScript(file);
  if (!code.ok()) {
    std::fprintf(stderr, "stockade run: %s\n", code.status().message().c_str());
    return false;
  }
  request->set_code(std::move(code).value());
  *request->mutable_limits() = limits;
  request->set_filename(file == "-" ? "stdin" : file.substr(file.rfind('/') + 1));
  request->set_language(!language.empty() ? language
                                          : std::string(policy::LanguageName(policy::LanguageForFilename(file))));
  return true;
}

// The scripts in order in one in-memory session; the exit code of the
// first that does not end OK, or of the last.
int RunInSession(Supervisor& sup, const std::vector<std::string>& files, const std::string& language,
                 const api::Limits& limits, bool json, ConsoleSink sink) {
  // Every script is read before the first runs: a file that cannot be read
  // stops everything before anything ran, and Ctrl-C while stdin is typed
  // needs no run to cancel.
  std::vector<api::ExecuteRequest> requests(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!ScriptRequest(files[i], language, limits, &requests[i])) return 2;
  }
  auto store = SessionStore::Open(":memory:");
  if (!store.ok()) {
    std::fprintf(stderr, "stockade run: %s\n", store.status().message().c_str());
    return policy::ExitCodeFor(api::INTERNAL);
  }
  // The manager lives on the io thread, as everything that submits does.
  std::unique_ptr<SessionManager> manager;
  std::string id;
  {
    std::promise<std::string> made;
    boost::asio::post(sup.io(), [&] {
      manager = std::make_unique<SessionManager>(sup, std::move(store).value(), sup.policy().sessions());
      auto s = manager->Create("");
      made.set_value(s.ok() ? s->id : "");
    });
    id = made.get_future().get();
  }
  Canceller canceller;
  canceller.cancel = [&](std::uint64_t t) { boost::asio::post(sup.io(), [&manager, t] { manager->Cancel(t); }); };
  StartCanceller(canceller);
  int code = 0;
  for (api::ExecuteRequest& request : requests) {
    if (canceller.requested) {
      code = policy::ExitCodeFor(api::CANCELLED);
      break;
    }
    std::promise<api::ExecutionResult> done;
    std::promise<std::uint64_t> submitted;
    boost::asio::post(sup.io(), [&] {
      Supervisor::Callbacks cb;
      cb.on_line = sink;
      cb.on_done = [&done](api::ExecutionResult r) { done.set_value(std::move(r)); };
      submitted.set_value(manager->Run("", id, std::move(request), std::move(cb)));
    });
    canceller.Started(submitted.get_future().get());
    const api::ExecutionResult result = done.get_future().get();
    code = PrintResult(result, json);
    if (!json && result.status() == api::OK && result.session().dropped_size() > 0) {
      std::string kept = "[stockade] not kept for the next script:";
      for (const std::string& d : result.session().dropped()) kept += " " + d + ";";
      kept.back() = '\n';
      WriteAll(STDERR_FILENO, kept);
    }
    if (result.status() != api::OK) break;
  }
  StopCanceller(canceller);
  // Gone on the io thread, with nothing of it running there any more.
  std::promise<void> gone;
  boost::asio::post(sup.io(), [&] {
    manager.reset();
    gone.set_value();
  });
  gone.get_future().wait();
  return code;
}

}  // namespace

int RunCommand(int argc, char** argv) {
  std::string policy_spec, worker, language;
  std::vector<std::string> files;
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
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return Usage("no script given");
  if (std::count(files.begin(), files.end(), "-") > 1) return Usage("stdin (-) can be read once");

  auto policy = policy::LoadPolicy(policy_spec);
  if (!policy.ok()) {
    std::fprintf(stderr, "stockade run: %s\n", policy.status().message().c_str());
    return 2;
  }
  const api::Limits limits = request.limits();
  if (files.size() == 1 && !ScriptRequest(files[0], language, limits, &request)) return 2;

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
  if (files.size() > 1) return RunInSession(**sup, files, language, limits, json, sink);

  Supervisor& one = **sup;
  Canceller canceller;
  canceller.cancel = [&one](std::uint64_t id) { one.Cancel(id); };
  StartCanceller(canceller);
  std::promise<api::ExecutionResult> done;
  canceller.Started((*sup)->Submit(std::move(request), sink, [&done](api::ExecutionResult r) {
    done.set_value(std::move(r));
  }));
  api::ExecutionResult result = done.get_future().get();
  StopCanceller(canceller);
  if (const std::string refused = (*sup)->confinement().namespaces_detail(); !refused.empty()) {
    WriteAll(STDERR_FILENO, "[stockade] this host refused some namespaces (" + refused +
                                "); the run had " + result.namespaces() + " and every other layer\n");
  }

  return PrintResult(result, json);
}

}  // namespace stockade::supervisor
