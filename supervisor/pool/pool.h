// Pool: pre-warmed workers, a bounded FIFO queue, and recycling.
//
// The pool owns `size` slots. Each slot is one coroutine that spawns a
// worker, waits for Ready, then serves jobs until policy::ShouldRecycle*
// says to retire it (or it dies), and spawns the replacement: the pool stays
// at size without a separate manager. Idle workers wait in FIFO order, so the
// worker that just finished (and is building its next clean environment) is
// the last to be picked. Requests that find no idle worker wait in a bounded
// queue with a deadline; a full queue answers QUEUE_FULL at once with a
// retry hint instead of growing.
//
// Everything here runs on one io_context thread; Submit and Cancel must be
// called on it (the Supervisor facade posts to it).
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "policy/recycle.h"
#include "policy/redaction.h"
#include "proto/api.pb.h"
#include "proto/policy.pb.h"
#include "proto/worker.pb.h"
#include "supervisor/pool/worker_process.h"

namespace stockade::supervisor {

// What a worker's session capture gave (Execute.capture_session;
// docs/DESIGN.md, "Session state").
struct SessionOut {
  std::string state;            // the state's JSON text, as the worker wrote it
  std::string variables_json;   // [{"name","bytes"}], as the worker wrote it
  std::uint32_t variables = 0;  // entries of variables_json
  std::vector<std::string> dropped;  // paths of what the session could not keep
  bool too_large = false;       // past Execute.session_state_bytes: no state
};

using Clock = std::chrono::steady_clock;

struct Job {
  wire::Execute execute;  // code, id and effective limits
  std::function<void()> on_start;  // optional: a worker has taken the job
  ConsoleSink on_line;    // optional, called on the io thread
  std::function<void(api::ExecutionResult)> on_done;  // exactly once
  // Optional: true when on_done will run the request again in another form
  // (JavaScript Duktape refused, to be lowered). Such an answer is not the
  // request's outcome: it is left out of the stats and the finished event.
  std::function<bool(const api::ExecutionResult&)> answered_again;
  // Optional: the worker's session capture (Execute.capture_session), given
  // before on_done when the worker answered.
  std::function<void(SessionOut)> on_session_out;
  Clock::time_point submitted = Clock::now();

  // Pool bookkeeping.
  bool finished = false;
  std::shared_ptr<WorkerProcess> running_on;
  std::unique_ptr<boost::asio::steady_timer> queue_timer;
  api::ExecutionResult result;
};

// Hooks for observers (metrics): called on the io thread, all optional.
struct PoolEvents {
  std::function<void(std::string_view reason)> recycled;
  std::function<void(double seconds)> spawned;  // spawn -> Ready
  std::function<void()> spawn_failed;
  std::function<void(const api::ExecutionResult&)> finished;  // every answered job
};

struct WorkerInfo {
  std::uint64_t id = 0;
  pid_t pid = 0;
  WorkerProcess::State state = WorkerProcess::State::kStarting;
  std::uint32_t executions = 0;
  std::string cgroup_join;  // how it got into its cgroup (CgroupJoinName); "" without one
};

struct PoolStats {
  std::uint32_t starting = 0;
  std::uint32_t idle = 0;
  std::uint32_t busy = 0;
  std::uint32_t queued = 0;
  std::uint64_t spawned = 0;        // workers that became ready
  std::uint64_t spawn_failures = 0;
  std::uint64_t completed = 0;      // jobs answered, any status
  std::uint64_t answered_again = 0; // answers not counted: the job ran again (Job::answered_again)
  std::map<std::string, std::uint64_t> recycles;  // by policy::RecycleReasonName
  std::map<std::string, std::uint64_t> outcomes;  // by status name
  std::uint64_t last_spawn_us = 0;  // spawn -> Ready of the latest worker
  std::vector<WorkerInfo> workers;  // every live worker
};

class Pool {
 public:
  Pool(boost::asio::io_context& io, const policy::Policy& policy, WorkerConfig config,
       PoolEvents events = {});

