// supervisor/log: JSON string escaping for log lines and the CLI's JSON:
// always valid JSON text, whatever bytes the string holds.
#include <gtest/gtest.h>

#include <string>

#include "supervisor/log.h"

namespace stockade::supervisor {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(LogJson, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Json("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
}

TEST(LogJson, ValidUtf8PassesAndLineSeparatorsAreEscaped) {
  EXPECT_EQ(Json("h\xC3\xA9 \xF0\x9F\x98\x80"), "\"h\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Json("a\xE2\x80\xA8" "b\xE2\x80\xA9"), "\"a\\u2028b\\u2029\"");
}

TEST(LogJson, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(Json("a\xFF" "b"), "\"a\\ufffdb\"");
  EXPECT_EQ(Json("\xC3"), "\"\\ufffd\"");                     // cut sequence
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(Json("\xE2\x80"), "\"\\ufffd\\ufffd\"");         // cut U+2028
}

}  // namespace
}  // namespace stockade::supervisor
