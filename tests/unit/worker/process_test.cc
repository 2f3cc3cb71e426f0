// Runs the real stockade-worker (and the hostile test worker) over pipes,
// exactly as the supervisor does but without a seccomp filter (Init carries
// an empty program; filters are never installed from the test process).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "proto/frame.h"
#include "worker.pb.h"
#include "tests/testcases/kernel_probes.h"

namespace stockade {
namespace {

using wire::SupervisorFrame;
using wire::WorkerFrame;

std::string BinPath(const char* name) { return std::string(STOCKADE_BIN_DIR) + "/" + name; }

class WorkerProcess {
 public:
  explicit WorkerProcess(const std::string& path) {
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::syscall(SYS_close_range, 2, ~0u, 0);
      char* const argv[] = {const_cast<char*>(path.c_str()), nullptr};
      char* const envp[] = {nullptr};
      ::execve(path.c_str(), argv, envp);
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }
  ~WorkerProcess() {
    if (in_ >= 0) ::close(in_);
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  bool WriteRaw(const std::string& bytes) {
    return ::write(in_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  }
  bool Send(const SupervisorFrame& frame) {
    std::string bytes;
    return wire::AppendFrame(frame, 64u << 20, &bytes) && WriteRaw(bytes);
  }
  void CloseInput() {
    ::close(in_);
    in_ = -1;
  }

  // Next frame, or nullopt on EOF/garbage/timeout.
  std::optional<WorkerFrame> Read(int timeout_ms = 5000) {
    for (;;) {
      WorkerFrame frame;
      switch (decoder_.PopMessage(&frame)) {
        case wire::FrameDecoder::Parsed::kFrame: return frame;
        case wire::FrameDecoder::Parsed::kNeedMore: break;
        default: return std::nullopt;
      }
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
      char buf[65536];
      const ssize_t n = ::read(out_, buf, sizeof(buf));
      if (n <= 0) return std::nullopt;
      decoder_.Append(std::string_view(buf, static_cast<std::size_t>(n)));
    }
  }

  // Wait status after exit (kills after the timeout).
  int Wait(int timeout_ms = 5000) {
    int status = 0;
    for (int waited = 0; waited < timeout_ms; waited += 10) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return status;
      }
      ::usleep(10000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  wire::FrameDecoder decoder_{64u << 20};
};

SupervisorFrame InitFrame() {
  SupervisorFrame f;
  f.mutable_init()->set_heap_limit_bytes(64u << 20);
  f.mutable_init()->set_worker_id(7);
  return f;
}

SupervisorFrame ExecuteFrame(std::uint64_t id, const std::string& code,
                             std::uint32_t timeout_ms = 2000) {
  SupervisorFrame f;
  wire::Execute* ex = f.mutable_execute();
  ex->set_execution_id(id);
  ex->set_code(code);
  ex->set_filename("p.js");
  ex->mutable_limits()->set_timeout_ms(timeout_ms);
  ex->mutable_limits()->set_memory_bytes(32u << 20);
  ex->mutable_limits()->set_output_bytes(1u << 20);
  ex->mutable_limits()->set_result_bytes(1u << 20);
  return f;
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(BinPath("stockade-worker").c_str(), X_OK) != 0) {
      GTEST_SKIP() << "build the stockade-worker target first";
    }
  }

  // Starts a worker and completes the Init/Ready handshake.
  void Start(WorkerProcess& w) {
    ASSERT_GT(w.pid(), 0);
    ASSERT_TRUE(w.Send(InitFrame()));
    auto ready = w.Read();
    ASSERT_TRUE(ready && ready->has_ready());
    EXPECT_EQ(ready->ready().pid(), w.pid());
    EXPECT_FALSE(ready->ready().seccomp_loaded());
    EXPECT_TRUE(ready->ready().no_new_privs());
    EXPECT_EQ(ready->ready().seccomp_listener_fd(), -1);
    EXPECT_EQ(ready->ready().interpreter(), "duktape 2.7.0");
  }

  static void ExpectFatalExit(WorkerProcess& w, int code, const std::string& message_part) {
    auto fatal = w.Read();
    ASSERT_TRUE(fatal && fatal->has_fatal());
    EXPECT_NE(fatal->fatal().message().find(message_part), std::string::npos)
        << fatal->fatal().message();
    const int status = w.Wait();
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), code);
  }
};

TEST_F(ProcessTest, HandshakeExecutePingAndCleanExit) {
  WorkerProcess w(BinPath("stockade-worker"));
  Start(w);

  ASSERT_TRUE(w.Send(ExecuteFrame(41, "console.log('hi'); console.error('e'); var x = 2; x * 21")));
  auto batch = w.Read();
  ASSERT_TRUE(batch && batch->has_console());
  ASSERT_EQ(batch->console().lines_size(), 2);
  EXPECT_EQ(batch->console().lines(0).text(), "hi");
  EXPECT_EQ(batch->console().lines(1).stream(), api::STDERR);
  auto result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().execution_id(), 41u);
  EXPECT_EQ(result->result().status(), api::OK);
  EXPECT_EQ(result->result().value_json(), "42");
  EXPECT_EQ(result->result().output().lines(), 2u);

