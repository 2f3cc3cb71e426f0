#include "supervisor/cli/api_client.h"

#include <cstdlib>

#include <google/protobuf/util/json_util.h>

namespace stockade::supervisor {
namespace {

google::protobuf::util::JsonParseOptions ParseOptions() {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // a newer daemon may say more
  return opts;
}

template <typename Message>
bool FromJson(const std::string& json, Message* out) {
  return google::protobuf::util::JsonStringToMessage(json, out, ParseOptions()).ok();
}

ApiError Unreachable(const Status& st) {
  ApiError e;
  e.message = "cannot talk to the daemon: " + st.message();
  return e;
}

ApiError NotUnderstood(unsigned http_status, const std::string& what, const std::string& body) {
  ApiError e;
  e.http_status = http_status;
  e.message = "the daemon's answer is not " + what + ": " + body;
  return e;
}

// A path segment from something a person typed (a session id): escaped,
// so that it can only ever name one resource.
std::string PathSegment(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace

api::ExecutionResult ApiError::AsResult() const {
  api::ExecutionResult r;
  r.set_status(status);
  r.set_detail(message);
  r.set_retry_after_ms(retry_after_ms);
  return r;
}

ApiError ErrorFromHttp(const HttpClientResponse& res) {
  api::ErrorResponse err;
  if (!FromJson(res.body, &err) || err.status() == api::STATUS_UNSPECIFIED) {
    switch (res.status) {
      case 400: case 404: case 405: case 408: case 413: err.set_status(api::INVALID_REQUEST); break;
      case 401: case 403: err.set_status(api::UNAUTHORIZED); break;
      case 429: err.set_status(api::QUEUE_FULL); break;
      default: err.set_status(api::INTERNAL); break;
    }
    err.set_message("HTTP " + std::to_string(res.status) + " from the daemon");
  }
  ApiError e;
  e.http_status = res.status;
  e.status = err.status();
  e.retry_after_ms = err.retry_after_ms();
  if (e.retry_after_ms == 0) {
    const std::string retry_after = res.header("Retry-After");
    if (!retry_after.empty()) {
      e.retry_after_ms = static_cast<std::uint32_t>(std::strtoul(retry_after.c_str(), nullptr, 10) * 1000);
    }
  }
  // The hint stays in retry_after_ms: HumanFailure prints it once.
  e.message = err.message();
  return e;
}

ApiOr<ApiClient> ApiClient::Connect(const std::string& url, const std::string& key, HttpClientTimeouts timeouts) {
  auto http = HttpClient::Connect(url, timeouts);
  if (!http.ok()) return Unreachable(http.status());
  HttpHeaders auth;
  if (!key.empty()) auth.emplace_back("Authorization", "Bearer " + key);
  return ApiClient(std::move(http).value(), std::move(auth));
}

ApiOr<api::ExecutionResult> ApiClient::Execute(api::CreateExecutionRequest request, const ExecuteCallbacks& callbacks,
                                               std::chrono::milliseconds idle) {
  request.set_wait(false);  // answer at once; the events carry the rest
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(request, &body);
  auto created = http_.Request("POST", "/v1/executions", body, auth_);
  if (!created.ok()) return Unreachable(created.status());
  if (created->status != 200 && created->status != 202) return ErrorFromHttp(*created);
  api::Execution execution;
  if (!FromJson(created->body, &execution) || execution.id().empty()) {
    return NotUnderstood(created->status, "an Execution", created->body);
  }
  if (callbacks.on_submitted) callbacks.on_submitted(execution.id());
  if (execution.state() == api::DONE) {
    if (callbacks.on_console) {
      for (const api::ConsoleLine& line : execution.result().console()) callbacks.on_console(line);
    }
    return std::move(*execution.mutable_result());
  }

  api::ExecutionResult result;
  bool have_result = false;
  auto streamed = http_.Stream(
      "/v1/executions/" + execution.id() + "/events", auth_,
      [&](const SseEvent& event) {
        if (event.event == "console") {
          api::ConsoleLine line;
          if (callbacks.on_console && FromJson(event.data, &line)) callbacks.on_console(line);
        } else if (event.event == "result") {
          have_result = FromJson(event.data, &result);
          return false;  // nothing follows the result
        }
        return true;
      },
      idle);
  if (have_result) return result;
  if (streamed.ok() && streamed->status != 200) return ErrorFromHttp(*streamed);
  // The stream broke before the result (a proxy, a restart): the record
  // may still hold it.
  auto polled = http_.Request("GET", "/v1/executions/" + execution.id(), {}, auth_);
  if (polled.ok() && polled->status == 200 && FromJson(polled->body, &execution) && execution.state() == api::DONE) {
    return std::move(*execution.mutable_result());
  }
  if (!streamed.ok()) return Unreachable(streamed.status());
  ApiError e;
  e.message = "the daemon ended the event stream of " + execution.id() + " without a result";
  return e;
}

template <typename Message>
ApiOr<Message> ApiClient::Call(const char* method, const std::string& target, unsigned expect) {
  auto res = http_.Request(method, target, std::string_view(method) == "POST" ? "{}" : "", auth_);
  if (!res.ok()) return Unreachable(res.status());
  if (res->status != expect) return ErrorFromHttp(*res);
  Message out;
  if (!FromJson(res->body, &out)) return NotUnderstood(res->status, out.GetDescriptor()->name(), res->body);
  return out;
}

ApiOr<api::Session> ApiClient::CreateSession() { return Call<api::Session>("POST", "/v1/sessions", 201); }

ApiOr<api::Session> ApiClient::GetSession(const std::string& id) {
  return Call<api::Session>("GET", "/v1/sessions/" + PathSegment(id), 200);
}

ApiOr<api::SessionHistory> ApiClient::History(const std::string& id, std::uint32_t limit) {
  return Call<api::SessionHistory>("GET", "/v1/sessions/" + PathSegment(id) + "/history?limit=" + std::to_string(limit),
                                   200);
}

ApiOr<bool> ApiClient::DeleteSession(const std::string& id) {
  auto res = http_.Request("DELETE", "/v1/sessions/" + PathSegment(id), {}, auth_);
  if (!res.ok()) return Unreachable(res.status());
  if (res->status != 204 && res->status != 200) return ErrorFromHttp(*res);
  return true;
}

std::optional<ApiError> CancelExecution(const std::string& url, const HttpHeaders& auth, const std::string& id) {
  auto client = HttpClient::Connect(url);
  if (!client.ok()) return Unreachable(client.status());
  auto res = client->Request("DELETE", "/v1/executions/" + PathSegment(id), {}, auth);
  if (!res.ok()) return Unreachable(res.status());
  if (res->status != 200) return ErrorFromHttp(*res);
  return std::nullopt;
}

}  // namespace stockade::supervisor
