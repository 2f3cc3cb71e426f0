// policy/request_validation: the bracket-nesting check that refuses deep
// source before a worker is used, with the line and column of the first
// bracket past the limit, and without counting what is not code.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy_loader.h"
#include "policy/request_validation.h"

namespace stockade::policy {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(NestingDepth, AtTheLimitPassesOneDeeperIsFoundWhereItOpens) {
  EXPECT_FALSE(FindNestingExcess(Nested(50), 50));
  auto e = FindNestingExcess("var x =\n  " + Nested(51), 50);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->line, 2u);
  EXPECT_EQ(e->column, 3u + 50u);  // two spaces, then the 51st bracket
}

TEST(NestingDepth, EveryKindOfBracketCounts) {
  EXPECT_TRUE(FindNestingExcess("f({a: [(1)]})", 3));
  EXPECT_FALSE(FindNestingExcess("f({a: [(1)]})", 4));
  EXPECT_TRUE(FindNestingExcess("`${`${`${1}`}`}`", 2));
  EXPECT_FALSE(FindNestingExcess("`${`${`${1}`}`}`", 3));
}

TEST(NestingDepth, BracketsThatAreNotCodeDoNotCount) {
  const std::string deep = std::string(100, '(');
  EXPECT_FALSE(FindNestingExcess("var s = '" + deep + "'; var t = \"" + deep + "\";", 5));
  EXPECT_FALSE(FindNestingExcess("// " + deep + "\n/* " + deep + " */ 1", 5));
  EXPECT_FALSE(FindNestingExcess("var t = `" + deep + "`;", 5));
  EXPECT_FALSE(FindNestingExcess("var r = /[(]{2}" + std::string(20, '(') + "/g.test(x);", 5));
  EXPECT_FALSE(FindNestingExcess("var q = 'it\\'s ((('; 1", 1));
}

TEST(NestingDepth, DivisionIsNotARegularExpression) {
  // Were "/ 2 /" read as a regex, the brackets after it would be skipped.
  EXPECT_TRUE(FindNestingExcess("var a = x / 2 / ((((1))));", 3));
  EXPECT_TRUE(FindNestingExcess("var a = (y) / 2 / ((((1))));", 3));
  EXPECT_FALSE(FindNestingExcess("return /(((/.test(s)", 1));
}

TEST(NestingDepth, ValidateRequestRefusesWithTheLineAndThePolicysLimit) {
  auto policy = LoadPolicy("");
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->limits().max_nesting_depth(), 50u);
  api::ExecuteRequest ok;
  ok.set_code("var x = " + Nested(50) + ";");
  EXPECT_FALSE(ValidateRequest(ok, *policy));
  api::ExecuteRequest deep;
  deep.set_code("1;\n" + Nested(60));
  auto r = ValidateRequest(deep, *policy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, api::INVALID_REQUEST);
  EXPECT_NE(r->detail.find("line 2, column 51"), std::string::npos) << r->detail;
  EXPECT_NE(r->detail.find("more than 50 deep"), std::string::npos) << r->detail;
  // Not a size refusal: the daemon answers "the policy allows" with 413.
  EXPECT_EQ(r->detail.find("the policy allows"), std::string::npos) << r->detail;
  policy->mutable_limits()->set_max_nesting_depth(0);  // 0: not checked
  EXPECT_FALSE(ValidateRequest(deep, *policy));
}

// The filename shows in stacks, and "prelude" names the standard
// library's frames, which stacks leave out.
TEST(RequestValidation, FilenamesAreShortPrintableAndNotReserved) {
  auto policy = LoadPolicy("default");
  ASSERT_TRUE(policy.ok());
  for (const std::string& bad : {std::string("prelude"), std::string("a\nb.js"), std::string(300, 'f'), std::string("\xff.js")}) {
    api::ExecuteRequest r;
    r.set_code("1");
    r.set_filename(bad);
    auto rejected = ValidateRequest(r, *policy);
    ASSERT_TRUE(rejected) << bad;
    EXPECT_EQ(rejected->status, api::INVALID_REQUEST);
  }
  api::ExecuteRequest ok;
  ok.set_code("1");
  ok.set_filename("report (1).ts");
  EXPECT_FALSE(ValidateRequest(ok, *policy));
}

}  // namespace
}  // namespace stockade::policy
