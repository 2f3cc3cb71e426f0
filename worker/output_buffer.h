// Console output of one run: batching, streaming and the head/tail cap.
//
// Lines arrive from console.* calls (already formatted, valid UTF-8). They are
// batched into ConsoleBatch frames and streamed to the supervisor while the
// run goes on: a batch is sent when it exceeds ~16 KiB or when its oldest line
// has waited ~2 ms (checked on every console call and on every exec-timeout
// tick, so `console.log("a"); while(true){}` still delivers "a" promptly), and
// always before the Result. Batching keeps a million console.log calls to a
// few hundred write() calls.
//
// The cap (limits.output_bytes, counted in bytes of line text plus
// wire::kConsoleLineCost per line, so empty lines are not free) never kills a
// run: the first half of the cap is streamed as it comes (whole lines only);
// after that only the last half-cap bytes of lines are kept in a ring, sent
// at the end marked after_truncation when anything was dropped. A single line
// larger than the tail budget keeps its end, cut on a character boundary.
//
// No line is longer than kMaxLineBytes: the supervisor refuses any console
// frame over 256 KiB as a protocol error (and kills the worker), so a longer
// line keeps its first kMaxLineBytes (the console stops formatting there
// anyway) and the output counts as truncated. With batches flushed at
// kBatchBytes, a frame stays below kBatchBytes + kMaxLineBytes plus framing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "api.pb.h"
#include "worker.pb.h"
#include "worker/frame_io.h"

namespace stockade::worker {

class OutputBuffer {
 public:
  static constexpr std::size_t kBatchBytes = 16 * 1024;
  static constexpr std::size_t kMaxLineBytes = 128 * 1024;
  static constexpr std::int64_t kMaxLineAgeNs = 2'000'000;

  explicit OutputBuffer(FrameSink* sink) : sink_(sink) {}
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  // Starts a run; cap_bytes 0 = no cap.
  void Begin(std::uint64_t cap_bytes);
  // Between Begin() and Finish(); lines outside a run are dropped.
  bool active() const { return active_; }

  // `text` must be valid UTF-8. cut: the caller already shortened it (the
  // output then counts as truncated).
  void Add(api::Stream stream, std::string_view text, std::int64_t now_ns, bool cut = false);
  // Sends the pending batch if its oldest line is older than kMaxLineAgeNs.
  void MaybeFlush(std::int64_t now_ns) {
    if (batch().lines_size() != 0 && now_ns - oldest_ns_ >= kMaxLineAgeNs) Flush();
  }
  // Ends the run: sends what is pending, then the kept tail; fills *info.
  void Finish(api::OutputInfo* info);

 private:
  struct TailLine {
    api::Stream stream;
    std::string text;
  };

  wire::ConsoleBatch& batch() { return *frame_.mutable_console(); }
  const wire::ConsoleBatch& batch() const { return frame_.console(); }
  void Queue(api::Stream stream, std::string_view text, bool after_truncation,
             std::int64_t now_ns);
  void Flush();
  void AddToTail(api::Stream stream, std::string_view text);

  FrameSink* sink_;
  wire::WorkerFrame frame_;  // its console batch is the pending batch (reused)
  std::size_t pending_bytes_ = 0;
  std::int64_t oldest_ns_ = 0;

  bool active_ = false;
  std::uint64_t head_budget_ = 0;
  std::uint64_t tail_budget_ = 0;
  std::uint64_t head_bytes_ = 0;  // text bytes streamed
  std::uint64_t head_cost_ = 0;   // head_bytes_ + per-line cost
  bool in_tail_ = false;
  bool dropped_ = false;    // lines or line ends dropped by the cap
  bool cut_lines_ = false;  // lines cut to kMaxLineBytes
  std::deque<TailLine> tail_;
  std::uint64_t tail_bytes_ = 0;  // text bytes kept in the tail
  std::uint64_t tail_cost_ = 0;   // tail_bytes_ + per-line cost
  std::uint64_t total_bytes_ = 0;
  std::uint64_t lines_ = 0;
};

}  // namespace stockade::worker
