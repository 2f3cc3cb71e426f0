// Byte budgets for the JSON encodings the worker itself starts.
//
// The worker encodes script values with Duktape's internal encoder: the
// completion value (capped by limits.result_bytes) and console arguments
// (capped by the longest console line). Without a budget the encoder writes
// the whole text into the interpreter heap before the worker can look at its
// size, so a 50 MB completion value needed 100+ MB of heap and ended in
// MEMORY_LIMIT (or ran into the supervisor's hard kill) instead of a prompt
// OUTPUT_LIMIT. Two patched call sites in duktape.c report to this class
// (see worker/CMakeLists.txt): the encoder announces its output buffer when
// it starts, and every buffer writer asks before it grows.
//
// Push(max) arms a budget for the next encoder Duktape starts, which is the
// one the host is about to run (the encoder sets up its buffer before it
// calls any toJSON or getter). Encoders that script code starts meanwhile
// (JSON.stringify inside a toJSON) are not limited: they are the script's
// own work, bounded by its memory cap. Budgets nest, because encoding a
// completion value can run a toJSON that calls console.log. Once the armed
// buffer holds more than max bytes, growing it is refused: Duktape throws a
// RangeError that unwinds the encoder (no script frame lies in between, so
// no script can catch it), and Pop() reports the trip with the first max
// bytes that had been written.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace stockade::worker {

class JsonLimits {
 public:
  // Caps the next encoder Duktape starts at about max_bytes of output.
  // keep_prefix: on a trip, keep the first max_bytes bytes written (for a
  // console line that shows the start of a huge object).
  void Push(std::size_t max_bytes, bool keep_prefix);
  // Ends the innermost budget. True when its encoder was stopped; *prefix
  // then holds what was kept (possibly ending inside a character).
  bool Pop(std::string* prefix);

  // Hooks called by the patched duktape.c.
  void OnEncoderStarted(const void* writer);
  bool RefuseGrowth(const void* writer, const char* data, std::size_t used);

 private:
  struct Budget {
    std::size_t max_bytes = 0;
    bool keep_prefix = false;
    const void* writer = nullptr;  // the encoder's buffer writer, once started
    bool tripped = false;
    std::string prefix;
  };
  std::vector<Budget> budgets_;
};

}  // namespace stockade::worker
