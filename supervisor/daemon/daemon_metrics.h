// The daemon's Prometheus metrics, in one place: names, help, labels and
// buckets. Fed by pool events, the API service and the HTTP server; pool
// state (workers by state, queue depth) is read at scrape time.
#pragma once

#include <string>
#include <string_view>

#include "proto/api.pb.h"
#include "supervisor/common/metrics.h"
#include "supervisor/pool/pool.h"

namespace stockade::supervisor {

class Supervisor;
class ExecutionStore;
class ByteBudget;
class ConnectionTable;
class SessionManager;

class DaemonMetrics {
 public:
  DaemonMetrics();

  // Hooks to pass in SupervisorOptions::events.
  PoolEvents PoolHooks();
  // Registers the scrape-time gauges that read the supervisor's pool.
  void WatchSupervisor(Supervisor& supervisor);

  // Scrape-time gauges of what the daemon holds: retained executions and
  // their bytes, buffered request and reply bytes, open connections.
  void WatchMemory(const ExecutionStore& store, const ByteBudget& buffers);
  void WatchConnections(const ConnectionTable& table);
  // Scrape-time gauges of sessions: how many the store holds, runs in
  // sessions and requests waiting behind them.
  void WatchSessions(SessionManager& sessions);

  void Rejected(std::string_view reason) { rejections_.With({std::string(reason)}).Inc(); }
  void RetainedGone(std::string_view reason) { evictions_.With({std::string(reason)}).Inc(); }
  void ConnectionsShed(std::uint64_t n) {
    if (n > 0) shed_.With({}).Inc(static_cast<double>(n));
  }
  void ConnectionRefused(std::string_view reason) { refused_.With({std::string(reason)}).Inc(); }
  void HttpRequest(unsigned code) { http_requests_.With({std::to_string(code)}).Inc(); }

  std::string Render() const { return registry_.Render(); }

 private:
  void Finished(const api::ExecutionResult& result);

  MetricsRegistry registry_;
  CounterFamily& executions_;
  HistogramFamily& queue_wait_;
  HistogramFamily& run_time_;
  CounterFamily& recycles_;
  HistogramFamily& spawn_latency_;
  CounterFamily& spawn_failures_;
  CounterFamily& violations_;
  CounterFamily& rejections_;
  CounterFamily& http_requests_;
  CounterFamily& evictions_;
  CounterFamily& shed_;
  CounterFamily& refused_;
};

}  // namespace stockade::supervisor
