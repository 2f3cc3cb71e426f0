// ExecutionStore's bounds: finished records are kept within bytes in all and
// per key and within a count, oldest first; delivered results only for their
// short window; an evicted or expired id answers with its reason to its own
// key only; unfinished records are never evicted.
#include "supervisor/daemon/execution_store.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace stockade::supervisor {
namespace {

using namespace std::chrono_literals;

api::ExecutionResult ResultOf(std::size_t value_bytes) {
  api::ExecutionResult r;
  r.set_status(api::OK);
  r.set_value_json(std::string(value_bytes, 'x'));
  return r;
}

RetentionLimits Roomy() {
  RetentionLimits l;
  l.retention = 1h;
  l.delivered_retention = 1h;
  l.max_records = 1000;
  l.max_bytes = 1ull << 30;
  l.max_bytes_per_key = 1ull << 30;
  return l;
}

std::shared_ptr<ExecutionRecord> Finished(ExecutionStore& store, const std::string& owner,
                                          std::size_t bytes) {
  auto r = store.Create(owner);
  store.Finish(*r, ResultOf(bytes));
  return r;
}

TEST(ExecutionStore, RetainedBytesAreCountedAndReturned) {
  boost::asio::io_context io;
  ExecutionStore store(io, Roomy());
  auto a = Finished(store, "k", 100000);
  EXPECT_EQ(store.retained(), 1u);
  EXPECT_GE(store.retained_bytes(), 100000u);
  EXPECT_LT(store.retained_bytes(), 100000u + 4096);
  EXPECT_EQ(store.retained_bytes(), RetainedBytes(*a));
}

TEST(ExecutionStore, OverTheTotalTheOldestGoFirstAndAnswerGone) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_bytes = 350000;
  ExecutionStore store(io, l);
  std::vector<std::string> ids;
  for (const char* owner : {"a", "b", "a", "b", "a"}) ids.push_back(Finished(store, owner, 100000)->id);
  EXPECT_LE(store.retained_bytes(), l.max_bytes);
  EXPECT_EQ(store.retained(), 3u);
  EXPECT_EQ(store.Find(ids[0], "a"), nullptr);
  EXPECT_EQ(store.Find(ids[1], "b"), nullptr);
  ASSERT_NE(store.Find(ids[2], "a"), nullptr);
  ASSERT_NE(store.Find(ids[4], "a"), nullptr);
  ASSERT_EQ(store.Gone(ids[0], "a"), GoneReason::kBytes);
  EXPECT_NE(store.GoneMessage(ids[0], GoneReason::kBytes).find("daemon.max_retained_bytes"), std::string::npos);
  // Another key learns nothing: not even that the id existed.
  EXPECT_EQ(store.Gone(ids[0], "b"), std::nullopt);
  EXPECT_EQ(store.Gone("ex_00000000000000000000000000000000", "a"), std::nullopt);
  EXPECT_EQ(store.Gone("not-an-id", "a"), std::nullopt);
}

TEST(ExecutionStore, AKeyOverItsShareGivesUpItsOwnOldest) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_bytes = 500000;
  l.max_bytes_per_key = 250000;
  ExecutionStore store(io, l);
  const std::string quiet = Finished(store, "quiet", 100000)->id;
  std::vector<std::string> flood;
  for (int i = 0; i < 10; ++i) flood.push_back(Finished(store, "flood", 100000)->id);
  // The quiet key's older record stays; the flooding key keeps its newest two.
  EXPECT_NE(store.Find(quiet, "quiet"), nullptr);
  EXPECT_NE(store.Find(flood[9], "flood"), nullptr);
  EXPECT_NE(store.Find(flood[8], "flood"), nullptr);
  EXPECT_EQ(store.Find(flood[7], "flood"), nullptr);
  EXPECT_EQ(store.Gone(flood[0], "flood"), GoneReason::kKeyShare);
  EXPECT_EQ(store.retained(), 3u);
}

TEST(ExecutionStore, OverTheCountTheOldestGo) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_records = 3;
  ExecutionStore store(io, l);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Finished(store, "", 10)->id);
  EXPECT_EQ(store.retained(), 3u);
  EXPECT_EQ(store.Gone(ids[1], ""), GoneReason::kCount);
  EXPECT_NE(store.Find(ids[2], ""), nullptr);
}

TEST(ExecutionStore, ExpiredAndDeliveredRecordsGoWithTheirReason) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.delivered_retention = 0ms;
  ExecutionStore store(io, l);
  auto delivered = Finished(store, "", 10);
  auto kept = Finished(store, "", 10);
  store.MarkDelivered(*delivered);
  store.Sweep();
  EXPECT_EQ(store.Gone(delivered->id, ""), GoneReason::kDelivered);
  EXPECT_NE(store.Find(kept->id, ""), nullptr);

  RetentionLimits short_lived = Roomy();
  short_lived.retention = 1ms;
  ExecutionStore expiring(io, short_lived);
  auto old = Finished(expiring, "", 10);
  std::this_thread::sleep_for(5ms);
  expiring.Sweep();
  EXPECT_EQ(expiring.Gone(old->id, ""), GoneReason::kExpired);
  EXPECT_EQ(expiring.retained_bytes(), 0u);
}

