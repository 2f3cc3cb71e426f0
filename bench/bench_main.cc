// stockade-bench: the speed figures of BENCHMARKS.md, measured through the
// same embedded API the CLI uses, with real confined workers.
//
// Each figure is printed with its unit; percentiles come from sorted
// samples. Cases: cold spawn to ready, pool warm-up, warm round trip,
// throughput with concurrent callers, timeout overshoot (interpreter and
// hard kill), `stockade run` end to end, and the output filter. On request
// only, `spawn-v2`: spawning into a cgroup v2 worker cgroup with clone3
// (CLONE_INTO_CGROUP) against joining it through cgroup.procs.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>


#include "policy/json_redaction.h"
#include "policy/policy_loader.h"
#include "supervisor/common/log.h"
#include "supervisor/confine/cgroup.h"
#include "supervisor/confine/spawn.h"
#include "supervisor/pool/supervisor.h"

namespace {

using Clock = std::chrono::steady_clock;
using stockade::api::ExecuteRequest;
using stockade::api::ExecutionResult;
namespace sup = stockade::supervisor;

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Summary {
  double p50, p99, min, max;
};

Summary Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))]; };
  return {at(0.5), at(0.99), v.front(), v.back()};
}

std::string Bin(const char* name) { return std::string(STOCKADE_BIN_DIR) + "/" + name; }

// STOCKADE_BENCH_WORKER=PATH runs another build of the worker under this
// supervisor (the frames are the same), so two worker builds compare in
// one sitting.
std::string WorkerBin(const char* name) {
  const char* other = std::getenv("STOCKADE_BENCH_WORKER");
  if (other != nullptr && *other != '\0' && std::string(name) == "stockade-worker") return other;
  return Bin(name);
}

