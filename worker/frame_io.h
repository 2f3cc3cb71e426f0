// Blocking frame I/O on the worker's two pipe fds.
//
// The worker talks to its supervisor over fd 0 (SupervisorFrames in) and fd 1
// (WorkerFrames out) using the wire codec in proto/frame.h. Everything here is
// raw read()/write(): no stdio or iostreams, whose lazy buffer set-up would
// need syscalls the seccomp allowlist forbids. Each frame leaves in a single
// write() call from a reused buffer (a warm run writes one Result frame, and
// the supervisor can never observe half a frame interleaved with another).
// FrameSink is the seam the interpreter streams console batches through, so
// tests can capture frames in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/frame.h"
#include "worker.pb.h"

namespace stockade::worker {

// Cap on one frame in either direction. The supervisor's requests are code
// (validated at ~100 KB) and tool replies; results are bounded by
// limits.result_bytes, far below this.
inline constexpr std::size_t kMaxFrameBytes = 64u << 20;

// Writes all n bytes, retrying on EINTR and partial writes. False on error.
bool WriteAll(int fd, const char* data, std::size_t n);

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // False when the frame could not be delivered (peer gone, over the cap).
  virtual bool Send(const wire::WorkerFrame& frame) = 0;
};

class FdFrameWriter final : public FrameSink {
 public:
  explicit FdFrameWriter(int fd) : fd_(fd) {}
  bool Send(const wire::WorkerFrame& frame) override;

 private:
  int fd_;
  std::string buffer_;  // reused: no allocation per frame once warm
};

class FdFrameReader {
 public:
  enum class Outcome {
    kFrame,        // *frame holds the next request
    kEof,          // clean end of stream between frames
    kTruncated,    // end of stream inside a frame
    kOversized,    // declared length over the cap (nothing was allocated)
    kUnparseable,  // payload is not a SupervisorFrame
    kIoError,      // read() failed
  };

  FdFrameReader(int fd, std::size_t max_payload);
  Outcome Read(wire::SupervisorFrame* frame);
  std::uint64_t last_declared_length() const { return decoder_.last_declared_length(); }

 private:
  int fd_;
  wire::FrameDecoder decoder_;
  std::string payload_;
  std::unique_ptr<char[]> chunk_;
};

std::string_view OutcomeName(FdFrameReader::Outcome outcome);

}  // namespace stockade::worker
