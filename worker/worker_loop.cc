#include "worker/worker_loop.h"

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "worker.pb.h"
#include "worker/fatal.h"
#include "worker/frame_io.h"
#include "worker/interpreter.h"
#include "worker/seccomp_loader.h"

namespace stockade::worker {
namespace {

[[noreturn]] void ProtocolError(const std::string& what) {
  WriteFatalAndExit("worker protocol error: " + what, kExitProtocol);
}

// Runs a trivial script before the filter is loaded so first-use
// allocations and code paths are exercised while everything is allowed.
void WarmUp(Interpreter* interp) {
  wire::Execute warm;
  warm.set_code("var o = {a: [1, 'x']}; JSON.stringify(o) + 1");
  warm.mutable_limits()->set_timeout_ms(1000);
  wire::Result ignored;
  interp->Run(warm, &ignored);
  const Status st = interp->PrepareNext();
  if (!st.ok()) WriteFatalAndExit(st.message(), kExitSetup);
}

}  // namespace

int RunWorker(int in_fd, int out_fd, WorkerOptions options) {
  // A vanished supervisor must show up as a failed write (EPIPE), not as
  // death by SIGPIPE that looks like a crash.
  ::signal(SIGPIPE, SIG_IGN);
  SetFatalFd(out_fd);
  InstallFailureHandlers();
  FdFrameWriter writer(out_fd);
  FdFrameReader reader(in_fd, kMaxFrameBytes);
  wire::SupervisorFrame request;

  FdFrameReader::Outcome outcome = reader.Read(&request);
  if (outcome == FdFrameReader::Outcome::kEof) return kExitOk;
  if (outcome != FdFrameReader::Outcome::kFrame) {
    ProtocolError(std::string(OutcomeName(outcome)) + " while waiting for init");
  }
  if (!request.has_init()) ProtocolError("the first frame must be init");
  const wire::Init init = request.init();

  auto created = Interpreter::Create(init.heap_limit_bytes(), &writer,
                                     std::move(options.extra_bindings), init.compiler());
  if (!created.ok()) WriteFatalAndExit(created.status().message(), kExitSetup);
  std::unique_ptr<Interpreter> interp = std::move(created).value();
  WarmUp(interp.get());

  const int pid = static_cast<int>(::getpid());  // getpid is not allowed later
  auto seccomp = LoadSeccompFilter(init.seccomp_bpf(), init.seccomp_listener());
  if (!seccomp.ok()) WriteFatalAndExit(seccomp.status().message(), kExitSetup);

  wire::WorkerFrame ready_frame;
  wire::Ready* ready = ready_frame.mutable_ready();
  ready->set_pid(pid);
  ready->set_seccomp_loaded(seccomp->loaded);
  ready->set_no_new_privs(seccomp->no_new_privs);
  ready->set_seccomp_listener_fd(seccomp->listener_fd);
  ready->set_interpreter(kInterpreterName);
  if (!writer.Send(ready_frame)) return kExitWriteFailed;

  // Reused across requests: no steady-state allocation for the frames.
  wire::WorkerFrame result_frame;
  wire::WorkerFrame pong_frame;
  for (;;) {
    outcome = reader.Read(&request);
    if (outcome == FdFrameReader::Outcome::kEof) return kExitOk;
    if (outcome == FdFrameReader::Outcome::kOversized) {
      ProtocolError("oversized frame: declared " + std::to_string(reader.last_declared_length()) +
                    " bytes, cap " + std::to_string(kMaxFrameBytes));
    }
    if (outcome != FdFrameReader::Outcome::kFrame) ProtocolError(std::string(OutcomeName(outcome)));

    switch (request.kind_case()) {
      case wire::SupervisorFrame::kExecute: {
        interp->Run(request.execute(), result_frame.mutable_result());
        if (!writer.Send(result_frame)) return kExitWriteFailed;
        // Off the critical path: the supervisor already has its Result.
        const Status st = interp->PrepareNext();
        if (!st.ok()) WriteFatalAndExit(st.message(), kExitSetup);
        break;
      }
      case wire::SupervisorFrame::kPing: {
        wire::Pong* pong = pong_frame.mutable_pong();
        pong->set_nonce(request.ping().nonce());
        pong->set_heap_bytes(interp->heap_bytes());
        if (!writer.Send(pong_frame)) return kExitWriteFailed;
        break;
      }
      case wire::SupervisorFrame::kToolReply:
        ProtocolError("tool_reply while no tool call is pending");
      case wire::SupervisorFrame::kInit:
        ProtocolError("init received twice");
      case wire::SupervisorFrame::KIND_NOT_SET:
        ProtocolError("empty SupervisorFrame (no oneof set)");
    }
  }
}

}  // namespace stockade::worker
