// ExecutionStore: the daemon's record of every execution it accepted.
//
// Each record has a random external id ("ex_" + 128 bits of hex, so ids
// cannot be guessed or enumerated), the name of the key that created it (no
// other key can see it: lookups by another owner answer "not found"), its
// state, the console lines so far and, once done, the typed result. Waiters
// (a synchronous POST, an SSE stream) block on the record's `changed` timer,
// which is cancelled whenever the record changes. Finished records are kept
// for a retention time and up to a count, then dropped oldest first.
//
// Lives on the supervisor's io thread; no locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "proto/api.pb.h"

namespace stockade::supervisor {

struct ExecutionRecord {
  explicit ExecutionRecord(boost::asio::io_context& io) : changed(io) {
    changed.expires_at(std::chrono::steady_clock::time_point::max());
  }
  std::string id;
  std::uint64_t execution_id = 0;  // the pool's id, for Cancel
  std::string owner;               // API key name ("" without auth)
  api::ExecutionState state = api::QUEUED;
  std::vector<api::ConsoleLine> console;
  api::ExecutionResult result;     // valid when state == DONE
  std::string created_at;          // RFC 3339
  std::chrono::steady_clock::time_point finished_at;
  boost::asio::steady_timer changed;  // cancelled on every change

  void Notify() { changed.cancel(); }
};

class ExecutionStore {
 public:
  ExecutionStore(boost::asio::io_context& io, std::chrono::milliseconds retention,
                 std::size_t max_retained);

  std::shared_ptr<ExecutionRecord> Create(const std::string& owner);
  // nullptr when unknown, expired, or owned by someone else.
  std::shared_ptr<ExecutionRecord> Find(const std::string& id, const std::string& owner) const;

  void MarkRunning(ExecutionRecord& record);
  void AddLine(ExecutionRecord& record, const api::ConsoleLine& line);
  void Finish(ExecutionRecord& record, api::ExecutionResult result);

  // Unfinished executions of one owner (for the per-key fairness cap).
  std::uint32_t InFlight(const std::string& owner) const;
  std::vector<std::shared_ptr<ExecutionRecord>> Unfinished() const;
  std::size_t size() const { return records_.size(); }

  // Drops finished records past retention or over the count.
  void Sweep();

  api::Execution ToApi(const ExecutionRecord& record) const;

 private:
  boost::asio::io_context& io_;
  std::chrono::milliseconds retention_;
  std::size_t max_retained_;
  std::unordered_map<std::string, std::shared_ptr<ExecutionRecord>> records_;
  std::deque<std::string> finished_order_;  // oldest first
  std::unordered_map<std::string, std::uint32_t> in_flight_;
};

std::string NewExecutionId();
std::string Rfc3339Now();

}  // namespace stockade::supervisor
