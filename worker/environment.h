// The standard library, installed once per heap, and a fresh global object
// per run: nothing one run defines reaches the next.
//
// Install() runs once: it gives the heap's global object Stockade's own
// bindings (`console`) and any BindingInstaller the embedder passes (the
// shipped worker passes none; the hostile test worker adds its `hostile`
// object this way, so that code is never compiled into the shipped binary),
// then runs the prelude built by worker/prelude (the event loop, core-js,
// lockdown). Lockdown freezes every intrinsic; from then on the heap's own
// global is only a template.
//
// Each run executes on its own Duktape thread whose global object is new:
// its bindings (Object, Array, JSON, Promise, console, ...) point at the
// frozen intrinsics, and `globalThis` at itself. A script's globals and its
// replacements of built-in names die with its global; the built-ins
// themselves cannot be changed. The previous thread is dropped when the
// next one is prepared, which the worker loop does right after writing a
// Result, off the critical path of the next request; reference counting
// frees most of it at once, and the interpreter collects the cycles (a
// global's globalThis, whatever a script linked up) once enough of them
// has accumulated.
#pragma once

#include <functional>
#include <vector>

#include "duktape.h"
#include "proto/status.h"

namespace stockade::worker {

// Installs extra globals. Called once with the heap's context and an empty
// value stack, before lockdown (what it installs is frozen with the rest);
// must leave the stack as found and must not run script code. Example:
//   duk_push_global_object(ctx); duk_push_c_function(ctx, Fn, 1);
//   duk_put_prop_string(ctx, -2, "name"); duk_pop(ctx);
using BindingInstaller = std::function<void(duk_context* ctx)>;

class Environments {
 public:
  // heap_ctx: the heap's original thread, which holds the current
  // environment's thread at value stack index 0.
  Environments(duk_context* heap_ctx, std::vector<BindingInstaller> extra)
      : heap_ctx_(heap_ctx), extra_(std::move(extra)) {}

  // Once, before the first PrepareFresh: the bindings, the prelude and
  // lockdown; for a compiler worker then TypeScript and the lowering
  // function, which each run's global gets as __stockade_lower. The caller
  // arms a deadline and lifts the memory cap to the heap's ceiling
  // meanwhile.
  Status Install(bool compiler = false);

  // Drops the current environment (if any) and creates a new one. Script code must not be able to run meanwhile (the caller
  // expires the deadline). Duktape errors (out of memory) are caught: false
  // when the environment could not be built.
  bool PrepareFresh();
  // Drops the current environment without making a new one.
  void Drop();

  // The environment for the next run; null until PrepareFresh succeeded.
  duk_context* current() const { return current_; }
  // Marks the current environment as used: the next run needs a new one.
  void MarkUsed() { used_ = true; }
  bool ready() const { return current_ != nullptr && !used_; }

  // Pushes the event loop's control function `name` (reset, settle:
  // worker/prelude/event_loop.js) onto env's stack.
  void PushLoopFunction(duk_context* env, const char* name) const;
  // Pushes the prelude's session object (worker/prelude/session_state.js:
  // the helpers of the native capture and restore), and the object whose
  // keys are the names every run's global starts with.
  void PushSession(duk_context* env) const;
  void PushTemplateNames(duk_context* env) const;

 private:
  static duk_ret_t InstallOnStack(duk_context* ctx, void* udata);
  static duk_ret_t InstallCompilerOnStack(duk_context* ctx, void* udata);
  static duk_ret_t BuildOnStack(duk_context* heap_ctx, void* udata);

  duk_context* heap_ctx_;
  std::vector<BindingInstaller> extra_;
  duk_context* current_ = nullptr;
  bool used_ = false;
  bool installed_ = false;
};

}  // namespace stockade::worker
