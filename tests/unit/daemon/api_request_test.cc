// DecodeCreateRequest: the body of POST /v1/executions -> the run to submit.
#include "supervisor/daemon/api_request.h"

#include <gtest/gtest.h>

#include "policy/request_validation.h"
#include "supervisor/daemon/json_print.h"

namespace stockade::supervisor {
namespace {

TEST(ApiRequest, DecodesCodeFilenameLimitsAndWait) {
  auto r = DecodeCreateRequest(
      R"({"code":"6 * 7","filename":"a.js","limits":{"timeoutMs":250,"memoryBytes":"1048576"},"wait":false})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->run.code(), "6 * 7");
  EXPECT_EQ(r->run.filename(), "a.js");
  EXPECT_EQ(r->run.limits().timeout_ms(), 250u);
  EXPECT_EQ(r->run.limits().memory_bytes(), 1048576u);
  EXPECT_FALSE(r->wait);
}

TEST(ApiRequest, WaitsUnlessToldNotTo) {
  auto absent = DecodeCreateRequest(R"({"code":"1"})");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->wait);
  auto explicit_true = DecodeCreateRequest(R"({"code":"1","wait":true})");
  ASSERT_TRUE(explicit_true.ok());
  EXPECT_TRUE(explicit_true->wait);
}

TEST(ApiRequest, UnknownFieldsAndBadJsonAreErrors) {
  for (const char* body : {R"({"code":"1","limitz":{}})", "{", "[]", R"({"code":1})", ""}) {
    auto r = DecodeCreateRequest(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().message().rfind("request body is not a valid execution request: ", 0), 0u)
        << r.status().message();
  }
}

// protobuf's parser error quotes the body around the problem, raw bytes and
// all; the 400 answer carrying it must still be valid UTF-8 JSON.
TEST(ApiRequest, RefusalOfInvalidUtf8IsValidUtf8Json) {
  auto r = DecodeCreateRequest("{\"code\":\"1\",\"filename\":\"a\xff\"}");
  ASSERT_FALSE(r.ok());
  api::ErrorResponse answer;
  answer.set_message(r.status().message());
  EXPECT_EQ(policy::FindInvalidUtf8(ToJson(answer)), std::string_view::npos) << ToJson(answer);
}

}  // namespace
}  // namespace stockade::supervisor
