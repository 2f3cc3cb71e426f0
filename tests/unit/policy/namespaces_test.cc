// policy/namespaces: the spellings of namespace sets in policies and
// reports, and the policy loader's checks of namespaces.use/require.
#include <gtest/gtest.h>

#include "policy/namespaces.h"
#include "policy/policy_loader.h"

namespace stockade::policy {
namespace {

unsigned Parse(std::string_view text) {
  auto set = ParseNamespaceList(text);
  EXPECT_TRUE(set.ok()) << text << ": " << set.status().message();
  return set.ok() ? *set : ~0u;
}

TEST(NamespaceList, FixedOrderAndNone) {
  EXPECT_EQ(NamespaceList(0), "none");
  EXPECT_EQ(NamespaceList(kAllNamespaces), "user,pid,net,mount,ipc,uts,cgroup");
  EXPECT_EQ(NamespaceList(kNsCgroup | kNsUser | kNsNet), "user,net,cgroup");
}

TEST(ParseNamespaceList, RoundTripsEverySubset) {
  for (unsigned set = 0; set <= kAllNamespaces; ++set) {
    auto parsed = ParseNamespaceList(NamespaceList(set));
    ASSERT_TRUE(parsed.ok()) << NamespaceList(set);
    EXPECT_EQ(*parsed, set) << NamespaceList(set);
  }
}

TEST(ParseNamespaceList, AllNoneSpacesAndRepeats) {
  EXPECT_EQ(Parse("all"), kAllNamespaces);
  EXPECT_EQ(Parse(" none "), 0u);
  EXPECT_EQ(Parse(""), 0u);
  EXPECT_EQ(Parse(" net , pid,net"), unsigned{kNsNet | kNsPid});
}

TEST(ParseNamespaceList, UnknownNamesAreNamed) {
  auto bad = ParseNamespaceList("user,mnt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"mnt\""), std::string::npos) << bad.status().message();
  EXPECT_FALSE(ParseNamespaceList("user,,pid").ok());
  EXPECT_FALSE(ParseNamespaceList("ALL").ok());
}

TEST(NamespacePolicy, DefaultAsksForAllAndRequiresNone) {
  auto p = LoadPolicy("");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(Parse(p->namespaces().use()), kAllNamespaces);
  EXPECT_EQ(Parse(p->namespaces().require()), 0u);
}

TEST(NamespacePolicy, BadSpellingsAndImpossibleRequirementsFailToLoad) {
  auto bad = PolicyFromText("namespaces { use: \"user,network\" }", "t", "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("namespaces.use"), std::string::npos) << bad.status().message();
  auto impossible = PolicyFromText("namespaces { use: \"pid\" require: \"net\" }", "t", "t");
  ASSERT_FALSE(impossible.ok());
  EXPECT_NE(impossible.status().message().find("namespaces.require"), std::string::npos);
  EXPECT_TRUE(PolicyFromText("namespaces { use: \"pid,net\" require: \"net\" }", "t", "t").ok());
}

}  // namespace
}  // namespace stockade::policy
