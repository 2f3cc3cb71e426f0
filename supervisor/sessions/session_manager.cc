#include "supervisor/sessions/session_manager.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <utility>

#include "supervisor/common/log.h"
#include "supervisor/common/random_id.h"

namespace stockade::supervisor {
namespace {

constexpr std::size_t kMaxDroppedShown = 50;
constexpr std::size_t kMaxDroppedBytes = 200;

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

api::ExecutionResult Answer(api::Status status, std::string detail) {
  api::ExecutionResult r;
  r.set_status(status);
  r.set_detail(std::move(detail));
  return r;
}

// What the worker's capture says (docs/DESIGN.md, "Session state").
struct Capture {
  std::string state;
  std::string variables_json = "[]";
  std::uint32_t variables = 0;
  std::vector<std::string> dropped;
};

std::optional<Capture> ParseCapture(const std::string& out) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(out, &s).ok()) return std::nullopt;
  const auto& f = s.fields();
  auto state = f.find("state");
  if (state == f.end() || !state->second.has_string_value()) return std::nullopt;
  Capture c;
  c.state = state->second.string_value();
  if (auto v = f.find("variables"); v != f.end() && v->second.has_list_value()) {
    c.variables = static_cast<std::uint32_t>(v->second.list_value().values_size());
    std::string json;
    if (google::protobuf::util::MessageToJsonString(v->second.list_value(), &json).ok()) c.variables_json = json;
  }
  if (auto d = f.find("dropped"); d != f.end() && d->second.has_list_value()) {
    for (const auto& p : d->second.list_value().values()) {
      if (c.dropped.size() == kMaxDroppedShown) break;
      c.dropped.push_back(p.string_value().substr(0, kMaxDroppedBytes));
    }
  }
  return c;
}

}  // namespace

std::string NewSessionId() { return RandomId("se_"); }

SessionManager::SessionManager(Supervisor& supervisor, std::unique_ptr<SessionStore> store,
                               const policy::SessionPolicy& policy, Clock now)
    : supervisor_(supervisor), store_(std::move(store)), policy_(policy), now_(now ? std::move(now) : SystemNowMs) {}

StatusOr<SessionRecord> SessionManager::Create(const std::string& owner) {
  STOCKADE_ASSIGN_OR_RETURN(const std::uint64_t all, store_->Count());
  if (all >= policy_.max_sessions()) {
    return Status::Error("there are " + std::to_string(all) + " sessions, the most sessions.max_sessions allows");
  }
  STOCKADE_ASSIGN_OR_RETURN(const std::uint64_t mine, store_->Count(owner));
  if (mine >= policy_.max_per_key()) {
    return Status::Error("this key has " + std::to_string(mine) +
                         " sessions, the most sessions.max_per_key allows; delete one first");
  }
  SessionRecord s;
  s.id = NewSessionId();
  s.owner = owner;
  s.created_ms = s.last_active_ms = Now();
  s.expires_ms = s.created_ms + static_cast<std::int64_t>(policy_.ttl_seconds()) * 1000;
  s.variables_json = "[]";
  STOCKADE_RETURN_IF_ERROR(store_->Create(s));
  return s;
}

StatusOr<std::optional<SessionRecord>> SessionManager::Get(const std::string& owner, const std::string& id,
                                                           bool with_state) {
  STOCKADE_ASSIGN_OR_RETURN(std::optional<SessionRecord> s, store_->Get(id, with_state));
  if (s && s->owner != owner) s.reset();  // another key's: it does not exist for this one
  return s;
}

StatusOr<std::vector<SessionRecord>> SessionManager::List(const std::string& owner, const std::string& after_id,
                                                         std::uint32_t limit) {
  return store_->List(owner, after_id, limit);
}

StatusOr<bool> SessionManager::Delete(const std::string& owner, const std::string& id) {
  STOCKADE_ASSIGN_OR_RETURN(std::optional<SessionRecord> s, Get(owner, id));
  if (!s) return false;
  return store_->Delete(id);
}

StatusOr<std::optional<std::vector<HistoryRecord>>> SessionManager::History(const std::string& owner,
                                                                           const std::string& id,
                                                                           std::uint32_t limit) {
  STOCKADE_ASSIGN_OR_RETURN(std::optional<SessionRecord> s, Get(owner, id));
  if (!s) return std::optional<std::vector<HistoryRecord>>();
  STOCKADE_ASSIGN_OR_RETURN(std::vector<HistoryRecord> h,
                            store_->History(id, std::min(limit, policy_.history_records())));
  return std::optional<std::vector<HistoryRecord>>(std::move(h));
}

std::uint64_t SessionManager::Run(const std::string& owner, const std::string& id, api::ExecuteRequest request,
                                  Supervisor::Callbacks callbacks) {
  auto found = Get(owner, id);
  if (!found.ok()) {
    callbacks.on_done(Answer(api::INTERNAL, found.status().message()));
    return 0;
  }
  if (!*found) {
    callbacks.on_done(Answer(api::INVALID_REQUEST, "no session " + id));
    return 0;
  }
  Slot& slot = slots_[id];
  const std::uint64_t ticket = next_ticket_++;
  if (slot.running) {
    if (slot.waiting.size() >= policy_.max_waiting()) {
      callbacks.on_done(Answer(api::QUEUE_FULL, "session " + id + " is busy: " +
                                                    std::to_string(slot.waiting.size()) +
                                                    " requests already wait for its running one "
                                                    "(sessions.max_waiting)"));
      return 0;
    }
    tickets_[ticket] = id;
    slot.waiting.push_back(Pending{ticket, owner, std::move(request), std::move(callbacks)});
    return ticket;
  }
  tickets_[ticket] = id;
  slot.running = true;
  Start(id, Pending{ticket, owner, std::move(request), std::move(callbacks)});
  return ticket;
}

