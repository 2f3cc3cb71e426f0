#include "proto/frame.h"

#include <cerrno>
#include <cstring>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "proto/status.h"

namespace stockade {

Status ErrnoError(const std::string& what, int err) {
  return Status::Error(what + ": " + std::strerror(err));
}
Status ErrnoError(const std::string& what) { return ErrnoError(what, errno); }

}  // namespace stockade

namespace stockade::wire {

bool AppendFrame(const google::protobuf::MessageLite& msg, std::size_t max_payload,
                 std::string* out) {
  const std::size_t n = msg.ByteSizeLong();
  if (n > max_payload || n > UINT32_MAX) return false;
  const std::size_t at = out->size();
  out->resize(at + kFrameHeaderBytes + n);
  auto* p = reinterpret_cast<unsigned char*>(out->data() + at);
  p[0] = static_cast<unsigned char>(n);
  p[1] = static_cast<unsigned char>(n >> 8);
  p[2] = static_cast<unsigned char>(n >> 16);
  p[3] = static_cast<unsigned char>(n >> 24);
  return msg.SerializeWithCachedSizesToArray(p + kFrameHeaderBytes) != nullptr;
}

bool SingleFieldShape(std::string_view payload, FieldShape* shape) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                            static_cast<int>(payload.size()));
  const std::uint32_t tag = in.ReadTag();
  if (tag == 0) return false;
  if (google::protobuf::internal::WireFormatLite::GetTagWireType(tag) !=
      google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
    return false;
  }
  std::uint32_t length = 0;
  if (!in.ReadVarint32(&length) || !in.Skip(static_cast<int>(length))) return false;
  if (!in.ExpectAtEnd()) return false;
  shape->number = google::protobuf::internal::WireFormatLite::GetTagFieldNumber(tag);
  shape->length = length;
  return true;
}

void FrameDecoder::Append(std::string_view bytes) {
  // Drop consumed bytes first so the buffer never grows past the compaction
  // slack plus one frame plus one read.
  if (consumed_ > 0 && consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (consumed_ > compact_after_) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

FrameDecoder::Next FrameDecoder::Pop(std::string* payload) {
  const std::size_t avail = buffer_.size() - consumed_;
  if (avail < kFrameHeaderBytes) return Next::kNeedMore;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
  const std::uint64_t n = std::uint64_t{p[0]} | std::uint64_t{p[1]} << 8 |
                          std::uint64_t{p[2]} << 16 | std::uint64_t{p[3]} << 24;
  if (n > max_payload_) {
    last_declared_ = n;
    return Next::kOversized;
  }
  if (avail < kFrameHeaderBytes + n) {
    // Reserve once, now that the length is known to be within the cap.
    buffer_.reserve(consumed_ + kFrameHeaderBytes + n);
    return Next::kNeedMore;
  }
  payload->assign(buffer_.data() + consumed_ + kFrameHeaderBytes, n);
  consumed_ += kFrameHeaderBytes + n;
  return Next::kFrame;
}

FrameDecoder::Parsed FrameDecoder::PopMessage(google::protobuf::MessageLite* msg) {
  std::string payload;
  switch (Pop(&payload)) {
    case Next::kNeedMore: return Parsed::kNeedMore;
    case Next::kOversized: return Parsed::kOversized;
    case Next::kFrame: break;
  }
  return msg->ParseFromString(payload) ? Parsed::kFrame : Parsed::kUnparseable;
}

}  // namespace stockade::wire
