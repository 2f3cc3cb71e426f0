// ApiService: the daemon's HTTP/JSON API, independent of sockets.
//
// It turns one parsed HTTP request into one reply: authentication (API key
// -> owner name), routing, JSON <-> api.proto conversion (protobuf's JSON
// mapping, so the schema is the API), admission (draining, per-key fairness)
// and the mapping of typed outcomes to HTTP codes. A reply is either a
// complete response or, for GET /v1/executions/{id}/events, a record to
// stream as Server-Sent Events; the HTTP server owns the wire.
//
// Sessions (/v1/sessions, and executions with "sessionId") go to a
// SessionManager when the daemon has a session store; without one they
// answer 503 with the reason (session_api.cc).
//
// Runs on the supervisor's io thread.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"
#include "supervisor/daemon/api_keys.h"
#include "supervisor/daemon/byte_budget.h"
#include "supervisor/daemon/daemon_metrics.h"
#include "supervisor/daemon/execution_store.h"
#include "supervisor/pool/supervisor.h"
#include "supervisor/sessions/session_manager.h"

namespace stockade::supervisor {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// An open event stream, counted against its key's cap while it lives.
// Shared counts: a connection's frame may outlive the service at shutdown.
class StreamTicket {
 public:
  using Counts = std::unordered_map<std::string, std::uint32_t>;
  StreamTicket() = default;
  StreamTicket(std::shared_ptr<Counts> counts, std::string owner);
  StreamTicket(StreamTicket&& other) noexcept = default;
  StreamTicket& operator=(StreamTicket&& other) noexcept;
  ~StreamTicket();

 private:
  std::shared_ptr<Counts> counts_;
  std::string owner_;
};

struct ApiReply {
  HttpResponse response;
  std::shared_ptr<ExecutionRecord> stream;  // set: stream it as SSE instead
  StreamTicket stream_ticket;               // with `stream`: held while it is written
  ByteBudget::Lease lease;                  // what the rendered body holds of the budget
};

class ApiService {
 public:
  ApiService(Supervisor& supervisor, ApiKeys keys, DaemonMetrics& metrics);

  // `body`: the request body's share of the buffer budget (owned by the
  // caller, which outlives the call); given back as soon as the body has
  // been read into what the request asks for. A pointer, not a by-value
  // parameter: GCC 12 destroys move-only coroutine parameters twice.
  boost::asio::awaitable<ApiReply> Handle(HttpRequest request, ByteBudget::Lease* body = nullptr);

  // A reply for requests the server refuses before routing (413, 400, 408).
  HttpResponse ErrorReply(unsigned http_status, api::Status status, const std::string& message,
                          unsigned version, bool keep_alive) const;

  // Serve sessions through `sessions` (owned by the caller, outliving this);
  // or, with nullptr, answer session requests 503 with `why_off`.
  void SetSessions(SessionManager* sessions, std::string why_off = "") {
    sessions_ = sessions;
    sessions_off_ = std::move(why_off);
  }

  void SetDraining() { draining_ = true; }
  // --log-code: execution_finished log lines carry the code (first 4 KiB).
  // Off by default: code may hold secrets, and logs travel further than results.
  void SetLogCode(bool on) { log_code_ = on; }
  // Cancels every unfinished execution (the drain deadline passed): each
  // waiting client still gets its answer, with status CANCELLED.
  void CancelAll();
  bool draining() const { return draining_; }
  // Executions not yet finished (the drain waits for these).
  std::size_t in_flight() const { return in_flight_; }
  ExecutionStore& store() { return store_; }
  // Request bodies and rendered replies held at once (daemon.max_buffered_bytes).
  ByteBudget& buffers() { return buffers_; }
  DaemonMetrics& metrics() { return metrics_; }
  // The key name the request carries ("" when keys are off), or nullopt
  // when it carries no valid key. Asked before a large body is buffered, so
  // that only clients with a key can hold the daemon's body budget, each
  // within its share.
  std::optional<std::string> BodyOwner(const HttpRequest& req) const;
  // The 401 answer, for that check and for routing.
  HttpResponse UnauthorizedReply(unsigned version, bool keep_alive) const;
  // The answer when a body or reply does not fit in the buffer budget.
  HttpResponse BusyReply(unsigned version, bool keep_alive, const std::string& what) const;

  // Text of one SSE event ("event: X\ndata: {...}\n\n").
  static std::string SseEvent(const char* event, const google::protobuf::Message& message);

 private:
  boost::asio::awaitable<ApiReply> Route(HttpRequest request, ByteBudget::Lease* body);
  boost::asio::awaitable<ApiReply> CreateExecution(HttpRequest& req, ByteBudget::Lease* body,
                                                   const std::string& owner);
  boost::asio::awaitable<ApiReply> CancelExecution(const HttpRequest& req,
                                                   std::shared_ptr<ExecutionRecord> record);
  // /v1/sessions... (session_api.cc); parts[1] is "sessions".
  ApiReply SessionRoute(const HttpRequest& req, const std::vector<std::string_view>& parts,
                        const std::string& owner);
  // Starts `run` in its session; the SessionManager's immediate refusals
  // reach `record` as results without result.session.
  void SubmitInSession(std::shared_ptr<ExecutionRecord> record, api::ExecuteRequest run,
                       Supervisor::Callbacks callbacks);
  // The HTTP answer for a refusal of the session itself (no such session
  // 404, busy 409); nullopt for any other result.
  std::optional<ApiReply> SessionRejectionFor(const HttpRequest& req, const api::ExecutionResult& result);
  void Cancel(const ExecutionRecord& record);
  ApiReply Readyz(const HttpRequest& req);
  // `owner`: whose share of the buffer budget a large reply is held in.
  ApiReply Json(const HttpRequest& req, unsigned http_status, const google::protobuf::Message& body,
                const std::string& owner = "");
  // The record as an Execution, rendered without copying its result.
  ApiReply ExecutionReply(const HttpRequest& req, unsigned http_status, ExecutionRecord& record);
  ApiReply Error(const HttpRequest& req, unsigned http_status, api::Status status,
                 const std::string& message, std::uint32_t retry_after_ms = 0);
  ApiReply RejectionFor(const HttpRequest& req, const api::ExecutionResult& result);

  Supervisor& supervisor_;
  SessionManager* sessions_ = nullptr;
  std::string sessions_off_ = "this daemon keeps no sessions";
  ApiKeys keys_;
  DaemonMetrics& metrics_;
  ExecutionStore store_;
  ByteBudget buffers_;
  std::shared_ptr<StreamTicket::Counts> streams_ = std::make_shared<StreamTicket::Counts>();
  bool draining_ = false;
  bool log_code_ = false;
  std::size_t in_flight_ = 0;
};

// Waits until `record` changes (or the wait is cancelled).
boost::asio::awaitable<void> AwaitChange(std::shared_ptr<ExecutionRecord> record);

}  // namespace stockade::supervisor
