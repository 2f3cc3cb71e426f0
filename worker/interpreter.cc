#include "worker/interpreter.h"

#include <time.h>

#include <string>
#include <utility>

#include "api.pb.h"
#include "worker/function_sources.h"
#include "worker/js_values.h"
#include "worker/script_error.h"
#include "worker/session_capture.h"
#include "worker/session_restore.h"
#include "worker/source_excerpt.h"
#include "worker/top_level.h"
#include "worker/weak_collections.h"
#include "worker/utf8.h"

namespace stockade::worker {
namespace {

// Where a run stopped, before limit trips are taken into account.
enum class Phase { kCompileError, kRuntimeError, kEncodeError, kTooLarge, kValue, kUndefined };

std::uint64_t ProcessCpuUs() {
  timespec ts;
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

constexpr char kDefaultFilename[] = "script.js";
constexpr std::uint32_t kInstallTimeoutMs = 5000;
constexpr std::uint64_t kCyclicGarbageBytes = 1 << 20;
// A compiler worker: TypeScript's syntax trees are cyclic and its heap is
// ~21 MiB, so each collection takes tens of milliseconds; it runs once a few
// lowerings' worth of trees have piled up, not after every one.
constexpr std::uint64_t kCompilerCyclicGarbageBytes = 48 << 20;

// The value JSON sent for this run (wire::ResultValueBudget). The encoder
// counts Duktape's CESU-8 bytes, which shrink on the way to UTF-8 but may
// grow where invalid sequences become \u escapes, so the converted text is
// cut to the budget again.
std::uint64_t ValueBudget(const wire::Execute& execute) {
  const std::uint64_t requested = execute.limits().result_bytes();
  return wire::ResultValueBudget(requested != 0 ? requested : wire::kMaxResultValueBytes);
}

// The compiler's patched-in offset (worker/CMakeLists.txt) of where it
// stopped, turned into a column and an excerpt. The line Duktape counted
// wins if the two ever disagree.
void AddSourcePosition(duk_context* ctx, duk_idx_t idx, const std::string& code,
                       wire::Result* result) {
  api::ScriptError* error = result->mutable_error();
  std::string unused;
  double offset = 0;
  if (SafeGetProp(ctx, idx, DUK_HIDDEN_SYMBOL("StockadeSourceOffset"), 0, &unused, &offset) !=
          DUK_TYPE_NUMBER ||
      !(offset >= 0)) {
    return;
  }
  const SourcePosition pos = PositionAt(code, static_cast<std::size_t>(offset));
  if (error->line() == 0) error->set_line(pos.line);
  if (error->line() == pos.line) {
    error->set_column(pos.column);
    // "parse error (line 2)" -> "parse error (line 2, column 9)", in the
    // message, the stack's first line and the detail alike.
    const std::string from = "(line " + std::to_string(pos.line);
    const std::string to = from + ", column " + std::to_string(pos.column);
    for (std::string* text :
         {error->mutable_message(), error->mutable_stack(), result->mutable_detail()}) {
      const std::size_t at = text->find(from);
      if (at != std::string::npos) text->replace(at, from.size(), to);
    }
  }
  error->set_excerpt(pos.excerpt);
}

}  // namespace

StatusOr<std::unique_ptr<Interpreter>> Interpreter::Create(std::uint64_t heap_ceiling_bytes,
                                                           FrameSink* console_sink,
                                                           std::vector<BindingInstaller> extra,
                                                           bool compiler) {
  std::unique_ptr<Heap> heap = Heap::Create(heap_ceiling_bytes);
  if (heap == nullptr) {
    return Status::Error("duktape: cannot create a heap within " +
                         std::to_string(heap_ceiling_bytes) + " bytes");
  }
  std::unique_ptr<Interpreter> interp(
      new Interpreter(std::move(heap), console_sink, std::move(extra)));
  // The prelude is our own code: it runs with the heap's whole ceiling and a
  // deadline only a bug could reach.
  interp->heap_->deadline().Arm(kInstallTimeoutMs);
  const Status installed = interp->envs_.Install(compiler);
  interp->heap_->deadline().Expire();
  STOCKADE_RETURN_IF_ERROR(installed);
  interp->collected_bytes_ = interp->heap_->allocator().live_bytes();
  interp->garbage_before_collection_ = compiler ? kCompilerCyclicGarbageBytes : kCyclicGarbageBytes;
  STOCKADE_RETURN_IF_ERROR(interp->PrepareNext());
  return interp;
}

Interpreter::Interpreter(std::unique_ptr<Heap> heap, FrameSink* sink,
                         std::vector<BindingInstaller> extra)
    : heap_(std::move(heap)), console_(sink), envs_(heap_->ctx(), std::move(extra)) {
  heap_->set_host(&console_);
  heap_->SetTick(&Console::Tick, &console_);
  heap_->deadline().Expire();
}

Interpreter::~Interpreter() {
  envs_.Drop();
  heap_->set_host(nullptr);
  heap_->SetTick(nullptr, nullptr);
}

Status Interpreter::PrepareNext() {
  // No script code may run while the old environment is collected or the
  // new one built: an expired deadline kills anything that tries.
  heap_->deadline().Expire();
  heap_->allocator().EndRun();
  envs_.Drop();
  // A full collection walks the whole heap, the frozen standard library
  // included (~0.8 ms): run it only once the garbage reference counting
  // cannot free (cycles) has grown. Scripts cannot set finalizers (no
  // Duktape object), so one pass frees everything unreachable.
  if (heap_->allocator().live_bytes() > collected_bytes_ + garbage_before_collection_) {
    duk_gc(heap_->ctx(), 0);
    collected_bytes_ = heap_->allocator().live_bytes();
  }
  if (!envs_.PrepareFresh()) {
    return Status::Error("duktape: cannot build a fresh global environment within the heap limit of " +
                         std::to_string(heap_->allocator().ceiling()) + " bytes (live " +
                         std::to_string(heap_->allocator().live_bytes()) + ")");
  }
  return Status::Ok();
}

void Interpreter::Run(const wire::Execute& execute, wire::Result* result) {
  result->Clear();
  result->set_execution_id(execute.execution_id());
  if (!envs_.ready()) {
    const Status st = PrepareNext();
    if (!st.ok()) {
      result->set_status(api::MEMORY_LIMIT);
      result->set_detail(st.message());
      result->set_heap_bytes_after(heap_bytes());
      return;
    }
  }
  duk_context* env = envs_.current();

  const wire::RunLimits& limits = execute.limits();
  const std::uint64_t cpu_start = ProcessCpuUs();
  heap_->allocator().BeginRun(limits.memory_bytes());
  console_.BeginRun(limits.output_bytes());
  heap_->deadline().Arm(limits.timeout_ms());

  Execute(env, execute, result);
  Classify(execute, result);

  // Everything the script produced is on the wire before the Result.
  console_.output().Finish(result->mutable_output());
  heap_->deadline().Expire();
  heap_->allocator().EndRun();
  result->set_cpu_time_us(ProcessCpuUs() - cpu_start);
  result->set_heap_peak_bytes(heap_->allocator().peak_bytes());
  result->set_heap_bytes_after(heap_->allocator().live_bytes());
}

void Interpreter::Execute(duk_context* env, const wire::Execute& execute, wire::Result* result) {
  duk_set_top(env, 0);
  const std::string& filename = execute.filename();
  if (filename.empty()) {
    duk_push_string(env, kDefaultFilename);
  } else {
    duk_push_lstring(env, filename.data(), filename.size());
  }
  const std::string& code = execute.code();
  Phase phase = Phase::kUndefined;
  const char* runtime_prefix = "";
  // Nothing an earlier run queued may fire in this one. (Here, armed: no
  // code runs while the next environment is prepared.)
  envs_.PushLoopFunction(env, "reset");
  duk_pcall(env, 0);
  duk_pop(env);
  ResetTemplateWeakCollections(env);
  duk_dup(env, 0);  // the filename
  const bool compiled = duk_pcompile_lstring_filename(env, DUK_COMPILE_EVAL, code.data(), code.size()) == 0;
  duk_idx_t nargs = 0;
  if (compiled && CompileInFunctionScope(env, code, 0)) {  // [program fn arg]
    duk_remove(env, -3);
    nargs = 1;
  }
  // A session's run records the sources of its top-level functions
  // (worker/function_sources.h). ES5 declarations are verified once they
  // exist: the top-level function's prologue asks for it; global code gets
  // the call in front of its first line.
  const bool in_session = execute.capture_session() || !execute.session_in_json().empty();
  if (compiled && in_session && BeginSessionRun(env, code, duk_get_string(env, 0)) && nargs == 0) {
    std::string prefixed(kHoistedCall);
    prefixed += code;
    duk_dup(env, 0);
    if (duk_pcompile_lstring_filename(env, DUK_COMPILE_EVAL, prefixed.data(), prefixed.size()) == 0) {
      duk_remove(env, -2);
    } else {
      duk_pop(env);  // never reached in practice; the functions are then dropped
    }
  }
  // A session's state goes into this run's global once the code compiled
  // (code that did not compile must leave the global untouched: it is
  // reused), within the run's limits (a state bomb is the run's own
  // MEMORY_LIMIT).
  bool restored = true;
  if (compiled && !execute.session_in_json().empty()) {
    envs_.PushSession(env);
    PushSourceRegistry(env);
    restored = RestoreSession(env, execute.session_in_json(), -2, -1);
    if (restored) {
      duk_pop_2(env);
    } else {
      duk_remove(env, -2);  // the error stays on top
      duk_remove(env, -2);
    }
  }
  // `this` at top level is the global object, strict or not, as in a script.
  if (compiled && restored) {
    duk_push_global_object(env);
    duk_insert(env, -1 - nargs);
  }
  if (!compiled) {
    phase = Phase::kCompileError;
  } else if (!restored) {
    phase = Phase::kRuntimeError;
    runtime_prefix = "the session's state cannot be restored: ";
  } else if (duk_pcall_method(env, nargs) != DUK_EXEC_SUCCESS || !RunEventLoop(env, &runtime_prefix)) {
    phase = Phase::kRuntimeError;
  } else {
    // The deadline stays armed: a toJSON that loops still ends in TIMEOUT.
    switch (SafeJsonEncode(env, -1, ValueBudget(execute), /*keep_prefix=*/true,
                           result->mutable_value_json())) {
      case JsonOutcome::kOk: phase = Phase::kValue; break;
      case JsonOutcome::kUndefined: phase = Phase::kUndefined; break;
      case JsonOutcome::kError: phase = Phase::kEncodeError; break;
      case JsonOutcome::kTooLarge: phase = Phase::kTooLarge; break;
    }
    if (execute.capture_session() && phase != Phase::kEncodeError &&
        !CaptureSession(env, execute, phase != Phase::kUndefined, result)) {
      phase = Phase::kRuntimeError;
      runtime_prefix = "the session's state cannot be kept: ";
    }
  }

  const bool limit_tripped = heap_->deadline().tripped() || heap_->allocator().tripped();
  // Code that did not compile touched nothing in the environment, which
  // stays fresh for the next run.
  if (phase == Phase::kCompileError && !limit_tripped) {
    result->set_nothing_ran(true);
  } else {
    envs_.MarkUsed();
  }
  if (!limit_tripped && (phase == Phase::kCompileError || phase == Phase::kRuntimeError)) {
    result->set_detail(runtime_prefix + ExtractScriptError(env, -1, result->mutable_error()));
    if (phase == Phase::kCompileError) AddSourcePosition(env, -1, code, result);
    result->set_status(phase == Phase::kCompileError ? api::SYNTAX_ERROR : api::RUNTIME_ERROR);
  } else if (phase == Phase::kEncodeError) {
    // `why` is whatever a toJSON or getter threw: capped like any error text.
    const std::string why = ErrorFieldText(result->value_json());
    result->clear_value_json();
    result->set_detail("the completion value cannot be encoded as JSON: " + why);
    result->mutable_error()->set_name("TypeError");
    result->mutable_error()->set_message(ErrorFieldText(result->detail()));
    result->set_status(api::RUNTIME_ERROR);
  } else if (phase == Phase::kTooLarge) {
    // The head goes to the supervisor, which redacts it and reports it cut.
    result->set_value_incomplete(true);
    result->set_status(api::OK);
  } else {
    result->set_status(api::OK);
  }
  duk_set_top(env, 0);
}

bool Interpreter::CaptureSession(duk_context* env, const wire::Execute& execute, bool has_value,
                                 wire::Result* result) {
  // [value] -> [value] or [value error]
  const duk_idx_t value = duk_get_top_index(env);
  envs_.PushSession(env);
  envs_.PushTemplateNames(env);
  PushSourceRegistry(env);
  CapturedSession captured;
  const CaptureOutcome outcome =
      worker::CaptureSession(env, value, has_value, value + 1, value + 2, value + 3,
                             execute.session_state_bytes(), &captured);
  if (outcome == CaptureOutcome::kThrew) {
    duk_insert(env, value + 1);
    duk_set_top(env, value + 2);
    return false;
  }
  duk_set_top(env, value + 1);
  if (outcome == CaptureOutcome::kTooLarge) {
    result->set_session_state_too_large(true);
  } else {
    result->set_session_state(std::move(captured.state));
    result->set_session_variables_json(std::move(captured.variables_json));
    result->set_session_variables(captured.variables);
    for (std::string& d : captured.dropped) result->add_session_dropped(std::move(d));
  }
  return true;
}

bool Interpreter::RunEventLoop(duk_context* env, const char** prefix) {
  // [value] -> settle(value) -> { state, value, unhandled }
  envs_.PushLoopFunction(env, "settle");
  duk_insert(env, -2);
  if (duk_pcall(env, 1) != DUK_EXEC_SUCCESS) return false;  // a callback threw
  duk_get_prop_string(env, -1, "state");
  const std::string state = duk_safe_to_string(env, -1);
  duk_pop(env);
  if (state == "error") {
    duk_get_prop_string(env, -1, "value");
    duk_remove(env, -2);
    *prefix = "the script's promise was rejected: ";
    return false;
  }
  if (state == "pending") {
    duk_pop(env);
    duk_push_error_object(env, DUK_ERR_ERROR,
                          "the script's promise can never settle: nothing it waits for is pending "
                          "(no timer, no callback)");
    return false;
  }
  // A rejection nobody handled ends the run, as it ends a Node process.
  duk_get_prop_string(env, -1, "unhandled");
  if (duk_is_array(env, -1) && duk_get_length(env, -1) > 0) {
    duk_get_prop_index(env, -1, 0);
    duk_remove(env, -2);
    duk_remove(env, -2);
    *prefix = "unhandled promise rejection: ";
    return false;
  }
  duk_pop(env);
  duk_get_prop_string(env, -1, "value");
  duk_remove(env, -2);
  return true;
}

void Interpreter::Classify(const wire::Execute& execute, wire::Result* result) {
  const Deadline& deadline = heap_->deadline();
  const CappedAllocator& alloc = heap_->allocator();
  if (deadline.tripped()) {
    result->Clear();
    result->set_execution_id(execute.execution_id());
    result->set_status(api::TIMEOUT);
    std::string detail = "script exceeded its timeout of " + std::to_string(deadline.timeout_ms()) +
                         " ms (stopped " + std::to_string(deadline.overshoot_ns() / 1000) +
                         " us after the deadline";
    if (deadline.waited_ms() > 0) {
      detail += "; its timers waited " + std::to_string(deadline.waited_ms()) + " ms of it";
    }
    result->set_detail(detail + ")");
    return;
  }
  if (alloc.tripped()) {
    result->Clear();
    result->set_execution_id(execute.execution_id());
    result->set_status(api::MEMORY_LIMIT);
    result->set_detail("script exceeded its memory limit of " + std::to_string(alloc.cap()) +
                       " bytes (an allocation of " + std::to_string(alloc.refused_request()) +
                       " bytes was refused)");
    return;
  }
  if (result->status() != api::OK) return;
  MakeValidUtf8(result->mutable_value_json(), Utf8Mode::kJsonEscape);
  std::string& value = *result->mutable_value_json();
  if (value.size() > ValueBudget(execute)) {
    std::size_t cut = ValueBudget(execute);
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
    value.resize(cut);
    result->set_value_incomplete(true);
  }
}

}  // namespace stockade::worker
