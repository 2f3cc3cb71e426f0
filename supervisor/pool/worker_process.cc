#include "supervisor/pool/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <cstdio>
#include <unistd.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "policy/namespaces.h"
#include "supervisor/common/log.h"
#include "supervisor/common/off_thread.h"
#include "supervisor/confine/proc_status.h"
#include "supervisor/confine/seccomp_listener.h"

namespace stockade::supervisor {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

// Frames the supervisor sends: code plus session state; workers read them
// with their own, larger cap.
constexpr std::size_t kMaxSupervisorFrame = 64u << 20;

// Room above a run's output cap for lines the worker could not split.
constexpr std::uint64_t kConsoleSlackBytes = 64u << 10;

// Cap on every frame but a Result (the worker batches console lines in
// ~16 KiB; Ready, Pong and Fatal are tiny).
constexpr std::size_t kMaxSmallFrameBytes = 256u << 10;

}  // namespace

WorkerProcess::WorkerProcess(asio::io_context& io, std::shared_ptr<const WorkerConfig> config,
                             std::uint64_t id)
    : io_(io),
      config_(config),
      id_(id),
      to_worker_(io),
      from_worker_(io),
      exit_watch_(io),
      listener_(io),
      deadline_(io),
      decoder_(config->max_frame_bytes) {}

WorkerProcess::~WorkerProcess() {
  // ChildProcess kills and reaps if Retire() never ran; the cgroup is
  // removed after that, by member destruction order (child_ is declared
  // after cgroup_, so it is destroyed first).
}

