// The readiness rule (policy/readiness.h) as a table: a layer the host
// refuses is UNAVAILABLE unless required; a claimed layer that is not in
// force is FAIL whatever the policy says; readiness ignores UNAVAILABLE.
#include <gtest/gtest.h>

#include "policy/readiness.h"

namespace stockade::policy {
namespace {

TEST(Readiness, EachLayerStateHasOneResult) {
  struct Case {
    const char* what;
    LayerState layer;
    CheckResult want;
  } cases[] = {
      {"in force as claimed", {.wanted = true, .required = false, .claimed = true, .in_force = true},
       CheckResult::kPass},
      {"required and in force", {.wanted = true, .required = true, .claimed = true, .in_force = true},
       CheckResult::kPass},
      {"claimed, not in force", {.wanted = true, .required = false, .claimed = true, .in_force = false},
       CheckResult::kFail},
      {"claimed, not in force, required", {.wanted = true, .required = true, .claimed = true, .in_force = false},
       CheckResult::kFail},
      {"refused by the host", {.wanted = true, .required = false, .claimed = false, .in_force = false},
       CheckResult::kUnavailable},
      // A separate namespace that is not claimed (in_force is only
      // meaningful when claimed): pessimistic, not false.
      {"refused, yet observed", {.wanted = true, .required = false, .claimed = false, .in_force = true},
       CheckResult::kUnavailable},
      {"refused and required", {.wanted = true, .required = true, .claimed = false, .in_force = false},
       CheckResult::kFail},
      {"not asked for", {.wanted = false, .required = false, .claimed = false, .in_force = false},
       CheckResult::kUnavailable},
  };
  for (const Case& c : cases) EXPECT_EQ(JudgeLayer(c.layer), c.want) << c.what;
}

TEST(Readiness, UnavailableLayersDoNotBlockReadiness) {
  EXPECT_TRUE(IsReady(false, 1, {CheckResult::kPass, CheckResult::kUnavailable, CheckResult::kUnavailable}));
  EXPECT_TRUE(IsReady(false, 1, {}));  // the idle worker went while being read
}

TEST(Readiness, AnyFailDrainingOrNoWorkerIsNotReady) {
  EXPECT_FALSE(IsReady(false, 1, {CheckResult::kPass, CheckResult::kFail}));
  EXPECT_FALSE(IsReady(true, 1, {CheckResult::kPass}));
  EXPECT_FALSE(IsReady(false, 0, {}));
}

}  // namespace
}  // namespace stockade::policy
