#include "supervisor/pool/pool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "policy/limits.h"
#include "policy/outcome.h"
#include "supervisor/common/log.h"
#include "supervisor/common/off_thread.h"
#include "supervisor/pool/output_filter.h"

namespace stockade::supervisor {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

std::uint64_t MicrosSince(Clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count());
}

api::ExecutionResult Rejection(api::Status status, std::string detail) {
  api::ExecutionResult r;
  r.set_status(status);
  r.set_detail(std::move(detail));
  return r;
}

}  // namespace

// One idle worker's wait for a job; lives in the waiting coroutine's frame.
struct Pool::IdleWaiter {
  explicit IdleWaiter(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::shared_ptr<Job> assigned;
};

namespace {

// Results larger than this are filtered on the filter_ thread: a 10 MB one
// takes 30-50 ms, small ones microseconds (a thread hop would cost more).
constexpr std::size_t kFilterOffThreadBytes = 64 * 1024;

// ValidatePolicy compiles the same patterns, so a policy that reaches a
// pool has a filter; one that does not is a bug in the caller, and running
// without the filter it asked for would leak what it meant to hide.
std::shared_ptr<const policy::Redactor> RedactorFor(const policy::Policy& p) {
  auto r = policy::Redactor::Create(p.redaction());
  if (!r.ok()) {
    std::fprintf(stderr, "stockade: unvalidated policy reached the pool: %s\n",
                 r.status().message().c_str());
    std::abort();
  }
  return *r;
}

}  // namespace

Pool::Pool(asio::io_context& io, const policy::Policy& policy, WorkerConfig config,
           PoolEvents events)
    : io_(io),
      policy_(std::make_shared<const policy::Policy>(policy)),
      redactor_(RedactorFor(policy)),
      config_(std::make_shared<const WorkerConfig>(std::move(config))),
      events_(std::move(events)) {}

Pool::~Pool() = default;

void Pool::Start() {
  for (std::uint32_t i = 0; i < policy_->pool().size(); ++i) {
    ++live_slots_;
    ++base_slots_;
    SpawnSlot(false);
  }
}

void Pool::SpawnSlot(bool elastic) {
  // Nothing in a slot is meant to throw (error codes throughout); if
  // something still does (std::bad_alloc), the slot is logged and started
  // again so the pool keeps its size.
  // The slot's worker counts as starting from now, before the coroutine
  // first runs: a job submitted in between is that worker's, and Submit
  // must not grow the pool for it (the CLI used to start two workers for
  // its one script).
  ++stats_.starting;
  asio::co_spawn(io_, RunSlot(elastic), [this, elastic](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      Log(LogLevel::kError, "pool_slot_failed", {{"error", ex.what()}});
    } catch (...) {
      Log(LogLevel::kError, "pool_slot_failed", {{"error", "unknown exception"}});
    }
    if (stopping_) {
      if (elastic) --elastic_slots_;
      SlotEnded();
    } else {
      SpawnSlot(elastic);
    }
  });
}

