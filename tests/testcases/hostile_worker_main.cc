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
//                          loudly: it expected the worker to die). Two
//                          names are not syscall names: "tiocsti" is
//                          ioctl(0, TIOCSTI) (terminal input injection),
//                          "mprotect_exec"/"mmap_exec" ask for PROT_EXEC;
//                          "ioctl" itself is a harmless FIONREAD, to show
//                          the whole syscall is refused, not just requests.
//   hostile.int80(nr)      i386 syscall `nr` through `int $0x80` (x86-64
//                          only), every argument 0xffffffff so that a call
//                          that did get through is harmless; returns eax.
//   hostile.x32(nr)        x86-64 syscall `nr` | __X32_SYSCALL_BIT (the x32
//                          ABI), arguments -1; returns the result or -errno.
//   hostile.fsize([bytes]) write()s `bytes` zero bytes to a memfd created in
//                          main() (before the filter), or, with no argument,
//                          one byte more than RLIMIT_FSIZE: the kernel must
//                          end the worker with SIGXFSZ. Returns {written,
//                          total (the memfd's size), errno, limit} (limit
//                          -1: none in force) if the worker lives on.
//   hostile.nofile()       what main() saw when it dup(0)ed until refused
//                          before the filter (the loop itself needs dup,
//                          which the filter forbids): {opened, errno, limit,
//                          alreadyOpen}; opened is -1 when the soft limit was
//                          too high to probe.
//   hostile.garbage(kind)  writes a malformed frame straight to fd 1:
//                          "oversized", "unparseable", "truncated" (then
//                          _exit(0)), "empty" (a WorkerFrame with no oneof),
//                          "console_flood" (well-formed console frames far
//                          past the run's output cap) or "wrong_result" (a
//                          Result for an execution that is not running).
//   hostile.crash()        SIGSEGV by a write to address 0.
//   hostile.spin()         a native loop that never returns to Duktape: only
//                          the supervisor's hard kill stops it.
//   hostile.bytes([b...])  a string of exactly these bytes, unchecked: raw
//                          0xFF, truncated sequences, overlong forms (C0 A2
//                          is '"'), 0x82/0xFF hidden-symbol prefixes. Scripts
//                          lost their own ways to make such strings (CBOR),
//                          but a worker that has been taken over writes
//                          whatever bytes it likes into results, console
//                          lines and errors: the supervisor must still
//                          answer valid UTF-8 and valid JSON.
//
// Nothing here may depend on a path or on its own pid: the worker may run
// in new mount and pid namespaces.
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "proto/frame.h"
#include "proto/worker.pb.h"

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
    int pending = 0;
    return Ret(::syscall(SYS_ioctl, 0, FIONREAD, &pending));
  }
  if (name == "tiocsti") {
    char c = 'x';
    return Ret(::syscall(SYS_ioctl, 0, TIOCSTI, &c));
  }
  if (name == "dup") return Ret(::syscall(SYS_dup, 0));
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

duk_ret_t HostileInt80(duk_context* ctx) {
  const long nr = duk_require_int(ctx, 0);
#if defined(__x86_64__)
  long rc;
  const long arg = 0xffffffffL;  // bad fd, bad pointer, bad socketcall: harmless if it ran
  // The compat entry returns with r8-r11 zeroed.
  asm volatile("int $0x80"
               : "=a"(rc)
               : "a"(nr), "b"(arg), "c"(arg), "d"(arg)
               : "r8", "r9", "r10", "r11", "memory", "cc");
  duk_push_number(ctx, static_cast<double>(rc));
  return 1;
#else
  (void)nr;
  return duk_error(ctx, DUK_ERR_TYPE_ERROR, "hostile.int80: x86-64 only");
#endif
}

duk_ret_t HostileX32(duk_context* ctx) {
  const long nr = duk_require_int(ctx, 0);
#if defined(__x86_64__)
  constexpr long kX32SyscallBit = 0x40000000;  // __X32_SYSCALL_BIT
  duk_push_number(ctx, static_cast<double>(Ret(::syscall(nr | kX32SyscallBit, -1L, -1L, -1L))));
  return 1;
#else
  (void)nr;
  return duk_error(ctx, DUK_ERR_TYPE_ERROR, "hostile.x32: x86-64 only");
#endif
}

// Set up in main() while everything is allowed: the filter forbids the
// syscalls that create descriptors or read limits.
int g_memfd = -1;
int g_memfd_errno = 0;
long g_memfd_size = 0;  // what fsize() has written so far, across runs
long g_fsize_limit = -1;  // -1: RLIM_INFINITY

struct NofileProbe {
  long opened = -1;
  int err = 0;
  long limit = -1;
  long already_open = -1;
};
NofileProbe g_nofile;

