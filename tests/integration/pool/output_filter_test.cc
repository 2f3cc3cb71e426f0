// The output filter end to end: secrets a real script prints and returns
// are redacted in the embedded API's result, in streamed console lines, in
// errors, in `stockade run` (plain and --json) with the paths and line
// numbers reported; results over the cap keep head and tail; syntax errors
// carry a column and an excerpt and do not use up a worker.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

const char kSecretScript[] =
    "console.log('header: Authorization: Bearer abcdefghijklmnopqrstuvwxyz');\n"
    "console.log('nothing to see');\n"
    "console.error('db at postgres://app:pa55word@db:5432/x');\n"
    "({user: 'ann', password: 'hunter2', nested: {list: [{apiKey: 'k-1'}, 'ok']},\n"
    "  note: 'key AKIAIOSFODNN7EXAMPLE here', total_tokens: 12})";

TEST(OutputFilter, ResultAndStreamedConsoleAreRedactedWithWhereButNotWhat) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  std::mutex mu;
  std::vector<api::ConsoleLine> streamed;
  api::ExecutionResult r = sup->Run(Code(kSecretScript), [&](const api::ConsoleLine& line) {
    std::lock_guard<std::mutex> lock(mu);
    streamed.push_back(line);
  });
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(),
            "{\"user\":\"ann\",\"password\":\"[REDACTED]\",\"nested\":{\"list\":[{\"apiKey\":"
            "\"[REDACTED]\"},\"ok\"]},\"note\":\"key [REDACTED] here\",\"total_tokens\":12}");
  ASSERT_TRUE(r.has_redactions());
  EXPECT_EQ(std::vector<std::string>(r.redactions().paths().begin(), r.redactions().paths().end()),
            (std::vector<std::string>{"$.password", "$.nested.list[0].apiKey", "$.note"}));
  EXPECT_EQ(std::vector<std::uint32_t>(r.redactions().console_lines().begin(),
                                       r.redactions().console_lines().end()),
            (std::vector<std::uint32_t>{1, 3}));
  ASSERT_EQ(r.console_size(), 3);
  EXPECT_EQ(r.console(0).text(), "header: Authorization: Bearer [REDACTED]");
  EXPECT_TRUE(r.console(0).redacted());
  EXPECT_FALSE(r.console(1).redacted());
  EXPECT_EQ(r.console(2).text(), "db at postgres://app:[REDACTED]@db:5432/x");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(streamed.size(), 3u);
  for (const api::ConsoleLine& line : streamed) {
    EXPECT_EQ(line.text().find("abcdefghijklmnop"), std::string::npos) << "streamed unredacted";
    EXPECT_EQ(line.text().find("pa55word"), std::string::npos) << "streamed unredacted";
  }
}

TEST(OutputFilter, ErrorMessagesAndStacksAreRedacted) {
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  api::ExecutionResult r =
      sup->Run(Code("function f() { throw new Error('login failed for password=hunter2'); }\nf()"));
  ASSERT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().message(), "login failed for password=[REDACTED]");
  EXPECT_EQ(r.error().stack().find("hunter2"), std::string::npos) << r.error().stack();
  EXPECT_EQ(r.detail().find("hunter2"), std::string::npos) << r.detail();
  EXPECT_TRUE(r.redactions().error());
}

TEST(OutputFilter, LiteralSecretsSplitAcrossLinesAndEncodedAreCaught) {
  policy::Policy p = TestPolicy(1);
  p.mutable_redaction()->add_literals("correct-horse-battery-staple");
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  api::ExecutionResult r = sup->Run(Code(
      "var s = 'correct-horse-battery-staple';\n"
      "console.log('first ' + s.slice(0, 12)); console.log(s.slice(12) + ' second');\n"
      "var hex = ''; for (var i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16);\n"
      "[s, hex, base64('xx' + s)];\n"
      "function base64(t) {\n"
      "  var a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', o = '';\n"
      "  for (var i = 0; i < t.length; i += 3) {\n"
      "    var n = (t.charCodeAt(i) << 16) | ((t.charCodeAt(i + 1) || 0) << 8) | (t.charCodeAt(i + 2) || 0);\n"
      "    o += a[(n >> 18) & 63] + a[(n >> 12) & 63] + a[(n >> 6) & 63] + a[n & 63];\n"
      "  }\n"
      "  return o;\n"
      "}"));
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json().find("horse"), std::string::npos) << r.value_json();
  EXPECT_EQ(r.value_json().find("686f727365"), std::string::npos) << "hex of 'horse'";
  // Base64 keeps the characters that also encode the neighbouring "xx".
  EXPECT_EQ(r.value_json(), "[\"[REDACTED]\",\"[REDACTED]\",\"eHh[REDACTED]\"]");
  ASSERT_GE(r.console_size(), 2);
  EXPECT_EQ(r.console(0).text(), "first [REDACTED]");
  EXPECT_EQ(r.console(1).text(), "[REDACTED] second");
}