std::unique_ptr<sup::Supervisor> Start(std::uint32_t pool, const std::string& policy = "permissive",
                                       const char* worker = "stockade-worker",
                                       const std::string& namespaces = "") {
  auto p = stockade::policy::LoadPolicy(policy);
  if (!p.ok()) {
    std::fprintf(stderr, "%s\n", p.status().message().c_str());
    std::exit(1);
  }
  p->mutable_pool()->set_size(pool);
  if (!namespaces.empty()) p->mutable_namespaces()->set_use(namespaces);
  sup::SupervisorOptions o;
  o.policy = *p;
  o.worker_path = WorkerBin(worker);
  auto s = sup::Supervisor::Start(std::move(o));
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().message().c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

ExecuteRequest Req(const std::string& code, std::uint32_t timeout_ms = 0) {
  ExecuteRequest r;
  r.set_code(code);
  if (timeout_ms) r.mutable_limits()->set_timeout_ms(timeout_ms);
  return r;
}

void ColdSpawn(const char* label = "") {
  std::vector<double> samples;
  std::string join;
  for (int i = 0; i < 30; ++i) {
    auto s = Start(1);
    s->WaitUntilIdle(std::chrono::seconds(5));
    const sup::PoolStats stats = s->Stats();
    samples.push_back(static_cast<double>(stats.last_spawn_us));
    if (!stats.workers.empty()) join = stats.workers.front().cgroup_join;
  }
  Summary m = Summarize(samples);
  std::printf("cold spawn to ready (1 worker)%s      p50 %8.0f us   p99 %8.0f us   min %6.0f us%s%s\n", label,
              m.p50, m.p99, m.min, join.empty() ? "" : "   ", join.c_str());
}

// Spawn alone, /bin/true into a worker cgroup of its own, to exec.
void RawSpawnIntoCgroup(const char* label) {
  auto host = sup::CgroupHost::Detect("auto");
  if (!host.ok() || host->version() == "none") {
    std::printf("spawn /bin/true into a cgroup: no cgroups here (%s)\n",
                host.ok() ? host->detail().c_str() : host.status().message().c_str());
    return;
  }
  auto cg = host->CreateWorker("bench-spawn", {.memory_bytes = 256 << 20, .pids = 8});
  if (!cg.ok()) {
    std::printf("spawn /bin/true into a cgroup: %s\n", cg.status().message().c_str());
    return;
  }
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  sup::SpawnSpec spec;
  spec.executable = "/bin/true";
  spec.stdin_fd = devnull;
  spec.stdout_fd = devnull;
  spec.cgroup_procs_fds = cg->procs_fds();
  spec.cgroup_dir_fd = cg->dir_fd();
  std::vector<double> samples;
  sup::SpawnReport report;
  for (int i = 0; i < 200; ++i) {
    const auto t0 = Clock::now();
    auto child = sup::Spawn(spec, &report);
    samples.push_back(Us(Clock::now() - t0));
    if (!child.ok()) {
      std::printf("  (spawn failed: %s)\n", child.status().message().c_str());
      break;
    }
    (void)child->Reap();
  }
  close(devnull);
  Summary m = Summarize(samples);
  std::printf("spawn /bin/true to exec, cgroup %s%s  p50 %8.1f us   p99 %8.1f us   %s\n",
              std::string(host->version()).c_str(), label, m.p50, m.p99, sup::CgroupJoinName(report.into_cgroup));
}

// `stockade-bench spawn-v2`: the same spawns created in their cgroup by
// clone3(CLONE_INTO_CGROUP), then joining it through cgroup.procs as on a
// host that refuses clone3 (a one-way switch, so in that order).
void SpawnJoinCompared() {
  RawSpawnIntoCgroup(" (clone3)");
  ColdSpawn(" (clone3)");
  sup::DisableCloneIntoCgroup();
  RawSpawnIntoCgroup(" (procs) ");
  ColdSpawn(" (procs) ");
}

// What the namespaces cost: spawn to Ready, and serial runs when every run
// gets a fresh worker (recycle.max_executions 1, the strict preset's
// setting), with all namespaces and with none, measured alternately in one
// process so the ratio is fair on a noisy machine.
// `sets`: which namespaces.use values to compare (first is the baseline).
void NamespaceCost(const std::vector<std::string>& sets) {
  struct Row {
    std::string use;
    std::vector<double> spawn_us;
    double runs_per_s = 0;
  };
  std::vector<Row> rows;
  for (const std::string& set : sets) rows.push_back({set, {}, 0});
  for (int round = 0; round < 3; ++round) {
    for (Row& row : rows) {
      for (int i = 0; i < 10; ++i) {
        auto s = Start(1, "permissive", "stockade-worker", row.use);
        s->WaitUntilIdle(std::chrono::seconds(5));
        row.spawn_us.push_back(static_cast<double>(s->Stats().last_spawn_us));
      }
      auto p = stockade::policy::LoadPolicy("permissive");
      p->mutable_pool()->set_size(2);
      p->mutable_pool()->set_max_size(2);
      p->mutable_recycle()->set_max_executions(1);
      p->mutable_namespaces()->set_use(row.use);
      sup::SupervisorOptions o;
      o.policy = *p;
      o.worker_path = WorkerBin("stockade-worker");
      auto s = sup::Supervisor::Start(std::move(o));
      (*s)->WaitUntilIdle(std::chrono::seconds(5), 2);
      const auto t0 = Clock::now();
      int n = 0;
      while (Clock::now() - t0 < std::chrono::seconds(1)) {
        if ((*s)->Run(Req("1+1")).value_json() != "2") std::abort();
        ++n;
      }
      row.runs_per_s = std::max(row.runs_per_s, n / (Us(Clock::now() - t0) / 1e6));
    }
  }
  for (Row& row : rows) {
    Summary m = Summarize(row.spawn_us);
    std::printf("namespaces %-6s spawn to ready  p50 %6.0f us  p99 %6.0f us (x%.2f)  fresh worker per run %5.0f runs/s (x%.2f)\n",
                row.use.c_str(), m.p50, m.p99, m.p50 / Summarize(rows[0].spawn_us).p50, row.runs_per_s,
                row.runs_per_s / rows[0].runs_per_s);
  }
}

void PoolWarmup() {
  std::vector<double> samples;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = Clock::now();
    auto s = Start(10);
    s->WaitUntilIdle(std::chrono::seconds(5));
    samples.push_back(Us(Clock::now() - t0));
  }
  Summary m = Summarize(samples);
  std::printf("pool of 10 ready (from Start)       p50 %8.0f us   p99 %8.0f us   min %6.0f us\n", m.p50,
              m.p99, m.min);
}

