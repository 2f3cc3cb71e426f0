// Length-prefixed protobuf frames: the only format on a worker's pipes.
//
// A frame is a little-endian u32 payload length followed by the payload (a
// serialized SupervisorFrame or WorkerFrame). FrameDecoder is a pure state
// machine fed with whatever bytes a read returned; it checks each declared
// length against its cap before buffering the payload, so a hostile peer can
// never make the reader allocate more than cap + one read's worth of bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/message_lite.h>

namespace stockade::wire {

inline constexpr std::size_t kFrameHeaderBytes = 4;

// What one console line costs against a run's output cap on top of its text,
// on both sides of the pipe: without it a flood of empty lines would be free
// and could grow either side's memory without bound.
inline constexpr std::size_t kConsoleLineCost = 8;

// The most JSON a worker sends for a result capped at cap bytes. A value
// up to about twice the cap travels whole (the supervisor redacts it, then
// keeps its head and tail); a larger one is cut to this and sent as a head.
// Either way it fits in a frame of ResultValueBudget + 1 MiB.
inline constexpr std::uint64_t kMaxResultValueBytes = 32u << 20;
constexpr std::uint64_t ResultValueBudget(std::uint64_t cap) {
  const std::uint64_t budget = 2 * cap + (64u << 10);
  return budget < kMaxResultValueBytes ? budget : kMaxResultValueBytes;
}

// Appends header + serialized msg to *out. False if msg is over max_payload.
bool AppendFrame(const google::protobuf::MessageLite& msg, std::size_t max_payload,
                 std::string* out);

// The shape of a payload before it is parsed: a message with one oneof set
// serializes as exactly one length-delimited field. Returns false for any
// other shape. Lets a reader apply a per-kind size cap before parsing, since
// parsing itself allocates per element (a batch of a million empty console
// lines costs far more memory than its bytes).
struct FieldShape {
  int number = 0;
  std::size_t length = 0;
};
bool SingleFieldShape(std::string_view payload, FieldShape* shape);

class FrameDecoder {
 public:
  enum class Next {
    kNeedMore,   // no complete frame buffered yet
    kFrame,      // *payload holds one frame's payload
    kOversized,  // the peer declared a payload over the cap; stop reading
  };

  // Consumed bytes are dropped lazily, once more than this many have piled
  // up (or all of them are consumed), so a run of small frames does not pay
  // one memmove per frame. Tests pass a small value to reach that path.
  static constexpr std::size_t kCompactAfterBytes = 64 * 1024;

  explicit FrameDecoder(std::size_t max_payload, std::size_t compact_after = kCompactAfterBytes)
      : max_payload_(max_payload), compact_after_(compact_after) {}

  void Append(std::string_view bytes);
  Next Pop(std::string* payload);

  // Pops and parses one frame into *msg. kUnparseable when the payload is
  // not a valid message of that type.
  enum class Parsed { kNeedMore, kFrame, kOversized, kUnparseable };
  Parsed PopMessage(google::protobuf::MessageLite* msg);

  // Bytes of an incomplete frame are buffered: at EOF this means truncated.
  bool HasPartialFrame() const { return buffer_.size() > consumed_; }
  std::size_t max_payload() const { return max_payload_; }
  // Bytes allocated for buffering: lets tests hold the decoder to its
  // memory bound (one frame, one read and the consumed-but-kept slack).
  std::size_t buffer_capacity() const { return buffer_.capacity(); }
  // Declared length of the frame that was refused, for reports.
  std::uint64_t last_declared_length() const { return last_declared_; }

 private:
  std::size_t max_payload_;
  std::size_t compact_after_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::uint64_t last_declared_ = 0;
};

}  // namespace stockade::wire
