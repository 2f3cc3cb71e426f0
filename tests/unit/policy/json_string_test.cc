// policy/json_string: JSON string literals for log lines, the CLI's JSON
// and the output filter: always valid JSON text, whatever bytes the string
// holds.
#include <gtest/gtest.h>

#include <string>

#include "policy/json_string.h"

namespace stockade::policy {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Json("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
}

TEST(JsonString, ValidUtf8PassesAndLineSeparatorsAreEscaped) {
  EXPECT_EQ(Json("h\xC3\xA9 \xF0\x9F\x98\x80"), "\"h\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Json("a\xE2\x80\xA8" "b\xE2\x80\xA9"), "\"a\\u2028b\\u2029\"");
}

TEST(JsonString, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(Json("a\xFF" "b"), "\"a\\ufffdb\"");
  EXPECT_EQ(Json("\xC3"), "\"\\ufffd\"");                     // cut sequence
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(Json("\xE2\x80"), "\"\\ufffd\\ufffd\"");         // cut U+2028
}

TEST(JsonString, EscapesQuotesBackslashesAndControlsInAnyOrder) {
  std::string out;
  AppendJsonString("a\"b\\c\n\x01", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace stockade::policy