void RoundTrip(sup::Supervisor& s) {
  for (int i = 0; i < 500; ++i) s.Run(Req("1+1"));
  std::vector<double> samples;
  for (int i = 0; i < 5000; ++i) {
    const auto t0 = Clock::now();
    ExecutionResult r = s.Run(Req("1+1"));
    samples.push_back(Us(Clock::now() - t0));
    if (r.value_json() != "2") std::abort();
  }
  Summary m = Summarize(samples);
  std::printf("warm round trip `1+1`               p50 %8.1f us   p99 %8.1f us   min %6.1f us\n", m.p50,
              m.p99, m.min);
}

void Throughput(sup::Supervisor& s, int callers) {
  std::atomic<int> done{0};
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&] {
      while (Clock::now() < deadline) {
        if (s.Run(Req("1+1")).value_json() == "2") ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("throughput, %d callers               %8.0f executions/s\n", callers, done.load() / secs);
}

// A run in a session through the embedded API: the state goes in, the
// state the run leaves comes back (SessionOut).
struct SessionRun {
  ExecutionResult result;
  std::string state;  // the captured state
};
SessionRun RunInSession(sup::Supervisor& s, const std::string& code, std::string state_in, bool capture) {
  SessionRun run;
  std::promise<void> done;
  sup::Supervisor::Callbacks cb;
  cb.session_in = std::move(state_in);
  cb.capture_session = capture;
  cb.on_session_out = [&run](sup::SessionOut out) { run.state = std::move(out.state); };
  cb.on_done = [&](ExecutionResult r) {
    run.result = std::move(r);
    done.set_value();
  };
  s.Submit(Req(code), std::move(cb));
  done.get_future().wait();
  return run;
}

// Restoring and capturing a session's state (issue 13's target: 1 MiB in
// at most 10 ms): a run with the state restored and captured against the
// same run without a session, alternated on the same workers, for states
// of about 1 MiB of different shapes: records as an agent keeps them
// (objects, strings, numbers, Dates, and a Map over them: ~32,000 objects),
// a table of numbers (arrays of numbers), and text (a few long strings).
void SessionStateOf(sup::Supervisor& s, const char* shape, const std::string& make, const std::string& check,
                    const std::string& expect) {
  SessionRun first = RunInSession(s, make, "", true);
  if (first.result.status() != stockade::api::OK || first.state.empty()) {
    std::fprintf(stderr, "stockade-bench: the session state was not made: %s\n", first.result.DebugString().c_str());
    std::exit(1);
  }
  const std::string state = first.state;
  std::vector<double> with, without, restore_only;
  for (int i = 0; i < 5; ++i) RunInSession(s, check, state, true);
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    SessionRun r = RunInSession(s, check, state, true);
    with.push_back(Us(Clock::now() - t0) / 1000.0);
    if (r.result.value_json() != expect) std::abort();
    t0 = Clock::now();
    r = RunInSession(s, "1", "", false);
    without.push_back(Us(Clock::now() - t0) / 1000.0);
    r = RunInSession(s, "1", state, false);
    restore_only.push_back(static_cast<double>(r.result.metrics().run_time_us()) / 1000.0);
  }
  const Summary a = Summarize(with), b = Summarize(without);
  std::printf("session state, %-8s %.2f MiB: restore + capture p50 %7.2f ms (round trip %.2f - %.2f; restore alone, "
              "worker run, %.2f ms)\n",
              shape, static_cast<double>(state.size()) / (1024.0 * 1024.0), a.p50 - b.p50, a.p50, b.p50,
              Summarize(restore_only).p50);
}

