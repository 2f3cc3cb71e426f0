// The daemon's Prometheus metrics, in one place: names, help, labels and
// buckets. Fed by pool events, the API service and the HTTP server; pool
// state (workers by state, queue depth) is read at scrape time.
#pragma once

#include <string>
#include <string_view>

#include "proto/api.pb.h"
#include "supervisor/metrics.h"
#include "supervisor/pool.h"

namespace stockade::supervisor {

class Supervisor;

class DaemonMetrics {
 public:
  DaemonMetrics();

  // Hooks to pass in SupervisorOptions::events.
  PoolEvents PoolHooks();
  // Registers the scrape-time gauges that read the supervisor's pool.
  void WatchSupervisor(Supervisor& supervisor);

  void Rejected(std::string_view reason) { rejections_.With({std::string(reason)}).Inc(); }
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
};

}  // namespace stockade::supervisor
