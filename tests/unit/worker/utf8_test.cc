// UTF-8 hygiene: every string the worker puts on the wire must be valid
// UTF-8, and cuts must fall on character boundaries.
#include "worker/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace stockade::worker {
namespace {

std::string Fix(const std::string& in, Utf8Mode mode = Utf8Mode::kReplace) {
  std::string out;
  AppendValidUtf8(in, mode, &out);
  EXPECT_TRUE(IsValidUtf8(out)) << out;
  return out;
}

TEST(Utf8Test, ValidTextIsUnchanged) {
  const std::string text = "ascii \xC3\xA9 \xE4\xB8\x96 \xF0\x9F\x98\x80";
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Fix(text), text);
  std::string copy = text;
  MakeValidUtf8(&copy, Utf8Mode::kReplace);
  EXPECT_EQ(copy, text);
}

TEST(Utf8Test, CesuSurrogatePairsAreJoined) {
  // U+1F600 as the surrogate pair D83D DE00, each as a 3-byte sequence.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));
  EXPECT_EQ(Fix("\xED\xA0\xBD\xED\xB8\x80"), "\xF0\x9F\x98\x80");
}

TEST(Utf8Test, LoneSurrogates) {
  EXPECT_EQ(Fix("a\xED\xA0\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(Fix("\"a\xED\xA0\x80z\"", Utf8Mode::kJsonEscape), "\"a\\ud800z\"");
  EXPECT_EQ(Fix("\xED\xB0\x80", Utf8Mode::kJsonEscape), "\\udc00");
}

TEST(Utf8Test, InvalidBytesAreReplaced) {
  EXPECT_EQ(Fix("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(Fix("a\xC3"), "a\xEF\xBF\xBD");             // truncated sequence
  EXPECT_EQ(Fix("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(Fix("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");  // > U+10FFFF
}

TEST(Utf8Test, PrefixAndSuffixCutsOnBoundaries) {
  const std::string s = "a\xE4\xB8\x96\xF0\x9F\x98\x80z";  // 1 + 3 + 4 + 1 bytes
  EXPECT_EQ(Utf8PrefixLength(s, 100), s.size());
  EXPECT_EQ(Utf8PrefixLength(s, 3), 1u);
  EXPECT_EQ(Utf8PrefixLength(s, 4), 4u);
  EXPECT_EQ(Utf8PrefixLength(s, 7), 4u);
  EXPECT_EQ(Utf8PrefixLength(s, 0), 0u);
  EXPECT_EQ(Utf8SuffixStart(s, 100), 0u);
  EXPECT_EQ(Utf8SuffixStart(s, 1), 8u);
  EXPECT_EQ(Utf8SuffixStart(s, 3), 8u);   // can't start inside the emoji
  EXPECT_EQ(Utf8SuffixStart(s, 5), 4u);
  EXPECT_EQ(Utf8SuffixStart(s, 0), s.size());
}

}  // namespace
}  // namespace stockade::worker
