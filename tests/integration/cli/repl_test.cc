// `stockade repl` as a script drives it: a real daemon with a session store
// and API keys, and the real CLI binary with lines piped into it. Piped, the
// REPL prints no prompts, so stdout is exactly what the runs and commands
// print; the session's id goes to stderr ("[stockade] session se_... (new)").
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <regex>
#include <string>

#include "tests/integration/daemon_support.h"
#include "tests/integration/process_support.h"

namespace stockade::testing {
namespace {

constexpr char kKey[] = "repl-test-key-0123456789";
constexpr char kOtherKey[] = "repl-test-other-key-98765";

class ReplCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DaemonOptions options;
    options.api_keys_text = std::string(kKey) + " tester\n" + kOtherKey + " other\n";
    daemon_ = Daemon::Start(options).release();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  void SetUp() override {
    if (!daemon_) GTEST_SKIP() << "no daemon (see the start-up failure above)";
  }

  static std::string Url() { return "http://127.0.0.1:" + std::to_string(daemon_->port()); }

  // `stockade repl --url ... --key K <args>` with `lines` on stdin.
  // `redirect`: "2>&1" (both streams, in order) or "2>/dev/null".
  static ShellOutput Repl(const std::string& lines, const std::string& args = "",
                          const std::string& redirect = "2>/dev/null", const std::string& key = kKey) {
    const std::string input = daemon_->dir().Write("input-" + std::to_string(++inputs_), lines);
    return RunShell(StockadeBinary() + " repl --url " + Url() + (key.empty() ? "" : " --key " + key) + " " + args +
                    " < " + input + " " + redirect);
  }

  // The id a repl printed for its new session.
  static std::string SessionIdIn(const std::string& out) {
    std::smatch m;
    const std::regex re(R"(\[stockade\] session (se_[0-9a-f]+) \(new\))");
    return std::regex_search(out, m, re) ? m[1].str() : "";
  }

  static Daemon* daemon_;
  static int inputs_;
};
Daemon* ReplCli::daemon_ = nullptr;
int ReplCli::inputs_ = 0;

TEST_F(ReplCli, AVariableDefinedInOneInputIsUsedInTheNext) {
  ShellOutput o = Repl("let x = 41\nx + 1\nconst greeting = 'hi'\ngreeting.toUpperCase()\n");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out, "undefined\n42\nundefined\n\"HI\"\n");
}

TEST_F(ReplCli, UnderscoreHoldsTheLastValue) {
  ShellOutput o = Repl("6 * 7\n_ + 1\nlet y = 1\n_\n");
  EXPECT_EQ(o.code, 0) << o.out;
  // A run without a value (a declaration) leaves _ as it was.
  EXPECT_EQ(o.out, "42\n43\nundefined\n43\n");
}

TEST_F(ReplCli, AMultiLineFunctionIsOneInput) {
  ShellOutput o = Repl(
      "function twice(n) {\n"
      "  // a comment with a { in it\n"
      "\n"  // piped, a blank line inside is part of the input
      "  return n * 2\n"
      "}\n"
      "const sum = [1, 2,\n"
      "  3].reduce((a, b) =>\n"
      "    a + b)\n"
      "sum * 2\n"
      ".history\n");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out.substr(0, o.out.find("#1")), "undefined\nundefined\n12\n") << o.out;
  // Three runs, not nine; the first is the whole function, compiled.
  EXPECT_NE(o.out.find("#1  OK  function twice(n) {..."), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("#3  OK  sum * 2"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("#4"), std::string::npos) << o.out;
}

TEST_F(ReplCli, AFunctionDefinedOverLinesIsCalledInTheNextInput) {
  ShellOutput o = Repl("function twice(n) {\n  return n * 2\n}\ntwice(21)\n");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out, "undefined\n42\n");
}

TEST_F(ReplCli, ConsoleLinesComeBeforeTheValue) {
  ShellOutput o = Repl("console.log('one'); console.error('two'); 3\n", "", "2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("one\ntwo\n3\n"), std::string::npos) << o.out;
}

TEST_F(ReplCli, SessionListsTheVariables) {
  ShellOutput o = Repl("let greeting = 'hello'\nconst numbers = [1, 2, 3]\n.session\n");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("session   se_"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("runs      2\n"), std::string::npos) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex(R"(\n  greeting +[0-9]+ bytes\n)"))) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex(R"(\n  numbers +[0-9]+ bytes\n)"))) << o.out;
}

