// worker/source_excerpt: a compiler offset becomes line, column (in
// characters) and an excerpt with a caret, for short and long lines, every
// JavaScript line terminator, tabs and multi-byte characters.
#include <gtest/gtest.h>

#include <string>

#include "worker/source_excerpt.h"

namespace stockade::worker {
namespace {

TEST(SourceExcerpt, LineColumnAndCaret) {
  const std::string code = "var a = 1;\nvar b = {x: 1,,};\n";
  const SourcePosition p = PositionAt(code, code.find(",,") + 1);
  EXPECT_EQ(p.line, 2u);
  EXPECT_EQ(p.column, 15u);
  EXPECT_EQ(p.excerpt, "var b = {x: 1,,};\n              ^");
}

TEST(SourceExcerpt, EveryLineTerminatorCounts) {
  const std::string code = "a\rb\r\nc\xE2\x80\xA8" "d\xE2\x80\xA9" "e\nf";
  const SourcePosition p = PositionAt(code, code.size() - 1);
  EXPECT_EQ(p.line, 6u);
  EXPECT_EQ(p.column, 1u);
  EXPECT_EQ(p.excerpt, "f\n^");
}

TEST(SourceExcerpt, ColumnsCountCharactersAndTabsAreKept) {
  const std::string code = "\t\"\xC3\xA9\xE2\x82\xAC\" x";  // tab, "é€", space, x
  const SourcePosition p = PositionAt(code, code.find('x'));
  EXPECT_EQ(p.column, 7u);
  EXPECT_EQ(p.excerpt, code + "\n\t     ^");
}

TEST(SourceExcerpt, LongLinesAreCutAroundTheColumn) {
  std::string code(1000, 'a');
  code[700] = '!';
  const SourcePosition p = PositionAt(code, 700);
  EXPECT_EQ(p.column, 701u);
  const std::size_t nl = p.excerpt.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const std::string shown = p.excerpt.substr(0, nl);
  EXPECT_EQ(shown.substr(0, 3), "\xE2\x80\xA6");
  EXPECT_EQ(shown.substr(shown.size() - 3), "\xE2\x80\xA6");
  EXPECT_LE(shown.size(), kExcerptBytes + 6);
  // The caret sits under the '!' (the leading "…" is one character wide).
  const std::string caret = p.excerpt.substr(nl + 1);
  EXPECT_EQ(caret.size() - 1, shown.find('!') - 2);
}

TEST(SourceExcerpt, OffsetsAtOrPastTheEnd) {
  EXPECT_EQ(PositionAt("[1,2", 4).column, 5u);
  EXPECT_EQ(PositionAt("[1,2", 99).excerpt, "[1,2\n    ^");
  EXPECT_EQ(PositionAt("", 0).line, 1u);
}

TEST(SourceExcerpt, AnOffsetInsideACharacterMovesToItsStart) {
  const std::string code = "x = \xE2\x82\xAC;";
  EXPECT_EQ(PositionAt(code, 5).column, 5u);
}

}  // namespace
}  // namespace stockade::worker