TEST(ExecutionStore, UnfinishedRecordsAreNeverEvictedAndCountInFlight) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_records = 0;
  l.max_bytes = 0;
  l.max_bytes_per_key = 0;
  ExecutionStore store(io, l);
  auto running = store.Create("k");
  store.MarkRunning(*running);
  store.AddLine(*running, api::ConsoleLine());
  Finished(store, "k", 10);  // evicted at once: over every bound
  EXPECT_EQ(store.InFlight("k"), 1u);
  ASSERT_EQ(store.Find(running->id, "k"), running);
  EXPECT_EQ(running->ConsoleSize(), 1u);
  store.Finish(*running, ResultOf(10));
  EXPECT_EQ(store.InFlight("k"), 0u);
  // A waiter still holding the record still reads its result.
  EXPECT_EQ(running->state, api::DONE);
  EXPECT_EQ(running->result.value_json().size(), 10u);
  EXPECT_EQ(store.retained(), 0u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(ExecutionStore, AFinishedRecordKeepsOneCopyOfItsConsole) {
  boost::asio::io_context io;
  ExecutionStore store(io, Roomy());
  auto r = store.Create("");
  api::ConsoleLine line;
  line.set_text("hello");
  store.AddLine(*r, line);
  api::ExecutionResult result = ResultOf(1);
  *result.add_console() = line;
  store.Finish(*r, std::move(result));
  EXPECT_TRUE(r->console.empty());
  ASSERT_EQ(r->ConsoleSize(), 1u);
  EXPECT_EQ(r->ConsoleLine(0).text(), "hello");
}

TEST(ExecutionStore, TombstonesAreBoundedOldestForgottenFirst) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_records = 0;
  l.max_tombstones = 4;
  ExecutionStore store(io, l);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Finished(store, "", 1)->id);
  EXPECT_EQ(store.Gone(ids[0], ""), std::nullopt);
  EXPECT_EQ(store.Gone(ids[1], ""), std::nullopt);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(store.Gone(ids[i], ""), GoneReason::kCount) << i;
}

TEST(ExecutionStore, EveryDropIsReportedWithItsReason) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_records = 1;
  ExecutionStore store(io, l);
  std::vector<std::string> reasons;
  store.OnGone([&](GoneReason r) { reasons.push_back(GoneReasonName(r)); });
  Finished(store, "", 1);
  Finished(store, "", 1);
  Finished(store, "", 1);
  EXPECT_EQ(reasons, (std::vector<std::string>{"count", "count"}));
}

TEST(ExecutionStore, AKeyHoldsItsShareOfTheCountTooSoManySmallResultsEvictOnlyItsOwn) {
  boost::asio::io_context io;
  RetentionLimits l = Roomy();
  l.max_records = 10;
  l.max_bytes = 1000000;
  l.max_bytes_per_key = 500000;  // half the bytes: half the records
  ExecutionStore store(io, l);
  std::vector<std::string> quiet;
  for (int i = 0; i < 4; ++i) quiet.push_back(Finished(store, "quiet", 10)->id);
  std::vector<std::string> flood;
  for (int i = 0; i < 50; ++i) flood.push_back(Finished(store, "flood", 10)->id);
  for (const std::string& id : quiet) EXPECT_NE(store.Find(id, "quiet"), nullptr);
  EXPECT_EQ(store.retained(), 9u);
  EXPECT_EQ(store.Gone(flood[0], "flood"), GoneReason::kKeyShare);
  EXPECT_NE(store.Find(flood[49], "flood"), nullptr);
}

TEST(ExecutionStore, ARunThatNeverRanIsForgottenWithoutATrace) {
  boost::asio::io_context io;
  ExecutionStore store(io, Roomy());
  std::vector<std::string> gone;
  store.OnGone([&](GoneReason r) { gone.push_back(GoneReasonName(r)); });
  auto refused = Finished(store, "k", 10);
  store.Forget(*refused);
  EXPECT_EQ(store.Find(refused->id, "k"), nullptr);
  EXPECT_EQ(store.Gone(refused->id, "k"), std::nullopt);
  EXPECT_EQ(store.retained(), 0u);
  EXPECT_EQ(store.retained_bytes(), 0u);
  EXPECT_TRUE(gone.empty());
  // An unfinished one is not forgotten.
  auto running = store.Create("k");
  store.Forget(*running);
  EXPECT_EQ(store.Find(running->id, "k"), running);
}

}  // namespace
}  // namespace stockade::supervisor
