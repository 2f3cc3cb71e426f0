#include "supervisor/sessions/session_manager.h"


#include <chrono>
#include <unordered_set>
#include <utility>

#include "policy/session_history.h"
#include "policy/truncation.h"
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

// The state and the variables' summary are taken as the worker wrote them
// (the next run's worker treats the state as untrusted input; the summary
// is parsed strictly when a client reads the session); nothing is parsed
// here.
std::optional<Capture> ParseCapture(SessionOut& out) {
  if (out.state.empty()) return std::nullopt;
  Capture c;
  c.state = std::move(out.state);
  if (!out.variables_json.empty()) c.variables_json = std::move(out.variables_json);
  c.variables = out.variables;
  for (std::string& path : out.dropped) {
    if (c.dropped.size() == kMaxDroppedShown) break;
    path.resize(policy::Utf8PrefixLength(path, kMaxDroppedBytes));
    c.dropped.push_back(std::move(path));
  }
  return c;
}

}  // namespace

std::string NewSessionId() { return RandomId("se_"); }

SessionManager::SessionManager(Supervisor& supervisor, std::unique_ptr<SessionStore> store,
                               const policy::SessionPolicy& policy, Clock now)
    : supervisor_(supervisor), store_(std::move(store)), now_(now ? std::move(now) : SystemNowMs) {
  set_policy(policy);
}

void SessionManager::set_policy(const policy::SessionPolicy& policy) {
  policy_ = policy;
  if (Status capped = store_->SetMaxBytes(policy_.max_store_bytes()); !capped.ok()) {
    Log(LogLevel::kWarn, "session_store_cap_failed", {{"detail", capped.message()}});
  } else if (policy_.max_store_bytes() > 0 && store_->max_bytes() > policy_.max_store_bytes()) {
    // Already larger: it keeps its size until sessions are deleted or expire.
    Log(LogLevel::kWarn, "session_store_over_cap",
        {{"bytes", std::to_string(store_->max_bytes())},
         {"max_store_bytes", std::to_string(policy_.max_store_bytes())}});
  }
}

std::string SessionManager::StoreFullDetail() const {
  return "the session store is full (sessions.max_store_bytes: " + std::to_string(store_->max_bytes()) + " bytes)";
}

StatusOr<SessionRecord> SessionManager::Create(const std::string& owner, bool* at_capacity) {
  if (at_capacity) *at_capacity = false;
  STOCKADE_ASSIGN_OR_RETURN(const std::uint64_t all, store_->Count());
  if (all >= policy_.max_sessions()) {
    if (at_capacity) *at_capacity = true;
    return Status::Error("the daemon holds as many sessions as it may (sessions.max_sessions); retry later");
  }
  STOCKADE_ASSIGN_OR_RETURN(const std::uint64_t mine, store_->Count(owner));
  if (mine >= policy_.max_per_key()) {
    if (at_capacity) *at_capacity = true;
    return Status::Error("this key has " + std::to_string(mine) +
                         " sessions, the most sessions.max_per_key allows; delete one first");
  }
  SessionRecord s;
  s.id = NewSessionId();
  s.owner = owner;
  s.created_ms = s.last_active_ms = Now();
  s.expires_ms = s.created_ms + static_cast<std::int64_t>(policy_.ttl_seconds()) * 1000;
  s.variables_json = "[]";
  if (Status made = store_->Create(s); !made.ok()) {
    if (!store_->full()) return made;
    if (at_capacity) *at_capacity = true;
    return Status::Error(StoreFullDetail() + "; delete sessions or retry later");
  }
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
  // An idle session is looked up once, by Start, with its state; one that
  // is busy now, so that a request for a missing session never waits.
  if (slots_.count(id) > 0) {
    auto found = Get(owner, id);
    if (!found.ok()) {
      callbacks.on_done(Answer(api::INTERNAL, found.status().message()));
      return 0;
    }
    if (!*found) {
      callbacks.on_done(Answer(api::INVALID_REQUEST, "no session " + id));
      return 0;
    }
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
    run.callbacks.on_done(found.ok() ? Answer(api::INVALID_REQUEST, "no session " + id)
                                     : Answer(api::INTERNAL, found.status().message()));
    Finish(id, "", api::ExecutionResult(), SessionOut(), nullptr);
    return;
  }
  auto out = std::make_shared<SessionOut>();
  std::string code = run.request.code();
  supervisor_.redactor().RedactText(&code);  // history leaves through the output filter
  policy::TrimCodeForHistory(&code);
  auto done = std::move(run.callbacks.on_done);
  run.callbacks.session_in = std::move((*found)->state);
  run.callbacks.capture_session = true;
  run.callbacks.session_state_bytes = policy_.state_bytes();
  run.callbacks.on_session_out = [out](SessionOut s) { *out = std::move(s); };
  run.callbacks.on_done = [this, id, ticket = run.ticket, code = std::move(code), out, done = std::move(done)](
                              api::ExecutionResult r) mutable {
    tickets_.erase(ticket);
    Finish(id, code, std::move(r), std::move(*out), std::move(done));
  };
  slot.running_execution = supervisor_.Submit(std::move(run.request), std::move(run.callbacks));
}

