// Sessions over the embedded API: made, read, listed and deleted per owner,
// and runs in them — one at a time per session, the state restored into
// the run and the state it leaves committed with its history record in one
// store transaction (SessionStore::CommitRun).
//
// A request on a session that is running waits behind it, up to
// sessions.max_waiting requests; one more is answered at once, QUEUE_FULL
// with "session … is busy" (the daemon's 409). A run that fails (error,
// timeout, a dead worker, ...) is recorded in the history and leaves the
// state as it was; so does a run whose state would pass sessions.state_bytes
// or sessions.max_variables, which answers OUTPUT_LIMIT. A session belongs
// to the owner that made it: for anyone else it does not exist.
//
// On the Supervisor's io thread only; the store is used synchronously (a
// commit is one WAL append, no fsync).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"
#include "proto/status.h"
#include "supervisor/pool/supervisor.h"
#include "supervisor/sessions/session_store.h"

namespace stockade::supervisor {

class SessionManager {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix time, milliseconds

  SessionManager(Supervisor& supervisor, std::unique_ptr<SessionStore> store, const policy::SessionPolicy& policy,
                 Clock now = nullptr);

  // A new session of `owner`; an error when the owner or everyone has as
  // many as the policy allows (then *at_capacity is set), or the store
  // failed.
  StatusOr<SessionRecord> Create(const std::string& owner, bool* at_capacity = nullptr);
  // The session if it exists and is `owner`'s: metadata, and the state
  // with `with_state`.
  StatusOr<std::optional<SessionRecord>> Get(const std::string& owner, const std::string& id,
                                             bool with_state = false);
  StatusOr<std::vector<SessionRecord>> List(const std::string& owner, const std::string& after_id,
                                            std::uint32_t limit);
  // False when there is no such session of `owner`. A run in progress
  // finishes, and its commit finds the session gone (committed: false).
  StatusOr<bool> Delete(const std::string& owner, const std::string& id);
  // The newest `limit` records (at most sessions.history_records), oldest
  // first; nullopt when there is no such session of `owner`.
  StatusOr<std::optional<std::vector<HistoryRecord>>> History(const std::string& owner, const std::string& id,
                                                              std::uint32_t limit);

  // Runs `request` in session `id` of `owner`. callbacks.on_done is called
  // exactly once: with the run's result (and result.session), or at once,
  // without result.session, with INVALID_REQUEST (no such session) or
  // QUEUE_FULL (busy). The callbacks' session fields are the manager's own.
  // Results of requests that never ran (refused by validation or a full
  // pool, cancelled while waiting) are not recorded in the history. The
  // ticket names the run for Cancel; 0 when it was answered at once.
  std::uint64_t Run(const std::string& owner, const std::string& id, api::ExecuteRequest request,
                    Supervisor::Callbacks callbacks);
  // Cancels a run: one waiting for its session is answered CANCELLED at
  // once; a running one is cancelled as Supervisor::Cancel does (recorded,
  // session unchanged). A finished or unknown ticket: nothing.
  void Cancel(std::uint64_t ticket);

  // Deletes the sessions unused past their TTL (none that is running);
  // how many.
  StatusOr<std::size_t> ExpireNow();

  // Also caps the store at sessions.max_store_bytes.
  void set_policy(const policy::SessionPolicy& policy);

  // For metrics: sessions in the store; runs in sessions now, and requests
  // waiting behind them.
  StatusOr<std::uint64_t> Count() { return store_->Count(); }
  std::size_t Running() const { return slots_.size(); }
  std::size_t Waiting() const {
    std::size_t n = 0;
    for (const auto& [id, slot] : slots_) n += slot.waiting.size();
    return n;
  }

 private:
  // "the session store is full (sessions.max_store_bytes: N bytes)".
  std::string StoreFullDetail() const;
  struct Pending {
    std::uint64_t ticket = 0;
    std::string owner;
    api::ExecuteRequest request;
    Supervisor::Callbacks callbacks;
  };
  struct Slot {
    bool running = false;
    std::uint64_t running_ticket = 0;
    std::uint64_t running_execution = 0;  // Supervisor's id of the running one
    std::deque<Pending> waiting;
  };

  void Start(const std::string& id, Pending run);
  void Finish(const std::string& id, const std::string& code, api::ExecutionResult result, SessionOut out,
              Supervisor::DoneCallback done);
  std::int64_t Now() const { return now_(); }

  Supervisor& supervisor_;
  std::unique_ptr<SessionStore> store_;
  policy::SessionPolicy policy_;
  Clock now_;
  std::unordered_map<std::string, Slot> slots_;  // sessions running or waited for
  std::unordered_map<std::uint64_t, std::string> tickets_;  // runs not yet finished -> session
  std::uint64_t next_ticket_ = 1;
};

// "se_" and 32 hex digits from the kernel's random source.
std::string NewSessionId();

}  // namespace stockade::supervisor
