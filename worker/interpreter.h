// One Duktape heap that runs untrusted scripts, one at a time.
//
// Run() executes Execute.code as eval code in a fresh global environment, so
// the completion value of the script (or of its last expression) is the
// result, and reports one typed outcome in a wire Result:
//   TIMEOUT       the deadline tripped at any point of the run (even if a
//                 catch block produced a value afterwards)
//   MEMORY_LIMIT  the capped allocator refused an allocation
//   SYNTAX_ERROR  the code did not compile (error line, column and excerpt
//                 set; nothing_ran, so the run does not count)
//   RUNTIME_ERROR an uncaught throw, or a result that cannot be encoded
//                 (cycle, throwing toJSON)
//   OK            value_json holds the JSON result ("" for undefined). A
//                 value over limits.result_bytes is still OK: up to
//                 wire::ResultValueBudget it is sent whole for the
//                 supervisor to redact and cut to head and tail; past that
//                 the encoder stops and only the head is sent, marked
//                 value_incomplete (a huge result costs neither the heap
//                 nor the time to encode all of it)
// in that order of precedence. Console lines are streamed to the FrameSink as
// ConsoleBatch frames during the run and are all sent before Run() returns.
//
// Limits: a zero field in RunLimits means "no limit" at this layer (the
// supervisor always sends clamped, non-zero limits; zeros are for tests). The
// memory cap of a run is min(limits.memory_bytes, heap ceiling).
//
// After the Result is delivered the caller calls PrepareNext(), which builds
// the next run's environment off the critical path.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "proto/status.h"
#include "worker.pb.h"
#include "worker/console.h"
#include "worker/environment.h"
#include "worker/frame_io.h"
#include "worker/heap.h"

namespace stockade::worker {

inline constexpr char kInterpreterName[] = "duktape 2.7.0";

class Interpreter {
 public:
  // heap_ceiling_bytes: Init.heap_limit_bytes (0 = no cap). console_sink
  // receives ConsoleBatch frames and must outlive the interpreter.
  // compiler: a compiler worker (Init.compiler; environment.h).
  static StatusOr<std::unique_ptr<Interpreter>> Create(std::uint64_t heap_ceiling_bytes,
                                                       FrameSink* console_sink,
                                                       std::vector<BindingInstaller> extra = {},
                                                       bool compiler = false);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Runs one script; *result is overwritten. Prepares an environment first
  // if PrepareNext() was not called since the last run.
  void Run(const wire::Execute& execute, wire::Result* result);

  // Builds the next run's fresh environment. Fails only when the heap
  // ceiling cannot even hold an empty environment.
  Status PrepareNext();

  std::uint64_t heap_bytes() const { return heap_->allocator().live_bytes(); }

 private:
  Interpreter(std::unique_ptr<Heap> heap, FrameSink* sink, std::vector<BindingInstaller> extra);
  void Execute(duk_context* env, const wire::Execute& execute, wire::Result* result);
  void Classify(const wire::Execute& execute, wire::Result* result);
  // After the script body, with its completion value on env's stack: runs
  // the event loop until nothing is queued and awaits the value if it is a
  // promise. True with the settled value in its place; false with what to
  // report as thrown in its place (*prefix says how it was thrown).
  bool RunEventLoop(duk_context* env, const char** prefix);
  // With the settled completion value on env's stack: encodes what the run
  // leaves in its global (and the value as `_` when has_value) into
  // result's session_state and its summary (session_variables_json, session_dropped) (worker/session_capture.h),
  // or says it is too large. False with the error on top of the value (a
  // getter threw, a limit tripped).
  bool CaptureSession(duk_context* env, const wire::Execute& execute, bool has_value, wire::Result* result);

  std::unique_ptr<Heap> heap_;
  Console console_;
  Environments envs_;
  // Live bytes after the last full collection, and how much more makes the
  // next one worth its cost.
  std::uint64_t collected_bytes_ = 0;
  std::uint64_t garbage_before_collection_ = 0;
};

}  // namespace stockade::worker
