// Owner of the Duktape heap and of the hooks Duktape calls back into.
//
// A Heap bundles what Duktape reaches through the heap's udata pointer: the
// capped allocator (every allocation), the run deadline (the exec-timeout
// hook), and a periodic "tick" callback that the same hook drives, which the
// console uses to flush lines that have waited too long, and the byte
// budgets of the host's own JSON encodings (json_limits.h). It also installs
// the fatal handler, which reports a Fatal frame and exits instead of
// abort()ing.
// The Heap is neither copyable nor movable: Duktape holds its address.
#pragma once

#include <cstdint>
#include <memory>

#include "duktape.h"
#include "worker/allocator.h"
#include "worker/deadline.h"
#include "worker/json_limits.h"

namespace stockade::worker {

class Heap {
 public:
  // Called at every exec-timeout check with the current monotonic time.
  using TickFn = void (*)(void* arg, std::int64_t now_ns);

  // ceiling_bytes: Init.heap_limit_bytes (0 = no cap). Null when Duktape
  // could not create the heap (e.g. the ceiling is below its base size).
  static std::unique_ptr<Heap> Create(std::uint64_t ceiling_bytes);
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // The heap's original thread. Scripts never run on it: each run gets a
  // fresh thread with its own global environment (see environment.h).
  duk_context* ctx() const { return ctx_; }
  CappedAllocator& allocator() { return allocator_; }
  const CappedAllocator& allocator() const { return allocator_; }
  Deadline& deadline() { return deadline_; }
  JsonLimits& json_limits() { return json_limits_; }
  void SetTick(TickFn fn, void* arg) {
    tick_ = fn;
    tick_arg_ = arg;
  }

  // The Heap that owns ctx (any thread of it), for C functions called from
  // script code.
  static Heap* From(duk_context* ctx);
  // Host object for bindings (the Console); set by the interpreter.
  void set_host(void* host) { host_ = host; }
  void* host() const { return host_; }

  // Entry point for the C hook in duk_config.h.
  bool OnInterrupt();

 private:
  explicit Heap(std::uint64_t ceiling_bytes) : allocator_(ceiling_bytes) {
    allocator_.set_deadline(&deadline_);
  }

  CappedAllocator allocator_;
  Deadline deadline_;
  JsonLimits json_limits_;
  TickFn tick_ = nullptr;
  void* tick_arg_ = nullptr;
  void* host_ = nullptr;
  duk_context* ctx_ = nullptr;
};

}  // namespace stockade::worker