// A small session (10 variables of the kinds a REPL holds): what the
// state costs a run, in the worker and round trip.
void SmallSession(sup::Supervisor& s) {
  SessionRun first = RunInSession(s,
                                  "var a = 1, b = 'two', c = [1, 2, 3], d = {x: 1, y: 'z'}, e = true, f = null, "
                                  "g = 3.5, h = 'a longer string of text', i = [{k: 1}], j = new Date(0); 'set'",
                                  "", true);
  std::vector<double> with, without, worker_with, worker_without;
  for (int i = 0; i < 3000; ++i) {
    auto t0 = Clock::now();
    SessionRun r = RunInSession(s, "1+1", first.state, true);
    with.push_back(Us(Clock::now() - t0));
    worker_with.push_back(static_cast<double>(r.result.metrics().run_time_us()));
    t0 = Clock::now();
    r = RunInSession(s, "1+1", "", false);
    without.push_back(Us(Clock::now() - t0));
    worker_without.push_back(static_cast<double>(r.result.metrics().run_time_us()));
  }
  std::printf("session of 10 variables, `1+1`: round trip p50 %.0f us against %.0f us without (x%.2f); worker run "
              "%.0f against %.0f us\n",
              Summarize(with).p50, Summarize(without).p50, Summarize(with).p50 / Summarize(without).p50,
              Summarize(worker_with).p50, Summarize(worker_without).p50);
}

void SessionState(sup::Supervisor& s) {
  SmallSession(s);
  SessionStateOf(s, "records",
                 "var rows = []; for (var i = 0; i < 6400; i++) rows.push({id: i, name: 'item-' + i, price: i * 1.25, "
                 "tags: ['a', 'b'], at: new Date(1700000000000 + i)}); var byName = new Map(); "
                 "rows.forEach(function (r) { byName.set(r.name, r); }); rows.length",
                 "rows.length", "6400");
  SessionStateOf(s, "numbers",
                 "var series = []; for (var i = 0; i < 64; i++) { var row = []; for (var j = 0; j < 1000; j++) "
                 "row.push(Math.round(Math.sin(i * 1000 + j) * 1e6) / 1e3); series.push(row); } series.length",
                 "series.length", "64");
  SessionStateOf(s, "text",
                 "var pages = []; for (var i = 0; i < 16; i++) pages.push(new Array(65536).join(String.fromCharCode(97 "
                 "+ i))); pages.length",
                 "pages.length", "16");
}

// The scripts the build's profile-guided optimisation trains on
// (worker/pgo/), read from the source tree: the bench measures what the
// build optimised for, and the two never drift apart.
std::string PgoScript(const char* name) {
  const std::string path = std::string(STOCKADE_SOURCE_DIR) + "/worker/pgo/" + name;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "stockade-bench: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return text;
}

// An agent-style script (2,000 records built, grouped, sorted, summarised,
// stringified; ES5): the round trip and the worker's CPU time per run.

void AgentScript(sup::Supervisor& s) {
  const std::string agent = PgoScript("agent.js");
  for (int i = 0; i < 20; ++i) s.Run(Req(agent));
  std::vector<double> round, cpu;
  for (int i = 0; i < 300; ++i) {
    const auto t0 = Clock::now();
    ExecutionResult r = s.Run(Req(agent));
    round.push_back(Us(Clock::now() - t0));
    cpu.push_back(static_cast<double>(r.metrics().cpu_time_us()));
    if (r.status() != stockade::api::OK) {
      std::printf("  (unexpected status %d: %s)\n", r.status(), r.detail().c_str());
      std::abort();
    }
  }
  Summary m = Summarize(round), c = Summarize(cpu);
  std::printf("agent-style script, round trip       p50 %8.1f us   p99 %8.1f us   worker cpu p50 %6.0f us\n",
              m.p50, m.p99, c.p50);
}