awaitable<void> Pool::RunSlot(bool elastic) {
  auto backoff = std::chrono::milliseconds(50);
  bool counted = true;  // SpawnSlot counted the first worker as starting
  while (!stopping_) {
    if (!counted) ++stats_.starting;
    counted = false;
    const auto spawn_start = Clock::now();
    const std::uint64_t generation = generation_;
    auto started = co_await WorkerProcess::Start(io_, config_, ++next_worker_id_, spawner_);
    Status ready = started.ok() ? Status::Ok() : started.status();
    std::shared_ptr<WorkerProcess> worker;
    if (started.ok()) {
      worker = std::move(started).value();
      workers_.push_back(worker);
      ready = co_await worker->WaitReady();
    }
    --stats_.starting;
    if (!ready.ok() && stopping_) {
      // Shutdown kills what it finds, starting workers included: expected.
      Log(LogLevel::kDebug, "worker_spawn_abandoned", {{"error", ready.message()}});
      if (worker) {
        co_await worker->Retire();
        workers_.remove(worker);
      }
      break;
    }
    if (!ready.ok()) {
      ++stats_.spawn_failures;
      ++consecutive_spawn_failures_;
      last_spawn_error_ = ready.message();
      if (events_.spawn_failed) events_.spawn_failed();
      Log(LogLevel::kError, "worker_spawn_failed", {{"error", ready.message()}});
      if (Broken()) FailQueued();
      if (worker) {
        co_await worker->Retire();
        workers_.remove(worker);
      }
      // Back off so a broken host (missing binary, no memory) does not spin.
      asio::steady_timer pause(io_, backoff);
      error_code ec;
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    consecutive_spawn_failures_ = 0;
    ++stats_.spawned;
    stats_.last_spawn_us = MicrosSince(spawn_start);
    if (events_.spawned) events_.spawned(static_cast<double>(stats_.last_spawn_us) / 1e6);
    Log(LogLevel::kDebug, "worker_ready",
        {{"worker", worker->id()}, {"pid", static_cast<long>(worker->pid())},
         {"spawn_us", stats_.last_spawn_us}});

    policy::RecycleReason reason = policy::RecycleReason::kNone;
    std::deque<bool> recent;  // failed? for the last error_window runs
    while (reason == policy::RecycleReason::kNone) {
      ++stats_.idle;
      std::shared_ptr<Job> job = co_await NextJob(worker, elastic, &reason);
      --stats_.idle;
      if (!job) break;
      if (worker->dead()) {
        // It died between being picked and starting: the job never ran, so
        // it goes back to the head of the queue instead of failing.
        Requeue(std::move(job));
        reason = policy::RecycleReason::kDied;
        break;
      }
      ++stats_.busy;
      reason = co_await RunJob(worker, std::move(job), &recent);
      --stats_.busy;
      if (reason == policy::RecycleReason::kNone && generation != generation_) {
        reason = policy::RecycleReason::kReload;
      }
    }
    ++stats_.recycles[std::string(policy::RecycleReasonName(reason))];
    if (events_.recycled) events_.recycled(policy::RecycleReasonName(reason));
    Log(LogLevel::kInfo, "worker_recycled",
        {{"worker", worker->id()}, {"pid", static_cast<long>(worker->pid())},
         {"reason", policy::RecycleReasonName(reason)}, {"executions", worker->executions()}});
    co_await worker->Retire();
    workers_.remove(worker);
    if (elastic && reason == policy::RecycleReason::kShrink) break;
    // After a reload to a smaller pool, surplus slots end here.
    if (!elastic && base_slots_ > policy_->pool().size()) {
      --base_slots_;
      break;
    }
  }
  if (counted) --stats_.starting;
  if (elastic) --elastic_slots_;
  SlotEnded();
}

bool Pool::Broken() const {
  // Every slot has failed to start a worker in a row and none is serving:
  // waiting in the queue would only end at its deadline.
  return consecutive_spawn_failures_ >= std::max<std::uint32_t>(policy_->pool().size(), 2) &&
         stats_.idle == 0 && stats_.busy == 0;
}

void Pool::FailQueued() {
  while (!queue_.empty()) {
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    Finish(*job, Rejection(api::INTERNAL, "no worker can be started: " + last_spawn_error_));
  }
}

void Pool::SlotEnded() {
  if (--live_slots_ == 0 && on_stopped_) {
    auto done = std::move(on_stopped_);
    on_stopped_ = nullptr;
    done();
  }
}

std::shared_ptr<Job> Pool::PopQueued() {
  while (!queue_.empty() && !stopping_) {
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    if (job->finished) continue;
    job->queue_timer.reset();
    return job;
  }
  return nullptr;
}

awaitable<std::shared_ptr<Job>> Pool::NextJob(std::shared_ptr<WorkerProcess> worker, bool elastic,
                                              policy::RecycleReason* reason) {
  if (auto job = PopQueued()) co_return job;
  const std::uint64_t generation = generation_;
  const policy::RecyclePolicy r = policy_->recycle();
  const std::uint32_t max_idle = elastic ? policy_->pool().shrink_idle_ms() : r.max_idle_ms();
  const Clock::time_point idle_deadline =
      max_idle > 0 ? Clock::now() + std::chrono::milliseconds(max_idle) : Clock::time_point::max();
  while (!stopping_ && !worker->dead()) {
    const Clock::time_point beat = r.heartbeat_ms() > 0
                                       ? Clock::now() + std::chrono::milliseconds(r.heartbeat_ms())
                                       : Clock::time_point::max();
    IdleWaiter waiter(io_);
    waiter.timer.expires_at(std::min(idle_deadline, beat));
    auto it = idle_.insert(idle_.end(), &waiter);
    worker->SetIdleExitHandler([&waiter] { waiter.timer.cancel(); });
    error_code ec;
    co_await waiter.timer.async_wait(asio::redirect_error(use_awaitable, ec));
    worker->SetIdleExitHandler(nullptr);
    // Submit() unlinks the waiter when it hands over a job; otherwise we
    // woke for a deadline, a death or shutdown and unlink ourselves.
    if (waiter.assigned) co_return std::move(waiter.assigned);
    idle_.erase(it);
    if (stopping_ || worker->dead()) break;
    if (generation != generation_) {
      *reason = policy::RecycleReason::kReload;
      co_return nullptr;
    }
    if (Clock::now() >= idle_deadline) {
      *reason = elastic ? policy::RecycleReason::kShrink : policy::RecycleReason::kIdle;
      co_return nullptr;
    }
    // Heartbeat: the worker must answer, and its memory (as the kernel
    // counts it, not as it reports it) must be within bounds.
    if (!co_await worker->Ping(std::chrono::milliseconds(r.heartbeat_timeout_ms()))) {
      *reason = policy::RecycleReason::kUnresponsive;
      co_return nullptr;
    }
    if (policy::ShouldRecycleForRss(worker->ResidentBytes(), *policy_)) {
      *reason = policy::RecycleReason::kMemoryGrowth;
      co_return nullptr;
    }
    if (auto job = PopQueued()) co_return job;
  }
  *reason = stopping_ ? policy::RecycleReason::kShutdown : policy::RecycleReason::kDied;
  co_return nullptr;
}

void Pool::Submit(std::shared_ptr<Job> job) {
  if (stopping_) {
    Finish(*job, Rejection(api::CANCELLED, "the supervisor is shutting down"));
    return;
  }
  jobs_[job->execute.execution_id()] = job;
  if (HandToIdleWorker(job)) return;
  if (Broken()) {
    Finish(*job, Rejection(api::INTERNAL, "no worker can be started: " + last_spawn_error_));
    return;
  }
  if (queue_.size() >= policy_->pool().queue_capacity()) {
    api::ExecutionResult r = Rejection(
        api::QUEUE_FULL, "all workers are busy and the queue holds " +
                             std::to_string(queue_.size()) + " requests; retry shortly");
    // A worker frees up about once per typical run; suggest one queue's worth.
    r.set_retry_after_ms(std::max<std::uint32_t>(100, policy_->limits().timeout_ms() / 10));
    Finish(*job, std::move(r));
    return;
  }
  ArmQueueDeadline(job);
  queue_.push_back(std::move(job));
  // Under load, grow towards pool.max_size: one extra worker per queued job
  // that no starting worker will pick up. They retire after shrink_idle_ms.
  if (live_slots_ < policy_->pool().max_size() && queue_.size() > stats_.starting) {
    ++live_slots_;
    ++elastic_slots_;
    SpawnSlot(true);
  }
}

void Pool::ArmQueueDeadline(const std::shared_ptr<Job>& job) {
  // Measured from submission: a job put back after its worker died keeps
  // its original deadline rather than starting a new one.
  job->queue_timer = std::make_unique<asio::steady_timer>(
      io_, job->submitted + std::chrono::milliseconds(policy_->pool().queue_deadline_ms()));
  job->queue_timer->async_wait([this, weak = std::weak_ptr<Job>(job)](error_code ec) {
    auto j = weak.lock();
    if (ec || !j) return;
    OnQueueDeadline(j);
  });
}

bool Pool::HandToIdleWorker(std::shared_ptr<Job>& job) {
  if (idle_.empty()) return false;
  // Oldest idle worker first: the one that just finished is still building
  // its next clean environment.
  IdleWaiter* waiter = idle_.front();
  idle_.pop_front();
  waiter->assigned = std::move(job);
  waiter->timer.cancel();
  return true;
}

void Pool::Requeue(std::shared_ptr<Job> job) {
  if (HandToIdleWorker(job)) return;
  ArmQueueDeadline(job);
  queue_.push_front(std::move(job));
}

void Pool::OnQueueDeadline(const std::shared_ptr<Job>& job) {
  auto it = std::find(queue_.begin(), queue_.end(), job);
  if (it == queue_.end() || job->finished) return;
  queue_.erase(it);
  api::ExecutionResult r = Rejection(
      api::QUEUE_FULL, "no worker became free within the queue deadline of " +
                           std::to_string(policy_->pool().queue_deadline_ms()) + " ms; retry later");
  r.set_retry_after_ms(1000);
  Finish(*job, std::move(r));
}

bool Pool::Cancel(std::uint64_t execution_id) {
  auto found = jobs_.find(execution_id);
  if (found == jobs_.end()) return false;
  std::shared_ptr<Job> job = found->second.lock();
  if (!job || job->finished) return false;
  if (job->running_on) {
    job->running_on->Cancel();  // the run ends CANCELLED when the worker is gone
    return true;
  }
  // Queued, or handed to an idle worker that has not started it yet (RunJob
  // skips finished jobs).
  if (auto it = std::find(queue_.begin(), queue_.end(), job); it != queue_.end()) queue_.erase(it);
  Finish(*job, Rejection(api::CANCELLED, "cancelled before it started"));
  return true;
}

awaitable<policy::RecycleReason> Pool::RunJob(std::shared_ptr<WorkerProcess> worker,
                                              std::shared_ptr<Job> job, std::deque<bool>* recent) {
  if (job->finished) co_return policy::RecycleReason::kNone;  // cancelled on its way here
  const std::uint64_t queue_us = MicrosSince(job->submitted);
  const auto run_start = Clock::now();
  job->running_on = worker;
  if (job->on_start) job->on_start();
  api::ExecutionResult& acc = job->result;
  Job* raw = job.get();
  OutputFilter filter(redactor_, job->execute.limits().result_bytes(),
                      policy_->limits().fail_on_truncation());
  OutputFilter* filter_ptr = &filter;
  RunReport report = co_await worker->Execute(
      job->execute, [raw, filter_ptr](wire::ConsoleBatch* batch) {
        filter_ptr->FilterConsole(batch->mutable_lines(),
                                  static_cast<std::uint32_t>(raw->result.console_size()) + 1);
        for (const api::ConsoleLine& line : batch->lines()) {
          *raw->result.add_console() = line;
          if (raw->on_line) raw->on_line(line);
        }
      });
  job->running_on.reset();

  api::ExecutionResult r;
  r.mutable_console()->Swap(acc.mutable_console());
  if (report.worker_died) {
    r.set_status(report.death.status);
    r.set_detail(report.death.detail);
    r.set_violation_syscall(report.death.violation_syscall);
    r.set_signal(report.death.signal);
    r.set_session_usable(false);
  } else {
    wire::Result& w = report.result;
    if (job->on_session_out && !report.nothing_ran) {
      SessionOut out;
      out.state = std::move(*w.mutable_session_state());
      out.variables_json = std::move(*w.mutable_session_variables_json());
      out.variables = w.session_variables();
      out.dropped.assign(std::make_move_iterator(w.mutable_session_dropped()->begin()),
                         std::make_move_iterator(w.mutable_session_dropped()->end()));
      out.too_large = w.session_state_too_large();
      job->on_session_out(std::move(out));
    }
    r.set_status(w.status());
    r.set_value_json(std::move(*w.mutable_value_json()));
    if (w.has_error()) *r.mutable_error() = std::move(*w.mutable_error());
    if (w.has_output()) *r.mutable_output() = w.output();
    r.set_detail(std::move(*w.mutable_detail()));
    r.mutable_metrics()->set_cpu_time_us(w.cpu_time_us());
    r.mutable_metrics()->set_peak_memory_bytes(w.heap_peak_bytes());
    r.set_session_usable(true);
  }
  r.mutable_metrics()->set_queue_time_us(queue_us);
  r.mutable_metrics()->set_run_time_us(MicrosSince(run_start));
  r.mutable_metrics()->set_output_bytes(r.output().total_bytes());
  *r.mutable_effective_limits() = policy::ToApiLimits(job->execute.limits());
  r.set_worker_id(worker->id());
  r.set_namespaces(worker->namespaces());
  const bool incomplete = !report.worker_died && report.result.value_incomplete();
  if (r.value_json().size() > kFilterOffThreadBytes) {
    // The run is over: nothing else touches r or filter until this resumes.
    OutputFilter* f = &filter;
    api::ExecutionResult* out = &r;
    co_await RunOffThread<bool>(filter_, [f, out, incomplete] {
      f->FilterResult(out, incomplete);
      return true;
    });
  } else {
    filter.FilterResult(&r, incomplete);
  }
  Finish(*job, std::move(r));

  if (report.worker_died) co_return policy::RecycleReason::kDied;
  // Nothing ran (the code did not compile): not a run of this worker.
  if (report.nothing_ran) co_return policy::RecycleReason::kNone;
  recent->push_back(report.result.status() != api::OK);
  while (recent->size() > policy_->recycle().error_window()) recent->pop_front();
  policy::WorkerStats s;
  s.executions = worker->executions();
  s.recent_runs = static_cast<std::uint32_t>(recent->size());
  for (bool failed : *recent) s.recent_failures += failed ? 1 : 0;
  s.last_status = report.result.status();
  s.heap_bytes_after = report.result.heap_bytes_after();
  s.cpu_used_us = worker->cpu_used_us();
  s.heap_peak_bytes = report.result.heap_peak_bytes();
  const policy::RecycleReason reason = policy::ShouldRecycleAfterRun(s, *policy_);
  if (reason == policy::RecycleReason::kNone && policy::ShouldCheckRssAfterRun(s, *policy_) &&
      policy::ShouldRecycleForRss(worker->ResidentBytes(), *policy_)) {
    co_return policy::RecycleReason::kMemoryGrowth;
  }
  co_return reason;
}

void Pool::Finish(Job& job, api::ExecutionResult result) {
  if (job.finished) return;
  job.finished = true;
  job.queue_timer.reset();
  jobs_.erase(job.execute.execution_id());
  result.set_execution_id(job.execute.execution_id());
  if (job.answered_again && job.answered_again(result)) {
    ++stats_.answered_again;
  } else {
    RecordOutcome(result);
  }
  if (job.on_done) {
    auto done = std::move(job.on_done);
    job.on_done = nullptr;
    done(std::move(result));
  }
}

void Pool::RecordOutcome(const api::ExecutionResult& result) {
  ++stats_.completed;
  ++stats_.outcomes[std::string(policy::StatusName(result.status()))];
  if (events_.finished) events_.finished(result);
}

void Pool::Reload(const policy::Policy& policy, WorkerConfig config) {
  policy_ = std::make_shared<const policy::Policy>(policy);
  redactor_ = RedactorFor(policy);
  config_ = std::make_shared<const WorkerConfig>(std::move(config));
  ++generation_;
  Log(LogLevel::kInfo, "policy_reloaded", {{"policy", policy_->name()}, {"pool_size", policy_->pool().size()}});
  // Idle workers wake up, see the new generation and are replaced.
  for (IdleWaiter* w : idle_) w->timer.cancel();
  while (!stopping_ && base_slots_ < policy_->pool().size()) {
    ++live_slots_;
    ++base_slots_;
    SpawnSlot(false);
  }
}

void Pool::Shutdown(bool kill_running, std::function<void()> on_stopped) {
  stopping_ = true;
  on_stopped_ = std::move(on_stopped);
  while (!queue_.empty()) {
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    Finish(*job, Rejection(api::CANCELLED, "the supervisor is shutting down"));
  }
  // Each waiter unlinks itself when it wakes up with no job.
  for (IdleWaiter* w : idle_) w->timer.cancel();
  if (kill_running) {
    for (const auto& [id, weak] : jobs_) {
      if (auto job = weak.lock(); job && job->running_on) job->running_on->Cancel();
    }
  }
  // Workers still starting are retired by their slot once Ready (or not).
  if (live_slots_ == 0 && on_stopped_) {
    auto done = std::move(on_stopped_);
    on_stopped_ = nullptr;
    done();
  }
}

PoolStats Pool::Stats() const {
  PoolStats s = stats_;
  s.queued = static_cast<std::uint32_t>(queue_.size());
  for (const auto& w : workers_) {
    s.workers.push_back(WorkerInfo{w->id(), w->pid(), w->state(), w->executions(), w->cgroup_join()});
  }
  return s;
}

}  // namespace stockade::supervisor
