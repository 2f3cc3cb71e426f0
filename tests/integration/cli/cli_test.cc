// `stockade run` as a user runs it: the real binary on the examples, each
// outcome with its exit code and what it prints.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/integration/test_support.h"

namespace {

using Output = stockade::testing::ShellOutput;  // stdout and stderr, in order

Output RunCli(const std::string& args, const std::string& stdin_text = "") {
  std::string cmd = std::string(STOCKADE_BIN_DIR) + "/stockade run " + args + " 2>&1";
  // printf interprets escapes such as \377 in stdin_text (which has no %).
  if (!stdin_text.empty()) cmd = "printf '" + stdin_text + "' | " + cmd;
  return stockade::testing::RunShell(cmd);
}

// `out` without what `stockade run` writes on stderr about layers this
// host refuses (namespaces, cgroups, stale cgroups it could not remove):
// its notices and its warnings in the log. Each is one write(2) of one
// line, made before the result is printed, so the whole line goes.
std::string WithoutLayerNotices(std::string out) {
  for (const char* notice : {"[stockade] this host refused", "[stockade] no cgroup limits",
                             "\"event\":\"namespace_refused\"", "\"event\":\"stale_cgroups_removed\""}) {
    for (std::size_t at; (at = out.find(notice)) != std::string::npos;) {
      const std::size_t start = at == 0 ? std::string::npos : out.rfind('\n', at - 1);
      const std::size_t begin = start == std::string::npos ? 0 : start + 1;
      const std::size_t end = out.find('\n', at);
      out.erase(begin, end == std::string::npos ? std::string::npos : end - begin + 1);
    }
  }
  return out;
}

std::string Example(const char* name) { return std::string(STOCKADE_SOURCE_DIR) + "/examples/" + name; }

TEST(Cli, HelloPrintsConsoleThenTheResult) {
  Output o = RunCli(Example("hello.js"));
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("hello from a confined worker\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("{\"primes\":[2,3,5,7,11,13,17,19,23,29],\"sum\":129}"), std::string::npos) << o.out;
}

TEST(Cli, ModernJavaScriptAndTypeScriptExamplesRun) {
  Output js = RunCli(Example("agent_report.js"));
  EXPECT_EQ(js.code, 0) << js.out;
  EXPECT_NE(js.out.find("2 customers, top: bob\n"), std::string::npos) << js.out;
  EXPECT_NE(js.out.find("[{\"customer\":\"bob\",\"total\":13.5},{\"customer\":\"ada\",\"total\":11.7}]"),
            std::string::npos)
      << js.out;
  Output ts = RunCli(Example("report.ts"));
  EXPECT_EQ(ts.code, 0) << ts.out;
  EXPECT_NE(ts.out.find("{\"a\":[\"normal\",\"normal\"],\"b\":[\"hot\"]}"), std::string::npos) << ts.out;
  // From stdin the language is said, not guessed.
  Output piped = RunCli("--language typescript -", "let n: number = 2; n ** 3");
  EXPECT_EQ(piped.code, 0) << piped.out;
  EXPECT_NE(piped.out.find("8\n"), std::string::npos) << piped.out;
  // Top-level await, retries over virtual timers, for await.
  Output pipeline = RunCli(Example("pipeline.js"));
  EXPECT_EQ(pipeline.code, 0) << pipeline.out;
  EXPECT_NE(pipeline.out.find("3 pages, 9 items, 5 calls\n"), std::string::npos) << pipeline.out;
  EXPECT_NE(pipeline.out.find("{\"pages\":[1,2,3],\"last\":\"item-3-2\"}"), std::string::npos) << pipeline.out;
  // A lowered program's error names the user's line.
  Output failing = RunCli("--language typescript -",
                          "interface Row { n: number }\nconst rows: Row[] = [{ n: 1 }];\n\nrows.map((r) => r.x.y);\n");
  EXPECT_EQ(failing.code, 1) << failing.out;
  EXPECT_NE(failing.out.find("stdin:4"), std::string::npos) << failing.out;
}

TEST(Cli, SeveralScriptsRunInOneSession) {
  const std::string dir = std::string(STOCKADE_SOURCE_DIR) + "/examples/session/";
  Output o = RunCli(dir + "1_load.js " + dir + "2_report.ts " + dir + "3_follow_up.js");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("loaded 3 orders\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("best customer: ada (37)\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("{\"before\":[\"ada\",37],\"now\":[\"lin\",52.5],\"kept\":2}"), std::string::npos) << o.out;
  // TypeScript's helpers are no variables of the session.
  EXPECT_EQ(o.out.find("not kept"), std::string::npos) << o.out;

  // The first script that fails stops the rest, with its exit code.
  Output failed = RunCli(dir + "1_load.js " + Example("runtime_error.js") + " " + dir + "2_report.ts");
  EXPECT_EQ(failed.code, 1) << failed.out;
  EXPECT_NE(failed.out.find("loaded 3 orders"), std::string::npos) << failed.out;
  EXPECT_EQ(failed.out.find("best customer"), std::string::npos) << failed.out;
  // Each script alone starts from nothing.
  Output alone = RunCli(dir + "2_report.ts");
  EXPECT_EQ(alone.code, 1) << alone.out;
  EXPECT_NE(alone.out.find("byCustomer"), std::string::npos) << alone.out;
}

TEST(Cli, EachOutcomeHasItsExitCode) {
  struct Case {
    std::string args;
    int code;
    const char* says;
  } cases[] = {
      {Example("runtime_error.js"), 1, "TypeError"},
      {Example("syntax_error.js"), 3, "SyntaxError"},
      {"--timeout 200ms " + Example("infinite_loop.js"), 4, "TIMEOUT"},
      {Example("memory_bomb.js"), 5, "MEMORY_LIMIT"},
      {"--worker " + std::string(STOCKADE_BIN_DIR) + "/stockade-worker-hostile " +
           Example("hostile/forbidden_syscall.js"),
       7, "POLICY_VIOLATION (socket)"},
      {"--worker " + std::string(STOCKADE_BIN_DIR) + "/stockade-worker-hostile " + Example("hostile/crash.js"),
       8, "WORKER_CRASHED"},
      {"--no-such-flag x.js", 2, "unknown option"},
      {"/nonexistent.js", 2, "cannot read"},
  };
  for (const Case& c : cases) {
    Output o = RunCli(c.args);
    EXPECT_EQ(o.code, c.code) << c.args << "\n" << o.out;
    EXPECT_NE(o.out.find(c.says), std::string::npos) << c.args << "\n" << o.out;
  }
}

TEST(Cli, ResultOverTheCapKeepsHeadAndTailAndSaysSo) {
  // The strict preset caps results at 1 MiB; this one is 2 MiB.
  Output o = RunCli("--policy strict -",
                    "var s = \"x\"; for (var i = 0; i < 21; i++) s += s; s + \"END\"");
  EXPECT_EQ(o.code, 0) << o.out.substr(0, 300);
  EXPECT_NE(o.out.find("[stockade] result truncated: 2097157 bytes of JSON"), std::string::npos)
      << o.out.substr(0, 300);
  EXPECT_NE(o.out.find("bytes omitted]"), std::string::npos);
  EXPECT_NE(o.out.find("xxxEND\"\n"), std::string::npos) << "the tail is kept";
  // The cap is on the result; a host that refuses a layer adds its notice.
  EXPECT_LT(WithoutLayerNotices(o.out).size(), (1u << 20) + 400);
}

TEST(Cli, FailOnTruncationMakesAnOversizedResultOutputLimit) {
  const std::string file = ::testing::TempDir() + "/fail_on_truncation.textproto";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("limits { result_bytes: 1000 fail_on_truncation: true }\n", f);
  std::fclose(f);
  Output o = RunCli("--policy " + file + " -", "\"x\".repeat(5000)");
  std::remove(file.c_str());
  EXPECT_EQ(o.code, 6) << o.out;
  EXPECT_NE(o.out.find("OUTPUT_LIMIT"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("fail_on_truncation"), std::string::npos) << o.out;
}

TEST(Cli, OneScriptStartsOneWorker) {
  // The script is submitted before the pool's first worker has even begun
  // to spawn; it must wait for that worker, not make the pool grow.
  Output o = RunCli("--log-level debug -", "1+1");
  EXPECT_EQ(o.code, 0) << o.out;
  std::size_t ready = 0;
  for (std::size_t at = o.out.find("\"event\":\"worker_ready\""); at != std::string::npos;
       at = o.out.find("\"event\":\"worker_ready\"", at + 1)) {
    ++ready;
  }
  EXPECT_EQ(ready, 1u) << o.out;
}

TEST(Cli, InvalidUtf8IsAnInvalidRequest) {
  Output o = RunCli("-", "\\377\\376");
  EXPECT_EQ(o.code, 11) << o.out;
  EXPECT_NE(o.out.find("UTF-8"), std::string::npos) << o.out;
}

TEST(Cli, JsonCarriesTheTypedResult) {
  Output o = RunCli("--json --timeout 1s -", "console.log(\"a\"); 6 * 7");
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("\"status\":\"OK\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"valueJson\":\"42\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"timeoutMs\":1000"), std::string::npos) << o.out;
}

TEST(Cli, OutputFloodIsTruncatedAndSaysSo) {
  Output o = RunCli("--output 4K " + Example("output_flood.js"));
  EXPECT_EQ(o.code, 0) << o.out.substr(0, 200);
  EXPECT_NE(o.out.find("console output truncated"), std::string::npos);
  EXPECT_NE(o.out.find("line 0\n"), std::string::npos);
  EXPECT_NE(o.out.find("line 199999\n"), std::string::npos);
  EXPECT_LT(WithoutLayerNotices(o.out).size(), 16u * 1024);
}

TEST(Cli, BadPolicyFileIsNamed) {
  Output o = RunCli("--policy /nonexistent.textproto " + Example("hello.js"));
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.out.find("/nonexistent.textproto"), std::string::npos) << o.out;
}

}  // namespace

