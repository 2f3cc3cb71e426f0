#include "worker/frame_io.h"

#include <unistd.h>

#include <cerrno>

namespace stockade::worker {
namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}  // namespace

bool WriteAll(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool FdFrameWriter::Send(const wire::WorkerFrame& frame) {
  buffer_.clear();
  if (!wire::AppendFrame(frame, kMaxFrameBytes, &buffer_)) return false;
  const bool ok = WriteAll(fd_, buffer_.data(), buffer_.size());
  // Do not keep a huge buffer alive after one large result.
  if (buffer_.capacity() > (1u << 20)) std::string().swap(buffer_);
  return ok;
}

FdFrameReader::FdFrameReader(int fd, std::size_t max_payload)
    : fd_(fd), decoder_(max_payload), chunk_(new char[kReadChunk]) {}

FdFrameReader::Outcome FdFrameReader::Read(wire::SupervisorFrame* frame) {
  for (;;) {
    switch (decoder_.Pop(&payload_)) {
      case wire::FrameDecoder::Next::kFrame:
        return frame->ParseFromString(payload_) ? Outcome::kFrame : Outcome::kUnparseable;
      case wire::FrameDecoder::Next::kOversized:
        return Outcome::kOversized;
      case wire::FrameDecoder::Next::kNeedMore:
        break;
    }
    const ssize_t n = ::read(fd_, chunk_.get(), kReadChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Outcome::kIoError;
    }
    if (n == 0) return decoder_.HasPartialFrame() ? Outcome::kTruncated : Outcome::kEof;
    decoder_.Append(std::string_view(chunk_.get(), static_cast<std::size_t>(n)));
  }
}

std::string_view OutcomeName(FdFrameReader::Outcome outcome) {
  switch (outcome) {
    case FdFrameReader::Outcome::kFrame: return "frame";
    case FdFrameReader::Outcome::kEof: return "end of stream";
    case FdFrameReader::Outcome::kTruncated: return "truncated frame";
    case FdFrameReader::Outcome::kOversized: return "oversized frame";
    case FdFrameReader::Outcome::kUnparseable: return "unparseable frame";
    case FdFrameReader::Outcome::kIoError: return "read error";
  }
  return "?";
}

}  // namespace stockade::worker
