// The `console` binding: the only host object a script sees.
//
// console.log/info/debug write to STDOUT, console.warn/error to STDERR. Each
// call formats its arguments Node-style (js_values.h), joins them with a
// space, makes the text valid UTF-8 and hands one line to the run's
// OutputBuffer, which batches, streams and caps it. The functions are plain
// Duktape/C functions installed into each fresh global environment; they
// find their Console through the heap (Heap::host), so a script holds no
// reference to host state. Lines written when no run is active are dropped.
#pragma once

#include <cstdint>
#include <string>

#include "duktape.h"
#include "worker/frame_io.h"
#include "worker/output_buffer.h"

namespace stockade::worker {

class Console {
 public:
  explicit Console(FrameSink* sink) : output_(sink) {}
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  OutputBuffer& output() { return output_; }
  // Starts a run's output (cap_bytes: limits.output_bytes, 0 = no cap).
  void BeginRun(std::uint64_t cap_bytes) {
    depth_ = 0;  // a Duktape error may have longjmp'd out of a nested call
    output_.Begin(cap_bytes);
  }

  // Defines `console` on env's global object. The heap's host must be set
  // to the Console before script code calls it.
  static void Install(duk_context* env);
  // Heap tick: flushes lines that have waited too long.
  static void Tick(void* self, std::int64_t now_ns);

 private:
  static duk_ret_t Write(duk_context* ctx);

  OutputBuffer output_;
  std::string line_;      // reused per call
  std::string scratch_;   // reused per call
  int depth_ = 0;         // console calls nested through toJSON/getters
};

}  // namespace stockade::worker
