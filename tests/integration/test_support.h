// Shared set-up for integration tests: a Supervisor over the real worker
// binaries built next to the tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "policy/policy_loader.h"
#include "supervisor/supervisor.h"

namespace stockade::testing {

inline std::string WorkerBinary() { return std::string(STOCKADE_BIN_DIR) + "/stockade-worker"; }
inline std::string HostileWorkerBinary() {
  return std::string(STOCKADE_BIN_DIR) + "/stockade-worker-hostile";
}

inline policy::Policy TestPolicy(std::uint32_t pool_size = 2) {
  auto p = policy::LoadPolicy("");
  EXPECT_TRUE(p.ok()) << p.status().message();
  policy::Policy policy = *p;
  policy.mutable_pool()->set_size(pool_size);
  // Fixed size unless a test asks for growth: queueing tests need it.
  policy.mutable_pool()->set_max_size(pool_size);
  return policy;
}

inline std::unique_ptr<supervisor::Supervisor> StartSupervisor(policy::Policy policy,
                                                               std::string worker = WorkerBinary()) {
  supervisor::SupervisorOptions options;
  options.policy = std::move(policy);
  options.worker_path = std::move(worker);
  auto s = supervisor::Supervisor::Start(std::move(options));
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return nullptr;
  return std::move(s).value();
}

inline api::ExecuteRequest Code(std::string code, std::uint32_t timeout_ms = 0) {
  api::ExecuteRequest r;
  r.set_code(std::move(code));
  if (timeout_ms) r.mutable_limits()->set_timeout_ms(timeout_ms);
  return r;
}

}  // namespace stockade::testing
