// The agent-style corpus (tests/corpus): scripts of the kind agents write,
// modern JavaScript and TypeScript, each run through a real Supervisor
// (lowered by a compiler worker where Duktape cannot run it as it is) and
// compared with what Node answered for the same script.
//
// Each file opens with `// expect-value: JSON`, written by
// scripts/corpus-expect from Node's completion value (awaited when it is a
// promise). A file may say `// known-failure: why`: the test then checks it
// still fails (and says to remove the line once it passes), and the
// difference is listed in docs/DESIGN.md. CorpusShare holds the share of
// scripts that must run correctly to the target.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/lowering.h"
#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

namespace fs = std::filesystem;

fs::path CorpusDir() { return fs::path(STOCKADE_SOURCE_DIR) / "tests" / "corpus"; }

std::vector<std::string> ListScripts() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(CorpusDir())) {
    const auto ext = e.path().extension();
    if (ext == ".js" || ext == ".ts") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string HeaderValue(const std::string& source, const std::string& key) {
  std::istringstream in(source);
  const std::string prefix = "// " + key + ": ";
  for (std::string line; std::getline(in, line) && line.rfind("//", 0) == 0;) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Corpus : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { sup_ = StartSupervisor(TestPolicy(2)).release(); }
  static void TearDownTestSuite() { delete sup_; }
  static supervisor::Supervisor* sup_;
};
supervisor::Supervisor* Corpus::sup_ = nullptr;

TEST_P(Corpus, Script) {
  const std::string path = GetParam();
  const std::string source = ReadFile(path);
  const std::string expected = HeaderValue(source, "expect-value");
  ASSERT_FALSE(expected.empty()) << path << " has no expect-value (run scripts/corpus-expect)";
  const std::string known_failure = HeaderValue(source, "known-failure");
  api::ExecuteRequest req = Code(source, 5000);
  req.set_filename(fs::path(path).filename().string());
  req.set_language(std::string(policy::LanguageName(policy::LanguageForFilename(path))));
  const api::ExecutionResult r = sup_->Run(std::move(req));
  const bool right = r.status() == api::OK && r.value_json() == expected;
  if (!known_failure.empty()) {
    EXPECT_FALSE(right) << path << " now runs correctly: remove its known-failure line";
    GTEST_SKIP() << "known failure: " << known_failure;
  }
  EXPECT_EQ(api::Status_Name(r.status()), "OK") << r.detail() << "\n" << r.error().excerpt();
  EXPECT_EQ(r.value_json(), expected);
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Agents, Corpus, ::testing::ValuesIn(ListScripts()), TestName);

TEST(CorpusShare, AtLeast95PercentRunCorrectly) {
  const std::vector<std::string> files = ListScripts();
  ASSERT_GE(files.size(), 30u) << "found in " << CorpusDir();
  std::size_t known = 0;
  for (const auto& f : files) known += HeaderValue(ReadFile(f), "known-failure").empty() ? 0 : 1;
  const double share = 1.0 - static_cast<double>(known) / static_cast<double>(files.size());
  std::printf("  corpus: %zu scripts, %zu known failures, %.1f %% correct\n", files.size(), known, share * 100);
  EXPECT_GE(share, 0.95);
}

}  // namespace
}  // namespace stockade::testing
