// Shared set-up for integration tests at the pool and above: a Supervisor
// over the real worker binaries built next to the tests.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/pool/supervisor.h"
#include "tests/integration/process_support.h"

namespace stockade::testing {

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

}  // namespace stockade::testing
