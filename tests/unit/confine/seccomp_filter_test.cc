// The compiled seccomp filter: a golden copy of the default filter makes any
// change to it a deliberate act, and the compiled shapes are checked.
#include "supervisor/confine/seccomp_filter.h"

#include <gtest/gtest.h>
#include <linux/filter.h>

#include <fstream>
#include <sstream>

#include "policy/policy_loader.h"

namespace stockade::supervisor {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SeccompFilter, DefaultFilterMatchesTheGoldenCopy) {
  auto policy = policy::LoadPolicy("");
  ASSERT_TRUE(policy.ok());
  auto pfc = DescribeWorkerFilter(policy->seccomp(), FilterMode::kUserNotify);
  ASSERT_TRUE(pfc.ok()) << pfc.status().message();
  const std::string golden_path = std::string(STOCKADE_SOURCE_DIR) + "/tests/golden/default_filter.pfc";
  EXPECT_EQ(*pfc, Slurp(golden_path))
      << "The default seccomp filter changed. If that is intended, review the difference and "
         "update the golden copy:\n  build/bin/stockade policy print --pfc > tests/golden/default_filter.pfc";
}

TEST(SeccompFilter, CompiledProgramIsWholeInstructions) {
  auto policy = policy::LoadPolicy("");
  ASSERT_TRUE(policy.ok());
  for (FilterMode mode : {FilterMode::kUserNotify, FilterMode::kKillProcess}) {
    auto bpf = CompileWorkerFilter(policy->seccomp(), mode);
    ASSERT_TRUE(bpf.ok()) << bpf.status().message();
    EXPECT_EQ(bpf->size() % sizeof(sock_filter), 0u);
    EXPECT_GT(bpf->size() / sizeof(sock_filter), 10u);
    EXPECT_LT(bpf->size() / sizeof(sock_filter), 4096u);  // BPF_MAXINSNS
  }
}

TEST(SeccompFilter, ModesDifferOnlyInTheDefaultAction) {
  auto policy = policy::LoadPolicy("");
  ASSERT_TRUE(policy.ok());
  auto notify = DescribeWorkerFilter(policy->seccomp(), FilterMode::kUserNotify);
  auto kill = DescribeWorkerFilter(policy->seccomp(), FilterMode::kKillProcess);
  ASSERT_TRUE(notify.ok() && kill.ok());
  EXPECT_NE(notify->find("action 0x7fc00000;"), std::string::npos);  // SECCOMP_RET_USER_NOTIF
  EXPECT_NE(kill->find("action KILL_PROCESS;\n# invalid"), std::string::npos) << *kill;
}

}  // namespace
}  // namespace stockade::supervisor
