// ApiClient: the CLI's typed calls to the daemon's API, over one HttpClient
// connection — one execution submitted and followed to its result (what
// `stockade exec` and `stockade repl` do), and the session routes (what
// `stockade repl` does besides).
//
// Every call answers a message or an ApiError, never an exception or a raw
// HTTP reply: the daemon's ErrorResponse says which api::Status a refusal
// is (the HTTP code is the fallback when the body is not one, e.g. from a
// proxy), and a daemon that cannot be reached is INTERNAL with the URL and
// the reason. The HTTP code stays available because the REPL tells a
// missing session (404) and a missing key (401) apart in its own words.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "proto/api.pb.h"
#include "supervisor/cli/http_client.h"

namespace stockade::supervisor {

// A failure that is not a script's.
struct ApiError {
  unsigned http_status = 0;  // 0: the daemon was not reached, or its answer made no sense
  api::Status status = api::INTERNAL;
  std::string message;
  std::uint32_t retry_after_ms = 0;

  // Typed like a run's result (status, detail, retry hint), so it prints
  // and maps to an exit code like one (PrintResult, policy::ExitCodeFor).
  api::ExecutionResult AsResult() const;
};

// A non-2xx answer as an ApiError.
ApiError ErrorFromHttp(const HttpClientResponse& response);

template <typename T>
struct ApiOr {
  std::optional<T> value;
  ApiError error;  // when !value

  ApiOr(T v) : value(std::move(v)) {}         // NOLINT: implicit by design
  ApiOr(ApiError e) : error(std::move(e)) {}  // NOLINT
  bool ok() const { return value.has_value(); }
  T& operator*() { return *value; }
  T* operator->() { return &*value; }
};

struct ExecuteCallbacks {
  // The daemon named the run: the id to cancel it by (CancelExecution).
  std::function<void(const std::string& execution_id)> on_submitted;
  // A console line, as it is printed, while the run goes on.
  std::function<void(const api::ConsoleLine& line)> on_console;
};

class ApiClient {
 public:
  // `url` as HttpClient takes it; `key` empty for a daemon without keys.
  // Connects now, so an unreachable daemon is reported here.
  static ApiOr<ApiClient> Connect(const std::string& url, const std::string& key, HttpClientTimeouts timeouts = {});

  // Submits `request` with wait=false and follows the run's event stream,
  // so console lines reach on_console while the script runs. `idle` bounds
  // each wait for the stream's next piece. A stream broken before the
  // result falls back to reading the execution's record.
  ApiOr<api::ExecutionResult> Execute(api::CreateExecutionRequest request, const ExecuteCallbacks& callbacks,
                                      std::chrono::milliseconds idle);

  ApiOr<api::Session> CreateSession();
  ApiOr<api::Session> GetSession(const std::string& id);
  ApiOr<api::SessionHistory> History(const std::string& id, std::uint32_t limit);
  ApiOr<bool> DeleteSession(const std::string& id);

  const std::string& url() const { return http_.url(); }
  const HttpHeaders& auth() const { return auth_; }

 private:
  ApiClient(HttpClient http, HttpHeaders auth) : http_(std::move(http)), auth_(std::move(auth)) {}

  template <typename Message>
  ApiOr<Message> Call(const char* method, const std::string& target, unsigned expect);

  HttpClient http_;
  HttpHeaders auth_;
};

// Cancels execution `id` on a connection of its own (the caller's is busy
// following the run): nullopt when the daemon took the request.
std::optional<ApiError> CancelExecution(const std::string& url, const HttpHeaders& auth, const std::string& id);

}  // namespace stockade::supervisor