void SessionManager::Cancel(std::uint64_t ticket) {
  auto t = tickets_.find(ticket);
  if (t == tickets_.end()) return;
  auto it = slots_.find(t->second);
  if (it == slots_.end()) return;
  Slot& slot = it->second;
  if (slot.running && slot.running_ticket == ticket) {
    supervisor_.CancelOnIoThread(slot.running_execution);
    return;
  }
  for (auto w = slot.waiting.begin(); w != slot.waiting.end(); ++w) {
    if (w->ticket != ticket) continue;
    Supervisor::DoneCallback done = std::move(w->callbacks.on_done);
    api::ExecutionResult r = Answer(api::CANCELLED, "cancelled while it waited for session " + t->second);
    r.mutable_session()->set_id(t->second);
    slot.waiting.erase(w);
    tickets_.erase(t);
    done(std::move(r));
    return;
  }
}

void SessionManager::Start(const std::string& id, Pending run) {
  // The state as the run before this one left it.
  Slot& slot = slots_[id];
  slot.running_ticket = run.ticket;
  slot.running_execution = 0;
  auto found = Get(run.owner, id, /*with_state=*/true);
  if (!found.ok() || !*found) {
    tickets_.erase(run.ticket);
    run.callbacks.on_done(found.ok() ? Answer(api::INVALID_REQUEST, "no session " + id + " (deleted)")
                                     : Answer(api::INTERNAL, found.status().message()));
    Finish(id, "", api::ExecutionResult(), "", nullptr);
    return;
  }
  auto out = std::make_shared<std::string>();
  std::string code = run.request.code();
  supervisor_.redactor().RedactText(&code);  // history leaves through the output filter
  auto done = std::move(run.callbacks.on_done);
  run.callbacks.session_in = std::move((*found)->state);
  run.callbacks.capture_session = true;
  run.callbacks.on_session_out = [out](std::string s) { *out = std::move(s); };
  run.callbacks.on_done = [this, id, ticket = run.ticket, code = std::move(code), out, done = std::move(done)](
                              api::ExecutionResult r) mutable {
    tickets_.erase(ticket);
    Finish(id, code, std::move(r), *out, std::move(done));
  };
  slot.running_execution = supervisor_.Submit(std::move(run.request), std::move(run.callbacks));
}

void SessionManager::Finish(const std::string& id, const std::string& code, api::ExecutionResult result,
                            const std::string& out, Supervisor::DoneCallback done) {
  if (done) {
    api::SessionInfo* info = result.mutable_session();
    info->set_id(id);
    std::optional<std::string> new_state;
    std::string variables_json = "[]";
    if (result.status() == api::OK) {
      std::optional<Capture> capture = ParseCapture(out);
      if (!capture) {
        result = Answer(api::INTERNAL, "the worker answered no session state");
        result.mutable_session()->set_id(id);
      } else if (capture->state.size() > policy_.state_bytes()) {
        result.set_status(api::OUTPUT_LIMIT);
        result.clear_value_json();
        result.set_detail("the session's state would be " + std::to_string(capture->state.size()) +
                          " bytes, over sessions.state_bytes (" + std::to_string(policy_.state_bytes()) +
                          "); the session is as it was");
      } else if (capture->variables > policy_.max_variables()) {
        result.set_status(api::OUTPUT_LIMIT);
        result.clear_value_json();
        result.set_detail("the session would keep " + std::to_string(capture->variables) +
                          " variables, over sessions.max_variables (" + std::to_string(policy_.max_variables()) +
                          "); the session is as it was");
      } else {
        for (auto& d : capture->dropped) info->add_dropped(std::move(d));
        info->set_state_bytes(capture->state.size());
        info->set_variables(capture->variables);
        variables_json = std::move(capture->variables_json);
        new_state = std::move(capture->state);
      }
    }
    result.mutable_session()->set_committed(new_state.has_value());
    // A request that never ran leaves no trace in the session.
    const bool ran = result.status() != api::INVALID_REQUEST && result.status() != api::QUEUE_FULL;
    HistoryRecord record;
    record.at_ms = Now();
    record.code = code;
    record.result = result.SerializeAsString();
    const auto committed =
        ran ? store_->CommitRun(id, new_state, variables_json, std::move(record),
                                Now() + static_cast<std::int64_t>(policy_.ttl_seconds()) * 1000,
                                policy_.history_records())
            : StatusOr<std::uint64_t>(std::uint64_t{0});
    if (!committed.ok()) {
      result.mutable_session()->set_committed(false);
      Log(LogLevel::kWarn, "session_commit_failed", {{"session", id}, {"detail", committed.status().message()}});
    }
    done(std::move(result));
  }
  // The next waiting run, if any.
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  if (it->second.waiting.empty()) {
    slots_.erase(it);
    return;
  }
  Pending next = std::move(it->second.waiting.front());
  it->second.waiting.pop_front();
  Start(id, std::move(next));
}

StatusOr<std::size_t> SessionManager::ExpireNow() {
  // Running sessions are not expired under their run: their commit extends
  // them.
  STOCKADE_ASSIGN_OR_RETURN(std::vector<std::string> gone, store_->Expire(Now()));
  return gone.size();
}

}  // namespace stockade::supervisor
