#include "supervisor/pool/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include <boost/asio/post.hpp>

#include "policy/limits.h"
#include "policy/namespaces.h"
#include "policy/request_validation.h"
#include "supervisor/common/log.h"
#include "supervisor/confine/seccomp_filter.h"
#include "supervisor/confine/seccomp_listener.h"

namespace stockade::supervisor {

namespace asio = boost::asio;

std::string DefaultWorkerPath() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "stockade-worker";
  std::string self(buf, static_cast<std::size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "stockade-worker";
}

Supervisor::Supervisor(SupervisorOptions options)
    : options_(std::move(options)), work_(io_.get_executor()) {}

StatusOr<std::unique_ptr<Supervisor>> Supervisor::Start(SupervisorOptions options) {
  std::unique_ptr<Supervisor> s(new Supervisor(std::move(options)));
  STOCKADE_RETURN_IF_ERROR(s->Init());
  return s;
}

Status Supervisor::Init() {
  // A worker that dies while we write to it must give us EPIPE, not kill us.
  signal(SIGPIPE, SIG_IGN);
  policy::Policy& p = options_.policy;
  if (options_.pool_size) p.mutable_pool()->set_size(*options_.pool_size);

  // Fixed for the life of the supervisor: which binary, and which cgroup
  // hierarchy. Everything else comes from the policy and can be reloaded.
  executable_ = options_.worker_path.empty() ? DefaultWorkerPath() : options_.worker_path;
  if (access(executable_.c_str(), X_OK) != 0) return ErrnoError("worker binary " + executable_);
  worker_exec_fd_.reset(open(executable_.c_str(), O_PATH | O_CLOEXEC));
  if (!worker_exec_fd_) return ErrnoError("open worker binary " + executable_);
  auto cgroups = CgroupHost::Detect(p.cgroup().mode());
  if (!cgroups.ok()) return cgroups.status().With("cgroups");
  cgroups_.emplace(std::move(cgroups).value());
  if (p.cgroup().required() && cgroups_->version() == "none") {
    return Status::Error("cgroups are required by the policy but unavailable: " + cgroups_->detail());
  }
  // As many CPU shares as workers at most: scheduled as if each were a
  // thread of its own, not all of them together as one.
  if (Status st = cgroups_->WeighWorkersAs(std::max(p.pool().size(), p.pool().max_size())); !st.ok()) {
    Log(LogLevel::kWarn, "cgroup_cpu_weight", {{"error", st.message()}});
  }
  STOCKADE_ASSIGN_OR_RETURN(const unsigned ns_use, policy::ParseNamespaceList(p.namespaces().use()));
  STOCKADE_ASSIGN_OR_RETURN(const unsigned ns_require, policy::ParseNamespaceList(p.namespaces().require()));
  namespaces_ = std::make_unique<NamespaceLadder>(ns_use, ns_require);
  STOCKADE_ASSIGN_OR_RETURN(WorkerConfig config, BuildWorkerConfig(p));
  policy_ = std::make_shared<const policy::Policy>(p);

  confinement_.set_seccomp(true);
  confinement_.set_seccomp_mode(config.seccomp_listener ? "user-notify" : "kill");
  confinement_.set_no_new_privs(true);
  confinement_.set_rlimits(true);
  confinement_.set_cgroup(std::string(cgroups_->version()));
  confinement_.set_cgroup_detail(cgroups_->detail());
  Log(LogLevel::kInfo, "supervisor_start",
      {{"policy", p.name()}, {"pool_size", p.pool().size()}, {"seccomp", confinement_.seccomp_mode()},
       {"cgroup", cgroups_->version()}, {"cgroup_detail", cgroups_->detail()}});

  pool_ = std::make_unique<Pool>(io_, p, std::move(config), std::move(options_.events));
  lowering_ = std::make_unique<Lowering>(
      io_, p, [this](const policy::Policy& compiler_policy) { return BuildWorkerConfig(compiler_policy); });
  thread_ = std::thread([this] { io_.run(); });
  asio::post(io_, [this] { pool_->Start(); });
  return Status::Ok();
}

StatusOr<WorkerConfig> Supervisor::BuildWorkerConfig(const policy::Policy& p) {
  WorkerConfig config;
  config.executable = executable_;
  config.exec_fd = worker_exec_fd_.get();
  const bool notify = !p.seccomp().unsafe_disable_user_notify() && SeccompListener::Supported();
  STOCKADE_ASSIGN_OR_RETURN(
      config.seccomp_bpf,
      CompileWorkerFilter(p.seccomp(), notify ? FilterMode::kUserNotify : FilterMode::kKillProcess));
  config.seccomp_listener = notify;
  config.heap_limit_bytes = policy::WorkerHeapCeiling(p);
  config.max_frame_bytes = policy::MaxWorkerFrameBytes(p);
  const policy::WorkerRlimits rl = policy::WorkerRlimitsFor(p);
  config.rlimits.address_space_bytes = rl.address_space_bytes;
  config.rlimits.cpu_seconds = rl.cpu_seconds;
  config.rlimits.file_size_bytes = rl.file_size_bytes;
  config.rlimits.open_files = rl.open_files;
  const policy::WorkerCgroupLimits cl = policy::WorkerCgroupLimitsFor(p);
  config.cgroups = &*cgroups_;
  config.cgroup_limits.memory_bytes = cl.memory_max_bytes;
  config.cgroup_limits.pids = cl.pids_max;
  config.cgroup_limits.cpu_percent = cl.cpu_percent;
  config.namespaces = namespaces_.get();
  config.spawn_timeout = std::chrono::milliseconds(p.pool().spawn_timeout_ms());
  config.hard_kill_grace = std::chrono::milliseconds(p.limits().hard_kill_grace_ms());
  config.nice = static_cast<int>(p.limits().worker_nice());
  ChooseIdentity(p, &config);
  return config;
}

Status Supervisor::ReloadOnIoThread(policy::Policy p) {
  if (options_.pool_size) p.mutable_pool()->set_size(*options_.pool_size);
  if (p.cgroup().mode() != policy_->cgroup().mode()) {
    Log(LogLevel::kWarn, "reload_partial", {{"detail", "cgroup.mode takes effect on restart only"}});
  }
  if (p.namespaces().use() != policy_->namespaces().use() ||
      p.namespaces().require() != policy_->namespaces().require()) {
    Log(LogLevel::kWarn, "reload_partial", {{"detail", "namespaces take effect on restart only"}});
  }
  STOCKADE_ASSIGN_OR_RETURN(WorkerConfig config, BuildWorkerConfig(p));
  policy_ = std::make_shared<const policy::Policy>(p);
  pool_->Reload(p, std::move(config));
  lowering_->Reload(p);
  return Status::Ok();
}

api::Confinement Supervisor::confinement() const {
  api::Confinement c = confinement_;
  if (namespaces_) {
    c.set_namespaces(namespaces_->in_force());
    c.set_namespaces_detail(namespaces_->refusals());
  }
  return c;
}

Supervisor::~Supervisor() { Stop(); }

void Supervisor::Stop() {
  if (!thread_.joinable()) return;
  std::promise<void> stopped;
  asio::post(io_, [this, &stopped] {
    // Compilers first: what they still answer is refused by the stopping pool.
    lowering_->Shutdown([this, &stopped] {
      pool_->Shutdown(/*kill_running=*/true, [&stopped] { stopped.set_value(); });
    });
  });
  stopped.get_future().wait();
  work_.reset();
  io_.stop();
  thread_.join();
}

void Supervisor::ChooseIdentity(const policy::Policy& p, WorkerConfig* config) {
  const policy::IdentityPolicy& id = p.identity();
  if (geteuid() != 0) {
    confinement_.set_identity("uid " + std::to_string(geteuid()) + " (the supervisor's own)");
    return;
  }
  if (id.unsafe_keep_root()) {
    confinement_.set_identity("root with capabilities (identity.unsafe_keep_root)");
    return;
  }
  // The worker is exec'd through an O_PATH fd, so only the file's own mode
  // matters to the new uid, not the directories above it.
  struct stat st {};
  if (fstat(config->exec_fd, &st) == 0 && (st.st_mode & S_IXOTH) != 0) {
    config->uid = id.uid();
    config->gid = id.gid();
    confinement_.set_identity("uid " + std::to_string(id.uid()) + " gid " + std::to_string(id.gid()) +
                              ", no capabilities");
    return;
  }
  config->drop_capabilities = true;
  confinement_.set_identity("uid 0 without capabilities (the worker binary is not executable by uid " +
                            std::to_string(id.uid()) + ")");
  Log(LogLevel::kWarn, "worker_identity_fallback",
      {{"reason", "worker binary lacks the execute bit for others"}, {"path", config->executable}});
}

template <typename F>
auto Supervisor::OnIoThread(F&& f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(std::forward<F>(f));
  auto fut = task.get_future();
  asio::post(io_, [&task] { task(); });
  return fut.get();
}

std::uint64_t Supervisor::Submit(api::ExecuteRequest request, Callbacks callbacks) {
  const std::uint64_t id = next_execution_id_.fetch_add(1);
  auto job = std::make_shared<Job>();
  job->execute.set_execution_id(id);
  job->on_start = std::move(callbacks.on_start);
  job->on_line = std::move(callbacks.on_line);
  job->on_done = std::move(callbacks.on_done);
  const policy::Policy& p = *policy_;
  *job->execute.mutable_limits() = policy::EffectiveRunLimits(p, request.limits());
  if (auto rejected = policy::ValidateRequest(request, p)) {
    api::ExecutionResult r;
    r.set_execution_id(id);
    r.set_status(rejected->status);
    r.set_detail(std::move(rejected->detail));
    *r.mutable_effective_limits() = policy::ToApiLimits(job->execute.limits());
    auto done = std::move(job->on_done);
    asio::post(io_, [done = std::move(done), r = std::move(r)]() mutable {
      if (done) done(std::move(r));
    });
    return id;
  }
  const policy::Language language = *policy::ParseLanguage(request.language());
  job->execute.set_code(std::move(*request.mutable_code()));
  job->execute.set_session_in_json(std::move(callbacks.session_in));
  job->execute.set_capture_session(callbacks.capture_session);
  job->execute.set_session_state_bytes(callbacks.session_state_bytes);
  job->on_session_out = std::move(callbacks.on_session_out);
  job->execute.set_filename(!request.filename().empty()                ? request.filename()
                            : language == policy::Language::kTypeScript ? "script.ts"
                                                                        : "script.js");
  asio::post(io_, [this, job = std::move(job), language, tenant = std::move(callbacks.tenant)]() mutable {
    Dispatch(std::move(job), language, std::move(tenant));
  });
  return id;
}

void Supervisor::Dispatch(std::shared_ptr<Job> job, policy::Language language, std::string tenant) {
  if (language == policy::Language::kTypeScript) {
    LowerAndRun(std::move(job), language, tenant);
    return;
  }
  if (!policy_->lowering().enabled()) {
    pool_->Submit(std::move(job));
    return;
  }
  if (lowering_->Cached(tenant, job->execute.code(), language, job->execute.filename())) {
    LowerAndRun(std::move(job), language, tenant);
    return;
  }
  // A second attempt, lowered, only if Duktape could not compile this as
  // it is: the job is still alive (and intact) when the pool answers it, so
  // only a SYNTAX_ERROR copies it; runs that compile copy nothing.
  auto done = std::move(job->on_done);
  job->answered_again = [this, language](const api::ExecutionResult& result) {
    return policy::ShouldLowerAfter(result, language, *policy_);
  };
  job->on_done = [this, weak = std::weak_ptr<Job>(job), language, tenant = std::move(tenant),
                  done = std::move(done)](api::ExecutionResult result) mutable {
    std::shared_ptr<Job> first = weak.lock();
    if (!first || !policy::ShouldLowerAfter(result, language, *policy_)) {
      if (done) done(std::move(result));
      return;
    }
    auto retry = std::make_shared<Job>();
    retry->execute = first->execute;
    retry->on_line = first->on_line;
    retry->on_session_out = first->on_session_out;
    retry->submitted = first->submitted;
    retry->on_done = std::move(done);
    LowerAndRun(std::move(retry), language, tenant, std::make_shared<api::ExecutionResult>(std::move(result)));
  };
  pool_->Submit(std::move(job));
}

void Supervisor::LowerAndRun(std::shared_ptr<Job> job, policy::Language language, const std::string& tenant,
                             std::shared_ptr<api::ExecutionResult> first_attempt) {
  const std::uint64_t id = job->execute.execution_id();
  lowering_ids_.insert(id);
  lowering_->Lower(tenant, job->execute.code(), language, job->execute.filename(),
                   [this, job, id, first_attempt](LoweringOutcome outcome) mutable {
    lowering_ids_.erase(id);
    auto done = std::move(job->on_done);
    if (cancelled_while_lowering_.erase(id) > 0) {
      outcome.ok = false;
      outcome.failure = api::ExecutionResult();
      outcome.failure.set_status(api::CANCELLED);
      outcome.failure.set_detail("cancelled while its code was being lowered");
    }
    if (!outcome.ok && first_attempt && outcome.failure.status() != api::CANCELLED) {
      // The worker's answer (its id, session, namespaces) with the
      // compiler's diagnostic when it has one; as it was otherwise.
      api::ExecutionResult r = std::move(*first_attempt);
      if (outcome.failure.status() == api::SYNTAX_ERROR) {
        *r.mutable_error() = outcome.failure.error();
        r.set_detail(outcome.failure.detail());
      } else {
        Log(LogLevel::kWarn, "lowering_failed",
            {{"execution_id", id}, {"status", api::Status_Name(outcome.failure.status())},
             {"detail", outcome.failure.detail()}});
      }
      r.mutable_metrics()->set_compile_time_us(outcome.compile_time_us);
      pool_->RecordOutcome(r);
      if (done) done(std::move(r));
      return;
    }
    if (!outcome.ok) {
      api::ExecutionResult r = std::move(outcome.failure);
      r.set_execution_id(id);
      r.mutable_metrics()->set_compile_time_us(outcome.compile_time_us);
      *r.mutable_effective_limits() = policy::ToApiLimits(job->execute.limits());
      pool_->RecordOutcome(r);
      if (done) done(std::move(r));
      return;
    }
    job->execute.set_code(std::move(outcome.program.code));
    job->on_done = [done = std::move(done), compile_us = outcome.compile_time_us,
                    lines = std::move(outcome.program.lines),
                    filename = job->execute.filename()](api::ExecutionResult r) mutable {
      if (r.has_error()) policy::MapLoweredLines(lines, filename, r.mutable_error());
      r.set_lowered(true);
      r.mutable_metrics()->set_compile_time_us(compile_us);
      if (done) done(std::move(r));
    };
    pool_->Submit(std::move(job));
  });
}

bool Supervisor::CancelOnIoThread(std::uint64_t execution_id) {
  if (lowering_ids_.count(execution_id) > 0) {
    return cancelled_while_lowering_.insert(execution_id).second;
  }
  return pool_->Cancel(execution_id);
}

api::ExecutionResult Supervisor::Run(api::ExecuteRequest request, ConsoleSink on_line) {
  std::promise<api::ExecutionResult> result;
  auto fut = result.get_future();
  Submit(std::move(request), std::move(on_line),
         [&result](api::ExecutionResult r) { result.set_value(std::move(r)); });
  return fut.get();
}

LoweringOutcome Supervisor::Lower(std::string code, policy::Language language, std::string filename,
                                  std::string tenant) {
  std::promise<LoweringOutcome> result;
  auto fut = result.get_future();
  asio::post(io_, [&] { lowering_->Lower(tenant, code, language, filename, [&result](LoweringOutcome o) {
                          result.set_value(std::move(o));
                        }); });
  return fut.get();
}

bool Supervisor::Cancel(std::uint64_t execution_id) {
  return OnIoThread([this, execution_id] { return CancelOnIoThread(execution_id); });
}

PoolStats Supervisor::Stats() {
  return OnIoThread([this] { return pool_->Stats(); });
}

PoolStats Supervisor::CompilerStats() {
  return OnIoThread([this] { return lowering_->Stats(); });
}

bool Supervisor::WaitUntilIdle(std::chrono::milliseconds timeout, std::optional<std::uint32_t> count) {
  const std::uint32_t want = count.value_or(policy_->pool().size());
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (Stats().idle >= want) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

}  // namespace stockade::supervisor
