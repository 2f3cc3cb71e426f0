// stockade-worker-hostile: the real worker loop plus a `hostile` global.
//
// A misbehaving test program for the escape suite (SPEC §1 tests/testcases):
// the JavaScript drives it, and each method tries exactly one forbidden
// thing from native code, so tests can check that the sandbox stops it and
// what the supervisor reports. It is built only under tests/ and passed to
// the worker loop through WorkerOptions::extra_bindings; none of this code
// is ever compiled into the shipped stockade-worker.
//
//   hostile.syscall(name)  one raw syscall(SYS_x, ...) whose kernel name is
//                          exactly `name`; returns its result or -errno if
//                          the kernel lets it return (the test then fails
//                          loudly: it expected the worker to die).
//   hostile.garbage(kind)  writes a malformed frame straight to fd 1:
//                          "oversized", "unparseable", "truncated" (then
//                          _exit(0)), "empty" (a WorkerFrame with no oneof),
//                          "console_flood" (well-formed console frames far
//                          past the run's output cap) or "wrong_result" (a
//                          Result for an execution that is not running).
//   hostile.crash()        SIGSEGV by a write to address 0.
//   hostile.spin()         a native loop that never returns to Duktape: only
//                          the supervisor's hard kill stops it.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <termios.h>

#include <string>

#include "proto/frame.h"
#include "proto/worker.pb.h"
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "duktape.h"
#include "worker/worker_loop.h"

namespace {

constexpr int kFrameFd = 1;

long Ret(long rc) { return rc < 0 ? -errno : rc; }

long DoSyscall(std::string_view name) {
  if (name == "open") return Ret(::syscall(SYS_open, "/etc/passwd", O_RDONLY));
  if (name == "openat") return Ret(::syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY));
  if (name == "socket") return Ret(::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
  if (name == "connect") {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(9);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return Ret(::syscall(SYS_connect, 0, &addr, sizeof(addr)));
  }
  if (name == "execve") {
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    char* const envp[] = {nullptr};
    return Ret(::syscall(SYS_execve, "/bin/true", argv, envp));
  }
  if (name == "fork") {
    const long rc = ::syscall(SYS_fork);
    if (rc == 0) ::_exit(0);  // the child must not run a second worker
    return Ret(rc);
  }
  if (name == "clone") {
    // Flags that create a new process (like fork); no CLONE_VM, so the
    // child may simply return... it exits at once instead.
    const long rc = ::syscall(SYS_clone, SIGCHLD, 0, nullptr, nullptr, 0);
    if (rc == 0) ::_exit(0);
    return Ret(rc);
  }
  if (name == "clone3") {
    clone_args args{};
    args.exit_signal = SIGCHLD;
    const long rc = ::syscall(SYS_clone3, &args, sizeof(args));
    if (rc == 0) ::_exit(0);
    return Ret(rc);
  }
  if (name == "ptrace") return Ret(::syscall(SYS_ptrace, PTRACE_TRACEME, 0, nullptr, nullptr));
  if (name == "mprotect_exec") {
    static char page[8192] __attribute__((aligned(4096)));
    return Ret(::syscall(SYS_mprotect, page, 4096, PROT_READ | PROT_EXEC));
  }
  if (name == "mmap_exec") {
    return Ret(::syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  }
  if (name == "io_uring_setup") {
    unsigned char params[120] = {};  // struct io_uring_params
    return Ret(::syscall(SYS_io_uring_setup, 1, params));
  }
  if (name == "ioctl") {
    char c = 'x';
    return Ret(::syscall(SYS_ioctl, 0, TIOCSTI, &c));
  }
  if (name == "kill") return Ret(::syscall(SYS_kill, 1, 0));
  if (name == "getpid") return Ret(::syscall(SYS_getpid));
  return -ENOSYS;
}

// No C++ objects with destructors live in these frames: duk_error()
// longjmps out of them.
duk_ret_t HostileSyscall(duk_context* ctx) {
  const char* name = duk_require_string(ctx, 0);
  const long rc = DoSyscall(name);
  if (rc == -ENOSYS && std::string_view(name) != "io_uring_setup") {
    (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "hostile.syscall: unknown name %s", name);
  }
  duk_push_number(ctx, static_cast<double>(rc));
  return 1;
}

void RawWrite(const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(kFrameFd, c, n);
    if (w <= 0) return;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
}

duk_ret_t HostileGarbage(duk_context* ctx) {
  const std::string_view kind = duk_require_string(ctx, 0);
  if (kind == "oversized") {
    const unsigned char bytes[] = {0xF0, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4};
    RawWrite(bytes, sizeof(bytes));
  } else if (kind == "unparseable") {
    const unsigned char bytes[] = {8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    RawWrite(bytes, sizeof(bytes));
  } else if (kind == "truncated") {
    const unsigned char bytes[] = {100, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    RawWrite(bytes, sizeof(bytes));
    ::_exit(0);
  } else if (kind == "empty") {
    const unsigned char bytes[] = {0, 0, 0, 0};
    RawWrite(bytes, sizeof(bytes));
  } else if (kind == "console_flood") {
    stockade::wire::WorkerFrame frame;
    auto* line = frame.mutable_console()->add_lines();
    line->set_stream(stockade::api::STDOUT);
    line->set_text(std::string(60 * 1024, 'f'));
    std::string bytes;
    (void)stockade::wire::AppendFrame(frame, 1u << 20, &bytes);
    for (int i = 0; i < 200; ++i) RawWrite(bytes.data(), bytes.size());  // ~12 MB
  } else if (kind == "wrong_result") {
    stockade::wire::WorkerFrame frame;
    frame.mutable_result()->set_execution_id(0xDEADBEEF);
    frame.mutable_result()->set_status(stockade::api::OK);
    frame.mutable_result()->set_value_json("\"forged\"");
    std::string bytes;
    (void)stockade::wire::AppendFrame(frame, 1u << 20, &bytes);
    RawWrite(bytes.data(), bytes.size());
  } else {
    (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "hostile.garbage: unknown kind %s", kind.data());
  }
  return 0;
}

duk_ret_t HostileCrash(duk_context*) {
  volatile int* null_ptr = nullptr;
  *null_ptr = 42;  // the kernel delivers SIGSEGV
  return 0;
}

duk_ret_t HostileSpin(duk_context*) {
  volatile std::uint64_t counter = 0;
  for (;;) counter = counter + 1;
}

void InstallHostile(duk_context* env) {
  duk_push_global_object(env);
  duk_push_object(env);
  duk_push_c_function(env, HostileSyscall, 1);
  duk_put_prop_string(env, -2, "syscall");
  duk_push_c_function(env, HostileGarbage, 1);
  duk_put_prop_string(env, -2, "garbage");
  duk_push_c_function(env, HostileCrash, 0);
  duk_put_prop_string(env, -2, "crash");
  duk_push_c_function(env, HostileSpin, 0);
  duk_put_prop_string(env, -2, "spin");
  duk_put_prop_string(env, -2, "hostile");
  duk_pop(env);
}

}  // namespace

int main() {
  stockade::worker::WorkerOptions options;
  options.extra_bindings.push_back(&InstallHostile);
  ::_exit(stockade::worker::RunWorker(0, 1, std::move(options)));
}
