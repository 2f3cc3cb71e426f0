// Fresh global environments: nothing one run defines reaches the next.
//
// Each run executes on its own Duktape thread created with
// duk_push_thread_new_globalenv, which gives it a new global object and a
// complete new set of built-ins (Object.prototype, Array.prototype, JSON ...),
// so globals, prototype pollution and replaced built-ins die with the run.
// The previous environment is dropped and garbage-collected when the next one
// is prepared, which the worker loop does right after writing a Result, off
// the critical path of the next request.
//
// Bindings: Stockade's own (`console`) plus any BindingInstaller the embedder
// passes in. The shipped worker passes none; the hostile test worker adds its
// `hostile` object this way, so that code is never compiled into the shipped
// binary. The `Duktape` built-in object is removed from every environment:
// it exposes finalizers (code that would run after the run, outside its
// deadline), garbage-collector control and coroutines, none of which
// untrusted code needs.
#pragma once

#include <functional>
#include <vector>

#include "duktape.h"

namespace stockade::worker {

// Installs extra globals into a fresh environment. Called with the new
// thread's context and an empty value stack; must leave the stack as found
// and must not run script code. Example:
//   duk_push_global_object(env); duk_push_c_function(env, Fn, 1);
//   duk_put_prop_string(env, -2, "name"); duk_pop(env);
using BindingInstaller = std::function<void(duk_context* env)>;

class Environments {
 public:
  // heap_ctx: the heap's original thread, which holds the current
  // environment's thread at value stack index 0.
  Environments(duk_context* heap_ctx, std::vector<BindingInstaller> extra)
      : heap_ctx_(heap_ctx), extra_(std::move(extra)) {}

  // Drops the current environment (if any), collects garbage, and creates
  // and populates a new one. Script code must not be able to run meanwhile
  // (the caller expires the deadline). Duktape errors (out of memory) are
  // caught: false when the environment could not be built.
  bool PrepareFresh();
  // Drops the current environment without making a new one.
  void Drop();

  // The environment for the next run; null until PrepareFresh succeeded.
  duk_context* current() const { return current_; }
  // Marks the current environment as used: the next run needs a new one.
  void MarkUsed() { used_ = true; }
  bool ready() const { return current_ != nullptr && !used_; }

 private:
  static duk_ret_t BuildOnStack(duk_context* heap_ctx, void* udata);

  duk_context* heap_ctx_;
  std::vector<BindingInstaller> extra_;
  duk_context* current_ = nullptr;
  bool used_ = false;
};

}  // namespace stockade::worker