TEST_F(ReplCli, HistoryShowsTheRecords) {
  ShellOutput o = Repl("1 + 1\nnull.x\nwhile (true) {}\n.history\n.history 1\n", "--timeout 300ms");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("#1  OK             1 + 1            2\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("#2  RUNTIME_ERROR  null.x           TypeError: "), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("#3  TIMEOUT        while (true) {}  "), std::string::npos) << o.out;
  // .history 1: the newest alone.
  const std::string last = o.out.substr(o.out.rfind("#3"));
  EXPECT_EQ(o.out.find("#1", o.out.rfind("#3")), std::string::npos) << o.out;
  EXPECT_EQ(last.find("#3  TIMEOUT  while (true) {}  "), 0u) << last;
}

TEST_F(ReplCli, AFailedRunLeavesTheSessionAsItWas) {
  ShellOutput o = Repl("let a = 1\na = 2; null.x\na\n", "", "2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("TypeError"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("[stockade] the session is as it was before this run\n1\n"), std::string::npos) << o.out;
}

TEST_F(ReplCli, ASecondProcessAttachesWithSession) {
  ShellOutput first = Repl("let shared = 'from the first'\n", "", "2>&1");
  ASSERT_EQ(first.code, 0) << first.out;
  const std::string id = SessionIdIn(first.out);
  ASSERT_FALSE(id.empty()) << first.out;

  ShellOutput second = Repl("shared + ', seen by the second'\n", "--session " + id, "2>&1");
  EXPECT_EQ(second.code, 0) << second.out;
  EXPECT_NE(second.out.find("[stockade] session " + id + " (attached: 1 run, 1 variable)"), std::string::npos)
      << second.out;
  EXPECT_NE(second.out.find("\"from the first, seen by the second\"\n"), std::string::npos) << second.out;
}

TEST_F(ReplCli, ABadSessionIsAClearErrorAndNonZero) {
  ShellOutput o = Repl("1\n", "--session se_00000000000000000000000000000000", "2>&1");
  EXPECT_EQ(o.code, 11) << o.out;
  EXPECT_NE(o.out.find("no session se_00000000000000000000000000000000 (expired, deleted, or another key's)"),
            std::string::npos)
      << o.out;
  EXPECT_EQ(o.out.find("\n1\n"), std::string::npos) << "nothing ran: " << o.out;
}

TEST_F(ReplCli, AnotherKeysSessionDoesNotExist) {
  ShellOutput mine = Repl("let secret = 1\n", "", "2>&1");
  const std::string id = SessionIdIn(mine.out);
  ASSERT_FALSE(id.empty()) << mine.out;
  ShellOutput theirs = Repl("secret\n", "--session " + id, "2>&1", kOtherKey);
  EXPECT_EQ(theirs.code, 11) << theirs.out;
  EXPECT_NE(theirs.out.find("no session " + id + " (expired, deleted, or another key's)"), std::string::npos)
      << theirs.out;
}

TEST_F(ReplCli, WithoutTheKeyItSaysToPassOne) {
  ShellOutput none = Repl("1\n", "", "2>&1", "");
  EXPECT_EQ(none.code, 12) << none.out;
  EXPECT_NE(none.out.find("pass --key K or set STOCKADE_API_KEY"), std::string::npos) << none.out;
  ShellOutput wrong = Repl("1\n", "", "2>&1", "not-the-right-key-at-all");
  EXPECT_EQ(wrong.code, 12) << wrong.out;
}

TEST_F(ReplCli, AnUnreachableDaemonIsNamed) {
  ShellOutput o = RunShell(StockadeBinary() + " repl --url http://127.0.0.1:1 --key k </dev/null 2>&1");
  EXPECT_EQ(o.code, 13) << o.out;
  EXPECT_NE(o.out.find("cannot connect to http://127.0.0.1:1"), std::string::npos) << o.out;
}

TEST_F(ReplCli, BreakAbandonsAnUnfinishedInput) {
  ShellOutput o = Repl("[1,\n.break\n2\n", "", "2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("\n2\n"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("SyntaxError"), std::string::npos) << o.out;
}

TEST_F(ReplCli, AnInputStillOpenAtTheEndIsSentForTheCompilerToJudge) {
  ShellOutput o = Repl("function f() {\n", "", "2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("SyntaxError"), std::string::npos) << o.out;
}

TEST_F(ReplCli, CommandMistakesAreSaidAndTheReplGoesOn) {
  ShellOutput o = Repl(".clear\n.history zero\n1\n.exit\n2\n", "", "2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("unknown command .clear (.help lists them)\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(".history takes a count"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\n1\n"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("\n2\n"), std::string::npos) << ".exit left: " << o.out;
}

TEST_F(ReplCli, DeleteStartsANewSession) {
  ShellOutput o = Repl("let gone = 1\n.delete\ntypeof gone\n", "", "2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  const std::string id = SessionIdIn(o.out);
  ASSERT_FALSE(id.empty()) << o.out;
  EXPECT_NE(o.out.find("session " + id + " deleted\nsession se_"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"undefined\"\n"), std::string::npos) << o.out;
  ShellOutput attach = Repl("1\n", "--session " + id, "2>&1");
  EXPECT_EQ(attach.code, 11) << attach.out;
}

TEST_F(ReplCli, EchoPrintsPromptsAndLinesLikeATerminal) {
  ShellOutput o = Repl("let x = 1\nconst o = {\n  y: x + 1\n}\no.y\n", "--echo");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("stockade repl: session se_"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("> let x = 1\nundefined\n> const o = {\n...   y: x + 1\n... }\nundefined\n> o.y\n2\n"),
            std::string::npos)
      << o.out;
}

TEST_F(ReplCli, TypeScriptByFlag) {
  ShellOutput o = Repl("const n: number = 20\nn + 1\n", "--language typescript");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out, "undefined\n21\n");
}

}  // namespace
}  // namespace stockade::testing
