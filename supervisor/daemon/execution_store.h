// ExecutionStore: the daemon's record of every execution it accepted.
//
// Each record has a random external id ("ex_" + 128 bits of hex, so ids
// cannot be guessed or enumerated), the name of the key that created it (no
// other key can see it: lookups by another owner answer "not found"), its
// state, the console lines so far and, once done, the typed result. Waiters
// (a synchronous POST, an SSE stream) block on the record's `changed` timer,
// which is cancelled whenever the record changes.
//
// What is kept is bounded, because one client asking for large results in a
// loop must not be able to exhaust the daemon's memory: finished records
// are counted in bytes (result, console and bookkeeping) against a total
// and a per-key share, and by number; over any bound the oldest finished
// record (of all, or of the key over its share) is evicted. A record stays
// for the retention time at most, and for a short window only once its
// result has been answered to a synchronous request. An evicted or expired
// id leaves a small tombstone so a later GET answers 410 Gone with the
// reason instead of a misleading 404; tombstones are bounded in number too.
//
// Lives on the supervisor's io thread; no locks.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "proto/api.pb.h"

namespace stockade::supervisor {

class ExecutionStore;

struct ExecutionRecord {
  explicit ExecutionRecord(boost::asio::io_context& io) : changed(io) {
    changed.expires_at(std::chrono::steady_clock::time_point::max());
  }
  std::string id;
  std::uint64_t execution_id = 0;  // the pool's id, for Cancel
  std::uint64_t session_ticket = 0;  // a run in a session: SessionManager's, for Cancel
  std::string owner;               // API key name ("" without auth)
  api::ExecutionState state = api::QUEUED;
  // Lines streamed while the run goes on. Once DONE they are the result's
  // console (the same lines), and this copy is dropped: use ConsoleSize and
  // ConsoleLine, which read whichever holds them.
  std::vector<api::ConsoleLine> console;
  api::ExecutionResult result;     // valid when state == DONE
  std::string created_at;          // RFC 3339
  std::chrono::steady_clock::time_point finished_at;
  boost::asio::steady_timer changed;  // cancelled on every change

  void Notify() { changed.cancel(); }
  std::size_t ConsoleSize() const {
    return state == api::DONE ? static_cast<std::size_t>(result.console_size()) : console.size();
  }
  const api::ConsoleLine& ConsoleLine(std::size_t i) const {
    return state == api::DONE ? result.console(static_cast<int>(i)) : console[i];
  }

 private:
  friend class ExecutionStore;
  using Position = std::list<ExecutionRecord*>::iterator;
  std::uint64_t retained_bytes_ = 0;  // counted while retained
  std::optional<Position> by_age_;    // in ExecutionStore::by_age_
  std::optional<Position> by_owner_;  // in its owner's list
  std::optional<Position> delivered_; // in ExecutionStore::delivered_
  std::chrono::steady_clock::time_point delivered_at_;
};

// Why a record is gone; a GET of its id answers 410 with this reason.
enum class GoneReason : std::uint8_t {
  kExpired,     // past result_retention_ms
  kDelivered,   // answered to a synchronous POST, then past delivered_retention_ms
  kBytes,       // evicted: all retained results over max_retained_bytes
  kKeyShare,    // evicted: this key's results over max_retained_bytes_per_key
  kCount,       // evicted: more than max_retained records
};
const char* GoneReasonName(GoneReason reason);  // "expired", "key_share" ... (metric label)

struct RetentionLimits {
  std::chrono::milliseconds retention{600000};
  std::chrono::milliseconds delivered_retention{10000};
  std::size_t max_records = 10000;
  std::uint64_t max_bytes = 256ull << 20;
  std::uint64_t max_bytes_per_key = 128ull << 20;
  std::size_t max_tombstones = 65536;
};

class ExecutionStore {
 public:
  ExecutionStore(boost::asio::io_context& io, RetentionLimits limits);
  ~ExecutionStore();

  // Called for every record dropped, with the reason (metrics).
  void OnGone(std::function<void(GoneReason)> hook) { on_gone_ = std::move(hook); }

  std::shared_ptr<ExecutionRecord> Create(const std::string& owner);
  // nullptr when unknown, gone, or owned by someone else.
  std::shared_ptr<ExecutionRecord> Find(const std::string& id, const std::string& owner);
  // Why `id` of `owner` is gone, if it was this owner's and is remembered.
  std::optional<GoneReason> Gone(const std::string& id, const std::string& owner) const;
  // The 410 message for a gone record.
  std::string GoneMessage(const std::string& id, GoneReason reason) const;

  void MarkRunning(ExecutionRecord& record);
  void AddLine(ExecutionRecord& record, const api::ConsoleLine& line);
  void Finish(ExecutionRecord& record, api::ExecutionResult result);
  // Its result was answered to a synchronous request: keep it only for the
  // delivered window from now.
  void MarkDelivered(ExecutionRecord& record);
  // It never ran (refused at submission, answered with an HTTP error that
  // carries no id): nobody can ask for it, so it goes now, without a
  // tombstone, and does not push anyone else's results out.
  void Forget(ExecutionRecord& record);

  // Unfinished executions of one owner (for the per-key fairness cap).
  std::uint32_t InFlight(const std::string& owner) const;
  std::vector<std::shared_ptr<ExecutionRecord>> Unfinished() const;
  std::size_t size() const { return records_.size(); }
  std::size_t retained() const { return by_age_.size(); }
  std::uint64_t retained_bytes() const { return retained_bytes_; }
  const RetentionLimits& limits() const { return limits_; }

  // Drops what is past its time or over a bound. Runs on every Finish and,
  // once StartSweeping is called, every second, so memory is given back
  // when the daemon is quiet too.
  void Sweep();
  void StartSweeping();

 private:
  struct Owner {
    std::list<ExecutionRecord*> by_age;  // finished, retained; oldest first
    std::uint64_t bytes = 0;
    std::uint32_t in_flight = 0;
  };
  using IdBytes = std::array<std::uint8_t, 16>;
  struct IdHash {
    std::size_t operator()(const IdBytes& id) const;
  };
  struct Tombstone {
    std::uint64_t owner_hash;
    GoneReason reason;
  };

  void Drop(ExecutionRecord& record, GoneReason reason);
  void Unindex(ExecutionRecord& record);
  // A key's share of the record count, in the same proportion as its
  // share of the bytes.
  std::size_t MaxRecordsPerKey() const;
  void Bury(const std::string& id, const std::string& owner, GoneReason reason);
  void ScheduleSweep();

  boost::asio::io_context& io_;
  RetentionLimits limits_;
  std::function<void(GoneReason)> on_gone_;
  std::unordered_map<std::string, std::shared_ptr<ExecutionRecord>> records_;
  std::unordered_map<std::string, Owner> owners_;
  std::list<ExecutionRecord*> by_age_;     // finished, retained; oldest first
  std::list<ExecutionRecord*> delivered_;  // delivered, retained; oldest delivery first
  std::uint64_t retained_bytes_ = 0;
  std::unordered_map<IdBytes, Tombstone, IdHash> tombstones_;
  std::deque<IdBytes> tombstone_order_;    // oldest first
  std::unique_ptr<boost::asio::steady_timer> sweeper_;
};

std::string NewExecutionId();
std::string Rfc3339Now();
std::string Rfc3339(std::int64_t unix_ms);  // to the second, UTC
// Bytes a finished record holds (its result, its strings, and a fixed
// allowance for the record, the maps and lists that index it).
std::uint64_t RetainedBytes(const ExecutionRecord& record);

}  // namespace stockade::supervisor
