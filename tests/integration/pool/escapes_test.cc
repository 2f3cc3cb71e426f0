// The hostile-JavaScript escape suite: every tests/escapes/*.js file is one
// attack, run through a real Supervisor and a real confined worker, and is
// its own test (Escapes/EscapeTest.Attack/<file name>).
//
// The files are listed when the binary starts (and ctest discovers the tests
// when it runs), so adding an attack needs no change here. Each file opens
// with a header of `// key: value` comment lines that states what the
// product must answer; a file without `expect:` and `why:` fails loudly, and
// so does an unknown key (a typo must not silently drop an assertion):
//
//   expect: TIMEOUT                  the api::Status, by name (required)
//   why: ...                         what the attack tries (required)
//   timeout_ms: 500                  request limits (default timeout 1000;
//   memory_bytes: 33554432           the others default to the policy's)
//   output_bytes: 65536
//   language: typescript             the request's language (default: none,
//                                    i.e. JavaScript; `then:` always is)
//   expect-value: [1,2]              value_json, exactly; empty = undefined
//   expect-value-bytes: 8000002      value_json's size
//   expect-detail-contains: cyclic   (repeatable)
//   expect-error-name: RangeError
//   expect-error-message-contains: x (repeatable)
//   expect-console-contains: text    some console line holds it (repeatable)
//   expect-truncated: true           output.truncated
//   expect-value-truncated: true     value.truncated (head and tail kept)
//   then: <code>                     run next on the same worker (pool of
//   then-expect: OK                  one): pollution must not survive, and
//   then-expect-value: "ok"          the clean-up after the attack must not
//   then_timeout_ms: 300             eat into the next run's time
//
// A header line is `// key: value` with one space after the slashes; lines
// indented further continue the text above.
//
// Whatever the file says, every attack must also leave a well-formed answer
// (valid UTF-8 everywhere, value_json valid JSON, error fields capped), end
// within its timeout plus the kill grace and some slack, and leave the
// supervisor serving: `1+1` answers OK "2" afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/test_support.h"
#include "tests/json_checker.h"

namespace stockade::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

fs::path EscapesDir() { return fs::path(STOCKADE_SOURCE_DIR) / "tests" / "escapes"; }

std::vector<std::string> ListAttacks() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(EscapesDir(), ec)) {
    if (e.is_regular_file() && e.path().extension() == ".js") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The header: the leading `//` lines, as key -> values in file order.
using Header = std::multimap<std::string, std::string>;

Header ParseHeader(const std::string& source) {
  Header header;
  std::istringstream in(source);
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = Trim(line);
    if (!l.starts_with("//")) break;
    l.remove_prefix(2);
    if (!l.starts_with(" ") || l.starts_with("  ")) continue;  // continued text
    l.remove_prefix(1);
    const std::size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    const std::string_view key = l.substr(0, colon);
    const bool is_key = std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
    });
    if (is_key) header.emplace(std::string(key), std::string(Trim(l.substr(colon + 1))));
  }
  return header;
}

const std::vector<std::string_view> kKnownKeys = {
    "expect", "why", "timeout_ms", "memory_bytes", "output_bytes", "language",
    "expect-value", "expect-value-bytes", "expect-detail-contains", "expect-error-name",
    "expect-error-message-contains", "expect-console-contains", "expect-truncated",
    "expect-value-truncated",
    "then", "then-expect", "then-expect-value", "then_timeout_ms",
};

std::string One(const Header& h, const std::string& key, const std::string& fallback = "") {
  auto it = h.find(key);
  return it == h.end() ? fallback : it->second;
}

std::vector<std::string> All(const Header& h, const std::string& key) {
  std::vector<std::string> out;
  for (auto [it, end] = h.equal_range(key); it != end; ++it) out.push_back(it->second);
  return out;
}

bool ParseStatus(const std::string& name, api::Status* status) {
  return api::Status_Parse(name, status) && *status != api::STATUS_UNSPECIFIED;
}

