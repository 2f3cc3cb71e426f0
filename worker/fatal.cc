#include "worker/fatal.h"

#include <unistd.h>

#include <exception>
#include <new>
#include <string>

#include "proto/frame.h"
#include "worker.pb.h"
#include "worker/frame_io.h"
#include "worker/utf8.h"

namespace stockade::worker {
namespace {
int g_fatal_fd = 1;
std::string* g_oom_frame = nullptr;  // serialized in advance, never freed

[[noreturn]] void OnOutOfMemory() {
  if (g_oom_frame != nullptr) (void)WriteAll(g_fatal_fd, g_oom_frame->data(), g_oom_frame->size());
  ::_exit(kExitOutOfMemory);
}

[[noreturn]] void OnTerminate() {
  WriteFatalAndExit("uncaught C++ exception in the worker", kExitDuktapeFatal);
}

}  // namespace

void InstallFailureHandlers() {
  if (g_oom_frame == nullptr) {
    wire::WorkerFrame frame;
    frame.mutable_fatal()->set_message("the worker ran out of memory outside the interpreter heap");
    frame.mutable_fatal()->set_out_of_memory(true);
    g_oom_frame = new std::string();
    (void)wire::AppendFrame(frame, kMaxFrameBytes, g_oom_frame);
  }
  std::set_new_handler(OnOutOfMemory);
  std::set_terminate(OnTerminate);
}

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
