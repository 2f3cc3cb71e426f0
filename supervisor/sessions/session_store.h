// The session store: sessions, their state and their history, in one
// SQLite database (WAL mode) under the state directory, or in memory for
// `stockade run`.
//
// Everything a run changes is one transaction (CommitRun): the new state,
// the history record, the trimmed history and the metadata, so a crash
// (kill -9 included: WAL with synchronous=NORMAL loses no committed
// transaction when the process dies) leaves either the state before the
// run or the state after it, never a torn one. The schema is versioned
// (PRAGMA user_version) and migrated forward on open; a file that is not a
// database, fails its integrity check or comes from a newer Stockade is
// refused with an error naming it, never silently reset (Open's `reset`
// moves it aside instead, for --reset-state).
//
// The store keeps what it is given: the state is the worker's encoding
// (opaque here) and history records are results as they left the output
// filter. Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "proto/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stockade::supervisor {

struct SessionRecord {
  std::string id;
  std::string owner;                 // the API key's owner; "" without keys
  std::int64_t created_ms = 0;       // Unix time, milliseconds
  std::int64_t last_active_ms = 0;
  std::int64_t expires_ms = 0;       // last activity + TTL
  std::uint64_t executions = 0;      // runs committed (successful or not)
  std::string state;                 // the worker's encoding; "" for a new session
  std::uint64_t state_bytes = 0;     // its size (also when `state` was not read)
  std::string variables_json;        // [{"name", "bytes"}], the worker's summary
};

struct HistoryRecord {
  std::uint64_t seq = 0;             // 1, 2, ... per session, in execution order
  std::int64_t at_ms = 0;
  std::string code;
  std::string result;                // api::ExecutionResult, serialized, filtered
};

class SessionStore {
 public:
  // `path` is a file, or ":memory:". With `reset`, a file that cannot be
  // used is renamed to PATH.unusable-<unix seconds> and a new one made.
  static StatusOr<std::unique_ptr<SessionStore>> Open(const std::string& path, bool reset = false);
  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // The schema version this build writes.
  static constexpr int kSchemaVersion = 2;

  Status Create(const SessionRecord& session);
  // Without `with_state`, the metadata only (state_bytes still set).
  StatusOr<std::optional<SessionRecord>> Get(const std::string& id, bool with_state = true);
  // The owner's sessions in id order, after `after_id` (exclusive), at
  // most `limit`; the state is left out (metadata only).
  StatusOr<std::vector<SessionRecord>> List(const std::string& owner, const std::string& after_id,
                                            std::uint32_t limit);
  // False when there was no such session.
  StatusOr<bool> Delete(const std::string& id);

  // A run's outcome, in one transaction: the history record (its seq is
  // assigned here and returned), the history trimmed to its last
  // `keep_history` records (every 16th run: until then History may find up
  // to 15 older ones, so ask it for at most keep_history), executions + 1,
  // last activity and expiry; and,
  // when `new_state` is given (the run succeeded), the state and variables.
  // A session deleted meanwhile is an error.
  StatusOr<std::uint64_t> CommitRun(const std::string& id, const std::optional<std::string>& new_state,
                                    const std::string& variables_json, HistoryRecord record,
                                    std::int64_t expires_ms, std::uint32_t keep_history);
  // The last `limit` records, oldest first.
  StatusOr<std::vector<HistoryRecord>> History(const std::string& id, std::uint32_t limit);

  // Deletes at most `most` of the sessions whose expiry is at or before
  // `now_ms`, the longest expired first, except those `keep` holds; their
  // ids. (In batches, so that thousands expiring at once do not hold the
  // caller for long.)
  StatusOr<std::vector<std::string>> Expire(std::int64_t now_ms, std::uint32_t most = 100,
                                            const std::unordered_set<std::string>& keep = {});
  // Sessions in all, or the owner's.
  StatusOr<std::uint64_t> Count(const std::optional<std::string>& owner = std::nullopt);

  const std::string& path() const { return path_; }
  // Whether the last Create or CommitRun failed because the store is at its
  // cap: the caller's answer is "full", not "the store failed".
  bool full() const { return full_; }
  // Caps the database at `max_bytes` (SQLite's max_page_count; 0: SQLite's
  // own limit). A write that would grow it past the cap fails, and full()
  // says so, while deletions and writes into freed pages go on. A store
  // already larger keeps its size as the cap: SQLite does not shrink it.
  Status SetMaxBytes(std::uint64_t max_bytes);
  // The cap in force, in bytes.
  std::uint64_t max_bytes() const { return max_bytes_; }

 private:
  SessionStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // One statement (no parameters) run to completion.
  Status Exec(const char* sql);
  Status Error(const char* what) const;
  // The statement for `sql` (a string literal: cached by its address),
  // prepared on first use; nullptr when it cannot be.
  sqlite3_stmt* Prepare(const char* sql);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
  bool full_ = false;
  std::uint64_t max_bytes_ = 0;
};

}  // namespace stockade::supervisor