namespace {

// Everything that must exist before the worker runs, made on the spawner
// thread: its cgroup, its pipes and the process itself.
struct Spawned {
  std::optional<WorkerCgroup> cgroup;
  ChildProcess child;
  UniqueFd to_worker;
  UniqueFd from_worker;
  unsigned namespaces = 0;
  bool into_cgroup = false;  // SpawnReport::into_cgroup
};

StatusOr<Spawned> SpawnProcess(const WorkerConfig& config, std::uint64_t id) {
  Spawned s;
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  UniqueFd to_child_r(to_child[0]);
  s.to_worker.reset(to_child[1]);
  if (pipe2(from_child, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  s.from_worker.reset(from_child[0]);
  UniqueFd from_child_w(from_child[1]);

  SpawnSpec spec;
  spec.executable = config.executable;
  spec.argv = {"stockade-worker"};
  spec.stdin_fd = to_child_r.get();
  spec.stdout_fd = from_child_w.get();
  spec.rlimits = config.rlimits;
  spec.uid = config.uid;
  spec.gid = config.gid;
  spec.drop_capabilities = config.drop_capabilities;
  spec.exec_fd = config.exec_fd;
  spec.nice = config.nice;
  if (config.cgroups != nullptr && config.cgroups->version() != "none") {
    auto cg = config.cgroups->CreateWorker((config.compiler ? "c" : "w") + std::to_string(id),
                                           config.cgroup_limits);
    if (!cg.ok()) return cg.status().With("worker " + std::to_string(id) + " cgroup");
    s.cgroup.emplace(std::move(cg).value());
    spec.cgroup_procs_fds = s.cgroup->procs_fds();
    spec.cgroup_dir_fd = s.cgroup->dir_fd();  // v2: created in it; the procs fds are the fallback
  }
  if (config.namespaces != nullptr) spec.namespaces = config.namespaces->next();
  SpawnReport report;
  auto child = Spawn(spec, &report);
  if (!child.ok()) return child.status();
  s.child = std::move(child).value();
  s.namespaces = report.namespaces;
  s.into_cgroup = report.into_cgroup;
  if (config.namespaces != nullptr) {
    // A required namespace missing: the child is killed with `s`.
    STOCKADE_RETURN_IF_ERROR(config.namespaces->Record(report).With("worker " + std::to_string(id)));
  }
  return s;
}

}  // namespace

awaitable<StatusOr<std::shared_ptr<WorkerProcess>>> WorkerProcess::Start(
    asio::io_context& io, std::shared_ptr<const WorkerConfig> config, std::uint64_t id,
    asio::thread_pool& spawner) {
  StatusOr<Spawned> spawned = co_await RunOffThread<StatusOr<Spawned>>(
      // A raw pointer on purpose: `config` lives in this frame until the
      // call returns, and GCC 12 destroys non-trivial lambda captures passed
      // into a coroutine twice (STYLE.md rule 12).
      spawner, [cfg = config.get(), id] { return SpawnProcess(*cfg, id); });
  if (!spawned.ok()) co_return spawned.status();
  std::shared_ptr<WorkerProcess> w(new WorkerProcess(io, config, id));
  w->cgroup_ = std::move(spawned->cgroup);
  w->child_ = std::move(spawned->child);
  w->namespaces_ = policy::NamespaceList(spawned->namespaces);
  if (w->cgroup_) w->cgroup_join_ = CgroupJoinName(spawned->into_cgroup);

  const int watch = fcntl(w->child_.pidfd(), F_DUPFD_CLOEXEC, 0);
  if (watch < 0) co_return ErrnoError("dup pidfd");
  // Error-code overloads throughout: registering with epoll can fail (e.g.
  // max_user_watches), and that must be a failed spawn, not an exception.
  error_code ec;
  w->exit_watch_.assign(watch, ec);
  if (!ec) w->to_worker_.assign(spawned->to_worker.release(), ec);
  if (!ec) w->from_worker_.assign(spawned->from_worker.release(), ec);
  if (!ec) w->to_worker_.non_blocking(true, ec);
  if (!ec) w->from_worker_.non_blocking(true, ec);
  if (ec) co_return Status::Error("register worker descriptors: " + ec.message());

  // Init fits in the pipe buffer (a few hundred bytes of BPF), so it is
  // written now and the worker finds it as soon as it is up.
  wire::SupervisorFrame init;
  init.mutable_init()->set_seccomp_bpf(config->seccomp_bpf);
  init.mutable_init()->set_seccomp_listener(config->seccomp_listener);
  init.mutable_init()->set_heap_limit_bytes(config->heap_limit_bytes);
  init.mutable_init()->set_worker_id(id);
  init.mutable_init()->set_compiler(config->compiler);
  std::string bytes;
  if (!wire::AppendFrame(init, kMaxSupervisorFrame, &bytes)) co_return Status::Error("Init frame too large");
  asio::write(w->to_worker_, asio::buffer(bytes), ec);
  if (ec) co_return Status::Error("write Init to worker: " + ec.message());
  co_return w;
}

awaitable<Status> WorkerProcess::WaitReady() {
  const std::uint64_t gen = ++generation_;
  deadline_.expires_after(config_->spawn_timeout);
  deadline_.async_wait([weak = weak_from_this(), gen](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->generation_ != gen || self->state_ != State::kStarting) return;
    self->facts_.deadline_killed = true;
    self->KillNow();
  });
  auto frame = co_await ReadFrame();
  deadline_.cancel();
  if (!frame || frame->kind_case() != wire::WorkerFrame::kReady) {
    if (frame && frame->kind_case() == wire::WorkerFrame::kFatal) {
      facts_.fatal_message = frame->fatal().message();
      KillNow();
    } else if (frame) {
      ProtocolError("expected Ready, got frame kind " + std::to_string(frame->kind_case()));
    }
    policy::Outcome o = co_await CollectDeath();
    co_return Status::Error("worker " + std::to_string(id_) + " did not become ready: " +
                            (facts_.deadline_killed ? std::string("no Ready within spawn timeout")
                                                    : o.detail));
  }
  ready_ = frame->ready();
  if (!config_->seccomp_bpf.empty()) {
    // Ask the kernel, not the worker, whether the filter is in force.
    Status in_force = CheckSeccompInForce(child_.pid());
    if (!ready_.seccomp_loaded() || !in_force.ok()) {
      KillNow();
      co_await CollectDeath();
      co_return Status::Error("worker " + std::to_string(id_) + " is not under its seccomp filter: " +
                              (in_force.ok() ? "it says it did not load it" : in_force.message()));
    }
  }
  if (config_->seccomp_listener) {
    auto listener = SeccompListener::TakeFrom(child_.pidfd(), ready_.seccomp_listener_fd());
    if (!listener.ok()) {
      KillNow();
      co_await CollectDeath();
      co_return listener.status().With("worker " + std::to_string(id_));
    }
    error_code ec;
    listener_.assign(listener->Release().release(), ec);
    if (ec) {
      KillNow();
      co_await CollectDeath();
      co_return Status::Error("worker " + std::to_string(id_) + ": register listener: " + ec.message());
    }
    asio::co_spawn(io_, WatchListener(shared_from_this()), asio::detached);
  }
  state_ = State::kIdle;
  asio::co_spawn(io_, WatchIdleExit(weak_from_this()), asio::detached);
  co_return Status::Ok();
}

awaitable<void> WorkerProcess::WatchIdleExit(std::weak_ptr<WorkerProcess> weak) {
  // Holds only a weak reference: a retired worker must not be kept alive by
  // its own watcher. Retire() closes exit_watch_, which ends the wait.
  asio::posix::stream_descriptor* watch = nullptr;
  if (auto self = weak.lock()) watch = &self->exit_watch_;
  if (!watch) co_return;
  error_code ec;
  co_await watch->async_wait(asio::posix::stream_descriptor::wait_read,
                             asio::redirect_error(use_awaitable, ec));
  auto self = weak.lock();
  if (ec || !self || self->state_ != State::kIdle) co_return;
  Log(LogLevel::kWarn, "worker_exited_while_idle",
      {{"worker", self->id_}, {"pid", static_cast<long>(self->child_.pid())}});
  self->state_ = State::kDead;
  if (self->idle_exit_) self->idle_exit_();
}

awaitable<void> WorkerProcess::WatchListener(std::shared_ptr<WorkerProcess> self) {
  // Until the worker is gone: a notification that could not be received
  // (withdrawn when the worker died) must not end the watch.
  while (self->state_ != State::kDead && self->facts_.violation_syscall.empty()) {
    error_code ec;
    co_await self->listener_.async_wait(asio::posix::stream_descriptor::wait_read,
                                        asio::redirect_error(use_awaitable, ec));
    if (ec || self->state_ == State::kDead || self->state_ == State::kRetiring) co_return;
    // Hung up: no process is left under the filter, nothing more can come.
    if (self->PollListenerOnce()) co_return;
  }
}

bool WorkerProcess::PollListenerOnce() {
  if (!listener_.is_open() || !facts_.violation_syscall.empty()) return false;
  pollfd p{listener_.native_handle(), POLLIN, 0};
  if (poll(&p, 1, 0) != 1) return false;
  if (p.revents & POLLIN) {
    // The kernel, not the worker, tells us which syscall was attempted.
    auto name = SeccompListener::ReceiveViolation(listener_.native_handle());
    if (name.ok()) {
      facts_.violation_syscall = *name;
      Log(LogLevel::kWarn, "policy_violation",
          {{"worker", id_}, {"pid", static_cast<long>(child_.pid())}, {"syscall", *name}});
      KillNow();
      return false;
    }
  }
  return (p.revents & POLLHUP) != 0;
}

awaitable<RunReport> WorkerProcess::Execute(wire::Execute request, ConsoleBatchSink sink) {
  RunReport report;
  state_ = State::kBusy;
  const std::uint64_t gen = ++generation_;
  const std::uint64_t exec_id = request.execution_id();
  const auto timeout = std::chrono::milliseconds(request.limits().timeout_ms());
  const std::uint64_t console_cap = request.limits().output_bytes() + kConsoleSlackBytes;
  std::uint64_t console_bytes = 0;

  wire::SupervisorFrame frame;
  *frame.mutable_execute() = std::move(request);
  write_buf_.clear();
  if (!wire::AppendFrame(frame, kMaxSupervisorFrame, &write_buf_)) {
    // Validation keeps code far below this; reaching it is our bug.
    report.worker_died = false;
    report.result.set_status(api::INTERNAL);
    report.result.set_detail("request too large for the worker channel");
    state_ = State::kIdle;
    co_return report;
  }

  deadline_.expires_after(timeout + config_->hard_kill_grace);
  deadline_.async_wait([weak = weak_from_this(), gen, timeout](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->generation_ != gen || self->state_ != State::kBusy) return;
    // The interpreter's own timeout should have fired by now; this worker is
    // stuck where Duktape does not check (a regex, a native loop).
    self->facts_.deadline_killed = true;
    self->facts_.timeout_ms = static_cast<std::uint64_t>(timeout.count());
    self->facts_.grace_ms = static_cast<std::uint64_t>(self->config_->hard_kill_grace.count());
    self->KillNow();
  });