  SupervisorFrame ping;
  ping.mutable_ping()->set_nonce(12345);
  ASSERT_TRUE(w.Send(ping));
  auto pong = w.Read();
  ASSERT_TRUE(pong && pong->has_pong());
  EXPECT_EQ(pong->pong().nonce(), 12345u);
  EXPECT_GT(pong->pong().heap_bytes(), 0u);

  // Statuses survive the process boundary too.
  ASSERT_TRUE(w.Send(ExecuteFrame(42, "while (true) {}", 50)));
  result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().status(), api::TIMEOUT);
  ASSERT_TRUE(w.Send(ExecuteFrame(43, "var = ;")));
  result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().status(), api::SYNTAX_ERROR);

  w.CloseInput();
  const int status = w.Wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ProcessTest, WarmRoundTrip) {
  WorkerProcess w(BinPath("stockade-worker"));
  Start(w);
  constexpr int kRuns = 500;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_TRUE(w.Send(ExecuteFrame(i, "1+1")));
    auto result = w.Read();
    ASSERT_TRUE(result && result->has_result());
    ASSERT_EQ(result->result().value_json(), "2");
  }
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  round trip of 1+1 over pipes (incl. next-env prep): %.1f us\n", us / kRuns);
}

TEST_F(ProcessTest, EofBeforeInitExitsCleanly) {
  WorkerProcess w(BinPath("stockade-worker"));
  w.CloseInput();
  const int status = w.Wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(ProcessTest, FirstFrameMustBeInit) {
  WorkerProcess w(BinPath("stockade-worker"));
  ASSERT_TRUE(w.Send(ExecuteFrame(1, "1")));
  ExpectFatalExit(w, 2, "init");
}

TEST_F(ProcessTest, GarbageFrameIsFatal) {
  WorkerProcess w(BinPath("stockade-worker"));
  Start(w);
  ASSERT_TRUE(w.WriteRaw(std::string("\x04\x00\x00\x00\xff\xff\xff\xff", 8)));
  ExpectFatalExit(w, 2, "unparseable");
}

TEST_F(ProcessTest, OversizedFrameIsFatalWithoutAllocating) {
  WorkerProcess w(BinPath("stockade-worker"));
  Start(w);
  ASSERT_TRUE(w.WriteRaw(std::string("\xf0\xff\xff\xff", 4)));
  ExpectFatalExit(w, 2, "oversized");
}

TEST_F(ProcessTest, TruncatedFrameAtEofIsFatal) {
  WorkerProcess w(BinPath("stockade-worker"));
  Start(w);
  ASSERT_TRUE(w.WriteRaw(std::string("\x64\x00\x00\x00\x01\x02", 6)));
  w.CloseInput();
  ExpectFatalExit(w, 2, "truncated");
}

TEST_F(ProcessTest, EmptyAndUnexpectedFramesAreFatal) {
  {
    WorkerProcess w(BinPath("stockade-worker"));
    Start(w);
    ASSERT_TRUE(w.WriteRaw(std::string("\x00\x00\x00\x00", 4)));
    ExpectFatalExit(w, 2, "empty");
  }
  {
    WorkerProcess w(BinPath("stockade-worker"));
    Start(w);
    SupervisorFrame reply;
    reply.mutable_tool_reply()->set_call_id(1);
    ASSERT_TRUE(w.Send(reply));
    ExpectFatalExit(w, 2, "tool_reply");
  }
  {
    WorkerProcess w(BinPath("stockade-worker"));
    Start(w);
    ASSERT_TRUE(w.Send(InitFrame()));
    ExpectFatalExit(w, 2, "init");
  }
}

TEST_F(ProcessTest, CorruptSeccompProgramIsFatal) {
  WorkerProcess w(BinPath("stockade-worker"));
  SupervisorFrame init = InitFrame();
  init.mutable_init()->set_seccomp_bpf("12345");  // not a multiple of 8
  ASSERT_TRUE(w.Send(init));
  ExpectFatalExit(w, 3, "seccomp");
}

TEST_F(ProcessTest, ShippedWorkerHasNoHostileBinding) {
  WorkerProcess w(BinPath("stockade-worker"));
  Start(w);
  ASSERT_TRUE(w.Send(ExecuteFrame(1, "typeof hostile")));
  auto result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().value_json(), "\"undefined\"");
}

