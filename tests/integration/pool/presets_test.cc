// The three presets through the real supervisor: each loads, and the
// limits it states are the ones in force (timeouts, heap, reuse of workers,
// the result cap, the output filter), not just the numbers in the file.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

std::unique_ptr<supervisor::Supervisor> StartPreset(const char* name) {
  auto p = policy::LoadPolicy(name);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return nullptr;
  policy::Policy policy = *p;
  EXPECT_EQ(policy.name(), name);
  policy.mutable_pool()->set_size(1);
  policy.mutable_pool()->set_max_size(1);
  return StartSupervisor(policy);
}

const char kBigHeap[] = "'x'.repeat(150 * 1024 * 1024).length";

TEST(Presets, StrictGivesEachRunANewWorkerAndSmallLimits) {
  auto sup = StartPreset("strict");
  ASSERT_TRUE(sup);
  api::ExecutionResult a = sup->Run(Code("1"));
  api::ExecutionResult b = sup->Run(Code("2"));
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_NE(a.worker_id(), b.worker_id()) << "strict reused a worker";
  EXPECT_EQ(a.effective_limits().timeout_ms(), 1000u);
  EXPECT_EQ(a.effective_limits().memory_bytes(), 32u << 20);

  api::ExecutionResult loop = sup->Run(Code("for (;;) {}"));
  EXPECT_EQ(loop.status(), api::TIMEOUT) << loop.detail();
  // The interpreter's own stop, or (half a core, 20 ms of grace) the
  // supervisor's kill: either way the 1 s timeout is the one named.
  EXPECT_NE(loop.detail().find("timeout of 1000 ms"), std::string::npos) << loop.detail();
  api::ExecutionResult asks_more = sup->Run(Code("1", 60000));
  EXPECT_EQ(asks_more.effective_limits().timeout_ms(), 5000u) << "clamped to max_timeout_ms";

  api::ExecutionResult heap = sup->Run(Code("'x'.repeat(40 * 1024 * 1024).length"));
  EXPECT_EQ(heap.status(), api::MEMORY_LIMIT) << heap.detail();

  api::ExecutionResult big = sup->Run(Code("'x'.repeat(1536 * 1024)"));
  ASSERT_EQ(big.status(), api::OK) << big.detail();
  EXPECT_TRUE(big.value().truncated());
  EXPECT_LE(big.value_json().size(), 1u << 20);

  api::ExecutionResult secret = sup->Run(Code("({password: 'hunter2'})"));
  EXPECT_EQ(secret.value_json(), "{\"password\":\"[REDACTED]\"}");

  api::ExecutionResult code = sup->Run(Code("//" + std::string(70000, 'x')));
  EXPECT_EQ(code.status(), api::INVALID_REQUEST) << "code_bytes 64 KiB";
}

TEST(Presets, DefaultReusesWorkersWithTheSeedLimits) {
  auto sup = StartPreset("default");
  ASSERT_TRUE(sup);
  api::ExecutionResult a = sup->Run(Code("1"));
  api::ExecutionResult b = sup->Run(Code("2"));
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_EQ(a.worker_id(), b.worker_id()) << "default did not reuse its worker";
  EXPECT_EQ(a.effective_limits().timeout_ms(), 5000u);
  EXPECT_EQ(a.effective_limits().memory_bytes(), 100u << 20);
  api::ExecutionResult heap = sup->Run(Code(kBigHeap));
  EXPECT_EQ(heap.status(), api::MEMORY_LIMIT) << heap.detail();
  api::ExecutionResult code = sup->Run(Code("//" + std::string(70000, 'x')));
  EXPECT_EQ(code.status(), api::OK) << "100 KB of code is allowed";
}

TEST(Presets, PermissiveAllowsLargeHeapsAndLongRuns) {
  auto sup = StartPreset("permissive");
  ASSERT_TRUE(sup);
  api::ExecutionResult a = sup->Run(Code("1"));
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_EQ(a.effective_limits().timeout_ms(), 30000u);
  EXPECT_EQ(a.effective_limits().memory_bytes(), 512u << 20);
  api::ExecutionResult heap = sup->Run(Code(kBigHeap, 20000));
  ASSERT_EQ(heap.status(), api::OK) << heap.detail();
  EXPECT_EQ(heap.value_json(), std::to_string(150 * 1024 * 1024));
  api::ExecutionResult b = sup->Run(Code("2"));
  EXPECT_EQ(b.worker_id(), heap.worker_id()) << "permissive did not keep its worker";
  api::ExecutionResult secret = sup->Run(Code("({apiKey: 'k'})"));
  EXPECT_EQ(secret.value_json(), "{\"apiKey\":\"[REDACTED]\"}") << "redaction stays on";
}

}  // namespace
}  // namespace stockade::testing
