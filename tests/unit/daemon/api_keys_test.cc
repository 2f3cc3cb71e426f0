// The API key file: parsing, names, lookup.
#include "supervisor/daemon/api_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace stockade::supervisor {
namespace {

TEST(ApiKeys, NamedAndUnnamedKeys) {
  auto keys = ApiKeys::Parse("# comment\nalpha-0123456789abcdef alice\n\nbravo-fedcba9876543210\n", "keys.txt");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(keys->Authenticate("Bearer alpha-0123456789abcdef"), std::optional<std::string>("alice"));
  const auto bravo = keys->Authenticate("Bearer bravo-fedcba9876543210");
  ASSERT_TRUE(bravo);
  EXPECT_EQ(*bravo, ApiKeys::DerivedName("bravo-fedcba9876543210"));
  EXPECT_EQ(bravo->rfind("key-", 0), 0u);
  EXPECT_EQ(bravo->size(), 4u + 12u);
  EXPECT_FALSE(keys->Authenticate("Bearer charlie-0000000000000"));
  EXPECT_FALSE(keys->Authenticate("alpha-0123456789abcdef"));
}

TEST(ApiKeys, AnUnnamedKeysNameDoesNotDependOnItsPlace) {
  // Sessions belong to names and outlive the daemon: removing a line must
  // not give the next key the removed one's name.
  auto before = ApiKeys::Parse("first-key-0123456789\nsecond-key-0123456789\n", "k");
  auto after = ApiKeys::Parse("second-key-0123456789\n", "k");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(before->Authenticate("Bearer second-key-0123456789"), after->Authenticate("Bearer second-key-0123456789"));
  EXPECT_NE(before->Authenticate("Bearer first-key-0123456789"), after->Authenticate("Bearer second-key-0123456789"));
}

TEST(ApiKeys, BadFilesAreRefusedWithTheLine) {
  EXPECT_NE(ApiKeys::Parse("short\n", "k").status().message().find("k:1"), std::string::npos);
  EXPECT_NE(ApiKeys::Parse("a-key-of-enough-length x y\n", "k").status().message().find("expected"),
            std::string::npos);
  EXPECT_NE(ApiKeys::Parse("a-key-of-enough-length same\nb-key-of-enough-length same\n", "k")
                .status()
                .message()
                .find("duplicate"),
            std::string::npos);
  EXPECT_FALSE(ApiKeys::Parse("# nothing\n", "k").ok());
}

}  // namespace
}  // namespace stockade::supervisor
