// The value walker of a session capture (worker/session_capture.h): what it
// writes for each value, breadth-first, into the state's text. Internal to
// the capture; split from it only to keep files short.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "duktape.h"
#include "worker/heap.h"
#include "worker/session_capture.h"

namespace stockade::worker::session {

constexpr int kEntryFields = 5;  // a registry entry: function, name, text, prologue, kind
// Outside the heap, per object met: its node, its table entry, its slot.
constexpr std::uint64_t kBytesPerObject = 96;
// The deadline and the memory are looked at every this many steps.
constexpr std::uint32_t kCheckEvery = 512;
// A function reference is written as {"f":\x01AT\x01} (AT: its registry
// index) and numbered once all kept functions are known; \x01 never
// appears raw in JSON text.
constexpr char kFnMark = '\x01';

// What is dropped is named up to here (the supervisor shows fewer).
constexpr std::size_t kMaxDropped = 64;
constexpr std::size_t kMaxDroppedBytes = 256;

// How a node was reached from its parent, for the paths of what is dropped.
enum class Step : std::uint8_t { kRoot, kKey, kIndex, kMapKey, kMapValue, kSetMember, kConstructor };

enum class Kind : std::uint8_t { kObject, kArray, kDate, kRegExp, kMap, kSet, kError, kBuffer, kDropped };

struct Node {
  void* ptr;
  std::uint32_t parent;
  Step step;
  Kind kind;
  std::uint32_t index;
  std::string key;  // the key or name (kKey, kRoot), the key's JSON (kMapValue)
};

struct KeptFunction {
  std::uint32_t at;    // registry index
  std::string props;   // its own enumerable properties' refs, {"k":ref,...}; empty: none
};

constexpr std::uint32_t kNoNode = 0xFFFFFFFF;
// A parent with this bit is a kept function, fn_paths_[parent & ~kFnBit]
// its path (its properties are written at once, it has no node).
constexpr std::uint32_t kFnBit = 0x80000000;

class StateEncoder {
 public:
  StateEncoder(duk_context* ctx, std::uint64_t max_state_bytes)
      : ctx_(ctx), heap_(Heap::From(ctx)), max_state_bytes_(max_state_bytes) {}

  // Under duk_safe_call: [... last helpers skip registry], has_last.
  void Run(bool has_last);

  bool too_large() const { return too_large_; }
  void Finish(CapturedSession* out);

 private:
  // The reference to the value at idx appended to *out; false when it
  // cannot be kept (nothing appended; what it was is in dropped_ unless
  // quiet).
  bool Ref(duk_idx_t idx, Step step, std::uint32_t index, std::string_view key, bool quiet, std::string* out);
  bool FunctionRef(duk_idx_t idx, Step step, std::uint32_t index, std::string_view key, bool quiet,
                   std::string* out);
  Kind Classify(duk_idx_t idx, std::string* tag);
  void Drain();
  void Encode(std::uint32_t id);
  void Properties(duk_idx_t idx, bool skip_indexes, bool quiet, std::string* out);
  void Entries(duk_idx_t idx, bool map);
  void Buffer(duk_idx_t idx, int cls);
  void AppendStringAt(duk_idx_t idx, std::string* out);
  void AppendStringProp(duk_idx_t idx, const char* name, std::string* out);
  void AppendStringValue(std::string* out);
  // The path of node `from` and then one more step.
  std::string PathOf(std::uint32_t from, Step step, std::uint32_t index, std::string_view key) const;
  void Drop(std::string path);
  void Tick();
  void EnsureEntries();
  int ClassFor(void* proto);
  std::uint64_t TextBytes() const;

  duk_context* ctx_;
  Heap* heap_;
  std::uint64_t max_state_bytes_;
  bool too_large_ = false;
  std::uint32_t ticks_ = 0;

  // Stack slots (Run): a safe call's function works on its caller's
  // frame, the four arguments on top.
  duk_idx_t last_idx_ = 0, helpers_ = 0, skip_ = 0, registry_ = 0, hold_ = 0, tag_symbol_ = 0, object_proto_ = 0;
  duk_uarridx_t registry_len_ = 0;

  std::unordered_map<void*, std::uint32_t> ids_;
  std::vector<Node> nodes_;
  std::uint32_t next_ = 0;        // the next node to encode
  std::uint32_t current_ = kNoNode;  // the node being encoded (the parent of what it refers to)

  std::string bindings_, objects_, last_;
  bool has_l_ = false;
  std::string variables_;
  std::uint32_t variables_count_ = 0;
  std::vector<std::string> dropped_;

  // The registry, read on first need: function -> entry index (the first
  // registration with a text wins), and a kept class's prototype -> entry.
  bool entries_ready_ = false;
  std::unordered_map<void*, std::uint32_t> entry_of_;
  std::vector<bool> has_text_;  // by entry (index / kEntryFields)
  std::vector<char> kind_of_;   // 'h', 'l', 'e'
  bool classes_ready_ = false;
  std::unordered_map<void*, std::uint32_t> class_of_;
  std::unordered_map<std::uint32_t, std::uint32_t> kept_of_;  // registry index -> kept_
  std::vector<KeptFunction> kept_;
  std::vector<std::string> fn_paths_;
  std::uint64_t sources_bytes_ = 0;
};

}  // namespace stockade::worker::session
