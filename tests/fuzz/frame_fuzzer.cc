// Fuzzes the frame codec (proto/frame.h) as both ends of a worker's pipes
// use it: arbitrary byte streams, cut into arbitrary reads, through
// FrameDecoder, and every payload through the supervisor's pre-parse shape
// check and the frame messages of its direction.
//
// Input: byte 0 = flags (bit 0: SupervisorFrame instead of WorkerFrame;
// bits 1-7: read-size seed, 0 = one read), bytes 1-2 = the payload cap (LE
// u16), byte 3 = the decoder's compaction threshold (small, so that path is
// reached without 64 KiB inputs), the rest = the stream.
//
// Invariants:
// - the frames popped, and where an oversized length stops the stream, do
//   not depend on how the stream was cut into reads (checked against a
//   one-pass reference reader); no payload is over the cap; a partial frame
//   is reported exactly when bytes are left over;
// - the decoder's buffer stays within its compaction slack + one frame + one
//   read, whatever the reads;
// - every frame that parses re-encodes with AppendFrame (or is refused
//   because it is over the cap, leaving the output untouched) and decodes
//   back to an equal message;
// - SingleFieldShape agrees with the parser: a single-field payload that
//   parses has that field as its kind, and a canonical one-kind frame has
//   exactly that shape.
#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <vector>

#include "proto/frame.h"
#include "proto/worker.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace stockade::wire {
namespace {

struct Reference {
  std::vector<std::string_view> frames;
  bool oversized = false;
  std::uint64_t declared = 0;
  std::size_t leftover = 0;
};

// The decoder's contract, read in one pass over the whole stream.
Reference ReadAll(std::string_view s, std::size_t cap) {
  Reference r;
  std::size_t pos = 0;
  while (s.size() - pos >= kFrameHeaderBytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data() + pos);
    const std::uint64_t n = p[0] | std::uint64_t{p[1]} << 8 | std::uint64_t{p[2]} << 16 |
                            std::uint64_t{p[3]} << 24;
    if (n > cap) {
      r.oversized = true;
      r.declared = n;
      break;
    }
    if (s.size() - pos - kFrameHeaderBytes < n) break;
    r.frames.push_back(s.substr(pos + kFrameHeaderBytes, n));
    pos += kFrameHeaderBytes + n;
  }
  r.leftover = s.size() - pos;
  return r;
}

template <typename Frame>
bool HasKind(int number) {
  const auto* oneof = Frame::descriptor()->FindOneofByName("kind");
  for (int i = 0; i < oneof->field_count(); ++i) {
    if (oneof->field(i)->number() == number) return true;
  }
  return false;
}

template <typename Frame>
void CheckPayload(const std::string& payload, std::size_t cap) {
  FieldShape shape;
  const bool single = SingleFieldShape(payload, &shape);
  if (single) FUZZ_CHECK(shape.length < payload.size());
  Frame frame;
  if (!frame.ParseFromString(payload)) return;
  if (single) {
    // The supervisor applies its per-kind size cap from the shape before
    // parsing; the parse must then yield that kind or none.
    FUZZ_CHECK(static_cast<int>(frame.kind_case()) == shape.number ||
               (frame.kind_case() == Frame::KIND_NOT_SET && !HasKind<Frame>(shape.number)));
  }
  const std::string canonical = frame.SerializeAsString();
  if (frame.kind_case() != Frame::KIND_NOT_SET &&
      frame.GetReflection()->GetUnknownFields(frame).empty()) {
    FieldShape c;
    FUZZ_CHECK(SingleFieldShape(canonical, &c));
    FUZZ_CHECK(c.number == static_cast<int>(frame.kind_case()));
  }

  std::string out = "x";
  if (!AppendFrame(frame, cap, &out)) {
    FUZZ_CHECK(frame.ByteSizeLong() > cap);
    FUZZ_CHECK(out == "x");
    return;
  }
  FUZZ_CHECK(out.size() == 1 + kFrameHeaderBytes + canonical.size());
  FrameDecoder d(cap);
  d.Append(std::string_view(out).substr(1));
  Frame back;
  FUZZ_CHECK(d.PopMessage(&back) == FrameDecoder::Parsed::kFrame);
  FUZZ_CHECK(!d.HasPartialFrame());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(frame, back));
}

template <typename Frame>
void Run(std::string_view stream, std::size_t cap, unsigned seed, std::size_t compact_after) {
  const Reference want = ReadAll(stream, cap);
  FrameDecoder d(cap, compact_after);
  std::size_t popped = 0;
  std::size_t largest_read = 0;
  std::uint32_t rng = seed * 2654435761u + 1;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t n = stream.size() - pos;
    if (seed != 0) {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      n = std::min<std::size_t>(n, 1 + rng % (4 * seed));
    }
    d.Append(stream.substr(pos, n));
    pos += n;
    largest_read = std::max(largest_read, n);
    // Kept-consumed bytes, a partial frame, one read, and the reservation of
    // the next frame; std::string may double that.
    FUZZ_CHECK(d.buffer_capacity() <=
               2 * (compact_after + largest_read + 2 * (kFrameHeaderBytes + cap)) + 32);
    for (;;) {
      std::string payload;
      const FrameDecoder::Next next = d.Pop(&payload);
      if (next == FrameDecoder::Next::kNeedMore) break;
      if (next == FrameDecoder::Next::kOversized) {
        // Readers stop here: the frames so far and the refusal must be
        // exactly the one-pass reader's.
        FUZZ_CHECK(want.oversized);
        FUZZ_CHECK(popped == want.frames.size());
        FUZZ_CHECK(d.last_declared_length() == want.declared);
        FUZZ_CHECK(want.declared > cap);
        return;
      }
      FUZZ_CHECK(payload.size() <= cap);
      FUZZ_CHECK(popped < want.frames.size());
      FUZZ_CHECK(payload == want.frames[popped]);
      ++popped;
      CheckPayload<Frame>(payload, cap);
    }
  }
  FUZZ_CHECK(!want.oversized);
  FUZZ_CHECK(popped == want.frames.size());
  FUZZ_CHECK(d.HasPartialFrame() == (want.leftover > 0));
}

}  // namespace
}  // namespace stockade::wire

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stockade::wire;
  if (size < 4) return 0;
  const unsigned flags = data[0];
  const std::size_t cap = data[1] | std::size_t{data[2]} << 8;
  const std::size_t compact_after = data[3];
  const std::string_view stream = stockade::fuzz::AsText(data + 4, size - 4);
  if ((flags & 1) != 0) {
    Run<SupervisorFrame>(stream, cap, flags >> 1, compact_after);
  } else {
    Run<WorkerFrame>(stream, cap, flags >> 1, compact_after);
  }
  return 0;
}
