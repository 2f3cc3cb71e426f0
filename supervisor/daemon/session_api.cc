// The session routes of ApiService (api_service.h): /v1/sessions and the
// part of POST /v1/executions that runs in a session. The rules are
// SessionManager's; this is their HTTP face: JSON in and out, 404 for a
// session that does not exist for the caller (another key's included, as
// for executions), 409 for a busy one, 503 when the daemon has no store.
#include <charconv>

#include <google/protobuf/util/json_util.h>

#include "supervisor/common/log.h"
#include "supervisor/daemon/api_service.h"

namespace stockade::supervisor {
namespace {

namespace http = boost::beast::http;

constexpr std::uint32_t kDefaultPage = 100;
constexpr std::uint32_t kMaxPage = 1000;

// The value of `name` in the target's query ("" when absent). Values are
// ids and numbers: nothing to percent-decode.
std::optional<std::string_view> QueryParam(std::string_view target, std::string_view name) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// ?limit=N: absent -> `fallback`; not a number in [1, max] -> nullopt.
std::optional<std::uint32_t> LimitParam(std::string_view target, std::uint32_t fallback, std::uint32_t max) {
  const auto text = QueryParam(target, "limit");
  if (!text) return fallback;
  std::uint32_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n == 0 || n > max) return std::nullopt;
  return n;
}

api::Session ToApi(const SessionRecord& s, bool with_variables) {
  api::Session out;
  out.set_id(s.id);
  out.set_created_at(Rfc3339(s.created_ms));
  out.set_last_active_at(Rfc3339(s.last_active_ms));
  out.set_expires_at(Rfc3339(s.expires_ms));
  out.set_executions(s.executions);
  out.set_state_bytes(s.state_bytes);
  if (with_variables) {
    // The worker's summary, [{"name", "bytes"}], is SessionVariable's JSON.
    api::Session vars;
    if (google::protobuf::util::JsonStringToMessage("{\"variables\":" + s.variables_json + "}", &vars).ok()) {
      out.mutable_variables()->Swap(vars.mutable_variables());
    }
  }
  return out;
}

}  // namespace

