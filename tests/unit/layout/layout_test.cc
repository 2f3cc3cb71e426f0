// The source tree keeps the shape docs/DESIGN.md draws: every supervisor/
// folder is one subsystem, includes point only down the chain
// cli -> daemon -> selftest -> pool -> confine -> common (policy/ and proto/
// under all of them, worker/ beside them), tests reach no higher than the
// subsystem they test, and no source file outgrows a reader.
#include <filesystem>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = STOCKADE_SOURCE_DIR;

// Rank in the dependency chain: a file may include a header of its own rank
// or lower. proto/ and policy/ sit under every supervisor folder; the worker
// is its own program and shares only proto/ with the rest.
const std::map<std::string, int>& Ranks() {
  static const std::map<std::string, int> ranks = {
      {"proto", 0},   {"policy", 1},   {"supervisor/common", 2}, {"supervisor/confine", 3},
      {"supervisor/pool", 4}, {"supervisor/sessions", 5}, {"supervisor/selftest", 6},
      {"supervisor/daemon", 7}, {"supervisor/cli", 8},
  };
  return ranks;
}

// The subsystem a source path or an include path belongs to ("" if none).
std::string SubsystemOf(const std::string& path) {
  if (path.rfind("supervisor/", 0) == 0) {
    const auto slash = path.find('/', 11);
    return slash == std::string::npos ? "supervisor" : path.substr(0, slash);
  }
  for (const char* top : {"proto/", "policy/", "worker/"}) {
    if (path.rfind(top, 0) == 0) return std::string(top, std::strlen(top) - 1);
  }
  return "";
}

std::vector<std::string> SourcesUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(kRoot / dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".cc" || ext == ".h" || ext == ".in")) {
      out.push_back(fs::relative(e.path(), kRoot).string());
    }
  }
  return out;
}

std::vector<std::string> ProjectIncludes(const std::string& file) {
  static const std::regex include(R"re(^\s*#\s*include\s+"((supervisor|policy|proto|worker)/[^"]+)")re");
  std::ifstream in(kRoot / file);
  std::vector<std::string> out;
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, include)) out.push_back(m[1]);
  }
  return out;
}

// Why `from` may not include `to`, or "" if it may.
std::string Violation(const std::string& from, const std::string& to) {
  const std::string a = SubsystemOf(from), b = SubsystemOf(to);
  if (b.empty() || a == b) return "";
  if (a == "worker" || b == "worker") {
    return b == "proto" ? "" : "the worker shares only proto/ with the rest";
  }
  const auto ra = Ranks().find(a), rb = Ranks().find(b);
  if (ra == Ranks().end()) return a + " is not a known subsystem";
  if (rb == Ranks().end()) return b + " is not a known subsystem";
  if (rb->second > ra->second) return b + " is above " + a + " in the chain";
  return "";
}

TEST(Layout, EverySupervisorFileIsInAKnownSubsystem) {
  for (const auto& f : SourcesUnder("supervisor")) {
    EXPECT_TRUE(Ranks().count(SubsystemOf(f)))
        << f << ": a new supervisor/ folder needs its place in the chain (here and in docs/DESIGN.md)";
  }
}

TEST(Layout, NoIncludePointsUpTheChain) {
  for (const char* top : {"supervisor", "policy", "proto", "worker"}) {
    for (const auto& f : SourcesUnder(top)) {
      for (const auto& inc : ProjectIncludes(f)) {
        const auto why = Violation(f, inc);
        EXPECT_EQ(why, "") << f << " includes " << inc;
      }
    }
  }
}

// tests/<kind>/<subsystem>/x_test.cc links only its subsystem's library, so
// it may include that subsystem and what lies below it.
TEST(Layout, TestsReachNoHigherThanTheirSubsystem) {
  int checked = 0;
  for (const char* kind : {"tests/unit", "tests/integration"}) {
    for (const auto& f : SourcesUnder(kind)) {
      const fs::path rel = fs::relative(kRoot / f, kRoot / kind);
      if (std::distance(rel.begin(), rel.end()) != 2) continue;  // shared helpers
      const std::string folder = rel.begin()->string();
      std::string subsystem = folder;
      if (Ranks().count("supervisor/" + folder)) subsystem = "supervisor/" + folder;
      if (subsystem == "layout") continue;
      for (const auto& inc : ProjectIncludes(f)) {
        const auto why = Violation(subsystem + "/x_test.cc", inc);
        EXPECT_EQ(why, "") << f << " includes " << inc;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(Layout, NoSourceFileOver650Lines) {
  for (const char* top : {"supervisor", "worker", "policy"}) {
    for (const auto& f : SourcesUnder(top)) {
      if (fs::path(f).extension() != ".cc") continue;
      std::ifstream in(kRoot / f);
      int lines = 0;
      std::string line;
      while (std::getline(in, line)) ++lines;
      EXPECT_LE(lines, 650) << f << ": split it along its natural seam";
    }
  }
}

TEST(Layout, TheCheckerSeesAnUpwardInclude) {
  EXPECT_NE(Violation("supervisor/confine/spawn.cc", "supervisor/pool/pool.h"), "");
  EXPECT_NE(Violation("policy/limits.cc", "supervisor/common/log.h"), "");
  EXPECT_NE(Violation("worker/heap.cc", "policy/limits.h"), "");
  EXPECT_NE(Violation("supervisor/tools/x.cc", "supervisor/common/log.h"), "");  // not a known folder yet
  EXPECT_NE(Violation("supervisor/pool/pool.cc", "supervisor/sessions/session_store.h"), "");
  EXPECT_EQ(Violation("supervisor/sessions/x.cc", "supervisor/pool/pool.h"), "");
  EXPECT_EQ(Violation("supervisor/cli/run.cc", "supervisor/confine/spawn.h"), "");
  EXPECT_EQ(Violation("worker/heap.cc", "proto/frame.h"), "");
}

}  // namespace
