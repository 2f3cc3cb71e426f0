// WorkerProcess: the supervisor's handle on one confined worker.
//
// It owns everything that belongs to the worker: the process (pidfd), both
// pipe ends, the worker's cgroup and the supervisor's copy of the seccomp
// listener. Each exchange reads top to bottom as a coroutine on the pool's
// io_context: Start() writes Init, WaitReady() reads Ready, Execute() writes
// one Execute frame and reads console batches until the Result.
//
// The worker is a hostile peer. Anything unexpected from it (an oversized,
// truncated, unparseable or out-of-place frame, a forbidden syscall, a
// missed deadline) makes the handle kill it through its pidfd; the run then
// ends with an outcome built from what the supervisor saw (policy/outcome.h),
// never from what the worker claims. Nothing here throws or aborts because
// of a worker.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "policy/outcome.h"
#include "proto/api.pb.h"
#include "proto/frame.h"
#include "proto/status.h"
#include "proto/worker.pb.h"
#include "supervisor/confine/cgroup.h"
#include "supervisor/confine/child_process.h"
#include "supervisor/confine/namespace_ladder.h"
#include "supervisor/confine/spawn.h"

namespace stockade::supervisor {

// What every worker of a pool is started with; built once from the policy.
struct WorkerConfig {
  std::string executable;
  std::string seccomp_bpf;        // compiled filter for Init; empty = none
  bool seccomp_listener = false;  // the filter's default action is USER_NOTIF
  std::uint64_t heap_limit_bytes = 0;
  std::uint64_t max_frame_bytes = 0;  // cap on any frame from the worker
  SpawnRlimits rlimits;
  int exec_fd = -1;               // O_PATH fd of `executable` (owned by the Supervisor)
  std::optional<uid_t> uid;       // switch identity (root supervisors)
  std::optional<gid_t> gid;
  bool drop_capabilities = false; // keep the uid, hold no capability
  int nice = 0;                   // scheduling niceness of workers
  const CgroupHost* cgroups = nullptr;  // null or version "none": no cgroup
  CgroupLimits cgroup_limits;
  NamespaceLadder* namespaces = nullptr;  // null: none (owned by the Supervisor)
  std::chrono::milliseconds spawn_timeout{2000};
  std::chrono::milliseconds hard_kill_grace{50};
  bool compiler = false;          // Init.compiler: loads TypeScript's compiler (lowering.h)
};

using ConsoleSink = std::function<void(const api::ConsoleLine&)>;
// Each console batch as it arrives; the sink may change the lines.
using ConsoleBatchSink = std::function<void(wire::ConsoleBatch* batch)>;

// How one Execute ended: a Result frame, or the worker's death.
struct RunReport {
  bool worker_died = false;
  wire::Result result;     // valid when !worker_died
  policy::Outcome death;   // valid when worker_died
  // The code did not compile, so no script ran and the run does not count
  // against the worker. The worker's word alone is not taken: only a
  // SYNTAX_ERROR with no value and no console output qualifies.
  bool nothing_ran = false;
};

class WorkerProcess : public std::enable_shared_from_this<WorkerProcess> {
 public:
  enum class State { kStarting, kIdle, kBusy, kRetiring, kDead };

  // Spawns the worker on the `spawner` thread (the io thread never blocks
  // on a spawn) and queues its Init frame; does not wait for Ready. The
  // spawner thread must outlive the worker: its parent-death signal is tied
  // to that thread.
  static boost::asio::awaitable<StatusOr<std::shared_ptr<WorkerProcess>>> Start(
      boost::asio::io_context& io, std::shared_ptr<const WorkerConfig> config, std::uint64_t id,
      boost::asio::thread_pool& spawner);
  ~WorkerProcess();

  // Reads Ready within the spawn timeout and takes the seccomp listener.
  boost::asio::awaitable<Status> WaitReady();