TEST(OutputFilter, ValuesOverTheCapKeepHeadAndTail) {
  policy::Policy p = TestPolicy(1);
  p.mutable_limits()->set_result_bytes(1000);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  api::ExecutionResult r = sup->Run(Code("'<' + 'é'.repeat(3000) + '>'"));
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_TRUE(r.value().truncated());
  EXPECT_EQ(r.value().total_bytes(), 6004u);
  EXPECT_LE(r.value_json().size(), 1000u);
  EXPECT_EQ(r.value().kept_bytes(), r.value_json().size());
  EXPECT_EQ(r.value_json().substr(0, 4), "\"<\xC3\xA9");
  EXPECT_EQ(r.value_json().substr(r.value_json().size() - 4), "\xC3\xA9>\"");
  EXPECT_NE(r.value_json().find("bytes omitted]"), std::string::npos);
}

TEST(OutputFilter, RedactionHappensBeforeTruncation) {
  policy::Policy p = TestPolicy(1);
  p.mutable_limits()->set_result_bytes(200);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  // The secret sits in the tail that is kept.
  api::ExecutionResult r =
      sup->Run(Code("({pad: 'x'.repeat(1000), password: 'hunter2-in-the-tail'})"));
  ASSERT_EQ(r.status(), api::OK);
  EXPECT_TRUE(r.value().truncated());
  EXPECT_EQ(r.value_json().find("hunter2"), std::string::npos) << r.value_json();
  EXPECT_NE(r.value_json().find("\"password\":\"[REDACTED]\"}"), std::string::npos);
}

TEST(OutputFilter, SyntaxErrorsHaveAColumnAndExcerptAndDoNotUseUpAWorker) {
  policy::Policy p = TestPolicy(1);
  p.mutable_recycle()->set_max_executions(1);  // strict: one run per worker
  p.mutable_recycle()->set_after_error(true);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  std::uint64_t worker = 0;
  for (int i = 0; i < 3; ++i) {
    api::ExecutionResult r = sup->Run(Code("var a = 1;\nvar b = foo(1 2);"));
    ASSERT_EQ(r.status(), api::SYNTAX_ERROR);
    EXPECT_EQ(r.error().line(), 2u);
    EXPECT_EQ(r.error().column(), 15u);
    EXPECT_EQ(r.error().excerpt(), "var b = foo(1 2);\n              ^");
    EXPECT_NE(r.error().message().find("(line 2, column 15)"), std::string::npos)
        << r.error().message();
    if (i == 0) worker = r.worker_id();
    EXPECT_EQ(r.worker_id(), worker) << "a syntax error recycled the worker";
  }
  api::ExecutionResult ok = sup->Run(Code("1+1"));
  EXPECT_EQ(ok.status(), api::OK);
  EXPECT_EQ(ok.worker_id(), worker) << "the worker's one run was used by a syntax error";
  api::ExecutionResult next = sup->Run(Code("1+1"));
  EXPECT_NE(next.worker_id(), worker) << "max_executions 1 no longer holds";
}

const std::string kSecretsExample = std::string(STOCKADE_SOURCE_DIR) + "/examples/secrets.js";

TEST(OutputFilter, CliPrintsRedactedOutputAndWhereItWasRedacted) {
  ShellOutput o = RunShell(std::string(STOCKADE_BIN_DIR) + "/stockade run " + kSecretsExample + " 2>&1");
  EXPECT_EQ(o.code, 0) << o.out;
  for (const char* secret : {"hunter2", "s3cr3t", "AKIAIOSFODNN7EXAMPLE", "abc.def123456789"}) {
    EXPECT_EQ(o.out.find(secret), std::string::npos) << secret << " leaked:\n" << o.out;
  }
  EXPECT_NE(o.out.find("Authorization: Bearer [REDACTED]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"password\":\"[REDACTED]\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"tokens_used\":1234"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("[stockade] redacted: $.password, $.db.url, $.apiKey, console line 1"),
            std::string::npos)
      << o.out;
}

TEST(OutputFilter, CliJsonCarriesTheRedactionsAndNoSecret) {
  ShellOutput o = RunShell(std::string(STOCKADE_BIN_DIR) + "/stockade run --json " + kSecretsExample);
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_EQ(o.out.find("hunter2"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"redactions\":{\"paths\":[\"$.password\",\"$.db.url\",\"$.apiKey\"]"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("\"consoleLines\":[1]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"redacted\":true"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace stockade::testing
