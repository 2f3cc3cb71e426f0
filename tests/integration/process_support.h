// Shared set-up for integration tests below the pool: where the real worker
// binaries are, a test policy, files and shell commands. test_support.h adds
// a Supervisor on top.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "policy/policy_loader.h"
#include "proto/api.pb.h"
#include "supervisor/common/unique_fd.h"

namespace stockade::testing {

// Two pipes for a spawned child: it reads in_r as its stdin and writes
// out_w as its stdout; the test keeps the other ends.
struct StdioPipes {
  supervisor::UniqueFd in_r, in_w, out_r, out_w;
  StdioPipes() {
    int a[2], b[2];
    EXPECT_EQ(::pipe2(a, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(b, O_CLOEXEC), 0);
    in_r.reset(a[0]);
    in_w.reset(a[1]);
    out_r.reset(b[0]);
    out_w.reset(b[1]);
  }
  // Everything the child writes to its stdout, once it (and every other
  // holder of the write end) closed it. Closes our write end first.
  std::string ReadAll() {
    out_w.reset();
    std::string text;
    char buf[512];
    for (ssize_t n; (n = ::read(out_r.get(), buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    return text;
  }
};

inline std::string WorkerBinary() { return std::string(STOCKADE_BIN_DIR) + "/stockade-worker"; }
inline std::string HostileWorkerBinary() {
  return std::string(STOCKADE_BIN_DIR) + "/stockade-worker-hostile";
}

inline policy::Policy TestPolicy(std::uint32_t pool_size = 2) {
  auto p = policy::LoadPolicy("");
  EXPECT_TRUE(p.ok()) << p.status().message();
  policy::Policy policy = *p;
  policy.mutable_pool()->set_size(pool_size);
  // Fixed size unless a test asks for growth: queueing tests need it.
  policy.mutable_pool()->set_max_size(pool_size);
  return policy;
}

inline api::ExecuteRequest Code(std::string code, std::uint32_t timeout_ms = 0) {
  api::ExecuteRequest r;
  r.set_code(std::move(code));
  if (timeout_ms) r.mutable_limits()->set_timeout_ms(timeout_ms);
  return r;
}

// A whole file as a string ("" if it cannot be read).
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A shell command's exit code and its stdout (add 2>&1 for stderr too).
struct ShellOutput {
  int code = -1;
  std::string out;
};

inline ShellOutput RunShell(const std::string& cmd) {
  ShellOutput o;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
  const int st = ::pclose(p);
  o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

}  // namespace stockade::testing
