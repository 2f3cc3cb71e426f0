#include "worker/heap.h"

#include <string>

#include "worker/fatal.h"

namespace stockade::worker {
namespace {

void* DukAlloc(void* udata, duk_size_t size) {
  return static_cast<Heap*>(udata)->allocator().Allocate(size);
}
void* DukRealloc(void* udata, void* ptr, duk_size_t size) {
  return static_cast<Heap*>(udata)->allocator().Reallocate(ptr, size);
}
void DukFree(void* udata, void* ptr) { static_cast<Heap*>(udata)->allocator().Free(ptr); }

void DukFatal(void* /*udata*/, const char* msg) {
  std::string text = "duktape fatal error: ";
  text += msg != nullptr ? msg : "(no message)";
  WriteFatalAndExit(text, kExitDuktapeFatal);
}

}  // namespace

std::unique_ptr<Heap> Heap::Create(std::uint64_t ceiling_bytes) {
  std::unique_ptr<Heap> heap(new Heap(ceiling_bytes));
  heap->ctx_ = duk_create_heap(DukAlloc, DukRealloc, DukFree, heap.get(), DukFatal);
  if (heap->ctx_ == nullptr) return nullptr;
  return heap;
}

Heap::~Heap() {
  if (ctx_ != nullptr) {
    // Nothing may run script code while the heap is torn down (finalizers).
    deadline_.Expire();
    duk_destroy_heap(ctx_);
  }
}

Heap* Heap::From(duk_context* ctx) {
  duk_memory_functions funcs;
  duk_get_memory_functions(ctx, &funcs);
  return static_cast<Heap*>(funcs.udata);
}

bool Heap::OnInterrupt() {
  const std::int64_t now = MonotonicNowNs();
  if (tick_ != nullptr) tick_(tick_arg_, now);
  return deadline_.Check(now);
}

}  // namespace stockade::worker

extern "C" duk_bool_t stockade_duk_exec_timeout_check(void* udata) {
  return udata != nullptr && static_cast<stockade::worker::Heap*>(udata)->OnInterrupt() ? 1 : 0;
}

extern "C" void stockade_duk_default_fatal(void* udata, const char* msg) {
  stockade::worker::DukFatal(udata, msg);
}

extern "C" void stockade_duk_json_encoder_started(void* udata, const void* writer) {
  if (udata == nullptr) return;
  static_cast<stockade::worker::Heap*>(udata)->json_limits().OnEncoderStarted(writer);
}

extern "C" duk_bool_t stockade_duk_bufwriter_grow_refused(void* udata, const void* writer,
                                                          const char* data, duk_size_t used,
                                                          duk_size_t /*new_size*/) {
  if (udata == nullptr) return 0;
  auto* heap = static_cast<stockade::worker::Heap*>(udata);
  return heap->json_limits().RefuseGrowth(writer, data, used) ? 1 : 0;
}