// Dup'ing up to a huge inherited limit (outside the supervisor) would only
// waste time; the supervisor's limit is small.
constexpr rlim_t kMaxProbedFds = 1 << 16;

void PrepareFsize() {
  // A memfd is a regular shmem file, subject to RLIMIT_FSIZE, and needs no
  // path (the worker may have no filesystem at all).
  g_memfd = ::memfd_create("stockade-hostile-fsize", MFD_CLOEXEC);
  if (g_memfd < 0) g_memfd_errno = errno;
  rlimit lim{};
  if (::getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    g_fsize_limit = static_cast<long>(lim.rlim_cur);
  }
}

void ProbeNofile() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  g_nofile.limit = lim.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long>(lim.rlim_cur);
  if (lim.rlim_cur > kMaxProbedFds) return;
  long open_now = 0;
  for (int fd = 0; fd < static_cast<int>(lim.rlim_cur); ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) ++open_now;
  }
  g_nofile.already_open = open_now;
  std::vector<int> dups;
  for (;;) {
    const int fd = ::dup(0);
    if (fd < 0) {
      g_nofile.err = errno;
      break;
    }
    dups.push_back(fd);
  }
  g_nofile.opened = static_cast<long>(dups.size());
  for (int fd : dups) ::close(fd);
}

void PutNumber(duk_context* ctx, const char* key, double value) {
  duk_push_number(ctx, value);
  duk_put_prop_string(ctx, -2, key);
}

duk_ret_t HostileFsize(duk_context* ctx) {
  if (g_memfd < 0) {
    // The errno number: strerror may want locale files the filter refuses.
    return duk_error(ctx, DUK_ERR_ERROR, "hostile.fsize: memfd_create failed in main: errno %d",
                     g_memfd_errno);
  }
  long want;
  if (duk_is_undefined(ctx, 0)) {
    if (g_fsize_limit < 0) {
      return duk_error(ctx, DUK_ERR_ERROR, "hostile.fsize: no RLIMIT_FSIZE in force, not writing forever");
    }
    // From any offset, limit + 1 bytes more cross the limit.
    want = g_fsize_limit + 1;
  } else {
    want = static_cast<long>(duk_require_number(ctx, 0));
  }
  static const char zeros[64 * 1024] = {};
  long written = 0;
  int err = 0;
  while (written < want) {
    const std::size_t chunk = static_cast<std::size_t>(
        std::min<long>(want - written, static_cast<long>(sizeof(zeros))));
    const ssize_t w = ::write(g_memfd, zeros, chunk);
    if (w <= 0) {
      err = w < 0 ? errno : 0;
      break;
    }
    written += w;
  }
  g_memfd_size += written;
  duk_push_object(ctx);
  PutNumber(ctx, "written", static_cast<double>(written));
  PutNumber(ctx, "total", static_cast<double>(g_memfd_size));
  PutNumber(ctx, "errno", err);
  PutNumber(ctx, "limit", static_cast<double>(g_fsize_limit));
  return 1;
}

duk_ret_t HostileNofile(duk_context* ctx) {
  duk_push_object(ctx);
  PutNumber(ctx, "opened", static_cast<double>(g_nofile.opened));
  PutNumber(ctx, "errno", g_nofile.err);
  PutNumber(ctx, "limit", static_cast<double>(g_nofile.limit));
  PutNumber(ctx, "alreadyOpen", static_cast<double>(g_nofile.already_open));
  return 1;
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

duk_ret_t HostileBytes(duk_context* ctx) {
  std::string bytes;
  for (duk_size_t i = 0, n = duk_get_length(ctx, 0); i < n; ++i) {
    duk_get_prop_index(ctx, 0, static_cast<duk_uarridx_t>(i));
    bytes.push_back(static_cast<char>(duk_to_uint32(ctx, -1) & 0xFF));
    duk_pop(ctx);
  }
  duk_push_lstring(ctx, bytes.data(), bytes.size());
  return 1;
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
  duk_push_c_function(env, HostileInt80, 1);
  duk_put_prop_string(env, -2, "int80");
  duk_push_c_function(env, HostileX32, 1);
  duk_put_prop_string(env, -2, "x32");
  duk_push_c_function(env, HostileFsize, 1);
  duk_put_prop_string(env, -2, "fsize");
  duk_push_c_function(env, HostileNofile, 0);
  duk_put_prop_string(env, -2, "nofile");
  duk_push_c_function(env, HostileBytes, 1);
  duk_put_prop_string(env, -2, "bytes");
  duk_put_prop_string(env, -2, "hostile");
  duk_pop(env);
}

}  // namespace

int main() {
  // The worker loop loads the filter only after Init arrives.
  PrepareFsize();
  ProbeNofile();
  stockade::worker::WorkerOptions options;
  options.extra_bindings.push_back(&InstallHostile);
  ::_exit(stockade::worker::RunWorker(0, 1, std::move(options)));
}
