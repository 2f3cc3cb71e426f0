#include "worker/fatal.h"

#include <unistd.h>

#include <string>

#include "proto/frame.h"
#include "worker.pb.h"
#include "worker/frame_io.h"
#include "worker/utf8.h"

namespace stockade::worker {
namespace {
int g_fatal_fd = 1;
}  // namespace

void SetFatalFd(int fd) { g_fatal_fd = fd; }

void WriteFatalAndExit(std::string_view message, int exit_code) {
  wire::WorkerFrame frame;
  std::string* text = frame.mutable_fatal()->mutable_message();
  AppendValidUtf8(message.substr(0, 4096), Utf8Mode::kReplace, text);
  std::string bytes;
  if (wire::AppendFrame(frame, kMaxFrameBytes, &bytes)) {
    (void)WriteAll(g_fatal_fd, bytes.data(), bytes.size());
  }
  ::_exit(exit_code);
}

}  // namespace stockade::worker