namespace {

std::string Capture(const std::string& args) {
  std::string out;
  FILE* p = popen((std::string(STOCKADE_BIN_DIR) + "/stockade " + args + " 2>&1").c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

TEST(CliPolicy, PrintShowsRulesReasonsAndTheFilter) {
  const std::string out = Capture("policy print --policy strict");
  EXPECT_NE(out.find("name: \"strict\""), std::string::npos) << out;
  EXPECT_NE(out.find("mmap"), std::string::npos);
  EXPECT_NE(out.find("[only without PROT_EXEC]"), std::string::npos);
  EXPECT_NE(out.find("execve"), std::string::npos);  // in the never-allowed table
  EXPECT_NE(out.find("default action"), std::string::npos);
}

TEST(CliPolicy, ExportBpfWritesWholeInstructions) {
  const std::string bpf = Capture("policy export-bpf");
  EXPECT_GT(bpf.size(), 80u);
  EXPECT_EQ(bpf.size() % 8, 0u);
}

}  // namespace

namespace {

TEST(CliSelftest, EveryAvailableLayerPassesOnThisHost) {
  FILE* p = popen((std::string(STOCKADE_BIN_DIR) + "/stockade selftest --json 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = pclose(p);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << out;
  EXPECT_NE(out.find("\"passed\":true"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"result\":\"FAIL\""), std::string::npos) << out;
  EXPECT_NE(out.find("seccomp filter in force"), std::string::npos) << out;
  EXPECT_NE(out.find("memory bomb ends in MEMORY_LIMIT"), std::string::npos) << out;
}

}  // namespace
