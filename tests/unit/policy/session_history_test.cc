// What a session's history keeps of a result: the console's head, the
// value's head and tail, the code's head; the rest of the result as it was.
#include "policy/session_history.h"

#include <gtest/gtest.h>

#include <string>

namespace stockade::policy {
namespace {

TEST(SessionHistory, SmallResultsAreKeptWhole) {
  api::ExecutionResult r;
  r.set_status(api::OK);
  r.set_value_json("[1,2,3]");
  r.add_console()->set_text("a");
  r.add_console()->set_text("b");
  const std::string before = r.SerializeAsString();
  r = HistoryCopy(r);
  EXPECT_EQ(r.SerializeAsString(), before);
}

TEST(SessionHistory, TheConsoleKeepsItsHeadAndSaysItWasCut) {
  api::ExecutionResult r;
  r.mutable_output()->set_lines(100);
  for (int i = 0; i < 100; ++i) r.add_console()->set_text("line " + std::to_string(i));
  const std::string whole = r.SerializeAsString();
  api::ExecutionResult kept = HistoryCopy(r);
  EXPECT_EQ(r.SerializeAsString(), whole);  // the result itself is as it was
  r = kept;
  ASSERT_EQ(static_cast<std::size_t>(r.console_size()), kHistoryConsoleLines);
  EXPECT_EQ(r.console(0).text(), "line 0");
  EXPECT_TRUE(r.output().truncated());
  EXPECT_EQ(r.output().lines(), 100u);  // how much there was, still said

  api::ExecutionResult wide;
  wide.add_console()->set_text(std::string(3000, 'a'));
  wide.add_console()->set_text(std::string(3000, 'b'));
  wide.add_console()->set_text("never kept");
  wide = HistoryCopy(wide);
  ASSERT_EQ(wide.console_size(), 2);
  EXPECT_EQ(wide.console(0).text(), std::string(3000, 'a'));
  EXPECT_LE(wide.console(0).text().size() + wide.console(1).text().size(), kHistoryConsoleBytes);
  EXPECT_EQ(wide.console(1).text().rfind("bbb", 0), 0u);
}

TEST(SessionHistory, ALargeValueKeepsHeadAndTail) {
  api::ExecutionResult r;
  r.set_value_json("\"" + std::string(100000, 'x') + "tail\"");
  r = HistoryCopy(r);
  EXPECT_LE(r.value_json().size(), kHistoryValueBytes);
  EXPECT_EQ(r.value_json().front(), '"');
  EXPECT_NE(r.value_json().find("tail\""), std::string::npos);
  EXPECT_TRUE(r.value().truncated());
  EXPECT_EQ(r.value().kept_bytes(), r.value_json().size());

  std::string code(100000, 'c');
  TrimCodeForHistory(&code);
  EXPECT_LE(code.size(), kHistoryCodeBytes);
}

}  // namespace
}  // namespace stockade::policy