  error_code ec;
  co_await asio::async_write(to_worker_, asio::buffer(write_buf_),
                             asio::redirect_error(use_awaitable, ec));
  while (!ec) {
    auto reply = co_await ReadFrame();
    if (!reply) break;
    switch (reply->kind_case()) {
      case wire::WorkerFrame::kConsole:
        for (const api::ConsoleLine& line : reply->console().lines()) {
          console_bytes += line.text().size() + wire::kConsoleLineCost;
        }
        if (console_bytes <= console_cap) sink(reply->mutable_console());
        if (console_bytes > console_cap) {
          // The worker enforces the cap itself; one that does not is not
          // our worker any more, and its output must not fill our memory.
          ProtocolError("console output past the run's cap of " + std::to_string(console_cap) +
                        " bytes");
          break;
        }
        continue;
      case wire::WorkerFrame::kResult:
        if (reply->result().execution_id() != exec_id) {
          ProtocolError("result for execution " + std::to_string(reply->result().execution_id()) +
                        " while running " + std::to_string(exec_id));
          break;
        }
        deadline_.cancel();
        // A script that did not compile ran nothing: the worker is as clean
        // as before and the run does not count against it.
        report.nothing_ran = reply->result().nothing_ran() &&
                             reply->result().status() == api::SYNTAX_ERROR &&
                             reply->result().value_json().empty() && console_bytes == 0;
        if (!report.nothing_ran) ++executions_;
        cpu_used_us_ += reply->result().cpu_time_us();
        report.result = std::move(*reply->mutable_result());
        state_ = State::kIdle;
        co_return report;
      case wire::WorkerFrame::kFatal:
        facts_.fatal_message = reply->fatal().message();
        facts_.fatal_out_of_memory = reply->fatal().out_of_memory();
        KillNow();
        break;
      default:
        ProtocolError("unexpected frame kind " + std::to_string(reply->kind_case()) +
                      " during an execution");
        break;
    }
    break;
  }
  deadline_.cancel();
  report.worker_died = true;
  report.death = co_await CollectDeath();
  co_return report;
}