ApiReply ApiService::SessionRoute(const HttpRequest& req, const std::vector<std::string_view>& parts,
                                  const std::string& owner) {
  if (!sessions_) return Error(req, 503, api::INTERNAL, sessions_off_);
  const std::string_view target(req.target().data(), req.target().size());
  const http::verb method = req.method();
  // The store's own message names files and SQLite's words: for the log,
  // not for clients.
  auto store_error = [&](const Status& st) {
    Log(LogLevel::kError, "session_store_error", {{"detail", st.message()}});
    return Error(req, 503, api::INTERNAL, "the session store failed; the daemon's log says why", 1000);
  };
  auto not_allowed = [&](const char* allow) {
    ApiReply reply = Error(req, 405, api::INVALID_REQUEST, std::string("use ") + allow);
    reply.response.set(http::field::allow, allow);
    return reply;
  };

  if (parts.size() == 2) {
    if (method == http::verb::post) {
      if (draining_) {
        metrics_.Rejected("draining");
        return Error(req, 503, api::INTERNAL, "the server is draining; retry on another instance", 1000);
      }
      api::CreateSessionRequest body;
      google::protobuf::util::JsonParseOptions strict;
      if (!req.body().empty() &&
          !google::protobuf::util::JsonStringToMessage(req.body(), &body, strict).ok()) {
        metrics_.Rejected("invalid_request");
        return Error(req, 400, api::INVALID_REQUEST, "the body of POST /v1/sessions is empty or {}");
      }
      bool full = false;
      auto made = sessions_->Create(owner, &full);
      if (!made.ok() && !full) return store_error(made.status());
      if (!made.ok()) {
        metrics_.Rejected("sessions_full");
        return Error(req, 429, api::QUEUE_FULL, made.status().message());
      }
      Log(LogLevel::kInfo, "session_created", {{"session", made->id}, {"key", owner}});
      return Json(req, 201, ToApi(*made, true));
    }
    if (method == http::verb::get) {
      const std::optional<std::uint32_t> limit = LimitParam(target, kDefaultPage, kMaxPage);
      if (!limit) return Error(req, 400, api::INVALID_REQUEST, "limit must be a number from 1 to 1000");
      const std::string after(QueryParam(target, "after").value_or(""));
      // One more than the page says whether there is a next one.
      auto listed = sessions_->List(owner, after, *limit + 1);
      if (!listed.ok()) return store_error(listed.status());
      api::SessionList out;
      for (std::size_t i = 0; i < listed->size() && i < *limit; ++i) *out.add_sessions() = ToApi((*listed)[i], false);
      if (listed->size() > *limit) out.set_next_after((*listed)[*limit - 1].id);
      return Json(req, 200, out, owner);
    }
    return not_allowed("POST, GET");
  }

  const std::string id(parts[2]);
  if (parts.size() == 3 && method == http::verb::get) {
    auto found = sessions_->Get(owner, id);
    if (!found.ok()) return store_error(found.status());
    if (!*found) return Error(req, 404, api::INVALID_REQUEST, "no such session");
    return Json(req, 200, ToApi(**found, true), owner);
  }
  if (parts.size() == 3 && method == http::verb::delete_) {
    auto deleted = sessions_->Delete(owner, id);
    if (!deleted.ok()) return store_error(deleted.status());
    if (!*deleted) return Error(req, 404, api::INVALID_REQUEST, "no such session");
    Log(LogLevel::kInfo, "session_deleted", {{"session", id}, {"key", owner}});
    ApiReply reply;
    reply.response = HttpResponse{http::status::no_content, req.version()};
    reply.response.keep_alive(req.keep_alive());
    reply.response.prepare_payload();
    return reply;
  }
  if (parts.size() == 4 && parts[3] == "history" && method == http::verb::get) {
    const std::uint32_t most = supervisor_.policy().sessions().history_records();
    const std::optional<std::uint32_t> limit = LimitParam(target, most, std::max(most, 1u));
    if (!limit) {
      return Error(req, 400, api::INVALID_REQUEST,
                   "limit must be a number from 1 to " + std::to_string(most) + " (sessions.history_records)");
    }
    auto history = sessions_->History(owner, id, *limit);
    if (!history.ok()) return store_error(history.status());
    if (!*history) return Error(req, 404, api::INVALID_REQUEST, "no such session");
    api::SessionHistory out;
    out.set_session_id(id);
    for (HistoryRecord& h : **history) {
      api::SessionHistoryRecord* r = out.add_records();
      r->set_seq(h.seq);
      r->set_at(Rfc3339(h.at_ms));
      r->set_code(std::move(h.code));
      if (!r->mutable_result()->ParseFromString(h.result)) {
        r->mutable_result()->set_status(api::INTERNAL);
        r->mutable_result()->set_detail("this record cannot be read");
      }
    }
    return Json(req, 200, out, owner);
  }
  if (parts.size() == 3) return not_allowed("GET, DELETE");
  if (parts.size() == 4 && parts[3] == "history") return not_allowed("GET");
  return Error(req, 404, api::INVALID_REQUEST, "no such route");
}

void ApiService::SubmitInSession(std::shared_ptr<ExecutionRecord> record, api::ExecuteRequest run,
                                 Supervisor::Callbacks callbacks) {
  const std::string id = run.session_id();
  record->session_ticket = sessions_->Run(record->owner, id, std::move(run), std::move(callbacks));
}

std::optional<ApiReply> ApiService::SessionRejectionFor(const HttpRequest& req, const api::ExecutionResult& r) {
  if (r.has_session()) return std::nullopt;  // it ran, or the pool refused it: the usual answers
  switch (r.status()) {
    case api::INVALID_REQUEST:
      metrics_.Rejected("no_session");
      return Error(req, 404, r.status(), "no such session");
    case api::QUEUE_FULL:
      metrics_.Rejected("session_busy");
      return Error(req, 409, r.status(), r.detail(), 1000);
    default:
      return std::nullopt;
  }
}

}  // namespace stockade::supervisor
