#include "supervisor/daemon/daemon_metrics.h"

#include "policy/outcome.h"
#include "supervisor/daemon/byte_budget.h"
#include "supervisor/daemon/connection_table.h"
#include "supervisor/daemon/execution_store.h"
#include "supervisor/pool/supervisor.h"
#include "supervisor/sessions/session_manager.h"

namespace stockade::supervisor {

DaemonMetrics::DaemonMetrics()
    : executions_(registry_.AddCounter("stockade_executions_total",
                                       "Executions answered, by typed outcome.", {"status"})),
      queue_wait_(registry_.AddHistogram("stockade_queue_wait_seconds",
                                         "Time from submission to a worker taking the run.", {},
                                         DefaultLatencyBuckets())),
      run_time_(registry_.AddHistogram("stockade_run_seconds",
                                       "Time from a worker taking the run to its result.", {},
                                       DefaultLatencyBuckets())),
      recycles_(registry_.AddCounter("stockade_worker_recycles_total",
                                     "Workers retired and replaced, by reason.", {"reason"})),
      spawn_latency_(registry_.AddHistogram("stockade_worker_spawn_seconds",
                                            "Worker spawn to Ready.", {}, DefaultLatencyBuckets())),
      spawn_failures_(registry_.AddCounter("stockade_worker_spawn_failures_total",
                                           "Workers that failed to become ready.")),
      violations_(registry_.AddCounter("stockade_policy_violations_total",
                                       "Workers killed for a forbidden syscall, by syscall.",
                                       {"syscall"})),
      rejections_(registry_.AddCounter("stockade_rejections_total",
                                       "Requests refused before running, by reason.", {"reason"})),
      http_requests_(registry_.AddCounter("stockade_http_requests_total",
                                          "HTTP requests answered, by status code.", {"code"})),
      evictions_(registry_.AddCounter(
          "stockade_retained_evictions_total",
          "Finished executions dropped from the store, by reason (expired, delivered, bytes, "
          "key_share, count); a GET of one answers 410.",
          {"reason"})),
      shed_(registry_.AddCounter("stockade_connections_shed_total",
                                 "Quiet client connections closed to make room for new ones at the cap.")),
      refused_(registry_.AddCounter("stockade_connections_refused_total",
                                    "Client connections turned away, by reason (cap: at the cap with "
                                    "none quiet; fd_limit: accept failed for want of descriptors).",
                                    {"reason"})) {}

PoolEvents DaemonMetrics::PoolHooks() {
  PoolEvents events;
  events.recycled = [this](std::string_view reason) { recycles_.With({std::string(reason)}).Inc(); };
  events.spawned = [this](double seconds) { spawn_latency_.With({}).Observe(seconds); };
  events.spawn_failed = [this] { spawn_failures_.With({}).Inc(); };
  events.finished = [this](const api::ExecutionResult& r) { Finished(r); };
  return events;
}

void DaemonMetrics::Finished(const api::ExecutionResult& r) {
  executions_.With({std::string(policy::StatusName(r.status()))}).Inc();
  if (r.status() == api::POLICY_VIOLATION) violations_.With({r.violation_syscall()}).Inc();
  if (r.metrics().run_time_us() > 0) {
    queue_wait_.With({}).Observe(static_cast<double>(r.metrics().queue_time_us()) / 1e6);
    run_time_.With({}).Observe(static_cast<double>(r.metrics().run_time_us()) / 1e6);
  }
}

void DaemonMetrics::WatchSupervisor(Supervisor& supervisor) {
  // Scrapes are rendered on the io thread (the HTTP server runs there), so
  // reading the pool directly is safe.
  registry_.AddGaugeCallback("stockade_workers", "Workers by state.", {"state"}, [&supervisor] {
    PoolStats s = supervisor.StatsOnIoThread();
    return GaugeSamples{{{"starting"}, static_cast<double>(s.starting)},
                        {{"idle"}, static_cast<double>(s.idle)},
                        {{"busy"}, static_cast<double>(s.busy)}};
  });
  registry_.AddGaugeCallback("stockade_queue_depth", "Requests waiting for a worker.", {},
                             [&supervisor] {
                               return GaugeSamples{
                                   {{}, static_cast<double>(supervisor.StatsOnIoThread().queued)}};
                             });
}

void DaemonMetrics::WatchMemory(const ExecutionStore& store, const ByteBudget& buffers) {
  registry_.AddGaugeCallback("stockade_retained_executions", "Finished executions kept for GET.", {},
                             [&store] { return GaugeSamples{{{}, static_cast<double>(store.retained())}}; });
  registry_.AddGaugeCallback("stockade_retained_bytes",
                             "Bytes held by finished executions kept for GET (bounded by "
                             "daemon.max_retained_bytes).",
                             {}, [&store] { return GaugeSamples{{{}, static_cast<double>(store.retained_bytes())}}; });
  registry_.AddGaugeCallback("stockade_buffered_bytes",
                             "Request bodies and large replies held at once (bounded by "
                             "daemon.max_buffered_bytes).",
                             {}, [&buffers] { return GaugeSamples{{{}, static_cast<double>(buffers.in_use())}}; });
}

void DaemonMetrics::WatchSessions(SessionManager& sessions) {
  registry_.AddGaugeCallback("stockade_sessions", "Sessions the store holds (bounded by sessions.max_sessions).", {},
                             [&sessions] {
                               auto n = sessions.Count();
                               return n.ok() ? GaugeSamples{{{}, static_cast<double>(*n)}} : GaugeSamples{};
                             });
  registry_.AddGaugeCallback("stockade_session_runs",
                             "Runs in sessions: running, and waiting behind a session's running one.", {"state"},
                             [&sessions] {
                               return GaugeSamples{{{"running"}, static_cast<double>(sessions.Running())},
                                                   {{"waiting"}, static_cast<double>(sessions.Waiting())}};
                             });
}

void DaemonMetrics::WatchConnections(const ConnectionTable& table) {
  registry_.AddGaugeCallback("stockade_connections", "Open client connections, and the cap.", {"kind"},
                             [&table] {
                               return GaugeSamples{{{"open"}, static_cast<double>(table.open())},
                                                   {{"max"}, static_cast<double>(table.cap())}};
                             });
}

}  // namespace stockade::supervisor