awaitable<bool> WorkerProcess::Ping(std::chrono::milliseconds timeout) {
  if (state_ != State::kIdle) co_return false;
  state_ = State::kBusy;  // no job can be handed over meanwhile
  const std::uint64_t gen = ++generation_;
  const std::uint64_t nonce = gen;
  deadline_.expires_after(timeout);
  deadline_.async_wait([weak = weak_from_this(), gen](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->generation_ != gen || self->state_ != State::kBusy) return;
    self->KillNow();
  });
  wire::SupervisorFrame frame;
  frame.mutable_ping()->set_nonce(nonce);
  write_buf_.clear();
  (void)wire::AppendFrame(frame, kMaxSupervisorFrame, &write_buf_);
  error_code ec;
  co_await asio::async_write(to_worker_, asio::buffer(write_buf_), asio::redirect_error(use_awaitable, ec));
  std::optional<wire::WorkerFrame> reply;
  if (!ec) reply = co_await ReadFrame();
  deadline_.cancel();
  if (reply && reply->kind_case() == wire::WorkerFrame::kPong && reply->pong().nonce() == nonce) {
    state_ = State::kIdle;
    co_return true;
  }
  if (reply) ProtocolError("expected Pong " + std::to_string(nonce));
  KillNow();
  co_await CollectDeath();
  co_return false;
}

