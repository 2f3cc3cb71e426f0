// namespaces.require through the pool: a namespace the policy requires
// and the host refuses fails every run with the reason, instead of running
// with less (the ladder itself is tested in confine/spawn_namespaces_test).
//
// The refusing profile is installed in a forked child, never in the test
// process.
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/host_profile.h"
#include "tests/integration/test_support.h"

namespace stockade::supervisor {
namespace {

using testing::InChild;
using testing::InstallDockerLikeProfile;

// A policy that requires a namespace the host refuses: runs fail with a
// typed INTERNAL that names the refusal, instead of running with less.
TEST(SpawnNamespaces, ARequiredNamespaceThatIsRefusedFailsRunsWithTheReason) {
  const std::string text = InChild([] {
    InstallDockerLikeProfile();
    policy::Policy p = testing::TestPolicy(1);
    p.mutable_namespaces()->set_require("user");
    SupervisorOptions options;
    options.policy = p;
    options.worker_path = testing::WorkerBinary();
    auto sup = Supervisor::Start(std::move(options));
    if (!sup.ok()) return "start failed: " + sup.status().message();
    api::ExecuteRequest req;
    req.set_code("1+1");
    api::ExecutionResult r = (*sup)->Run(req);
    return std::string(api::Status_Name(r.status())) + " " + r.detail();
  });
  EXPECT_EQ(text.rfind("INTERNAL", 0), 0u) << text;
  EXPECT_NE(text.find("namespaces.require: user not available"), std::string::npos) << text;
}

}  // namespace
}  // namespace stockade::supervisor