  // Runs one execution. The deadline (timeout + grace) is armed here.
  boost::asio::awaitable<RunReport> Execute(wire::Execute request, ConsoleBatchSink sink);

  // Heartbeat of an idle worker: Ping, and the Pong within `timeout`. False
  // (and the worker is killed) when it does not answer properly in time.
  boost::asio::awaitable<bool> Ping(std::chrono::milliseconds timeout);

  // Resident memory as the kernel counts it (/proc/<pid>/statm), bytes.
  std::uint64_t ResidentBytes() const;

  // Stops the current run: the worker is killed and the run ends CANCELLED.
  void Cancel();

  // Called (on the io thread) if the worker exits while idle, so the pool
  // replaces it before a request is handed to a dead process. Cleared by
  // passing nullptr.
  void SetIdleExitHandler(std::function<void()> handler) { idle_exit_ = std::move(handler); }

  // Kills the worker (if alive), waits for it to exit without blocking the
  // io_context, reaps it and removes its cgroup.
  boost::asio::awaitable<void> Retire();

  std::uint64_t id() const { return id_; }
  // The namespaces this worker runs in, as results name them
  // ("user,pid,..." or "none"); fixed at spawn.
  const std::string& namespaces() const { return namespaces_; }
  const std::shared_ptr<const WorkerConfig>& config() const { return config_; }
  pid_t pid() const { return child_.pid(); }
  State state() const { return state_; }
  bool dead() const { return state_ == State::kDead; }
  std::uint64_t cpu_used_us() const { return cpu_used_us_; }
  std::uint32_t executions() const { return executions_; }
  const wire::Ready& ready() const { return ready_; }
  const WorkerCgroup* cgroup() const { return cgroup_ ? &*cgroup_ : nullptr; }
  // How it got into its cgroup (CgroupJoinName); "" without one.
  const char* cgroup_join() const { return cgroup_join_; }

 private:
  WorkerProcess(boost::asio::io_context& io, std::shared_ptr<const WorkerConfig> config,
                std::uint64_t id);

  boost::asio::awaitable<std::optional<wire::WorkerFrame>> ReadFrame();
  std::optional<wire::WorkerFrame> ParseFrame(const std::string& payload);
  boost::asio::awaitable<policy::Outcome> CollectDeath();
  boost::asio::awaitable<void> WaitExit();
  static boost::asio::awaitable<void> WatchListener(std::shared_ptr<WorkerProcess> self);
  static boost::asio::awaitable<void> WatchIdleExit(std::weak_ptr<WorkerProcess> weak);
  void ProtocolError(std::string detail);
  void KillNow();
  // Collects a pending violation, if any; true when the listener hung up.
  bool PollListenerOnce();

  boost::asio::io_context& io_;
  // Shared with the pool; a policy reload gives new workers a new config
  // while this one keeps the config it was started with.
  std::shared_ptr<const WorkerConfig> config_;
  std::uint64_t id_;
  std::string namespaces_;
  const char* cgroup_join_ = "";
  State state_ = State::kStarting;
  std::optional<WorkerCgroup> cgroup_;
  ChildProcess child_;
  boost::asio::posix::stream_descriptor to_worker_;
  boost::asio::posix::stream_descriptor from_worker_;
  boost::asio::posix::stream_descriptor exit_watch_;  // a dup of the pidfd
  boost::asio::posix::stream_descriptor listener_;
  boost::asio::steady_timer deadline_;
  wire::FrameDecoder decoder_;
  std::array<char, 65536> read_buf_;
  std::string write_buf_;
  wire::Ready ready_;

  std::function<void()> idle_exit_;
  std::uint64_t generation_ = 0;  // which run a deadline belongs to
  std::uint32_t executions_ = 0;
  std::uint64_t cpu_used_us_ = 0;
  // What the supervisor saw; feeds policy::ClassifyWorkerDeath.
  policy::DeathFacts facts_;
};

}  // namespace stockade::supervisor
