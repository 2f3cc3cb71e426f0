// ErrorFromHttp: how a refusal from the daemon (or from something between)
// becomes a typed ApiError, which `stockade exec` and `stockade repl` print.
#include "supervisor/cli/api_client.h"

#include <gtest/gtest.h>

namespace stockade::supervisor {
namespace {

HttpClientResponse Reply(unsigned status, std::string body, HttpHeaders headers = {}) {
  HttpClientResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(ApiClient, TheDaemonsErrorResponseNamesTheStatus) {
  ApiError e = ErrorFromHttp(Reply(404, R"({"status":"INVALID_REQUEST","message":"no such session"})"));
  EXPECT_EQ(e.http_status, 404u);
  EXPECT_EQ(e.status, api::INVALID_REQUEST);
  EXPECT_EQ(e.message, "no such session");
  EXPECT_EQ(e.retry_after_ms, 0u);

  ApiError busy = ErrorFromHttp(
      Reply(409, R"({"status":"QUEUE_FULL","message":"session se_1 is busy","retryAfterMs":1000})"));
  EXPECT_EQ(busy.status, api::QUEUE_FULL);
  EXPECT_EQ(busy.retry_after_ms, 1000u);
  EXPECT_EQ(busy.message, "session se_1 is busy") << "the hint is printed once, from retry_after_ms";
}

TEST(ApiClient, TheHttpCodeIsTheFallback) {
  EXPECT_EQ(ErrorFromHttp(Reply(401, "")).status, api::UNAUTHORIZED);
  EXPECT_EQ(ErrorFromHttp(Reply(403, "<html>")).status, api::UNAUTHORIZED);
  EXPECT_EQ(ErrorFromHttp(Reply(404, "not found")).status, api::INVALID_REQUEST);
  EXPECT_EQ(ErrorFromHttp(Reply(502, "bad gateway")).status, api::INTERNAL);
  ApiError full = ErrorFromHttp(Reply(429, "", {{"retry-after", "2"}}));
  EXPECT_EQ(full.status, api::QUEUE_FULL);
  EXPECT_EQ(full.retry_after_ms, 2000u);
  EXPECT_EQ(full.message, "HTTP 429 from the daemon");
}

TEST(ApiClient, AnErrorPrintsLikeAResult) {
  ApiError e;
  e.status = api::QUEUE_FULL;
  e.message = "queue full";
  e.retry_after_ms = 500;
  const api::ExecutionResult r = e.AsResult();
  EXPECT_EQ(r.status(), api::QUEUE_FULL);
  EXPECT_EQ(r.detail(), "queue full");
  EXPECT_EQ(r.retry_after_ms(), 500u);
}

}  // namespace
}  // namespace stockade::supervisor
