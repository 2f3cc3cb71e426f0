// Fuzzes the policy loader (policy/policy_loader.h) with arbitrary text as
// a --policy file: parsed, merged over the built-in default, validated.
//
// Invariants:
// - the text gives either a policy that passes ValidatePolicy or an error
//   that names the file (parse errors also line and column);
// - an accepted policy survives `stockade policy print`: its text form
//   parses back, and loads back, to the very same policy;
// - what the supervisor derives from an accepted policy is coherent: default
//   and ceiling run limits come out as stated, the kernel backstops (RLIMIT_AS,
//   the cgroup memory limit, RLIMIT_CPU) sit above the longest and largest
//   run the policy admits instead of wrapping around, the largest frame a
//   worker may send fits the u32 frame header and protobuf's 2 GiB limit,
//   the niceness is in 0-19, and the recycling decisions for a clean and a
//   failing worker are the ones the policy states.
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <climits>
#include <string>

#include "policy/limits.h"
#include "policy/policy_loader.h"
#include "policy/recycle.h"
#include "proto/frame.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockade::policy {
namespace {

bool Same(const Policy& a, const Policy& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void CheckDerived(const Policy& p) {
  const LimitsPolicy& l = p.limits();
  const wire::RunLimits defaults = EffectiveRunLimits(p, api::Limits());
  FUZZ_CHECK(defaults.timeout_ms() == l.timeout_ms());
  FUZZ_CHECK(defaults.memory_bytes() == l.memory_bytes());
  FUZZ_CHECK(defaults.output_bytes() == l.output_bytes());
  FUZZ_CHECK(defaults.result_bytes() == l.result_bytes());
  api::Limits greedy;
  greedy.set_timeout_ms(UINT32_MAX);
  greedy.set_memory_bytes(UINT64_MAX);
  greedy.set_output_bytes(UINT64_MAX);
  const wire::RunLimits ceilings = EffectiveRunLimits(p, greedy);
  FUZZ_CHECK(ceilings.timeout_ms() == l.max_timeout_ms());
  FUZZ_CHECK(ceilings.memory_bytes() == l.max_memory_bytes());
  FUZZ_CHECK(ceilings.output_bytes() == l.max_output_bytes());

  const WorkerRlimits rl = WorkerRlimitsFor(p);
  FUZZ_CHECK(rl.address_space_bytes >= l.max_memory_bytes());
  FUZZ_CHECK(rl.address_space_bytes - l.max_memory_bytes() >= l.memory_overhead_bytes());
  // Recycling keeps RLIMIT_CPU a backstop only if two longest runs fit.
  FUZZ_CHECK(rl.cpu_seconds * 1000 >= 2 * std::uint64_t{l.max_timeout_ms()});
  FUZZ_CHECK(rl.open_files == l.max_open_files());
  FUZZ_CHECK(WorkerCgroupLimitsFor(p).memory_max_bytes >= l.max_memory_bytes());
  FUZZ_CHECK(WorkerHeapCeiling(p) >= l.memory_bytes());

  const std::uint64_t frame = MaxWorkerFrameBytes(p);
  // The whole value up to twice the cap (32 MiB at most) fits a frame.
  FUZZ_CHECK(frame > wire::ResultValueBudget(l.result_bytes()));
  FUZZ_CHECK(frame > std::min<std::uint64_t>(l.result_bytes(), wire::kMaxResultValueBytes));
  FUZZ_CHECK(frame <= INT_MAX);
  // policy.proto: niceness 0-19; the supervisor passes it on as an int.
  FUZZ_CHECK(l.worker_nice() <= 19);

  // Recycling: a fresh worker with a clean record is never retired for its
  // CPU budget or as degraded; one whose whole window failed is degraded
  // whenever the policy asks for that (and nothing outranks it).
  const RecyclePolicy& r = p.recycle();
  WorkerStats stats;
  stats.executions = 1;
  stats.recent_runs = r.error_window();
  stats.last_status = api::OK;
  const RecycleReason healthy = ShouldRecycleAfterRun(stats, p);
  FUZZ_CHECK(healthy != RecycleReason::kDegraded && healthy != RecycleReason::kCpuBudget);
  stats.recent_failures = stats.recent_runs;
  const bool degrade = r.error_window() > 0 && r.max_error_percent() > 0 && r.max_error_percent() <= 100;
  if (degrade && r.max_executions() > 1) {
    FUZZ_CHECK(ShouldRecycleAfterRun(stats, p) == RecycleReason::kDegraded);
  }
}

}  // namespace
}  // namespace stockade::policy

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stockade::policy;
  const std::string_view text = stockade::fuzz::AsText(data, size);
  auto loaded = PolicyFromText(text, "fuzz.textproto", "fuzz.textproto");
  if (!loaded.ok()) {
    const std::string message = loaded.status().message();
    FUZZ_CHECK(StartsWith(message, "fuzz.textproto:"));
    FUZZ_CHECK(message.size() > std::string_view("fuzz.textproto: ").size());
    return 0;
  }
  const Policy& p = *loaded;
  FUZZ_CHECK(ValidatePolicy(p).ok());
  CheckDerived(p);

  const std::string printed = PolicyToText(p);
  auto parsed = ParsePolicyText(printed, "printed");
  FUZZ_CHECK(parsed.ok());
  FUZZ_CHECK(Same(*parsed, p));
  auto reloaded = PolicyFromText(printed, "printed", "printed");
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK(Same(*reloaded, p));
  return 0;
}
