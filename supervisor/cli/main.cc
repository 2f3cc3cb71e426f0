// stockade: the command-line entry point. Subcommands live in their own
// files; this only dispatches.
#include <cstdio>
#include <cstring>

#include "supervisor/cli/exec.h"
#include "supervisor/cli/policy.h"
#include "supervisor/cli/repl.h"
#include "supervisor/cli/run.h"
#include "supervisor/cli/selftest.h"
#include "supervisor/cli/serve.h"

namespace {

constexpr char kUsage[] =
    "usage: stockade <command> [options]\n"
    "commands:\n"
    "  run FILE|-     run a JavaScript file in a confined worker\n"
    "  serve          run the daemon (HTTP/JSON API)\n"
    "  policy         print the effective policy and seccomp filter, or export it\n"
    "  selftest       check which confinement layers are in force on this host\n"
    "  exec FILE|-    run a JavaScript file on a daemon (--url URL)\n"
    "  repl           an interactive prompt on a daemon's session (--url URL, --session ID)\n"
    "  version        print the version\n"
    "Run `stockade <command> --help` for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const char* cmd = argv[1];
  if (std::strcmp(cmd, "run") == 0) return stockade::supervisor::RunCommand(argc - 2, argv + 2);
  if (std::strcmp(cmd, "selftest") == 0) return stockade::supervisor::SelftestCommand(argc - 2, argv + 2);
  if (std::strcmp(cmd, "policy") == 0) return stockade::supervisor::PolicyCommand(argc - 2, argv + 2);
  if (std::strcmp(cmd, "serve") == 0) return stockade::supervisor::ServeCommand(argc - 2, argv + 2);
  if (std::strcmp(cmd, "exec") == 0) return stockade::supervisor::ExecCommand(argc - 2, argv + 2);
  if (std::strcmp(cmd, "repl") == 0) return stockade::supervisor::ReplCommand(argc - 2, argv + 2);
  if (std::strcmp(cmd, "version") == 0 || std::strcmp(cmd, "--version") == 0) {
    std::puts("stockade 0.1.0 (duktape 2.7.0)");
    return 0;
  }
  if (std::strcmp(cmd, "help") == 0 || std::strcmp(cmd, "--help") == 0) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "stockade: unknown command \"%s\"\n", cmd);
  std::fputs(kUsage, stderr);
  return 2;
}
