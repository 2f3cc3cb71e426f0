// The names of Stockade's cgroup parents and the decision to sweep one
// (supervisor/confine/cgroup_stale.h), as pure logic with a seam for "is this pid
// alive": only our own spelling, never our own pid, never a live one.
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include <gtest/gtest.h>

#include "supervisor/confine/cgroup_stale.h"

namespace stockade::supervisor {
namespace {

TEST(CgroupStaleNames, NamesAndOwnersRoundTrip) {
  EXPECT_EQ(CgroupParentName(123, 0), "stockade-123");
  EXPECT_EQ(CgroupParentName(123, 2), "stockade-123-2");
  EXPECT_EQ(CgroupParentOwner("stockade-123"), 123);
  EXPECT_EQ(CgroupParentOwner("stockade-123-2"), 123);
  EXPECT_EQ(CgroupParentOwner(CgroupParentName(4194304, 17)), 4194304);
}

TEST(CgroupStaleNames, AnythingElseIsNotOurs) {
  for (const char* name : {"stockade-", "stockade", "stockade-0", "stockade-012", "stockade--1", "stockade-+1",
                           "stockade-1x", "stockade-1-", "stockade-1-0", "stockade-1-01", "stockade-1-2-3",
                           "stockade-1-x", "stockade-99999999999999999999", "Stockade-1", "xstockade-1",
                           "stockade-1 ", "supervisor", "w1", "", "."}) {
    EXPECT_FALSE(CgroupParentOwner(name).has_value()) << '"' << name << '"';
  }
}

TEST(CgroupStaleNames, StaleOnlyWhenOursNotOwnAndTheOwnerIsGone) {
  const std::set<pid_t> live = {1, 500, 700};
  auto alive = [&live](pid_t pid) { return live.count(pid) > 0; };
  const pid_t self = 700;
  struct Case {
    const char* name;
    bool stale;
  } cases[] = {
      {"stockade-42", true},        // owner gone
      {"stockade-42-3", true},      // a second host of the same dead process
      {"stockade-500", false},      // owner alive (maybe a reused pid: kept)
      {"stockade-500-1", false},
      {"stockade-700", false},      // our own, even though `alive` says so anyway
      {"stockade-700-2", false},
      {"stockade-42x", false},      // not our spelling
      {"supervisor", false},        // v2: where the supervisor moved itself
      {"system.slice", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsStaleCgroupParent(c.name, self, alive), c.stale) << c.name;
  // Our own pid is never stale, even if `alive` got it wrong.
  EXPECT_FALSE(IsStaleCgroupParent("stockade-9", 9, [](pid_t) { return false; }));
}

TEST(CgroupStaleNames, PidAliveSeesUsAndNotAReapedChild) {
  EXPECT_TRUE(PidAlive(::getpid()));
  EXPECT_TRUE(PidAlive(1));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_FALSE(PidAlive(child));
}

}  // namespace
}  // namespace stockade::supervisor
