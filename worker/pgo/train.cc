// stockade-worker-train: runs scripts in process through a worker's
// Interpreter, the way a pooled worker runs requests (Run, then
// PrepareNext), and prints the worker CPU time per run of each.
//
//   stockade-worker-train [--runs N] [--print] script.js...
//
// The build links it against an instrumented Duktape and runs it once: its
// profile is the training run of the worker's profile-guided build
// (worker/CMakeLists.txt). It also measures a build in process, without a
// supervisor or seccomp. Nothing here confines: it runs only the
// repository's own scripts. Exits non-zero when a script does not answer
// OK, so a broken training set fails the build instead of training on an
// error path.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "worker/interpreter.h"

namespace {

using stockade::worker::FrameSink;
using stockade::worker::Interpreter;
namespace wire = stockade::wire;

class NullSink final : public FrameSink {
 public:
  bool Send(const wire::WorkerFrame&) override { return true; }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double ProcessCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  bool print = false;
  std::vector<std::pair<std::string, std::string>> scripts = {{"1+1", "1+1"}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
      continue;
    }
    if (arg == "--print") {
      print = true;
      continue;
    }
    std::ifstream in(arg);
    if (!in) {
      std::fprintf(stderr, "stockade-worker-train: cannot read %s\n", arg.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    scripts.emplace_back(arg.substr(arg.find_last_of('/') + 1), text.str());
  }

  NullSink sink;
  // The default policy's heap (100 MiB).
  auto created = Interpreter::Create(100u << 20, &sink);
  if (!created.ok()) {
    std::fprintf(stderr, "stockade-worker-train: %s\n", created.status().message().c_str());
    return 1;
  }
  std::unique_ptr<Interpreter> interp = std::move(created).value();

  std::vector<std::vector<double>> run_cpu(scripts.size()), cycle_cpu(scripts.size());
  // Interleaved, as a pool's requests come: each round runs every script once.
  for (int round = 0; round < runs; ++round) {
    for (std::size_t s = 0; s < scripts.size(); ++s) {
      wire::Execute ex;
      ex.set_code(scripts[s].second);
      ex.set_filename(scripts[s].first);
      ex.mutable_limits()->set_timeout_ms(10000);
      ex.mutable_limits()->set_memory_bytes(100u << 20);
      ex.mutable_limits()->set_output_bytes(1u << 20);
      ex.mutable_limits()->set_result_bytes(1u << 20);
      wire::Result r;
      const double t0 = ProcessCpuUs();
      interp->Run(ex, &r);
      if (r.status() != stockade::api::OK) {
        std::fprintf(stderr, "stockade-worker-train: %s: status %d: %s\n", scripts[s].first.c_str(),
                     static_cast<int>(r.status()), r.detail().c_str());
        return 1;
      }
      const auto st = interp->PrepareNext();
      if (!st.ok()) {
        std::fprintf(stderr, "stockade-worker-train: %s\n", st.message().c_str());
        return 1;
      }
      if (print && round == 0) std::printf("%s: %s\n", scripts[s].first.c_str(), r.value_json().c_str());
      run_cpu[s].push_back(static_cast<double>(r.cpu_time_us()));
      cycle_cpu[s].push_back(ProcessCpuUs() - t0);
    }
  }
  for (std::size_t s = 0; s < scripts.size(); ++s) {
    std::printf("%-16s run cpu p50 %8.0f us   run + next environment p50 %8.0f us\n",
                scripts[s].first.c_str(), Median(run_cpu[s]), Median(cycle_cpu[s]));
  }
  return 0;
}