// The same loop at top level (global variables are properties of the
// global object) and inside a function (registers).
void TopLevelLoop(sup::Supervisor& s) {
  auto time_of = [&](const char* code) {
    std::vector<double> cpu;
    for (int i = 0; i < 5; ++i) {
      ExecutionResult r = s.Run(Req(code, 30000));
      if (r.status() != stockade::api::OK) std::abort();
      cpu.push_back(static_cast<double>(r.metrics().cpu_time_us()) / 1000.0);
    }
    return Summarize(cpu).p50;
  };
  const double top = time_of("var s = 0; for (var i = 0; i < 1e7; i++) s += i; s");
  const double fn = time_of("(function () { var s = 0; for (var i = 0; i < 1e7; i++) s += i; return s; })()");
  std::printf("1e7-iteration loop, top level %7.0f ms, in a function %7.0f ms (x%.1f)\n", top, fn, top / fn);
}

// Lowering (issue 12): a ~1 KB modern script, uncached (each variant differs
// by a comment) and cached, against the same program in ES5 on the fast
// path; and the first lowering, which starts the compiler worker.
constexpr char kModernScript[] = R"js(
const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, group: `g${i % 7}`, score: (i * 37) % 101 }));
class Stats {
  #n = 0;
  #sum = 0;
  add(x) { this.#n++; this.#sum += x; return this; }
  get mean() { return this.#n ? this.#sum / this.#n : 0; }
}
const byGroup = new Map();
for (const { group, score } of rows) {
  if (!byGroup.has(group)) byGroup.set(group, new Stats());
  byGroup.get(group).add(score);
}
const summary = [...byGroup].map(([group, s]) => ({ group, mean: Math.round(s.mean) }));
const best = summary.reduce((a, b) => (b.mean > a.mean ? b : a), summary[0]);
const { group: top, ...rest } = best ?? {};
async function main() {
  await null;
  return { top, rest, n: summary.length, label: `${top ?? 'none'}:${rest?.mean ?? 0}` };
}
main();
)js";


void LoweringCost() {
  auto s = Start(2);
  s->WaitUntilIdle(std::chrono::seconds(5));
  auto run = [&](const std::string& code) {
    ExecuteRequest r = Req(code, 10000);
    const auto t0 = Clock::now();
    ExecutionResult x = s->Run(std::move(r));
    if (x.status() != stockade::api::OK || !x.lowered()) {
      std::printf("  (unexpected: %d lowered=%d %s)\n", x.status(), x.lowered(), x.detail().c_str());
      std::abort();
    }
    return std::make_pair(Us(Clock::now() - t0), static_cast<double>(x.metrics().compile_time_us()));
  };
  const auto first = run(kModernScript);
  std::printf("lowering, first (starts the compiler)  %8.1f ms   compile %8.1f ms   compiler spawn to Ready %6.1f ms\n",
              first.first / 1000, first.second / 1000, s->CompilerStats().last_spawn_us / 1000.0);
  std::vector<double> uncached, compile, cached;
  for (int i = 0; i < 30; ++i) {
    const auto u = run(std::string(kModernScript) + "// variant " + std::to_string(i) + "\n");
    uncached.push_back(u.first);
    compile.push_back(u.second);
  }
  // What the cache holds, sent as ES5 on the fast path: the same program
  // without the lowering machinery (cache lookup, line map).
  const std::string lowered = s->Lower(kModernScript, stockade::policy::Language::kJavaScript, "script.js").program.code;
  auto direct = [&](const std::string& code) {
    const auto t0 = Clock::now();
    ExecutionResult x = s->Run(Req(code, 10000));
    if (x.status() != stockade::api::OK || x.lowered()) std::abort();
    return Us(Clock::now() - t0);
  };
  // The same program as an agent would have written it in ES5.
  const std::string es5_program = PgoScript("stats_es5.js");
  std::vector<double> es5, as_es5;
  for (int i = 0; i < 300; ++i) {
    cached.push_back(run(kModernScript).first);
    as_es5.push_back(direct(lowered));
    es5.push_back(direct(es5_program));
  }
  Summary u = Summarize(uncached), c = Summarize(compile), h = Summarize(cached), e = Summarize(es5),
          l = Summarize(as_es5);
  std::printf("lowering %zu bytes, uncached          p50 %8.1f ms   compile p50 %6.1f ms   p99 %6.1f ms\n",
              sizeof(kModernScript) - 1, u.p50 / 1000, c.p50 / 1000, u.p99 / 1000);
  std::printf("lowered, cached                      p50 %8.1f us   p99 %8.1f us\n", h.p50, h.p99);
  std::printf("its lowered program sent as ES5      p50 %8.1f us   p99 %8.1f us   (cached lowered x%.2f)\n",
              l.p50, l.p99, h.p50 / l.p50);
  std::printf("same program hand-written in ES5     p50 %8.1f us   p99 %8.1f us   (cached lowered x%.2f)\n",
              e.p50, e.p99, h.p50 / e.p50);
}

void TimeoutOvershoot(sup::Supervisor& s, const char* what, const char* code) {
  std::vector<double> samples;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = Clock::now();
    ExecutionResult r = s.Run(Req(code, 100));
    samples.push_back(Us(Clock::now() - t0) / 1000.0 - 100.0);
    if (r.status() != stockade::api::TIMEOUT) std::printf("  (unexpected status %d)\n", r.status());
  }
  Summary m = Summarize(samples);
  std::printf("timeout overshoot, %-17s p50 %8.1f ms   max %8.1f ms\n", what, m.p50, m.max);
}

