// What `stockade repl` prints for .session, .history and after a run.
#include "supervisor/cli/repl_format.h"

#include <gtest/gtest.h>

namespace stockade::supervisor {
namespace {

TEST(ReplFormat, HumanBytes) {
  EXPECT_EQ(HumanBytes(0), "0 bytes");
  EXPECT_EQ(HumanBytes(1), "1 byte");
  EXPECT_EQ(HumanBytes(212), "212 bytes");
  EXPECT_EQ(HumanBytes(10 * 1024 - 1), "10239 bytes");
  EXPECT_EQ(HumanBytes(10 * 1024 + 512), "10.5 KiB");
  EXPECT_EQ(HumanBytes(3 * 1024 * 1024), "3.0 MiB");
}

TEST(ReplFormat, OneLine) {
  EXPECT_EQ(OneLine("let x = 1", 40), "let x = 1");
  EXPECT_EQ(OneLine("function f() {\n  return 1\n}", 40), "function f() {...");
  EXPECT_EQ(OneLine("abcdef", 3), "abc...");
  EXPECT_EQ(OneLine("abc", 3), "abc");
  EXPECT_EQ(OneLine("a\tb", 10), "a b");
  EXPECT_EQ(OneLine("one\n", 10), "one");       // a final newline hides nothing
  EXPECT_EQ(OneLine("one\r\ntwo", 10), "one...");
  // Cut by characters, never inside one.
  EXPECT_EQ(OneLine("héllo wörld", 4), "héll...");
  EXPECT_EQ(OneLine("日本語テキスト", 2), "日本...");
}

TEST(ReplFormat, Session) {
  api::Session s;
  s.set_id("se_0123");
  s.set_created_at("2026-12-07T03:00:00Z");
  s.set_last_active_at("2026-12-07T03:05:00Z");
  s.set_expires_at("2026-12-08T03:05:00Z");
  s.set_executions(3);
  s.set_state_bytes(150);
  auto* v = s.add_variables();
  v->set_name("x");
  v->set_bytes(9);
  v = s.add_variables();
  v->set_name("greet");
  v->set_bytes(120);
  EXPECT_EQ(FormatSession(s),
            "session   se_0123\n"
            "created   2026-12-07T03:00:00Z\n"
            "last run  2026-12-07T03:05:00Z\n"
            "expires   2026-12-08T03:05:00Z (unless used again)\n"
            "runs      3\n"
            "state     150 bytes in 2 variables\n"
            "  x      9 bytes\n"
            "  greet  120 bytes\n");
}

TEST(ReplFormat, NewSessionHasNoVariables) {
  api::Session s;
  s.set_id("se_1");
  s.set_created_at("2026-12-07T03:00:00Z");
  s.set_last_active_at("2026-12-07T03:00:00Z");
  s.set_expires_at("2026-12-08T03:00:00Z");
  const std::string text = FormatSession(s);
  EXPECT_EQ(text.find("last run"), std::string::npos) << text;
  EXPECT_NE(text.find("runs      0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("state     0 bytes, no variables\n"), std::string::npos) << text;
}

TEST(ReplFormat, History) {
  api::SessionHistory h;
  EXPECT_EQ(FormatHistory(h), "no runs yet\n");
  auto* r = h.add_records();
  r->set_seq(9);
  r->set_code("let x = 41 + 1");
  r->mutable_result()->set_status(api::OK);
  r = h.add_records();
  r->set_seq(10);
  r->set_code("x + 1");
  r->mutable_result()->set_status(api::OK);
  r->mutable_result()->set_value_json("43");
  r = h.add_records();
  r->set_seq(11);
  r->set_code("function f() {\n  return null.x\n}\nf()");
  r->mutable_result()->set_status(api::RUNTIME_ERROR);
  r->mutable_result()->mutable_error()->set_name("TypeError");
  r->mutable_result()->mutable_error()->set_message("cannot read property 'x' of null");
  r = h.add_records();
  r->set_seq(12);
  r->set_code("while (true) {}");
  r->mutable_result()->set_status(api::TIMEOUT);
  r->mutable_result()->set_detail("ran past its 5000 ms timeout");
  EXPECT_EQ(FormatHistory(h),
            " #9  OK             let x = 41 + 1     undefined\n"
            "#10  OK             x + 1              43\n"
            "#11  RUNTIME_ERROR  function f() {...  TypeError: cannot read property 'x' of null\n"
            "#12  TIMEOUT        while (true) {}    ran past its 5000 ms timeout\n");
}

TEST(ReplFormat, RunNotes) {
  api::ExecutionResult r;
  r.set_status(api::OK);
  EXPECT_EQ(RunNotes(r), "") << "no session, nothing to say";
  r.mutable_session()->set_committed(true);
  EXPECT_EQ(RunNotes(r), "");
  r.mutable_session()->add_dropped("fmt: a function");
  r.mutable_session()->add_dropped("s: a symbol");
  EXPECT_EQ(RunNotes(r), "[stockade] not kept: fmt: a function, s: a symbol\n");

  // Not committed: nothing was kept, whatever the capture said.
  r.mutable_session()->set_committed(false);
  r.set_status(api::OUTPUT_LIMIT);
  EXPECT_EQ(RunNotes(r), "[stockade] the session is as it was before this run\n");
  r.set_status(api::RUNTIME_ERROR);
  EXPECT_EQ(RunNotes(r), "[stockade] the session is as it was before this run\n");
  r.set_status(api::OK);  // e.g. deleted while it ran
  EXPECT_EQ(RunNotes(r), "[stockade] the session is as it was before this run\n");
  // Nothing ran: the syntax error says enough.
  r.set_status(api::SYNTAX_ERROR);
  EXPECT_EQ(RunNotes(r), "");
}

}  // namespace
}  // namespace stockade::supervisor
