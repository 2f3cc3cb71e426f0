// policy/truncation: head and tail kept within the cap around a marker
// that counts what was left out, cuts only on character boundaries, and
// the edges (at the cap, one over, caps too small for a marker, head only).
#include <gtest/gtest.h>

#include <string>

#include "policy/truncation.h"

namespace stockade::policy {
namespace {

bool ValidUtf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(Truncation, AtTheCapNothingHappens) {
  std::string s(100, 'x');
  EXPECT_FALSE(TruncateHeadTail(&s, 100));
  EXPECT_EQ(s, std::string(100, 'x'));
}

TEST(Truncation, OverTheCapKeepsHeadAndTailAndCountsTheRest) {
  std::string s = "HEAD" + std::string(10000, '.') + "TAIL";
  ASSERT_TRUE(TruncateHeadTail(&s, 200));
  EXPECT_LE(s.size(), 200u);
  EXPECT_EQ(s.substr(0, 4), "HEAD");
  EXPECT_EQ(s.substr(s.size() - 4), "TAIL");
  const std::size_t at = s.find(" bytes omitted]");
  ASSERT_NE(at, std::string::npos) << s;
  // Kept + omitted = the original size.
  const std::size_t open = s.rfind('[', at);
  const std::size_t omitted = std::stoul(s.substr(open + 1, at - open - 1));
  const std::size_t marker_start = s.find(" \xE2\x80\xA6[");
  const std::size_t marker_end = s.find("]\xE2\x80\xA6 ") + 5;
  EXPECT_EQ(marker_start + (s.size() - marker_end) + omitted, 10008u);
}

TEST(Truncation, NeverCutsInsideACharacter) {
  for (const char* ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    std::string unit(ch);
    for (std::size_t cap = 40; cap < 60; ++cap) {
      std::string s;
      for (int i = 0; i < 100; ++i) s += unit;
      ASSERT_TRUE(TruncateHeadTail(&s, cap));
      EXPECT_LE(s.size(), cap);
      EXPECT_TRUE(ValidUtf8(s)) << "cap " << cap << " unit " << unit.size();
    }
  }
}

TEST(Truncation, ACapTooSmallForTheMarkerKeepsAHead) {
  std::string s = "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC" + std::string(100, 'x');
  ASSERT_TRUE(TruncateHeadTail(&s, 8));
  EXPECT_EQ(s, "\xE2\x82\xAC\xE2\x82\xAC");
}

TEST(Truncation, HeadOnlyKeepsNoTail) {
  std::string s = "HEAD" + std::string(1000, '.') + "TAIL";
  ASSERT_TRUE(TruncateHeadTail(&s, 100, /*head_only=*/true));
  EXPECT_LE(s.size(), 100u);
  EXPECT_EQ(s.substr(0, 4), "HEAD");
  EXPECT_EQ(s.find("TAIL"), std::string::npos);
  EXPECT_NE(s.find("bytes omitted]"), std::string::npos);
}

TEST(Truncation, Utf8PrefixLengthBacksOffToABoundary) {
  const std::string s = "a\xE2\x82\xAC" "b";
  EXPECT_EQ(Utf8PrefixLength(s, 0), 0u);
  EXPECT_EQ(Utf8PrefixLength(s, 1), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 2), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 3), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 4), 4u);
  EXPECT_EQ(Utf8PrefixLength(s, 99), 5u);
}

}  // namespace
}  // namespace stockade::policy
