#include "worker/output_buffer.h"

#include <limits>

#include "proto/frame.h"
#include "worker/utf8.h"

namespace stockade::worker {

// The supervisor refuses any console frame over 256 KiB as a protocol error
// (kMaxSmallFrameBytes in supervisor/pool/worker_process.cc). A batch is sent as
// soon as it reaches kBatchBytes, so a frame holds less than that of older
// lines (each counted at wire::kConsoleLineCost or more, so at most 2048 of
// them, at most ~12 bytes of protobuf framing each) plus one line of at most
// kMaxLineBytes: well inside the margin below.
static_assert(OutputBuffer::kBatchBytes + OutputBuffer::kMaxLineBytes + 64 * 1024 <= 256 * 1024,
              "a console batch could exceed the supervisor's frame cap");

void OutputBuffer::Begin(std::uint64_t cap_bytes) {
  active_ = true;
  if (cap_bytes == 0) {
    head_budget_ = std::numeric_limits<std::uint64_t>::max();
    tail_budget_ = 0;
  } else {
    head_budget_ = cap_bytes / 2;
    tail_budget_ = cap_bytes - head_budget_;
  }
  head_bytes_ = 0;
  head_cost_ = 0;
  in_tail_ = false;
  dropped_ = false;
  cut_lines_ = false;
  tail_.clear();
  tail_bytes_ = 0;
  tail_cost_ = 0;
  total_bytes_ = 0;
  lines_ = 0;
  batch().clear_lines();
  pending_bytes_ = 0;
}

void OutputBuffer::Add(api::Stream stream, std::string_view text, std::int64_t now_ns, bool cut) {
  if (!active_) return;
  ++lines_;
  total_bytes_ += text.size();
  if (text.size() > kMaxLineBytes) {
    text = text.substr(0, Utf8PrefixLength(text, kMaxLineBytes));
    cut = true;
  }
  if (cut) cut_lines_ = true;
  const std::uint64_t cost = text.size() + wire::kConsoleLineCost;
  if (!in_tail_ && head_cost_ + cost <= head_budget_) {
    head_bytes_ += text.size();
    head_cost_ += cost;
    Queue(stream, text, false, now_ns);
    if (pending_bytes_ >= kBatchBytes) Flush();
    return;
  }
  // The head is full: from here on only the tail is kept. Deliver what the
  // head already holds now rather than at the end.
  if (!in_tail_) {
    in_tail_ = true;
    Flush();
  }
  AddToTail(stream, text);
}

void OutputBuffer::AddToTail(api::Stream stream, std::string_view text) {
  if (tail_budget_ < wire::kConsoleLineCost) {
    dropped_ = true;
    return;
  }
  const std::uint64_t room = tail_budget_ - wire::kConsoleLineCost;
  if (text.size() > room) {
    text.remove_prefix(Utf8SuffixStart(text, room));
    dropped_ = true;
  }
  const std::uint64_t cost = text.size() + wire::kConsoleLineCost;
  while (!tail_.empty() && tail_cost_ + cost > tail_budget_) {
    tail_bytes_ -= tail_.front().text.size();
    tail_cost_ -= tail_.front().text.size() + wire::kConsoleLineCost;
    tail_.pop_front();
    dropped_ = true;
  }
  tail_.push_back(TailLine{stream, std::string(text)});
  tail_bytes_ += text.size();
  tail_cost_ += cost;
}

void OutputBuffer::Queue(api::Stream stream, std::string_view text, bool after_truncation,
                         std::int64_t now_ns) {
  if (batch().lines_size() == 0) oldest_ns_ = now_ns;
  api::ConsoleLine* line = batch().add_lines();
  line->set_stream(stream);
  line->set_text(text.data(), text.size());
  line->set_after_truncation(after_truncation);
  // Per-line framing overhead counts too, or a flood of empty lines would
  // never fill a batch.
  pending_bytes_ += text.size() + wire::kConsoleLineCost;
}

void OutputBuffer::Flush() {
  if (batch().lines_size() == 0) return;
  // A failed send means the supervisor is gone; the Result write will notice.
  (void)sink_->Send(frame_);
  batch().clear_lines();
  pending_bytes_ = 0;
}

void OutputBuffer::Finish(api::OutputInfo* info) {
  Flush();
  for (const TailLine& line : tail_) {
    Queue(line.stream, line.text, dropped_, 0);
    if (pending_bytes_ >= kBatchBytes) Flush();
  }
  Flush();
  info->set_total_bytes(total_bytes_);
  info->set_kept_bytes(head_bytes_ + tail_bytes_);
  info->set_truncated(dropped_ || cut_lines_);
  info->set_lines(lines_);
  tail_.clear();
  active_ = false;
}

}  // namespace stockade::worker