  // A new policy (SIGHUP): new workers are started with it; idle workers are
  // replaced now and busy ones after their run (recycle reason "reload").
  // The pool grows or shrinks to the new size.
  void Reload(const policy::Policy& policy, WorkerConfig config);
  ~Pool();

  void Start();
  void Submit(std::shared_ptr<Job> job);
  // Drops a queued job or kills the worker running it; false if unknown.
  bool Cancel(std::uint64_t execution_id);
  // Stops spawning, answers queued jobs CANCELLED and retires idle workers;
  // running jobs finish (or are cancelled when kill_running). on_stopped runs
  // once every worker is reaped.
  void Shutdown(bool kill_running, std::function<void()> on_stopped);

  PoolStats Stats() const;
  // Counts an answer given without a run of this pool (a request the
  // compiler refused, or one cancelled while it was being lowered) in the
  // stats and the finished event, as a run's would be.
  void RecordOutcome(const api::ExecutionResult& result);
  // The output filter of the current policy, for text leaving by other
  // ways than a result (logged code).
  const std::shared_ptr<const policy::Redactor>& redactor() const { return redactor_; }
  const WorkerConfig& worker_config() const { return *config_; }

 private:
  struct IdleWaiter;

  // elastic: an extra slot started under load, ended when idle.
  void SpawnSlot(bool elastic);
  boost::asio::awaitable<void> RunSlot(bool elastic);
  // The next job for `worker`, or nullptr with *reason set (idle, shrink,
  // unresponsive, memory growth, died, shutdown). Heartbeats happen here.
  boost::asio::awaitable<std::shared_ptr<Job>> NextJob(std::shared_ptr<WorkerProcess> worker,
                                                       bool elastic, policy::RecycleReason* reason);
  std::shared_ptr<Job> PopQueued();
  boost::asio::awaitable<policy::RecycleReason> RunJob(std::shared_ptr<WorkerProcess> worker,
                                                       std::shared_ptr<Job> job,
                                                       std::deque<bool>* recent);
  void Finish(Job& job, api::ExecutionResult result);
  bool HandToIdleWorker(std::shared_ptr<Job>& job);  // moves job only on success
  void Requeue(std::shared_ptr<Job> job);
  void ArmQueueDeadline(const std::shared_ptr<Job>& job);
  void OnQueueDeadline(const std::shared_ptr<Job>& job);
  void SlotEnded();
  bool Broken() const;
  void FailQueued();

  boost::asio::io_context& io_;
  std::shared_ptr<const policy::Policy> policy_;
  std::shared_ptr<const policy::Redactor> redactor_;  // compiled from policy_
  std::shared_ptr<const WorkerConfig> config_;
  std::uint64_t generation_ = 0;       // bumped by Reload
  std::uint32_t base_slots_ = 0;       // of live_slots_, the non-elastic ones
  const PoolEvents events_;
  bool stopping_ = false;
  std::uint32_t live_slots_ = 0;
  std::uint32_t elastic_slots_ = 0;  // of live_slots_, started under load
  std::uint64_t next_worker_id_ = 0;
  std::uint32_t consecutive_spawn_failures_ = 0;
  std::string last_spawn_error_;
  std::function<void()> on_stopped_;

  std::deque<std::shared_ptr<Job>> queue_;
  // Every unfinished job by execution id: queued, handed over or running.
  std::unordered_map<std::uint64_t, std::weak_ptr<Job>> jobs_;
  std::list<IdleWaiter*> idle_;
  std::list<std::shared_ptr<WorkerProcess>> workers_;  // every live worker
  PoolStats stats_;
  // Filters large results (OutputFilter) so the io thread, which serves every
  // other worker and connection, is not held for tens of milliseconds.
  boost::asio::thread_pool filter_{1};
  // Last member: joined first on destruction, after every worker is gone.
  boost::asio::thread_pool spawner_{1};
};

}  // namespace stockade::supervisor
