// Fuzzes the output filter over a result's JSON (policy/json_redaction.h)
// with the default policy plus a registered literal. The text is what a
// worker sent, so any bytes are possible.
//
// Invariants:
// - valid JSON (valid UTF-8 too) in gives valid JSON out (keys, strings, numbers and whole
//   sensitive values are replaced by JSON strings, structure untouched);
// - nothing changed means the text is byte for byte the same, and no path
//   is reported; something changed means at least one path (or an omitted
//   count) says where;
// - the literal, and every value the default key list marks, is gone from
//   valid JSON after the pass;
// - the same bytes split into console lines at '\n' and filtered in two
//   batches: no line still holds the literal;
// - for valid JSON, a second pass over the output changes nothing (the
//   replacement under a sensitive key stays itself). Not for other text:
//   redacting it as text can close a string the first pass saw unclosed.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policy/json_redaction.h"
#include "policy/policy_loader.h"
#include "policy/request_validation.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/json_checker.h"

namespace stockade::policy {
namespace {

constexpr char kLiteral[] = "s3cr3t-literal";

const Redactor& Filter() {
  static const std::shared_ptr<const Redactor> r = [] {
    auto p = LoadPolicy("default");
    FUZZ_CHECK(p.ok());
    RedactionPolicy red = p->redaction();
    red.add_literals(kLiteral);
    auto made = Redactor::Create(red);
    FUZZ_CHECK(made.ok());
    return *made;
  }();
  return *r;
}

}  // namespace
}  // namespace stockade::policy

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stockade::policy;
  const Redactor& r = Filter();
  const std::string in(stockade::fuzz::AsText(data, size));
  std::string out = in;
  const JsonRedaction first = RedactJson(r, &out, 8);
  FUZZ_CHECK(first.paths.size() <= 8);
  if (!first.changed) {
    FUZZ_CHECK(out == in);
    FUZZ_CHECK(first.paths.empty() && first.paths_omitted == 0);
  } else {
    FUZZ_CHECK(!first.paths.empty() || first.paths_omitted > 0);
  }
  // JSON text is UTF-8 (RFC 8259), and the supervisor only ever sees valid
  // UTF-8 here (protobuf refuses anything else in a string field); invalid
  // bytes come out as U+FFFD, which a second pass may then redact further.
  const bool valid_in = stockade::testing::JsonChecker(in).Valid() &&
                        FindInvalidUtf8(in) == std::string_view::npos;
  if (valid_in) {
    FUZZ_CHECK(stockade::testing::JsonChecker(out).Valid());
    FUZZ_CHECK(out.find(kLiteral) == std::string::npos);
    std::string again = out;
    RedactJson(r, &again, 8);
    FUZZ_CHECK(again == out);
  }

  std::vector<std::string> lines(1);
  for (char c : in) {
    if (c == '\n') {
      lines.emplace_back();
    } else {
      lines.back().push_back(c);
    }
  }
  Redactor::LineState state;
  const std::size_t half = lines.size() / 2;
  for (auto [from, to] : {std::pair<std::size_t, std::size_t>{0, half}, {half, lines.size()}}) {
    std::vector<std::string*> batch;
    for (std::size_t i = from; i < to; ++i) batch.push_back(&lines[i]);
    std::vector<bool> changed;
    r.RedactLines(batch, &state, &changed);
    FUZZ_CHECK(changed.size() == batch.size());
  }
  for (const std::string& line : lines) FUZZ_CHECK(line.find(kLiteral) == std::string::npos);
  return 0;
}