// The vfork-style spawn must not grow with the supervisor's size (fork
// copies page tables: ~33 us per MiB touched).
void RawSpawn() {
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  sup::SpawnSpec spec;
  spec.executable = "/bin/true";
  spec.stdin_fd = devnull;
  spec.stdout_fd = devnull;
  auto measure = [&](const char* label) {
    std::vector<double> samples;
    for (int i = 0; i < 200; ++i) {
      const auto t0 = Clock::now();
      auto child = sup::Spawn(spec);
      samples.push_back(Us(Clock::now() - t0));
      if (!child.ok()) std::abort();
      (void)child->Reap();
    }
    Summary m = Summarize(samples);
    std::printf("spawn /bin/true to exec, %-10s p50 %8.1f us   p99 %8.1f us\n", label, m.p50, m.p99);
  };
  measure("small");
  const std::size_t kBytes = std::size_t{512} << 20;
  void* big = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  std::memset(big, 1, kBytes);
  measure("+512 MiB");
  munmap(big, kBytes);
  close(devnull);
}

void CliEndToEnd() {
  const std::string cli = Bin("stockade");
  const char* script = "/tmp/stockade-bench-oneline.js";
  FILE* f = std::fopen(script, "w");
  std::fputs("1+1\n", f);
  std::fclose(f);
  std::vector<double> samples;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = Clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      execl(cli.c_str(), "stockade", "run", script, nullptr);
      _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    samples.push_back(Us(Clock::now() - t0) / 1000.0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) std::printf("  (stockade run failed: %d)\n", st);
  }
  Summary m = Summarize(samples);
  std::printf("`stockade run` one line, end to end p50 %8.2f ms   p99 %8.2f ms   min %6.2f ms\n", m.p50,
              m.p99, m.min);
}