std::uint64_t Number(const std::string& text) {
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      ADD_FAILURE() << "not a number in the header: '" << text << "'";
      return 0;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

// Strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp, min;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// The default policy's limits.result_bytes, which TestPolicy keeps.
constexpr std::uint64_t kResultCap = 10u << 20;

// What any answer must look like, whatever the attack.
void ExpectWellFormed(const api::ExecutionResult& r, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_TRUE(IsValidUtf8(r.value_json())) << "value_json is not valid UTF-8";
  if (r.value().truncated()) {
    // Head and tail around a marker: not JSON, but never more than the cap.
    EXPECT_EQ(r.value().kept_bytes(), r.value_json().size());
    EXPECT_LE(r.value().kept_bytes(), kResultCap) << "a truncated value over the result cap";
    EXPECT_GT(r.value().total_bytes(), kResultCap);
  } else if (!r.value_json().empty()) {
    EXPECT_TRUE(JsonChecker(r.value_json()).Valid())
        << "value_json is not valid JSON: " << r.value_json().substr(0, 300);
  }
  if (r.status() != api::OK) {
    EXPECT_TRUE(r.value_json().empty()) << "a value with a non-OK status";
  }
  EXPECT_TRUE(IsValidUtf8(r.detail()));
  EXPECT_LE(r.detail().size(), 70'000u) << "the detail is not capped";
  for (const std::string* field : {&r.error().name(), &r.error().message(), &r.error().stack()}) {
    EXPECT_TRUE(IsValidUtf8(*field));
    EXPECT_LE(field->size(), 65'536u) << "an error field is not capped";
  }
  for (const api::ConsoleLine& line : r.console()) {
    EXPECT_TRUE(IsValidUtf8(line.text())) << "a console line is not valid UTF-8";
  }
}

std::string Describe(const api::ExecutionResult& r) {
  std::string d = std::string(api::Status_Name(r.status())) + ": " + r.detail();
  if (!r.error().name().empty() || !r.error().message().empty()) {
    d += " [error " + r.error().name() + ": " + r.error().message().substr(0, 200) + "]";
  }
  if (!r.value_json().empty()) d += " value=" + r.value_json().substr(0, 200);
  return d;
}

class EscapeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EscapeTest, Attack) {
  const std::string path = GetParam();
  const std::string source = ReadFile(path);
  ASSERT_FALSE(source.empty()) << path << " is empty or unreadable";
  const Header header = ParseHeader(source);
  for (const auto& [key, value] : header) {
    EXPECT_NE(std::find(kKnownKeys.begin(), kKnownKeys.end(), key), kKnownKeys.end())
        << path << ": unknown header key '" << key << "' (a typo would drop an assertion)";
  }
  ASSERT_EQ(header.count("expect"), 1u)
      << path << ": needs exactly one `// expect: STATUS` header line stating the outcome";
  ASSERT_EQ(header.count("why"), 1u) << path << ": needs a `// why: ...` line saying what it tries";
  api::Status want;
  ASSERT_TRUE(ParseStatus(One(header, "expect"), &want))
      << path << ": `expect: " << One(header, "expect") << "` is not an api::Status name";

  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);

  api::ExecuteRequest req =
      Code(source, static_cast<std::uint32_t>(Number(One(header, "timeout_ms", "1000"))));
  req.set_filename(fs::path(path).filename().string());
  if (header.count("memory_bytes")) {
    req.mutable_limits()->set_memory_bytes(Number(One(header, "memory_bytes")));
  }
  if (header.count("output_bytes")) {
    req.mutable_limits()->set_output_bytes(Number(One(header, "output_bytes")));
  }
  if (header.count("language")) req.set_language(One(header, "language"));

  const auto t0 = steady_clock::now();
  const api::ExecutionResult r = sup->Run(req);
  const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
  std::printf("  %s: %s in %lld ms\n", fs::path(path).filename().c_str(),
              std::string(api::Status_Name(r.status())).c_str(),
              static_cast<long long>(took.count()));

  EXPECT_EQ(api::Status_Name(r.status()), api::Status_Name(want)) << Describe(r);
  ExpectWellFormed(r, "the attack's answer");
  // The supervisor's own deadline (timeout + hard_kill_grace_ms) bounds
  // every run; the slack covers spawning and a loaded machine.
  EXPECT_LT(took, milliseconds(r.effective_limits().timeout_ms() + 3000))
      << "the run was not stopped in time";

  if (header.count("expect-value")) {
    EXPECT_EQ(r.value_json(), One(header, "expect-value"));
  }
  if (header.count("expect-value-bytes")) {
    EXPECT_EQ(r.value_json().size(), Number(One(header, "expect-value-bytes")));
  }
  for (const std::string& text : All(header, "expect-detail-contains")) {
    EXPECT_NE(r.detail().find(text), std::string::npos)
        << "detail lacks '" << text << "': " << r.detail();
  }
  if (header.count("expect-error-name")) {
    EXPECT_EQ(r.error().name(), One(header, "expect-error-name"));
  }
  for (const std::string& text : All(header, "expect-error-message-contains")) {
    EXPECT_NE(r.error().message().find(text), std::string::npos)
        << "error message lacks '" << text << "': " << r.error().message().substr(0, 300);
  }
  for (const std::string& text : All(header, "expect-console-contains")) {
    const bool found = std::any_of(
        r.console().begin(), r.console().end(),
        [&](const api::ConsoleLine& l) { return l.text().find(text) != std::string::npos; });
    EXPECT_TRUE(found) << "no console line holds '" << text << "' (" << r.console_size()
                       << " lines)";
  }
  if (header.count("expect-value-truncated")) {
    EXPECT_EQ(r.value().truncated() ? "true" : "false", One(header, "expect-value-truncated"));
  }
  if (header.count("expect-truncated")) {
    EXPECT_EQ(r.output().truncated() ? "true" : "false", One(header, "expect-truncated"));
  }

  if (header.count("then")) {
    const api::ExecutionResult next =
        sup->Run(Code(One(header, "then"),
                      static_cast<std::uint32_t>(Number(One(header, "then_timeout_ms", "0")))));
    api::Status then_want;
    ASSERT_TRUE(ParseStatus(One(header, "then-expect", "OK"), &then_want))
        << One(header, "then-expect");
    EXPECT_EQ(api::Status_Name(next.status()), api::Status_Name(then_want))
        << "next run: " << Describe(next);
    ExpectWellFormed(next, "the next run's answer");
    if (r.status() == api::OK) {
      // A pool of one and no recycling after an OK run: the same process.
      EXPECT_EQ(next.worker_id(), r.worker_id()) << "the next run did not reuse the worker";
    }
    if (header.count("then-expect-value")) {
      EXPECT_EQ(next.value_json(), One(header, "then-expect-value"));
    }
  }

  const api::ExecutionResult health = sup->Run(Code("1+1"));
  EXPECT_EQ(health.status(), api::OK) << "the supervisor stopped serving: " << Describe(health);
  EXPECT_EQ(health.value_json(), "2");
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Escapes, EscapeTest, ::testing::ValuesIn(ListAttacks()), TestName);

TEST(EscapeSuite, HasEnoughAttacks) {
  // Guards against a moved directory or a broken listing turning the suite
  // into zero tests that all "pass".
  EXPECT_GE(ListAttacks().size(), 35u) << "found in " << EscapesDir();
}

}  // namespace
}  // namespace stockade::testing
