// The fast JSON printer must write exactly what protobuf's own JSON printer
// writes (with always_print_primitive_fields) for the API's messages.
#include "supervisor/daemon/json_print.h"

#include <gtest/gtest.h>
#include <google/protobuf/util/json_util.h>

#include "proto/api.pb.h"

namespace stockade::supervisor {
namespace {

std::string Library(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out, opts).ok());
  return out;
}

api::ExecutionResult FullResult() {
  api::ExecutionResult r;
  r.set_status(api::RUNTIME_ERROR);
  r.set_value_json("{\"a\":[1,2,\"\\u00e9\"]}");
  r.mutable_error()->set_name("TypeError");
  r.mutable_error()->set_message("x is \"not\" a function\n\ttab");
  r.mutable_error()->set_stack("    at f (a.js:3)\n    at eval (a.js:5)");
  r.mutable_error()->set_line(3);
  r.set_detail("détail ✓ \x01 control");
  r.set_violation_syscall("openat");
  r.set_signal(-9);
  for (int i = 0; i < 3; ++i) {
    auto* line = r.add_console();
    line->set_stream(i % 2 ? api::STDERR : api::STDOUT);
    line->set_text("line " + std::to_string(i) + " 😀");
    line->set_after_truncation(i == 2);
  }
  r.mutable_output()->set_total_bytes(1ull << 40);
  r.mutable_output()->set_truncated(true);
  r.mutable_metrics()->set_queue_time_us(12);
  r.mutable_metrics()->set_tool_calls(4);
  r.mutable_effective_limits()->set_timeout_ms(5000);
  r.mutable_effective_limits()->set_memory_bytes(104857600);
  r.set_session_usable(true);
  r.set_execution_id(18446744073709551615ull);
  r.set_retry_after_ms(1000);
  return r;
}

TEST(JsonPrint, MatchesTheLibraryOnResults) {
  EXPECT_EQ(ToJson(FullResult()), Library(FullResult()));
  EXPECT_EQ(ToJson(api::ExecutionResult()), Library(api::ExecutionResult()));
}

TEST(JsonPrint, MatchesTheLibraryOnExecutionsAndErrors) {
  api::Execution e;
  e.set_id("ex_0123");
  e.set_state(api::DONE);
  e.set_created_at("2026-11-22T08:00:00Z");
  EXPECT_EQ(ToJson(e), Library(e));
  *e.mutable_result() = FullResult();
  EXPECT_EQ(ToJson(e), Library(e));
  api::ErrorResponse err;
  err.set_status(api::QUEUE_FULL);
  err.set_message("busy");
  EXPECT_EQ(ToJson(err), Library(err));
  api::Readiness ready;
  ready.set_ready(true);
  ready.mutable_confinement()->set_cgroup("v1");
  EXPECT_EQ(ToJson(ready), Library(ready));
}

TEST(JsonPrint, OptionalFieldsOnlyWhenSet) {
  api::CreateExecutionRequest req;
  req.set_code("1");
  EXPECT_EQ(ToJson(req), Library(req));
  req.set_wait(false);
  EXPECT_EQ(ToJson(req), Library(req));
}

// Found by tests/fuzz/json_print_fuzzer.cc: console text and value_json
// come from the script, and the library escapes more than JSON requires.
TEST(JsonPrint, EscapesStringsLikeTheLibrary) {
  api::ConsoleLine line;
  line.set_text("<script>&</script> \b\f\x7f \u0085 \u00ad \u2028\u2029 \u202e \ufeff "
                "\U000e0001 \U0001d173 \u00e9 \U0001f600");
  EXPECT_EQ(ToJson(line), Library(line));
  EXPECT_NE(ToJson(line).find("\\u003cscript\\u003e"), std::string::npos);
  EXPECT_NE(ToJson(line).find("\\udb40\\udc01"), std::string::npos);
}

TEST(JsonPrint, DropsInvalidUtf8SoTheOutputStaysValid) {
  api::ErrorResponse err;
  err.set_message("a\xc3(b\xed\xa0\x80" "c\xc0\xaf" "d\xff");
  EXPECT_EQ(ToJson(err), "{\"status\":\"STATUS_UNSPECIFIED\",\"message\":\"a(bcd\",\"retryAfterMs\":0}");
}

}  // namespace
}  // namespace stockade::supervisor