// The hostile test worker itself, without a filter: its misbehaviour must
// reach the wire exactly as the escape suite expects.

class HostileTest : public ProcessTest {
 protected:
  void SetUp() override {
    if (::access(BinPath("stockade-worker-hostile").c_str(), X_OK) != 0) {
      GTEST_SKIP() << "build the stockade-worker-hostile target first";
    }
  }
};

TEST_F(HostileTest, SyscallReturnsWithoutAFilter) {
  WorkerProcess w(BinPath("stockade-worker-hostile"));
  Start(w);
  ASSERT_TRUE(w.Send(ExecuteFrame(1, "hostile.syscall('getpid')")));
  auto result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().value_json(), std::to_string(w.pid()));
  ASSERT_TRUE(w.Send(ExecuteFrame(2, "hostile.syscall('open') >= 0")));
  result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().value_json(), "true");
}

// The confinement suite expects these to be stopped; here, unconfined, they
// must do what they claim, or a "stopped" there would prove nothing.
TEST_F(HostileTest, NewProbesReachTheKernelWithoutAFilter) {
  WorkerProcess w(BinPath("stockade-worker-hostile"));
  Start(w);
  std::uint64_t id = 0;
  auto eval = [&](const std::string& code) {
    EXPECT_TRUE(w.Send(ExecuteFrame(++id, code)));
    auto result = w.Read();
    EXPECT_TRUE(result && result->has_result()) << code;
    return result && result->has_result() ? result->result().value_json() : std::string();
  };
  EXPECT_EQ(eval("hostile.syscall('tiocsti')"), std::to_string(-ENOTTY));  // fd 0 is a pipe
  EXPECT_EQ(eval("hostile.syscall('dup') > 2"), "true");
#if defined(__x86_64__)
  // x32 may be compiled out of the kernel (CONFIG_X86_X32_ABI): ENOSYS then.
  const std::string enosys = std::to_string(-ENOSYS);
  const std::string x32_getpid = eval("hostile.x32(39)");
  EXPECT_TRUE(x32_getpid == std::to_string(w.pid()) || x32_getpid == enosys) << x32_getpid;
  const std::string x32_write = eval("hostile.x32(1)");  // write(-1, ...)
  EXPECT_TRUE(x32_write == std::to_string(-EBADF) || x32_write == enosys) << x32_write;
  if (testing::KernelRunsInt80()) {
    EXPECT_EQ(eval("hostile.int80(20)"), std::to_string(w.pid()));  // i386 getpid
    EXPECT_EQ(eval("hostile.int80(4)"), std::to_string(-EBADF));    // i386 write(-1, ...)
  }
#endif
  EXPECT_EQ(eval("var f = hostile.fsize(4096); f.written + ' ' + f.errno"), "\"4096 0\"");

  rlimit nofile{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &nofile), 0);
  const std::string n = eval("var n = hostile.nofile(); [n.opened, n.errno, n.limit, n.alreadyOpen].join(' ')");
  if (nofile.rlim_cur <= (1u << 16)) {
    // fds 0, 1 and the memfd were open when main() probed.
    std::ostringstream want;
    want << '"' << nofile.rlim_cur - 3 << ' ' << EMFILE << ' ' << nofile.rlim_cur << " 3\"";
    EXPECT_EQ(n, want.str());
  } else {
    EXPECT_EQ(n.substr(0, 4), "\"-1 ") << n;  // too many to probe
  }
}

TEST_F(HostileTest, EmptyGarbageFrameReachesTheWire) {
  WorkerProcess w(BinPath("stockade-worker-hostile"));
  Start(w);
  ASSERT_TRUE(w.Send(ExecuteFrame(1, "hostile.garbage('empty'); 5")));
  auto empty = w.Read();
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->kind_case(), WorkerFrame::KIND_NOT_SET);
  auto result = w.Read();
  ASSERT_TRUE(result && result->has_result());
  EXPECT_EQ(result->result().value_json(), "5");
}

TEST_F(HostileTest, CrashIsSigsegv) {
  WorkerProcess w(BinPath("stockade-worker-hostile"));
  Start(w);
  ASSERT_TRUE(w.Send(ExecuteFrame(1, "hostile.crash()")));
  const int status = w.Wait();
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

TEST_F(HostileTest, SpinIgnoresTheInterpreterDeadline) {
  WorkerProcess w(BinPath("stockade-worker-hostile"));
  Start(w);
  ASSERT_TRUE(w.Send(ExecuteFrame(1, "hostile.spin()", 50)));
  EXPECT_FALSE(w.Read(300).has_value());  // no Result: only a kill stops it
  const int status = w.Wait(0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

}  // namespace
}  // namespace stockade
