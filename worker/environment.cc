#include "worker/environment.h"

#include "worker/console.h"

namespace stockade::worker {

void Environments::Drop() {
  current_ = nullptr;
  used_ = false;
  duk_set_top(heap_ctx_, 0);
}

duk_ret_t Environments::BuildOnStack(duk_context* heap_ctx, void* udata) {
  auto* self = static_cast<Environments*>(udata);
  duk_push_thread_new_globalenv(heap_ctx);
  duk_context* env = duk_get_context(heap_ctx, -1);

  duk_push_global_object(env);
  duk_del_prop_string(env, -1, "Duktape");
  duk_pop(env);

  Console::Install(env);
  for (const BindingInstaller& install : self->extra_) install(env);
  return 1;
}

bool Environments::PrepareFresh() {
  Drop();
  // Builtins form reference cycles (constructor <-> prototype), which
  // reference counting alone never frees: collect the old environment now,
  // while nothing is waiting on us. (One pass suffices: scripts cannot set
  // finalizers without the Duktape object, so nothing is resurrected.)
  duk_gc(heap_ctx_, 0);
  if (duk_safe_call(heap_ctx_, BuildOnStack, this, 0, 1) != DUK_EXEC_SUCCESS) {
    duk_set_top(heap_ctx_, 0);
    return false;
  }
  current_ = duk_get_context(heap_ctx_, 0);
  used_ = false;
  return true;
}

}  // namespace stockade::worker
