// ConnectionTable and ByteBudget: the daemon's caps on connections and on
// bytes held. At the cap the quietest connection is closed (never spoken
// first, oldest first; then idle longest), a busy one never; with none quiet
// the new one is refused. A budget refuses what does not fit beside what is
// held and lets one item through when nothing is.
#include "supervisor/daemon/connection_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "supervisor/daemon/byte_budget.h"

namespace stockade::supervisor {
namespace {

struct Closed {
  std::vector<std::string> names;
  std::function<void()> For(const std::string& name) {
    return [this, name] { names.push_back(name); };
  }
};

TEST(ConnectionTable, AdmitsUpToTheCap) {
  ConnectionTable t(2);
  Closed closed;
  auto a = t.Admit(closed.For("a"));
  auto b = t.Admit(closed.For("b"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(t.open(), 2u);
  a.reset();
  EXPECT_EQ(t.open(), 1u);
  EXPECT_TRUE(closed.names.empty());
}

TEST(ConnectionTable, NeverSpokenGoFirstOldestFirstThenTheLongestIdle) {
  ConnectionTable t(3);
  Closed closed;
  auto idle = t.Admit(closed.For("idle"));
  idle->Busy();
  idle->Idle();
  auto silent1 = t.Admit(closed.For("silent1"));
  auto silent2 = t.Admit(closed.For("silent2"));
  auto n1 = t.Admit(closed.For("n1"));
  auto n2 = t.Admit(closed.For("n2"));
  ASSERT_TRUE(n1 && n2);
  EXPECT_EQ(closed.names, (std::vector<std::string>{"silent1", "silent2"}));
  // A shed connection that wakes up to its bytes must not serve them.
  EXPECT_FALSE(silent1->Busy());
  // n1 and n2 have not spoken either: they go before the idle one.
  EXPECT_TRUE(n1->Busy());
  EXPECT_TRUE(n2->Busy());
  auto n3 = t.Admit(closed.For("n3"));
  ASSERT_TRUE(n3);
  EXPECT_EQ(closed.names.back(), "idle");
  EXPECT_EQ(t.shed(), 3u);
  EXPECT_EQ(t.open(), 3u);
  // A shed slot going away later does not count twice.
  silent1.reset();
  idle.reset();
  EXPECT_EQ(t.open(), 3u);
}

TEST(ConnectionTable, BusyConnectionsAreNeverCutAndTheNewOneIsRefused) {
  ConnectionTable t(2);
  Closed closed;
  auto a = t.Admit(closed.For("a"));
  auto b = t.Admit(closed.For("b"));
  a->Busy();
  b->Busy();
  EXPECT_FALSE(t.Admit(closed.For("c")));
  EXPECT_EQ(t.refused(), 1u);
  EXPECT_TRUE(closed.names.empty());
  b->Idle();  // finished its request: quiet again
  EXPECT_TRUE(t.Admit(closed.For("d")));
  EXPECT_EQ(closed.names, (std::vector<std::string>{"b"}));
}

TEST(ConnectionTable, ShedOneForWantOfDescriptors) {
  ConnectionTable t(10);
  Closed closed;
  EXPECT_FALSE(t.ShedOne());
  auto a = t.Admit(closed.For("a"));
  EXPECT_TRUE(t.ShedOne());
  EXPECT_EQ(t.open(), 0u);
  EXPECT_FALSE(t.ShedOne());
}

TEST(ConnectionTable, SlotsMayOutliveTheTable) {
  std::optional<ConnectionTable::Slot> slot;
  {
    ConnectionTable t(1);
    auto admitted = t.Admit({});
    ASSERT_TRUE(admitted);
    slot.emplace(std::move(*admitted));
  }
  slot->Busy();
  slot->Idle();
  slot.reset();
}

TEST(ByteBudget, RefusesWhatDoesNotFitAndGivesBackOnRelease) {
  ByteBudget b(100);
  auto x = b.TryTake(60);
  ASSERT_TRUE(x);
  EXPECT_FALSE(b.TryTake(41));
  auto y = b.TryTake(40);
  ASSERT_TRUE(y);
  EXPECT_EQ(b.in_use(), 100u);
  x.reset();
  EXPECT_EQ(b.in_use(), 40u);
  y->Resize(90);
  EXPECT_EQ(b.in_use(), 90u);
  EXPECT_EQ(b.peak(), 100u);
  ByteBudget::Lease moved = std::move(*y);
  y.reset();
  EXPECT_EQ(b.in_use(), 90u);
  moved.Release();
  EXPECT_EQ(b.in_use(), 0u);
}

TEST(ByteBudget, OneOversizedItemPassesWhenNothingIsHeld) {
  ByteBudget b(100);
  auto big = b.TryTake(1000);
  ASSERT_TRUE(big);
  EXPECT_FALSE(b.TryTake(1));
  big.reset();
  EXPECT_TRUE(b.TryTake(1));
}

TEST(ByteBudget, HugeRequestsDoNotWrapAround) {
  ByteBudget b(100);
  auto small = b.TryTake(1);
  EXPECT_FALSE(b.TryTake(UINT64_MAX));
  EXPECT_FALSE(b.TryTake(UINT64_MAX - 10));
}

TEST(ByteBudget, AReplyRenderedLargerThanItsEstimateIsKeptOnlyIfItFits) {
  ByteBudget b(100);
  auto other = b.TryTake(50);
  auto reply = b.TryTake(20);
  ASSERT_TRUE(other && reply);
  EXPECT_TRUE(reply->TryResize(50));
  EXPECT_FALSE(reply->TryResize(51));
  EXPECT_EQ(b.in_use(), 100u);
  other.reset();
  EXPECT_TRUE(reply->TryResize(1000)) << "alone, one item may pass the limit";
}

TEST(ByteBudget, OneOwnerHoldsAtMostItsShare) {
  ByteBudget b(100, 50);
  auto a1 = b.TryTake(40, "a");
  ASSERT_TRUE(a1);
  EXPECT_FALSE(b.TryTake(20, "a")) << "a would hold 60 of its 50";
  auto b1 = b.TryTake(50, "b");
  ASSERT_TRUE(b1) << "another key is not locked out by a";
  EXPECT_EQ(b.held_by("a"), 40u);
  EXPECT_EQ(b.held_by("b"), 50u);
  EXPECT_FALSE(b1->TryResize(61)) << "past the whole budget beside a's 40";
  a1.reset();
  EXPECT_EQ(b.held_by("a"), 0u);
  // Alone, an owner may take one item over its share if the whole fits.
  auto big = b.TryTake(50, "c");
  EXPECT_TRUE(big);
  b1.reset();
  big.reset();
  EXPECT_EQ(b.in_use(), 0u);
}

}  // namespace
}  // namespace stockade::supervisor