// The output filter on the issue's case: a 10 MB JSON result with 100k
// keys nested in it, one in a thousand of them sensitive and one in a
// thousand string values holding a token, filtered with the default policy.
void Redaction() {
  auto policy = stockade::policy::LoadPolicy("default");
  std::vector<double> compile;
  auto made = stockade::policy::Redactor::Create(policy->redaction());
  for (int i = 0; i < 20; ++i) {
    // A policy that differs each time, so the compiled filter is not reused.
    stockade::policy::RedactionPolicy changed = policy->redaction();
    changed.set_replacement("[REDACTED " + std::to_string(i) + "]");
    const auto t0 = Clock::now();
    made = stockade::policy::Redactor::Create(changed);
    compile.push_back(Us(Clock::now() - t0) / 1000.0);
  }
  made = stockade::policy::Redactor::Create(policy->redaction());
  const stockade::policy::Redactor& r = **made;
  std::string doc = "{";
  for (int i = 0; i < 100000; ++i) {
    if (i) doc += ",";
    doc += "\"field_" + std::to_string(i) + "\":{\"name\":\"user " + std::to_string(i) +
           "\",\"note\":\"" + std::string(60, 'x') + "\"";
    if (i % 1000 == 0) doc += ",\"password\":\"p" + std::to_string(i) + "\"";
    if (i % 1000 == 500) doc += ",\"header\":\"Bearer abcdefghijklmnop" + std::to_string(i) + "\"";
    doc += "}";
  }
  doc += "}";
  std::vector<double> samples;
  std::size_t paths = 0;
  for (int i = 0; i < 15; ++i) {
    std::string copy = doc;
    const auto t0 = Clock::now();
    paths = stockade::policy::RedactJson(r, &copy).paths.size();
    samples.push_back(Us(Clock::now() - t0) / 1000.0);
  }
  Summary m = Summarize(samples);
  std::printf("redaction, %.1f MB JSON, 100k keys, %zu paths   p50 %8.2f ms   min %8.2f ms\n",
              static_cast<double>(doc.size()) / 1e6, paths, m.p50, m.min);
  Summary c = Summarize(compile);
  std::printf("redaction, compiling the default policy's filter  p50 %8.2f ms   min %8.2f ms\n",
              c.p50, c.min);
}

}  // namespace

int main(int argc, char** argv) {
  sup::SetLogLevel(sup::LogLevel::kError);
  const std::string only = argc > 1 ? argv[1] : "";
  auto want = [&](const char* name) { return only.empty() || only == name; };
  std::printf("stockade-bench (%u cpus)\n", std::thread::hardware_concurrency());
  if (want("rawspawn")) RawSpawn();
  if (want("spawn")) ColdSpawn();
  if (only == "spawn-v2") SpawnJoinCompared();  // not in the full run: it turns clone3 off
  if (want("warmup")) PoolWarmup();
  if (want("namespaces")) {
    // `stockade-bench namespaces [use...]`, e.g. "none net mount all".
    std::vector<std::string> sets;
    for (int i = 2; i < argc; ++i) sets.push_back(argv[i]);
    if (sets.empty()) sets = {"none", "all"};
    NamespaceCost(sets);
  }
  if (want("roundtrip") || want("throughput") || want("timeout") || want("agent") || want("toplevel")) {
    auto s = Start(10);
    s->WaitUntilIdle(std::chrono::seconds(5));
    if (want("roundtrip")) RoundTrip(*s);
    if (want("throughput")) {
      Throughput(*s, 1);
      Throughput(*s, 2);
    }
    if (want("agent")) AgentScript(*s);
    if (want("toplevel")) TopLevelLoop(*s);
    if (want("timeout")) {
      TimeoutOvershoot(*s, "interpreter", "while (true) {}");
      TimeoutOvershoot(*s, "catastrophic regex",
                       "/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')");
    }
  }
  if (want("timeout")) {
    // Native code that never returns to the interpreter: only the
    // supervisor's deadline (timeout + hard_kill_grace_ms) stops it.
    auto h = Start(2, "default", "stockade-worker-hostile");
    h->WaitUntilIdle(std::chrono::seconds(5));
    TimeoutOvershoot(*h, "hard kill (spin)", "hostile.spin()");
  }
  if (want("session-small")) {
    auto s = Start(1);
    s->WaitUntilIdle(std::chrono::seconds(5));
    SmallSession(*s);
  }
  if (want("session")) {
    auto s = Start(2);
    s->WaitUntilIdle(std::chrono::seconds(5));
    SessionState(*s);
  }
  if (want("lowering")) LoweringCost();
  if (want("cli")) CliEndToEnd();
  if (want("redaction")) Redaction();
  return 0;
}
