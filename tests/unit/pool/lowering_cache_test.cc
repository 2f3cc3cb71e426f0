// LoweringCache: per tenant, least recently used out, bounded in bytes.
#include "supervisor/pool/lowering_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace stockade::supervisor {
namespace {

TEST(LoweringCache, TenantsNeverShareEntries) {
  LoweringCache cache(1 << 20);
  const std::string key = LoweringCache::Key("typescript", "a.ts", "let a: number = 1");
  cache.Insert("alice", key, {"var a = 1;"});
  ASSERT_NE(cache.Find("alice", key), nullptr);
  EXPECT_EQ(cache.Find("alice", key)->code, "var a = 1;");
  EXPECT_EQ(cache.Find("bob", key), nullptr);
  EXPECT_EQ(cache.Find("alice", LoweringCache::Key("javascript", "a.ts", "let a: number = 1")), nullptr);
}

TEST(LoweringCache, LeastRecentlyUsedGoesFirstWithinTheBudget) {
  // Each entry: ~1 KiB of program plus its key and bookkeeping.
  LoweringCache cache(3 * 1300);
  const std::string program(1024, 'x');
  const std::string k1 = LoweringCache::Key("javascript", "f", "1");
  const std::string k2 = LoweringCache::Key("javascript", "f", "2");
  const std::string k3 = LoweringCache::Key("javascript", "f", "3");
  const std::string k4 = LoweringCache::Key("javascript", "f", "4");
  cache.Insert("t", k1, {program});
  cache.Insert("t", k2, {program});
  cache.Insert("t", k3, {program});
  EXPECT_EQ(cache.entries("t"), 3u);
  ASSERT_NE(cache.Find("t", k1), nullptr);  // k1 is now the most recent
  cache.Insert("t", k4, {program});
  EXPECT_EQ(cache.entries("t"), 3u);
  EXPECT_EQ(cache.Find("t", k2), nullptr);  // the least recently used
  EXPECT_NE(cache.Find("t", k1), nullptr);
  EXPECT_NE(cache.Find("t", k3), nullptr);
  EXPECT_NE(cache.Find("t", k4), nullptr);
  EXPECT_LE(cache.bytes("t"), 3u * 1300);
  // Another tenant has a budget of its own.
  cache.Insert("u", k1, {program});
  EXPECT_EQ(cache.entries("t"), 3u);
}

TEST(LoweringCache, AnEntryLargerThanTheBudgetIsNotKept) {
  LoweringCache cache(1000);
  cache.Insert("t", LoweringCache::Key("javascript", "f", "big"), {std::string(2000, 'x')});
  EXPECT_EQ(cache.entries("t"), 0u);
  EXPECT_EQ(cache.bytes("t"), 0u);
}

TEST(LoweringCache, ReinsertingReplaces) {
  LoweringCache cache(1 << 20);
  const std::string k = LoweringCache::Key("javascript", "f", "s");
  cache.Insert("t", k, {"one"});
  const std::uint64_t bytes = cache.bytes("t");
  cache.Insert("t", k, {"two"});
  EXPECT_EQ(cache.entries("t"), 1u);
  EXPECT_EQ(cache.bytes("t"), bytes);
  EXPECT_EQ(cache.Find("t", k)->code, "two");
}

}  // namespace
}  // namespace stockade::supervisor
