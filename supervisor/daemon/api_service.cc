#include "supervisor/daemon/api_service.h"

#include <signal.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "policy/truncation.h"
#include "policy/outcome.h"
#include "supervisor/daemon/api_request.h"
#include "supervisor/daemon/json_print.h"
#include "supervisor/common/log.h"
#include "supervisor/selftest/selftest.h"

namespace stockade::supervisor {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;

namespace {

// "/v1/executions/ex_abc/events" -> {"v1", "executions", "ex_abc", "events"}
std::vector<std::string_view> PathParts(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> parts;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    const std::size_t slash = target.find('/');
    parts.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash);
  }
  return parts;
}

}  // namespace

awaitable<void> AwaitChange(std::shared_ptr<ExecutionRecord> record) {
  boost::system::error_code ec;
  co_await record->changed.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

StreamTicket::StreamTicket(std::shared_ptr<Counts> counts, std::string owner)
    : counts_(std::move(counts)), owner_(std::move(owner)) {
  ++(*counts_)[owner_];
}

StreamTicket& StreamTicket::operator=(StreamTicket&& other) noexcept {
  if (this != &other) {
    StreamTicket gone(std::move(*this));
    counts_ = std::move(other.counts_);
    owner_ = std::move(other.owner_);
  }
  return *this;
}

StreamTicket::~StreamTicket() {
  if (!counts_) return;
  auto it = counts_->find(owner_);
  if (it != counts_->end() && --it->second == 0) counts_->erase(it);
}

namespace {

RetentionLimits RetentionFor(const policy::DaemonPolicy& d) {
  RetentionLimits r;
  r.retention = std::chrono::milliseconds(d.result_retention_ms());
  r.delivered_retention = std::chrono::milliseconds(d.delivered_retention_ms());
  r.max_records = d.max_retained();
  r.max_bytes = d.max_retained_bytes();
  r.max_bytes_per_key = d.max_retained_bytes_per_key();
  return r;
}

}  // namespace

ApiService::ApiService(Supervisor& supervisor, ApiKeys keys, DaemonMetrics& metrics)
    : supervisor_(supervisor),
      keys_(std::move(keys)),
      metrics_(metrics),
      store_(supervisor.io(), RetentionFor(supervisor.policy().daemon())),
      // One key (or all keyless clients together) may hold half.
      buffers_(supervisor.policy().daemon().max_buffered_bytes(),
               supervisor.policy().daemon().max_buffered_bytes() / 2) {
  store_.OnGone([this](GoneReason reason) { metrics_.RetainedGone(GoneReasonName(reason)); });
  store_.StartSweeping();
}

std::optional<std::string> ApiService::BodyOwner(const HttpRequest& req) const {
  if (!keys_.enabled()) return std::string();
  const auto header = req[http::field::authorization];
  return keys_.Authenticate(std::string_view(header.data(), header.size()));
}

HttpResponse ApiService::UnauthorizedReply(unsigned version, bool keep_alive) const {
  HttpResponse res = ErrorReply(401, api::UNAUTHORIZED, "a valid API key is required (Authorization: Bearer <key>)",
                                version, keep_alive);
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

HttpResponse ApiService::BusyReply(unsigned version, bool keep_alive, const std::string& what) const {
  HttpResponse res = ErrorReply(503, api::QUEUE_FULL,
                                what + ": the daemon holds its limit of request and reply bytes "
                                       "(daemon.max_buffered_bytes, " +
                                    std::to_string(buffers_.limit()) + "); retry shortly",
                                version, keep_alive);
  res.set(http::field::retry_after, "1");
  return res;
}

std::string ApiService::SseEvent(const char* event, const google::protobuf::Message& message) {
  return std::string("event: ") + event + "\ndata: " + ToJson(message) + "\n\n";
}

HttpResponse ApiService::ErrorReply(unsigned http_status, api::Status status,
                                    const std::string& message, unsigned version,
                                    bool keep_alive) const {
  api::ErrorResponse body;
  body.set_status(status);
  body.set_message(message);
  HttpResponse res{static_cast<http::status>(http_status), version};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = ToJson(body) + "\n";
  res.prepare_payload();
  return res;
}

ApiReply ApiService::Json(const HttpRequest& req, unsigned http_status,
                          const google::protobuf::Message& body, const std::string& owner) {
  ApiReply reply;
  // A large body is rendered only with a lease for it: many clients reading
  // large results slowly must not hold unbounded copies of them.
  const std::size_t estimate = body.ByteSizeLong();
  if (estimate > ByteBudget::kSmallItemBytes) {
    std::optional<ByteBudget::Lease> lease = buffers_.TryTake(estimate, owner);
    if (!lease) {
      metrics_.Rejected("buffers_full");
      reply.response = BusyReply(req.version(), req.keep_alive(), "a reply of " + std::to_string(estimate) + " bytes");
      return reply;
    }
    reply.lease = std::move(*lease);
  }
  reply.response = HttpResponse{static_cast<http::status>(http_status), req.version()};
  reply.response.set(http::field::content_type, "application/json");
  reply.response.keep_alive(req.keep_alive());
  reply.response.body() = ToJson(body);
  reply.response.body() += '\n';
  reply.response.prepare_payload();
  // The estimate is the protobuf size; escapes (\u003c for '<', control
  // characters) can make the JSON several times larger. What does not fit
  // once rendered is dropped at once rather than held past the budget.
  if (reply.lease && !reply.lease.TryResize(reply.response.body().size())) {
    const std::size_t rendered = reply.response.body().size();
    metrics_.Rejected("buffers_full");
    reply = ApiReply();
    reply.response = BusyReply(req.version(), req.keep_alive(), "a reply of " + std::to_string(rendered) + " bytes");
  }
  return reply;
}

ApiReply ApiService::ExecutionReply(const HttpRequest& req, unsigned http_status, ExecutionRecord& record) {
  api::Execution out;
  out.set_id(record.id);
  out.set_state(record.state);
  out.set_created_at(record.created_at);
  if (record.state != api::DONE) return Json(req, http_status, out, record.owner);
  // Lent to the reply for the time it takes to render (this thread runs
  // nothing else meanwhile), then given back, also if rendering throws: a
  // 10 MiB result is not copied.
  struct Lent {
    api::Execution& out;
    api::ExecutionResult& result;
    ~Lent() { out.mutable_result()->Swap(&result); }
  };
  out.mutable_result()->Swap(&record.result);
  const Lent give_back{out, record.result};
  return Json(req, http_status, out, record.owner);
}

ApiReply ApiService::Error(const HttpRequest& req, unsigned http_status, api::Status status,
                           const std::string& message, std::uint32_t retry_after_ms) {
  api::ErrorResponse body;
  body.set_status(status);
  body.set_message(message);
  body.set_retry_after_ms(retry_after_ms);
  ApiReply reply = Json(req, http_status, body);
  if (retry_after_ms > 0) {
    // Retry-After is in whole seconds; round up so clients never come early.
    reply.response.set(http::field::retry_after, std::to_string((retry_after_ms + 999) / 1000));
  }
  return reply;
}

// A result that never ran is an HTTP error; one that ran is a 200 whatever
// the script did (TIMEOUT, RUNTIME_ERROR ... are outcomes, not API errors).
ApiReply ApiService::RejectionFor(const HttpRequest& req, const api::ExecutionResult& r) {
  switch (r.status()) {
    case api::QUEUE_FULL:
      metrics_.Rejected("queue_full");
      return Error(req, 429, r.status(), r.detail(), r.retry_after_ms() ? r.retry_after_ms() : 1000);
    case api::INVALID_REQUEST: {
      const bool too_large = r.detail().find("the policy allows") != std::string::npos;
      metrics_.Rejected(too_large ? "code_too_large" : "invalid_request");
      return Error(req, too_large ? 413 : 400, r.status(), r.detail());
    }
    case api::INTERNAL:
      return Error(req, 503, r.status(), r.detail(), 1000);
    default:
      return {};
  }
}

awaitable<ApiReply> ApiService::Handle(HttpRequest req, ByteBudget::Lease* body) {
  ApiReply reply = co_await Route(std::move(req), body);
  metrics_.HttpRequest(reply.stream ? 200 : reply.response.result_int());
  co_return reply;
}

awaitable<ApiReply> ApiService::Route(HttpRequest req, ByteBudget::Lease* body) {
  // Only creating an execution reads a body; any other route's body goes
  // back to the budget now, so its own reply never competes with it.
  const bool creates = req.method() == http::verb::post;
  if (!creates && body) {
    std::string().swap(req.body());
    body->Release();
  }
  const std::vector<std::string_view> parts =
      PathParts(std::string_view(req.target().data(), req.target().size()));
  const http::verb method = req.method();

  if (parts.size() == 1 && parts[0] == "healthz" && method == http::verb::get) {
    api::ErrorResponse ok;  // {"status":"OK","message":"alive"}
    ok.set_status(api::OK);
    ok.set_message("alive");
    co_return Json(req, 200, ok);
  }
  if (parts.size() == 1 && parts[0] == "readyz" && method == http::verb::get) co_return Readyz(req);
  if (parts.size() == 1 && parts[0] == "metrics" && method == http::verb::get) {
    ApiReply reply;
    reply.response = HttpResponse{http::status::ok, req.version()};
    reply.response.set(http::field::content_type, std::string(kMetricsContentType));
    reply.response.keep_alive(req.keep_alive());
    reply.response.body() = metrics_.Render();
    reply.response.prepare_payload();
    co_return reply;
  }
  if (parts.empty() || parts[0] != "v1") co_return Error(req, 404, api::INVALID_REQUEST, "no such route");

  // Everything under /v1 needs a key when keys are configured.
  std::string owner;
  if (keys_.enabled()) {
    const auto header = req[http::field::authorization];
    auto name = keys_.Authenticate(std::string_view(header.data(), header.size()));
    if (!name) {
      metrics_.Rejected("unauthorized");
      ApiReply reply;
      reply.response = UnauthorizedReply(req.version(), req.keep_alive());
      co_return reply;
    }
    owner = *name;
  }

  if (parts.size() >= 2 && parts[1] == "sessions") co_return SessionRoute(req, parts, owner);
  if (parts.size() == 2 && parts[1] == "executions") {
    if (method != http::verb::post) co_return Error(req, 405, api::INVALID_REQUEST, "use POST");
    co_return co_await CreateExecution(req, body, owner);
  }
  if (parts.size() >= 3 && parts[1] == "executions") {
    const std::string id(parts[2]);
    auto record = store_.Find(id, owner);
    if (!record) {
      if (auto gone = store_.Gone(id, owner)) co_return Error(req, 410, api::INVALID_REQUEST, store_.GoneMessage(id, *gone));
      co_return Error(req, 404, api::INVALID_REQUEST, "no such execution");
    }
    if (parts.size() == 3 && method == http::verb::get) co_return ExecutionReply(req, 200, *record);
    if (parts.size() == 3 && method == http::verb::delete_) {
      co_return co_await CancelExecution(req, std::move(record));
    }
    if (parts.size() == 4 && parts[3] == "events" && method == http::verb::get) {
      const std::uint32_t cap = supervisor_.policy().daemon().max_streams_per_key();
      if (cap > 0 && (*streams_)[owner] >= cap) {
        metrics_.Rejected("per_key_streams");
        co_return Error(req, 429, api::QUEUE_FULL,
                        "this key already has " + std::to_string(cap) +
                            " event streams open (daemon.max_streams_per_key)",
                        1000);
      }
      ApiReply reply;
      reply.stream = std::move(record);
      reply.stream_ticket = StreamTicket(streams_, owner);
      co_return reply;
    }
  }
  co_return Error(req, 404, api::INVALID_REQUEST, "no such route");
}

awaitable<ApiReply> ApiService::CreateExecution(HttpRequest& req, ByteBudget::Lease* body,
                                                const std::string& owner) {
  if (draining_) {
    metrics_.Rejected("draining");
    co_return Error(req, 503, api::INTERNAL, "the server is draining; retry on another instance", 1000);
  }
  StatusOr<CreateRequest> decoded = DecodeCreateRequest(req.body());
  // The code now lives in the decoded request: the body's bytes go back
  // before a synchronous run keeps this frame alive for seconds.
  std::string().swap(req.body());
  if (body) body->Release();
  if (!decoded.ok()) {
    metrics_.Rejected("invalid_request");
    co_return Error(req, 400, api::INVALID_REQUEST, decoded.status().message());
  }
  const std::uint32_t cap = supervisor_.policy().daemon().max_in_flight_per_key();
  if (cap > 0 && store_.InFlight(owner) >= cap) {
    metrics_.Rejected("per_key_limit");
    co_return Error(req, 429, api::QUEUE_FULL,
                    "this key already has " + std::to_string(cap) + " executions queued or running",
                    1000);
  }

  const bool in_session = !decoded->run.session_id().empty();
  if (in_session && !sessions_) co_return Error(req, 503, api::INTERNAL, sessions_off_);

  std::shared_ptr<ExecutionRecord> record = store_.Create(owner);
  ++in_flight_;
  api::ExecuteRequest run = std::move(decoded->run);
  Supervisor::Callbacks callbacks;
  callbacks.tenant = owner;
  // The record outlives the store's retention while a callback holds it.
  callbacks.on_start = [this, record] { store_.MarkRunning(*record); };
  callbacks.on_line = [this, record](const api::ConsoleLine& line) { store_.AddLine(*record, line); };
  std::string logged_code;
  if (log_code_) {
    // Code is input, but it can carry the same secrets as output does.
    // Redacted whole, then cut: a secret across the cut is still caught.
    logged_code = run.code();
    supervisor_.redactor().RedactText(&logged_code);
    policy::TruncateHeadTail(&logged_code, 4096, /*head_only=*/true);
  }
  callbacks.on_done = [this, record, logged_code = std::move(logged_code)](api::ExecutionResult result) {
    --in_flight_;
    // The result has been through the output filter: its detail is safe.
    std::vector<LogField> fields = {{"execution", record->id},
                                    {"key", record->owner},
                                    {"status", policy::StatusName(result.status())},
                                    {"worker", result.worker_id()},
                                    {"run_us", result.metrics().run_time_us()}};
    if (!result.detail().empty()) fields.push_back({"detail", result.detail()});
    if (result.has_redactions()) {
      const api::Redactions& red = result.redactions();
      // Places redacted: value paths (listed or omitted), console lines,
      // and the error and detail as one each.
      fields.push_back({"redacted", static_cast<std::uint64_t>(red.paths_size()) + red.paths_omitted() +
                                        static_cast<std::uint64_t>(red.console_lines_size()) +
                                        (red.error() ? 1u : 0u) + (red.detail() ? 1u : 0u)});
    }
    if (!logged_code.empty()) fields.push_back({"code", logged_code});
    Log(LogLevel::kInfo, "execution_finished", fields);
    store_.Finish(*record, std::move(result));
  };
  if (in_session) {
    SubmitInSession(record, std::move(run), std::move(callbacks));
  } else {
    record->execution_id = supervisor_.Submit(std::move(run), std::move(callbacks));
  }
  Log(LogLevel::kDebug, "execution_accepted", {{"execution", record->id}, {"key", owner}});

  // Submit posts to this thread: one turn later the pool has either taken
  // the run or refused it, and a refusal becomes an HTTP error at once.
  co_await asio::post(supervisor_.io(), asio::use_awaitable);
  if (record->state == api::DONE) {
    if (std::optional<ApiReply> refused = in_session ? SessionRejectionFor(req, record->result) : std::nullopt) {
      store_.Forget(*record);
      co_return std::move(*refused);
    }
    ApiReply rejected = RejectionFor(req, record->result);
    if (rejected.response.result_int() != 0 && rejected.response.result_int() != 200) {
      store_.Forget(*record);
      co_return rejected;
    }
  }
  if (!decoded->wait) co_return ExecutionReply(req, 202, *record);
  while (record->state != api::DONE) co_await AwaitChange(record);
  if (std::optional<ApiReply> refused = in_session ? SessionRejectionFor(req, record->result) : std::nullopt) {
    store_.Forget(*record);
    co_return std::move(*refused);
  }
  ApiReply rejected = RejectionFor(req, record->result);
  if (rejected.response.result_int() != 0 && rejected.response.result_int() != 200) {
    store_.Forget(*record);
    co_return rejected;
  }
  ApiReply reply = ExecutionReply(req, 200, *record);
  if (reply.response.result_int() == 200) {
    store_.MarkDelivered(*record);
  } else {
    // Not delivered: the result stays retained, and the answer says where.
    reply = Error(req, 503, api::QUEUE_FULL,
                  "execution " + record->id + " finished, but its result does not fit in the daemon's reply "
                  "buffers now (daemon.max_buffered_bytes); GET /v1/executions/" + record->id + " shortly",
                  1000);
  }
  co_return reply;
}

awaitable<ApiReply> ApiService::CancelExecution(const HttpRequest& req,
                                                std::shared_ptr<ExecutionRecord> record) {
  if (record->state != api::DONE) {
    Cancel(*record);
    // Killing a worker takes milliseconds; answer with the final state.
    while (record->state != api::DONE) co_await AwaitChange(record);
  }
  co_return ExecutionReply(req, 200, *record);
}

void ApiService::Cancel(const ExecutionRecord& record) {
  if (record.session_ticket != 0) {
    if (sessions_) sessions_->Cancel(record.session_ticket);
  } else {
    supervisor_.CancelOnIoThread(record.execution_id);
  }
}

void ApiService::CancelAll() {
  for (const auto& record : store_.Unfinished()) Cancel(*record);
}

ApiReply ApiService::Readyz(const HttpRequest& req) {
  // The rule (policy/readiness.h) and the checks are selftest's, so that
  // `stockade selftest` and /readyz can never disagree about a host.
  api::Readiness r = CheckReadiness(supervisor_.StatsOnIoThread(), supervisor_.confinement(),
                                    supervisor_.policy(), draining_);
  r.set_policy(supervisor_.policy().name());
  return Json(req, r.ready() ? 200 : 503, r);
}

}  // namespace stockade::supervisor