void SessionManager::Finish(const std::string& id, const std::string& code, api::ExecutionResult result,
                            SessionOut out, Supervisor::DoneCallback done) {
  if (done) {
    api::SessionInfo* info = result.mutable_session();
    info->set_id(id);
    std::optional<std::string> new_state;
    std::string variables_json = "[]";
    if (result.status() == api::OK && out.too_large) {
      result.set_status(api::OUTPUT_LIMIT);
      result.clear_value_json();
      result.set_detail("the session's state would be more than " + std::to_string(policy_.state_bytes()) +
                        " bytes, over sessions.state_bytes; the session is as it was");
    } else if (result.status() == api::OK) {
      std::optional<Capture> capture = ParseCapture(out);
      if (!capture) {
        result = Answer(api::INTERNAL, "the worker answered no session state");
        result.mutable_session()->set_id(id);
      } else if (capture->state.size() + capture->variables_json.size() > policy_.state_bytes()) {
        // The variables' summary (their names) is kept too, so it counts.
        result.set_status(api::OUTPUT_LIMIT);
        result.clear_value_json();
        result.set_detail("the session's state would be " +
                          std::to_string(capture->state.size() + capture->variables_json.size()) +
                          " bytes, over sessions.state_bytes (" + std::to_string(policy_.state_bytes()) +
                          "); the session is as it was");
      } else if (capture->variables > policy_.max_variables()) {
        result.set_status(api::OUTPUT_LIMIT);
        result.clear_value_json();
        result.set_detail("the session would keep " + std::to_string(capture->variables) +
                          " variables, over sessions.max_variables (" + std::to_string(policy_.max_variables()) +
                          "); the session is as it was");
      } else {
        for (auto& d : capture->dropped) {
          supervisor_.redactor().RedactText(&d);  // paths are property names: output like any other
          info->add_dropped(std::move(d));
        }
        info->set_state_bytes(capture->state.size());
        info->set_variables(capture->variables);
        variables_json = std::move(capture->variables_json);
        new_state = std::move(capture->state);
      }
    }
    result.mutable_session()->set_committed(new_state.has_value());
    // A request that never ran (refused, or cancelled before a worker took
    // it) leaves no trace in the session.
    const bool ran = result.status() != api::INVALID_REQUEST && result.status() != api::QUEUE_FULL &&
                     !(result.status() == api::CANCELLED && result.worker_id() == 0);
    HistoryRecord record;
    record.at_ms = Now();
    record.code = code;
    record.result = policy::HistoryCopy(result).SerializeAsString();
    const auto committed =
        ran ? store_->CommitRun(id, new_state, variables_json, std::move(record),
                                Now() + static_cast<std::int64_t>(policy_.ttl_seconds()) * 1000,
                                policy_.history_records())
            : StatusOr<std::uint64_t>(std::uint64_t{0});
    if (!committed.ok()) {
      // The run's own outcome stands; what it left was not kept, and the
      // answer must say so, not describe a state that is not there.
      const bool full = store_->full();
      Log(full ? LogLevel::kWarn : LogLevel::kError, full ? "session_store_full" : "session_commit_failed",
          {{"session", id}, {"detail", committed.status().message()}});
      api::SessionInfo* failed = result.mutable_session();
      failed->set_committed(false);
      failed->clear_dropped();
      failed->set_state_bytes(0);
      failed->set_variables(0);
      if (full && result.status() == api::OK) {
        // A limit, like a state over sessions.state_bytes: the run's value
        // is not what the session now holds, so it is not an OK. (A failed
        // run keeps its own status; only its history record is missing.)
        result.set_status(api::OUTPUT_LIMIT);
        result.clear_value_json();
        result.set_detail(StoreFullDetail() + ": this run's state and history were not kept; the session is as it "
                          "was. Delete sessions, or raise the limit");
      } else if (result.status() == api::OK) {
        result.set_status(api::INTERNAL);
        result.set_detail("the run ended, but the session could not record it (deleted, expired, or the store "
                          "failed; the daemon's log says which): the session is as it was");
      }
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
  // Sessions running or waited for are not expired under their runs: their
  // commits extend them.
  std::unordered_set<std::string> busy;
  for (const auto& [id, slot] : slots_) busy.insert(id);
  STOCKADE_ASSIGN_OR_RETURN(std::vector<std::string> gone, store_->Expire(Now(), 100, busy));
  return gone.size();
}

}  // namespace stockade::supervisor