std::uint64_t WorkerProcess::ResidentBytes() const {
  const std::string path = "/proc/" + std::to_string(child_.pid()) + "/statm";
  char buf[128] = {};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  const ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

awaitable<std::optional<wire::WorkerFrame>> WorkerProcess::ReadFrame() {
  std::string payload;
  for (;;) {
    switch (decoder_.Pop(&payload)) {
      case wire::FrameDecoder::Next::kFrame: {
        if (auto frame = ParseFrame(payload)) co_return frame;
        co_return std::nullopt;
      }
      case wire::FrameDecoder::Next::kOversized:
        ProtocolError("oversized frame: declared " + std::to_string(decoder_.last_declared_length()) +
                      " bytes, cap " + std::to_string(decoder_.max_payload()));
        co_return std::nullopt;
      case wire::FrameDecoder::Next::kNeedMore:
        break;
    }
    error_code ec;
    const std::size_t n = co_await from_worker_.async_read_some(
        asio::buffer(read_buf_), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      // EOF: the worker is gone (or we killed it). A half-written frame from
      // a worker that died by itself is a protocol error worth reporting.
      if (decoder_.HasPartialFrame() && !facts_.deadline_killed && !facts_.cancelled &&
          facts_.violation_syscall.empty() && !facts_.framing_killed) {
        facts_.framing_killed = true;
        facts_.framing_detail = "truncated frame at end of stream";
      }
      co_return std::nullopt;
    }
    decoder_.Append(std::string_view(read_buf_.data(), n));
  }
}

std::optional<wire::WorkerFrame> WorkerProcess::ParseFrame(const std::string& payload) {
  // Check the shape and a per-kind cap before parsing: only a Result may be
  // large, and parsing a big batch of tiny console lines would cost far more
  // memory than its bytes.
  wire::FieldShape shape;
  if (!wire::SingleFieldShape(payload, &shape)) {
    ProtocolError(payload.empty() ? "empty frame" : "unparseable frame");
    return std::nullopt;
  }
  if (shape.number != wire::WorkerFrame::kResult && payload.size() > kMaxSmallFrameBytes) {
    ProtocolError("frame of kind " + std::to_string(shape.number) + " is " +
                  std::to_string(payload.size()) + " bytes, cap " + std::to_string(kMaxSmallFrameBytes));
    return std::nullopt;
  }
  wire::WorkerFrame frame;
  if (!frame.ParseFromString(payload)) {
    ProtocolError("unparseable frame");
    return std::nullopt;
  }
  if (frame.kind_case() == wire::WorkerFrame::KIND_NOT_SET) {
    ProtocolError("frame of unknown kind " + std::to_string(shape.number));
    return std::nullopt;
  }
  return frame;
}

void WorkerProcess::ProtocolError(std::string detail) {
  if (facts_.framing_killed) return;
  facts_.framing_killed = true;
  facts_.framing_detail = std::move(detail);
  Log(LogLevel::kWarn, "worker_protocol_error",
      {{"worker", id_}, {"pid", static_cast<long>(child_.pid())}, {"detail", facts_.framing_detail}});
  KillNow();
}

void WorkerProcess::KillNow() {
  if (child_ && !child_.reaped()) (void)child_.Signal(SIGKILL);
  // A write blocked on a full pipe must not wait for the dead worker's
  // reader: cancel it, and the run proceeds to collect the death.
  error_code ignored;
  to_worker_.cancel(ignored);
}

void WorkerProcess::Cancel() {
  if (state_ != State::kBusy) return;
  facts_.cancelled = true;
  KillNow();
}

awaitable<void> WorkerProcess::WaitExit() {
  if (!child_ || child_.reaped()) co_return;
  error_code ec;
  co_await exit_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                                  asio::redirect_error(use_awaitable, ec));
  // The pidfd is readable once the child has exited, so this does not block.
  (void)child_.Reap();
}

awaitable<policy::Outcome> WorkerProcess::CollectDeath() {
  // A violation pending in the listener outranks everything: look once more
  // before the worker is gone for good.
  PollListenerOnce();
  KillNow();
  co_await WaitExit();
  state_ = State::kDead;
  if (child_.exit_info()) {
    facts_.exited = child_.exit_info()->exited;
    facts_.exit_code = child_.exit_info()->code;
    facts_.signal = child_.exit_info()->signal;
  }
  if (cgroup_) {
    auto oom = cgroup_->OomKilled();
    facts_.oom_killed = oom.ok() && *oom;
  }
  facts_.listener_in_force = config_->seccomp_listener;
  policy::Outcome outcome = policy::ClassifyWorkerDeath(facts_);
  Log(LogLevel::kInfo, "worker_died",
      {{"worker", id_},
       {"pid", static_cast<long>(child_.pid())},
       {"status", policy::StatusName(outcome.status)},
       {"detail", outcome.detail}});
  co_return outcome;
}

awaitable<void> WorkerProcess::Retire() {
  state_ = State::kRetiring;
  KillNow();
  co_await WaitExit();
  state_ = State::kDead;
  error_code ignored;
  listener_.close(ignored);
  to_worker_.close(ignored);
  from_worker_.close(ignored);
  exit_watch_.close(ignored);
  deadline_.cancel();
  cgroup_.reset();
}

}  // namespace stockade::supervisor
