// Supervisor: the embedded API. One io_context thread, one Pool, and the
// set-up that turns a Policy into worker confinement.
//
// This is what `stockade run`, the tests and the benchmarks use (and what
// the daemon's front ends will sit on). Start() detects what this host
// offers (cgroup v2/v1/none, seccomp user notification), compiles the
// seccomp filter once, and pre-warms the pool. Submit/Run/Cancel are
// thread-safe: they post to the io thread. Callbacks run on the io thread
// and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "proto/api.pb.h"
#include "proto/policy.pb.h"
#include "proto/status.h"
#include "supervisor/confine/cgroup.h"
#include "supervisor/pool/lowering.h"
#include "supervisor/pool/pool.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::supervisor {

struct SupervisorOptions {
  policy::Policy policy;
  // Path of stockade-worker; empty = next to the running executable.
  std::string worker_path;
  // Overrides policy.pool.size when set (the CLI runs one script: one worker).
  std::optional<std::uint32_t> pool_size;
  // Observers of the pool (metrics); run on the io thread.
  PoolEvents events;
};

class Supervisor {
 public:
  static StatusOr<std::unique_ptr<Supervisor>> Start(SupervisorOptions options);
  ~Supervisor();  // Stop(), then releases the io_context

  // Cancels running work, reaps every worker, then stops and joins the io
  // thread. Idempotent. Afterwards nothing runs on io(), so objects that
  // live on it can be destroyed from the calling thread.
  void Stop();

  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  using DoneCallback = std::function<void(api::ExecutionResult)>;

  struct Callbacks {
    std::function<void()> on_start;  // a worker took it (optional)
    ConsoleSink on_line;             // each console line as it arrives (optional)
    DoneCallback on_done;            // exactly once
    // Whose request (the daemon's API key name): lowered programs are
    // cached per tenant, never shared between tenants.
    std::string tenant;
    // Sessions (supervisor/sessions): the state restored into the run's
    // global, and whether to capture the state the run leaves (at most
    // session_state_bytes; 0: the worker's ceiling); the worker's capture
    // (docs/DESIGN.md "Session state") reaches on_session_out before
    // on_done, when the worker answered.
    std::string session_in;
    bool capture_session = false;
    std::uint64_t session_state_bytes = 0;
    std::function<void(SessionOut)> on_session_out;
  };

  // Validates, assigns an execution id (returned) and queues the request.
  std::uint64_t Submit(api::ExecuteRequest request, Callbacks callbacks);
  std::uint64_t Submit(api::ExecuteRequest request, ConsoleSink on_line, DoneCallback on_done) {
    return Submit(std::move(request), Callbacks{nullptr, std::move(on_line), std::move(on_done)});
  }

  // Blocking convenience over Submit.
  api::ExecutionResult Run(api::ExecuteRequest request, ConsoleSink on_line = {});

  // Cancels a queued, lowering or running execution; false if unknown.
  bool Cancel(std::uint64_t execution_id);
  // Same, for code already running on io() (Cancel would wait on itself).
  bool CancelOnIoThread(std::uint64_t execution_id);

  // Blocking: what `code` lowers to (the ES5 program a lowered run executes,
  // with its line map) or why it does not, through the tenant's cache as a
  // request would go. For tools and benchmarks; not from the io thread.
  LoweringOutcome Lower(std::string code, policy::Language language, std::string filename,
                        std::string tenant = "");

  // Waits until `count` workers (default: the pool size) are idle.
  bool WaitUntilIdle(std::chrono::milliseconds timeout, std::optional<std::uint32_t> count = {});

  PoolStats Stats();
  // The compiler pool's (empty until the first lowering starts it).
  PoolStats CompilerStats();
  // The io_context every callback runs on; front ends (the HTTP server)
  // run their own I/O on it too, so nothing needs a lock.
  boost::asio::io_context& io() { return io_; }
  // Stats from the io thread itself (no round trip through the queue).
  PoolStats StatsOnIoThread() { return pool_->Stats(); }
  // The namespaces part is live: it shows what the last worker got.
  api::Confinement confinement() const;
  // The policy in force. A reference for use on the io thread (or before
  // any ReloadOnIoThread): a reload replaces the object.
  const policy::Policy& policy() const { return *policy_; }
  // The policy's output filter; on the io thread, like policy().
  const policy::Redactor& redactor() const { return *pool_->redactor(); }

  // Applies a new policy (SIGHUP in the daemon): new workers use it, current
  // ones are replaced as they become idle. The worker binary and the cgroup
  // hierarchy stay as they were at start. Call on io().
  Status ReloadOnIoThread(policy::Policy policy);

 private:
  explicit Supervisor(SupervisorOptions options);
  Status Init();
  StatusOr<WorkerConfig> BuildWorkerConfig(const policy::Policy& policy);
  void ChooseIdentity(const policy::Policy& policy, WorkerConfig* config);
  // On the io thread: runs the job, lowering it first (TypeScript) or after
  // a SYNTAX_ERROR (JavaScript Duktape cannot compile as it is).
  void Dispatch(std::shared_ptr<Job> job, policy::Language language, std::string tenant);
  // first_attempt: the SYNTAX_ERROR of JavaScript an ordinary worker could
  // not compile, answered as it is if the compiler cannot help, and with the
  // compiler's clearer diagnostic if the code is wrong for it too.
  void LowerAndRun(std::shared_ptr<Job> job, policy::Language language, const std::string& tenant,
                   std::shared_ptr<api::ExecutionResult> first_attempt = nullptr);
  template <typename F>
  auto OnIoThread(F&& f) -> decltype(f());

  SupervisorOptions options_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::optional<CgroupHost> cgroups_;
  std::string executable_;
  UniqueFd worker_exec_fd_;  // O_PATH: workers exec it without path lookups
  std::shared_ptr<const policy::Policy> policy_;
  api::Confinement confinement_;
  // Fixed at start, like the cgroup host: a refusal is a fact of the host.
  std::unique_ptr<NamespaceLadder> namespaces_;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<Lowering> lowering_;
  // Executions between submission and the pool while they are lowered, and
  // those of them cancelled meanwhile (answered when the lowering returns).
  std::unordered_set<std::uint64_t> lowering_ids_;
  std::unordered_set<std::uint64_t> cancelled_while_lowering_;
  std::thread thread_;
  std::atomic<std::uint64_t> next_execution_id_{1};
};

// Directory of the running executable + "/stockade-worker".
std::string DefaultWorkerPath();

}  // namespace stockade::supervisor
